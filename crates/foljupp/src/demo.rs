//! Demo data: the Stockholm organisation and three years of synthetic
//! registrations at the scale and shares of the seed report (about 2,300
//! conversations, 1,700 home visits, 200 group meetings and 30 programme
//! groups a year; a mother in ~90 % and a father in ~40 % of conversations;
//! ~28 % new contacts; ~95 % of conversations in series of five or fewer).
//! Every synthetic registration goes through the same decoder as real input.

use anyhow::{Context, Result};
use foljupp_core::forms::DecodeContext;
use foljupp_core::{FormSet, Input, Kind, Organisation, Registration, Role};
use foljupp_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Duration};

/// The seven outer districts carry the programme (seed 003), and most of
/// the volume; the others joined later with less.
const DISTRICT_WEIGHTS: [(&str, u32); 13] = [
    ("rinkeby-kista", 16),
    ("spanga-tensta", 13),
    ("enskede-arsta-vantor", 14),
    ("hasselby-vallingby", 12),
    ("skarholmen", 11),
    ("farsta", 10),
    ("skarpnack", 9),
    ("ostermalm", 4),
    ("hagersten-alvsjo", 4),
    ("bromma", 3),
    ("sodermalm", 2),
    ("kungsholmen", 1),
    ("norrmalm", 1),
];

pub(crate) const OUTER: [&str; 7] = [
    "rinkeby-kista",
    "spanga-tensta",
    "enskede-arsta-vantor",
    "hasselby-vallingby",
    "skarholmen",
    "farsta",
    "skarpnack",
];

pub const DEMO_ADMIN: &str = "admin";

/// Fills an empty database with demo data and (re)sets the demo admin's
/// password, printing it: a demo is for looking around, so the credentials
/// are shown at every start.
pub async fn ensure_demo(store: &Store, municipality: &str) -> Result<()> {
    ensure_demo_with(
        store,
        municipality,
        time::OffsetDateTime::now_utc().date(),
        1.0,
    )
    .await
}

/// The demo data as of another day and at another scale (1.0: a district's
/// real volume); `scripts/make-migration-fixture` uses a fixed day and a
/// small scale so that its fixture is reproducible and small.
pub async fn ensure_demo_with(
    store: &Store,
    municipality: &str,
    today: Date,
    scale: f64,
) -> Result<()> {
    let counts = store.count_registrations(municipality).await?;
    if counts.values().all(|&n| n == 0) {
        let regs = generate_scaled(store.forms(), &Organisation::stockholm(), today, scale)?;
        let n = regs.len();
        eprintln!("Skapar demodata: {n} registreringar för tre år …");
        store
            .insert_registrations(municipality, &regs, &mut |_| {})
            .await?;
        let entries = crate::demo_catalogue::ensure_demo_offers(
            store,
            municipality,
            &Organisation::stockholm(),
            today,
        )
        .await?;
        crate::demo_steering::ensure(store, municipality, today).await?;
        eprintln!("Demodata klar ({entries} uppdateringar av katalogens uppgifter).");
    } else {
        eprintln!("Databasen innehåller redan registreringar; ingen demodata lades till.");
    }
    let password = format!("demo-{}", &foljupp_store::random_token()[..16]);
    let hash = foljupp_web::hash_password(&password)?;
    match store.account_by_name(DEMO_ADMIN).await? {
        Some(a) => store.set_password(a.id, &hash).await?,
        None => {
            store
                .create_account(municipality, DEMO_ADMIN, Role::Admin, None, &hash)
                .await?;
        }
    }
    println!("Demo: logga in som {DEMO_ADMIN} med lösenordet {password}");
    Ok(())
}

fn pick<'a>(rng: &mut StdRng, weighted: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (v, w) in weighted {
        if x < *w {
            return v;
        }
        x -= w;
    }
    weighted.first().map(|(v, _)| *v).unwrap_or("")
}

fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.gen_bool(p.clamp(0.0, 1.0))
}

struct Builder(Input);

impl Builder {
    fn new(date: Date, district: &str) -> Builder {
        let mut i = Input::new();
        i.insert("date".into(), vec![foljupp_core::format_date(date)]);
        i.insert("district".into(), vec![district.into()]);
        Builder(i)
    }
    fn set(&mut self, k: &str, v: impl Into<String>) {
        self.0.insert(k.into(), vec![v.into()]);
    }
    fn set_many(&mut self, k: &str, vs: Vec<String>) {
        if !vs.is_empty() {
            self.0.insert(k.into(), vs);
        }
    }
}

fn answer(rng: &mut StdRng, top: u32) -> &'static str {
    pick(
        rng,
        &[
            ("yes_really", top),
            ("yes", 95 - top),
            ("not_really", 3),
            ("not_at_all", 1),
            ("no_answer", 1),
        ],
    )
}

/// Synthetic registrations from `first_year` to `today` (three years when
/// `first_year` is two years back), deterministic for a given `today`.
#[cfg(test)]
pub fn generate(forms: &FormSet, org: &Organisation, today: Date) -> Result<Vec<Registration>> {
    generate_scaled(forms, org, today, 1.0)
}

/// As `generate`, with every yearly volume multiplied by `scale`.
pub fn generate_scaled(
    forms: &FormSet,
    org: &Organisation,
    today: Date,
    scale: f64,
) -> Result<Vec<Registration>> {
    let mut rng = StdRng::seed_from_u64(2019);
    let first_year = today.year() - 2;
    let start = Date::from_calendar_date(first_year, time::Month::January, 1)?;
    let ctx = DecodeContext {
        organisation: org,
        today,
    };
    let days = (today - start).whole_days().max(1);
    let mut inputs: Vec<(Kind, Input)> = Vec::new();
    let per_year = |n: f64| (n * scale * days as f64 / 365.0) as usize;
    let random_day = |rng: &mut StdRng| {
        // Fewer activities in July, when most staff are on leave.
        loop {
            let d = start + Duration::days(rng.gen_range(0..=days));
            if d.month() != time::Month::July || chance(rng, 0.3) {
                return d;
            }
        }
    };
    let languages: [(&str, u32); 10] = [
        ("so", 24),
        ("ar", 30),
        ("ti", 14),
        ("fa", 8),
        ("prs", 6),
        ("am", 5),
        ("tr", 4),
        ("ckb", 3),
        ("pl", 3),
        ("es", 3),
    ];
    for _ in 0..per_year(2300.0) {
        let date = random_day(&mut rng);
        let district = pick(&mut rng, &DISTRICT_WEIGHTS);
        let mut b = Builder::new(date, district);
        if chance(&mut rng, 0.6) {
            b.set("unit", format!("{district}-foraldraradgivning"));
        }
        let d = org.district(district).context("demo district")?;
        let area = if chance(&mut rng, 0.05) {
            "outside".to_string()
        } else if chance(&mut rng, 0.04) {
            "unknown".to_string()
        } else {
            d.areas[rng.gen_range(0..d.areas.len())].0.clone()
        };
        b.set("resident_area", area);
        let age = pick(
            &mut rng,
            &[("expecting", 12), ("0-6", 45), ("7-12", 25), ("13-17", 18)],
        );
        let mut ages = vec![age.to_string()];
        if age == "0-6" && chance(&mut rng, 0.1) {
            ages.push("7-12".into());
        }
        let role = if age == "expecting" {
            "expecting"
        } else {
            "parent"
        };
        let shape = pick(&mut rng, &[("both", 30), ("mother", 60), ("father", 10)]);
        let mut participants = Vec::new();
        if shape != "father" {
            participants.push(format!("{role}:woman"));
        }
        if shape != "mother" {
            participants.push(format!("{role}:man"));
        }
        if chance(&mut rng, 0.02) {
            participants.push(format!(
                "other_adult:{}",
                pick(&mut rng, &[("woman", 2), ("man", 1)])
            ));
        }
        b.set_many("participants", participants);
        let outer = OUTER.contains(&district);
        if chance(&mut rng, if outer { 0.3 } else { 0.08 }) {
            b.set("language", pick(&mut rng, &languages));
        }
        b.set("children", rng.gen_range(1..=4).to_string());
        b.set_many("age_groups", ages);
        let no = pick(
            &mut rng,
            &[
                ("1", 28),
                ("2", 22),
                ("3", 17),
                ("4", 14),
                ("5", 13),
                ("6", 6),
            ],
        );
        b.set("conversation_no", no);
        if no == "1" || chance(&mut rng, 0.3) {
            b.set(
                "how_found",
                pick(
                    &mut rng,
                    &[
                        ("bvc", 30),
                        ("earlier_contact", 18),
                        ("home_visit_programme", 14),
                        ("bmm", 9),
                        ("reception_unit", 8),
                        ("web", 6),
                        ("open_preschool", 5),
                        ("preschool", 3),
                        ("friend_relative", 3),
                        ("brochure", 2),
                        ("civil_society", 1),
                        ("other", 1),
                    ],
                ),
            );
        }
        b.set(
            "form",
            pick(
                &mut rng,
                &[("in_person", 60), ("phone", 25), ("video", 8), ("walk", 7)],
            ),
        );
        b.set(
            "next_step",
            pick(
                &mut rng,
                &[
                    ("new_conversation", 55),
                    ("concluded", 25),
                    ("parenting_programme", 6),
                    ("health_care", 4),
                    ("reception_unit", 3),
                    ("open_preschool", 3),
                    ("other_municipal", 2),
                    ("civil_society", 1),
                    ("home_visit_programme", 1),
                ],
            ),
        );
        if chance(&mut rng, 0.6) {
            let a = answer(&mut rng, 62);
            b.set("q_right_topics", a);
            let a = answer(&mut rng, 70);
            b.set("q_helpful", a);
            if no == "1" {
                let a = answer(&mut rng, 66);
                b.set("q_easy_reach", a);
            } else {
                let a = answer(&mut rng, 80);
                b.set("q_recommend", a);
            }
        }
        inputs.push((Kind::Conversation, b.0));
    }
    let programme_districts: Vec<(&str, u32)> = DISTRICT_WEIGHTS
        .iter()
        .copied()
        .filter(|(d, _)| OUTER.contains(d))
        .collect();
    let sites: [(&str, &str); 7] = [
        ("rinkeby-kista", "rinkeby"),
        ("spanga-tensta", "spanga-tensta"),
        ("enskede-arsta-vantor", "ragsved"),
        ("hasselby-vallingby", "vallingby"),
        ("skarholmen", "skarholmen"),
        ("farsta", "farsta"),
        ("skarpnack", "skarpnack"),
    ];
    for _ in 0..per_year(1700.0) {
        let date = random_day(&mut rng);
        let district = pick(&mut rng, &programme_districts);
        let mut b = Builder::new(date, district);
        if let Some((_, site)) = sites.iter().find(|(d, _)| *d == district) {
            b.set("programme_site", *site);
        }
        let visit = pick(
            &mut rng,
            &[
                ("1", 22),
                ("2", 19),
                ("3", 17),
                ("4", 16),
                ("5", 14),
                ("6", 12),
            ],
        );
        b.set("visit_no", visit);
        let mut present = Vec::new();
        for (who, p) in [
            ("mother", 0.97),
            ("father", 0.55),
            ("other_adult", 0.08),
            ("siblings", 0.2),
            ("interpreter", 0.15),
        ] {
            if chance(&mut rng, p) {
                present.push(who.to_string());
            }
        }
        b.set_many("present", present);
        if chance(&mut rng, 0.4) {
            b.set("language", pick(&mut rng, &languages));
        }
        b.set(
            "form",
            pick(
                &mut rng,
                &[("home", 80), ("bvc", 12), ("video", 5), ("paused", 3)],
            ),
        );
        if chance(&mut rng, 0.15) {
            b.set("further_contacts", "yes");
            b.set(
                "further_contacts_to",
                pick(
                    &mut rng,
                    &[
                        ("open_preschool", 4),
                        ("advice_conversation", 3),
                        ("parenting_programme", 2),
                        ("reception_unit", 1),
                    ],
                ),
            );
        } else {
            b.set("further_contacts", "no");
        }
        for f in [
            "nc_health",
            "nc_nutrition",
            "nc_responsive_care",
            "nc_early_learning",
            "nc_safety",
        ] {
            b.set(f, rng.gen_range(1..=3).to_string());
        }
        if (visit == "5" || visit == "6") && chance(&mut rng, 0.7) {
            let a = answer(&mut rng, 78);
            b.set("programme_helpful", a);
        }
        inputs.push((Kind::HomeVisit, b.0));
    }
    for _ in 0..per_year(200.0) {
        let date = random_day(&mut rng);
        let district = pick(&mut rng, &DISTRICT_WEIGHTS);
        let mut b = Builder::new(date, district);
        b.set("unit", format!("{district}-familjecentral"));
        b.set(
            "meeting_kind",
            pick(
                &mut rng,
                &[
                    ("theme_meeting", 6),
                    ("dialogue_cafe", 3),
                    ("open_lecture", 1),
                ],
            ),
        );
        b.set(
            "theme",
            pick(
                &mut rng,
                &[
                    ("sleep", 3),
                    ("food", 2),
                    ("language_development", 3),
                    ("limits", 2),
                    ("screens", 2),
                    ("preschool_start", 2),
                    ("society_information", 1),
                ],
            ),
        );
        b.set_many(
            "partners",
            vec![pick(
                &mut rng,
                &[
                    ("bvc", 4),
                    ("open_preschool", 4),
                    ("library", 2),
                    ("sfi", 2),
                    ("civil_society", 1),
                ],
            )
            .to_string()],
        );
        b.set_many(
            "target_group",
            vec![pick(&mut rng, &[("0-6", 6), ("expecting", 2), ("7-12", 1)]).to_string()],
        );
        let women: u32 = rng.gen_range(3..=18);
        let men: u32 = rng.gen_range(0..=6);
        b.set("women", women.to_string());
        b.set("men", men.to_string());
        b.set(
            "other_gender",
            if chance(&mut rng, 0.1) { "1" } else { "0" },
        );
        let answered = (women + men) * 2 / 3;
        let top = answered * 2 / 3;
        b.set("q_helpful_yes_really", top.to_string());
        b.set("q_helpful_yes", (answered - top).to_string());
        inputs.push((Kind::GroupMeeting, b.0));
    }
    let programmes: [(&str, u32); 8] = [
        ("cos_p", 6),
        ("ikomet", 3),
        ("komet", 3),
        ("icdp", 4),
        ("active_parenting", 2),
        ("connect", 2),
        ("abc", 4),
        ("fos", 3),
    ];
    for _ in 0..per_year(30.0) {
        let date = random_day(&mut rng);
        let district = pick(&mut rng, &DISTRICT_WEIGHTS);
        let mut b = Builder::new(date, district);
        b.set(
            "end_date",
            foljupp_core::format_date(date + Duration::weeks(rng.gen_range(6..=12))),
        );
        b.set("programme", pick(&mut rng, &programmes));
        b.set(
            "form",
            pick(&mut rng, &[("in_person", 8), ("video", 1), ("mixed", 1)]),
        );
        let planned = rng.gen_range(6..=10);
        b.set("sessions_planned", planned.to_string());
        b.set(
            "sessions_held",
            (planned - rng.gen_range(0..=1)).to_string(),
        );
        let sw: u32 = rng.gen_range(4..=10);
        let sm: u32 = rng.gen_range(0..=5);
        b.set("started_women", sw.to_string());
        b.set("started_men", sm.to_string());
        b.set(
            "completed_women",
            (sw * rng.gen_range(70..=95) / 100).to_string(),
        );
        b.set(
            "completed_men",
            (sm * rng.gen_range(60..=90) / 100).to_string(),
        );
        b.set("q_helpful_yes_really", (sw / 2).to_string());
        b.set("q_helpful_yes", (sw / 3).to_string());
        inputs.push((Kind::ProgrammeGroup, b.0));
    }
    for _ in 0..per_year(150.0) {
        let date = random_day(&mut rng);
        let district = pick(&mut rng, &DISTRICT_WEIGHTS);
        let mut b = Builder::new(date, district);
        b.set_many(
            "partners",
            vec![pick(
                &mut rng,
                &[
                    ("bvc", 4),
                    ("bmm", 2),
                    ("open_preschool", 3),
                    ("preschool", 2),
                    ("reception_unit", 1),
                ],
            )
            .to_string()],
        );
        b.set(
            "activity_kind",
            pick(
                &mut rng,
                &[
                    ("joint_parent_group", 3),
                    ("planning_meeting", 4),
                    ("consultation", 2),
                    ("joint_event", 1),
                ],
            ),
        );
        inputs.push((Kind::Collaboration, b.0));
    }
    // Open preschools report per tertial; one in five reports is missing,
    // as in the seed, so that the completeness view has something to show.
    let mut t = foljupp_core::Tertial::of(start);
    while t.last_day() < today {
        for d in &org.districts {
            if chance(&mut rng, 0.8) {
                let mut b = Builder::new(t.last_day(), &d.code);
                b.set("unit", format!("{}-oppna-forskolan", d.code));
                b.set("year", t.year.to_string());
                b.set("tertial", t.number.to_string());
                b.set("opening_hours", rng.gen_range(12..=30).to_string());
                b.set("visits_adults", rng.gen_range(300..=1500).to_string());
                b.set("visits_children", rng.gen_range(350..=1800).to_string());
                inputs.push((Kind::OpenPreschoolReport, b.0));
            }
        }
        t = t.next();
    }
    inputs
        .into_iter()
        .map(|(kind, input)| {
            forms
                .decode(kind, &input, &ctx)
                .map_err(|e| anyhow::anyhow!("demo data for {kind} is invalid: {e:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_has_the_seed_report_scale() {
        let today = time::macros::date!(2026 - 12 - 31);
        let regs = generate(&FormSet::defaults(), &Organisation::stockholm(), today).unwrap();
        let year = |k: Kind| {
            regs.iter()
                .filter(|r| r.kind == k && r.date.year() == 2025)
                .count()
        };
        let conv = year(Kind::Conversation);
        assert!((2000..2600).contains(&conv), "{conv}");
        assert!((1450..1950).contains(&year(Kind::HomeVisit)));
        assert!((150..260).contains(&year(Kind::GroupMeeting)));
        assert!((15..50).contains(&year(Kind::ProgrammeGroup)));
        assert!(regs.iter().all(|r| r.date <= today));
        let with_mother = regs
            .iter()
            .filter(|r| r.kind == Kind::Conversation)
            .filter(|r| {
                r.participants()
                    .iter()
                    .any(|p| p.gender == "woman" && p.role != "other_adult")
            })
            .count();
        let share = with_mother as f64
            / regs.iter().filter(|r| r.kind == Kind::Conversation).count() as f64;
        assert!((0.85..0.95).contains(&share), "{share}");
    }
}
