//! Demo entries of the catalogue of support: which districts offer what, and
//! a year of waiting times and free places behind each entry, so that the
//! catalogue, the "starts sooner in …" hints, the stale flags and the trends
//! have something to show. Synthetic throughout: contacts use the telephone
//! numbers PTS reserves for fiction (08-465 004 00–99) and the reserved
//! `.invalid` domain. Every entry goes through the same form decoder as a
//! district lead's input.

use anyhow::{anyhow, Result};
use foljupp_core::catalogue::{default_interventions, Category, OfferInput};
use foljupp_core::Organisation;
use foljupp_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Duration};

/// Fills the catalogue's district entries when none exist yet; returns how
/// many entry updates were stored.
pub async fn ensure_demo_offers(
    store: &Store,
    municipality: &str,
    org: &Organisation,
    today: Date,
) -> Result<usize> {
    store
        .ensure_catalogue(municipality, &default_interventions())
        .await?;
    if !store.offers(municipality, None).await?.is_empty() {
        return Ok(0);
    }
    let interventions = store.interventions(municipality, false).await?;
    let mut rng = StdRng::seed_from_u64(2012);
    let mut saved = 0;
    let mut number = 0u32;
    for (n, d) in org.districts.iter().enumerate() {
        // Waiting times differ sharply between districts (seed 002).
        let district_queue = [0, 1, 3, 6][n % 4];
        for i in &interventions {
            let outer = crate::demo::OUTER.contains(&d.code.as_str());
            let p_offered = match (i.category, i.code.as_str()) {
                (Category::HomeVisit, _) => {
                    if outer {
                        1.0
                    } else {
                        0.0
                    }
                }
                (Category::AdviceConversation, _) => 0.95,
                (Category::OpenActivity, _) => 1.0,
                (_, "komet" | "abc" | "icdp" | "cos_p") => 0.8,
                _ => 0.45,
            };
            let offered = rng.gen_bool(p_offered);
            let (unit, mailbox) = match (i.category, i.code.as_str()) {
                (Category::AdviceConversation, _) => {
                    ("Föräldrarådgivningen", "foraldraradgivningen")
                }
                (_, "open_preschool") => ("Öppna förskolan", "oppnaforskolan"),
                (Category::HomeVisit, _) => ("Hembesöksprogrammet", "hembesok"),
                (Category::ChildrensGroup, _) => ("Barngrupperna", "barngrupper"),
                _ => ("Familjecentralen", "familjecentralen"),
            };
            let contact_phone = format!("08-465 004 {:02}", number % 100);
            number += 1;
            let group = i.category.has_group_starts();
            let max_wait: i64 = match i.category {
                Category::ParentingProgramme | Category::ChildrensGroup | Category::Other => 14,
                Category::AdviceConversation => 3,
                _ => 0,
            };
            // The last update 0–130 days ago: some entries are stale.
            let last = today - Duration::days(rng.gen_range(0..=130));
            let mut day = if offered {
                last - Duration::days(30 * 11)
            } else {
                last
            };
            let mut wait = (district_queue + rng.gen_range(0..=3)).min(max_wait);
            loop {
                wait = (wait + rng.gen_range(-2..=2)).clamp(0, max_wait);
                let input = OfferInput {
                    offered: if offered { "yes" } else { "no" }.into(),
                    contact_unit: format!("{unit} {}", d.name),
                    contact_phone: contact_phone.clone(),
                    contact_email: format!("{mailbox}.{}@demo.invalid", d.code.replace('-', "")),
                    waiting_weeks: if offered {
                        wait.to_string()
                    } else {
                        String::new()
                    },
                    next_start: if offered && group {
                        foljupp_core::format_date(day + Duration::weeks(rng.gen_range(1..=16)))
                    } else {
                        String::new()
                    },
                    free_places: if offered && group {
                        rng.gen_range(0..=8).to_string()
                    } else {
                        String::new()
                    },
                };
                let offer = input
                    .decode(&i.code, &d.code, day)
                    .map_err(|e| anyhow!("demo entry {} {}: {e:?}", i.code, d.code))?;
                store.save_offer(municipality, &offer).await?;
                saved += 1;
                if day >= last {
                    break;
                }
                day = (day + Duration::days(30)).min(last);
            }
        }
    }
    Ok(saved)
}
