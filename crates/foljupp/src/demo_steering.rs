//! Demo data of the steering instruments: two Spindeln rounds half a year
//! apart in the seven outer districts (the second a little better, as the
//! seed describes collaboration growing), and submitted status reports for
//! the last completed tertial. Synthetic, and made through the same store
//! functions as real input.

use anyhow::Result;
use foljupp_core::steering::{
    StrategyEntry, ITEM_COUNT, PARTIES, SPINDELN_ITEMS, STRATEGIES, STRATEGY_STATUSES,
};
use foljupp_core::Tertial;
use foljupp_store::{LinkHash, NewRound, StatusContent, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Duration};

const OUTER: [&str; 7] = [
    "rinkeby-kista",
    "spanga-tensta",
    "enskede-arsta-vantor",
    "hasselby-vallingby",
    "skarholmen",
    "farsta",
    "skarpnack",
];

pub async fn ensure(store: &Store, municipality: &str, today: Date) -> Result<()> {
    if !store.spindeln_rounds(municipality).await?.is_empty() {
        return Ok(());
    }
    let mut rng = StdRng::seed_from_u64(2019);
    let mut previous = None;
    for (k, days_ago) in [(1, 365), (2, 180)] {
        let day = today - Duration::days(days_ago);
        let round = NewRound {
            name: format!("Mätning {k}"),
            day: foljupp_core::format_date(day),
            districts: OUTER.iter().map(|d| d.to_string()).collect(),
            parties: PARTIES.iter().map(|(c, _, _)| c.to_string()).collect(),
            items: SPINDELN_ITEMS
                .iter()
                .map(|i| i.default_text_sv.to_string())
                .collect(),
            scale_max: 5,
            previous_round: previous,
        };
        // Links nobody will use: a demo round is already answered.
        let links: Vec<LinkHash> = round
            .districts
            .iter()
            .flat_map(|d| {
                round.parties.iter().map(move |p| LinkHash {
                    district: d.clone(),
                    party: p.clone(),
                    code_hash: foljupp_web::sha256_hex(&foljupp_store::random_token()),
                })
            })
            .collect();
        let id = store
            .create_spindeln_round(municipality, &round, &links)
            .await?;
        for (di, d) in OUTER.iter().enumerate() {
            // Each district its own level; round 2 about half a step up.
            let level = 2.4 + (di as f64 * 0.23) % 1.2 + if k == 2 { 0.5 } else { 0.0 };
            for (pi, (party, _, _)) in PARTIES.iter().enumerate() {
                // Some parties answer in small numbers, as in life: they are
                // then shown only pooled.
                let n = if pi == 3 && di % 2 == 0 {
                    3
                } else {
                    rng.gen_range(5..9)
                };
                for _ in 0..n {
                    let mut ratings = [None; ITEM_COUNT];
                    for (i, r) in ratings.iter_mut().enumerate() {
                        if rng.gen_bool(0.06) {
                            continue; // "vet ej"
                        }
                        let item_shift = [0.2, -0.3, 0.0, -0.6, 0.3, 0.1, 0.4, 0.0, -0.4][i];
                        let x = level + item_shift + rng.gen_range(-1.2..1.2);
                        *r = Some(x.round().clamp(1.0, 5.0) as u8);
                    }
                    let answer = foljupp_core::steering::SpindelnAnswer {
                        district: d.to_string(),
                        party: party.to_string(),
                        ratings,
                    };
                    store.insert_spindeln_answer(id, &answer).await?;
                }
            }
        }
        store.set_spindeln_closed(id, true).await?;
        previous = Some(id);
    }
    // Status reports of the last completed tertial: five districts have
    // submitted, one has a draft.
    let t = Tertial::of(today);
    let last = if t.number == 1 {
        Tertial::new(t.year - 1, 3)
    } else {
        Tertial::new(t.year, t.number - 1)
    };
    if let Some(last) = last {
        for (di, d) in OUTER.iter().enumerate().take(6) {
            let content = StatusContent {
                strategies: STRATEGIES
                    .iter()
                    .enumerate()
                    .map(|(si, (code, _, _))| {
                        let status = STRATEGY_STATUSES[(di + si) % 4].0;
                        (
                            code.to_string(),
                            StrategyEntry {
                                status: status.to_string(),
                                comment: match status {
                                    "established" => "Fungerar enligt plan.".into(),
                                    "ongoing" => "Startat under tertialen.".into(),
                                    "planned" => "Planeras till nästa tertial.".into(),
                                    _ => String::new(),
                                },
                            },
                        )
                    })
                    .collect(),
                works: "Samarbetet med BVC kring gemensamma föräldragrupper.".into(),
                challenges: "Svårt att nå pappor; personalomsättning på öppna förskolan.".into(),
                next_steps: "Tematräffar på fler språk och en gemensam planeringsdag.".into(),
            };
            store
                .save_status_report(municipality, d, last.year, last.number, &content, di < 5)
                .await?;
        }
    }
    Ok(())
}
