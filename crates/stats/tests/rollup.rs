//! The fast path (precomputed rollups) and a plain recomputation from the
//! registrations give identical reports, on random data and random requests.

use foljupp_core::forms::DecodeContext;
use foljupp_core::{Date, FormSet, Input, Kind, Organisation, Period, Registration};
use foljupp_stats::{build_report, kpi_series, ReportRequest, Rollup, RollupBuilder};
use proptest::prelude::*;
use std::sync::OnceLock;
use time::macros::date;

/// A small deterministic generator, so the data set is built once.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next(xs.len() as u64) as usize]
    }
}

fn data() -> &'static (Organisation, Vec<Registration>) {
    static DATA: OnceLock<(Organisation, Vec<Registration>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let org = Organisation::stockholm();
        let forms = FormSet::defaults();
        let ctx = DecodeContext {
            organisation: &org,
            today: date!(2030 - 01 - 01),
        };
        let mut rng = Lcg(7);
        let districts = ["farsta", "rinkeby-kista", "skarholmen", "bromma"];
        let answers = ["yes_really", "yes", "not_really", "not_at_all", "no_answer"];
        let mut regs = Vec::new();
        for i in 0..6000u64 {
            let day = date!(2019 - 01 - 01) + time::Duration::days(rng.next(3 * 365 + 60) as i64);
            let district = rng.pick(&districts);
            let mut input = Input::new();
            let mut set = |k: &str, v: String| {
                input.insert(k.to_string(), vec![v]);
            };
            set("date", foljupp_core::format_date(day));
            set("district", district.to_string());
            let kind = match i % 10 {
                0..=5 => Kind::Conversation,
                6..=7 => Kind::HomeVisit,
                8 => Kind::GroupMeeting,
                _ => Kind::ProgrammeGroup,
            };
            match kind {
                Kind::Conversation => {
                    let no = 1 + rng.next(6);
                    set("conversation_no", no.to_string());
                    set(
                        "participants",
                        rng.pick(&[
                            "parent:woman",
                            "parent:woman;parent:man",
                            "parent:man",
                            "expecting:woman;other_adult:man",
                        ])
                        .to_string(),
                    );
                    set("language", rng.pick(&["so", "ar", "ti", "fa"]).to_string());
                    set(
                        "how_found",
                        rng.pick(&["bvc", "bmm", "web", "other"]).to_string(),
                    );
                    set(
                        "age_groups",
                        rng.pick(&["0-6", "expecting", "7-12;13-17"]).to_string(),
                    );
                    set(
                        "resident_area",
                        rng.pick(&["husby", "farsta", "outside", "unknown"])
                            .to_string(),
                    );
                    set("q_helpful", rng.pick(&answers).to_string());
                    if no > 1 {
                        set("q_recommend", rng.pick(&answers).to_string());
                    }
                }
                Kind::HomeVisit => {
                    let v = 1 + rng.next(6);
                    set("visit_no", v.to_string());
                    set(
                        "present",
                        rng.pick(&["mother", "mother;father", "father;other_adult"])
                            .to_string(),
                    );
                    if v >= 5 {
                        set("programme_helpful", rng.pick(&answers).to_string());
                    }
                }
                Kind::GroupMeeting => {
                    set("women", rng.next(15).to_string());
                    set("men", rng.next(6).to_string());
                    set("q_helpful_yes", rng.next(9).to_string());
                }
                _ => {
                    let s = rng.next(12);
                    set("started_women", s.to_string());
                    set("completed_women", rng.next(s + 1).to_string());
                }
            }
            regs.push(
                forms
                    .decode(kind, &input, &ctx)
                    .expect("generated input is valid"),
            );
        }
        (org, regs)
    })
}

fn rollup() -> &'static Rollup {
    static R: OnceLock<Rollup> = OnceLock::new();
    R.get_or_init(|| {
        let mut r = Rollup::new();
        for reg in &data().1 {
            r.add(reg);
        }
        r
    })
}

/// The same counts filled in bulk (a rebuild: days first, months summed).
fn built() -> &'static Rollup {
    static R: OnceLock<Rollup> = OnceLock::new();
    R.get_or_init(|| {
        // In two parts merged, as a parallel rebuild does.
        let (regs, mut b, mut other) = (&data().1, RollupBuilder::new(), RollupBuilder::new());
        for (i, reg) in regs.iter().enumerate() {
            if i % 3 == 0 {
                other.add(reg);
            } else {
                b.add(reg);
            }
        }
        b.merge(other);
        b.finish()
    })
}

fn day(offset: u32) -> Date {
    date!(2019 - 01 - 01) + time::Duration::days(i64::from(offset))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]
    #[test]
    fn rollup_reports_equal_recomputed_reports(
        start in 0u32..1200,
        len in 0u32..500,
        as_of in proptest::option::of(0u32..1300),
        compare: bool,
        district in proptest::option::of(prop_oneof!["farsta", "bromma", "ostermalm"]),
        whole_year in proptest::option::of(2019i32..2022),
        threshold in 1u32..8,
    ) {
        let (org, regs) = data();
        let period = match whole_year {
            Some(y) => Period::year(y).unwrap(),
            None => Period { from: day(start), to: day(start + len) },
        };
        let req = ReportRequest {
            municipality: "stockholm".into(),
            district,
            period,
            as_of: as_of.map(day),
            compare,
            threshold,
        };
        let fast = rollup().report(org, &req);
        let plain = build_report(org, regs, &req);
        prop_assert_eq!(&built().report(org, &req), &plain);
        prop_assert_eq!(fast, plain);
    }
}

#[test]
fn the_rollup_counts_every_registration() {
    assert_eq!(rollup().len(), data().1.len() as u64);
    let (org, regs) = data();
    let req = ReportRequest::new(
        "stockholm",
        Period {
            from: date!(2019 - 01 - 01),
            to: date!(2022 - 12 - 31),
        },
    );
    let total = regs.iter().filter(|r| r.kind == Kind::Conversation).count() as f64;
    assert_eq!(rollup().report(org, &req).kpi("conversations"), Some(total));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]
    #[test]
    fn rollup_kpi_series_equal_recomputed_series(
        starts in proptest::collection::vec((0u32..1200, 0u32..400), 1..6),
        district in proptest::option::of(prop_oneof!["farsta", "bromma", "ostermalm"]),
        threshold in 1u32..8,
    ) {
        let (_, regs) = data();
        let periods: Vec<Period> = starts
            .iter()
            .map(|(s, l)| Period { from: day(*s), to: day(s + l) })
            .collect();
        prop_assert_eq!(
            rollup().kpi_series(district.as_deref(), &periods, threshold),
            kpi_series(regs, district.as_deref(), &periods, threshold)
        );
    }
}

/// A snapshot reads back as the rollup it was made from, and counting on
/// from a snapshot equals counting everything (what an import does).
#[test]
fn a_snapshot_reads_back_as_the_same_rollup() {
    let bytes = rollup().encode();
    assert_eq!(Rollup::decode(&bytes).as_ref(), Some(rollup()));
    let regs = &data().1;
    let mut first = RollupBuilder::new();
    for r in &regs[..4000] {
        first.add(r);
    }
    let snapshot = first.finish().encode();
    let mut on = RollupBuilder::decode(&snapshot).expect("a fresh snapshot reads");
    for r in &regs[4000..] {
        on.add(r);
    }
    assert_eq!(&on.finish(), rollup());
    assert_eq!(
        Rollup::decode(&Rollup::new().encode()),
        Some(Rollup::new()),
        "the empty rollup"
    );
}

/// A damaged snapshot, or one made under other counting rules, is refused
/// (the caller rebuilds from the registrations), never misread.
#[test]
fn a_damaged_or_foreign_snapshot_is_refused() {
    let bytes = rollup().encode();
    // Cuts in the header, then spread over the body (each read is a whole
    // decode, so not every length).
    let step = bytes.len() / 40;
    for cut in (0..40)
        .chain((40..bytes.len()).step_by(step))
        .chain([bytes.len() - 1])
    {
        assert_eq!(Rollup::decode(&bytes[..cut]), None, "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(Rollup::decode(&longer), None);
    let mut other_rules = bytes.clone();
    let at = foljupp_stats::snapshot::MAGIC.len();
    other_rules[at] ^= 1;
    assert_eq!(Rollup::decode(&other_rules), None);
}

/// The snapshot of a fixed data set, as a hash. When a change to what
/// `Tally::add` counts (or to the snapshot layout) changes it, raise
/// `foljupp_stats::snapshot::FORMAT` and put the new hash here: snapshots
/// made by the older release are then rebuilt instead of being read with
/// the wrong rules.
#[test]
fn the_counting_rules_are_those_of_the_format() {
    let fnv = rollup()
        .encode()
        .iter()
        .fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
        });
    let expected: (u32, u64) = (1, 16358257012271713396);
    assert_eq!(
        (foljupp_stats::snapshot::FORMAT, fnv),
        expected,
        "the counts of the fixed data set changed: raise snapshot::FORMAT and update this hash"
    );
}

/// Parents' answers change registrations already counted: recounting each
/// changed day equals counting the changed registrations from scratch, and
/// so do the reports (the server applies an answer this way instead of a
/// rebuild).
#[test]
fn recounting_the_changed_days_equals_counting_again() {
    let (org, regs) = data();
    let mut changed = regs.clone();
    let mut days = std::collections::BTreeSet::new();
    let mut rng = Lcg(11);
    for r in changed.iter_mut() {
        if rng.next(7) != 0 {
            continue;
        }
        let answer = foljupp_core::Value::Code(rng.pick(&["yes", "not_at_all"]).to_string());
        match r.kind {
            Kind::Conversation => {
                // A parent's answer fills what the advisor left empty.
                r.values.entry("q_easy_reach".into()).or_insert(answer);
            }
            Kind::GroupMeeting => {
                let n = r.int("q_helpful_yes").unwrap_or(0);
                r.values
                    .insert("q_helpful_yes".into(), foljupp_core::Value::Int(n + 1));
            }
            _ => continue,
        }
        days.insert((r.district.clone(), r.date));
    }
    assert!(days.len() > 100, "the test changes many days");
    let mut recounted = rollup().clone();
    for (district, date) in &days {
        let day: Vec<&Registration> = changed
            .iter()
            .filter(|r| &r.district == district && r.date == *date)
            .collect();
        recounted.recount_day(district, *date, day.iter().copied());
    }
    let mut fresh = Rollup::new();
    for r in &changed {
        fresh.add(r);
    }
    assert_eq!(recounted, fresh);
    assert_ne!(&recounted, rollup(), "the answers changed the counts");
    let req = ReportRequest::new("stockholm", Period::year(2020).unwrap());
    assert_eq!(
        recounted.report(org, &req),
        build_report(org, &changed, &req)
    );
    // A day recounted with nothing left removes it (and an unknown
    // district stays unknown).
    let (district, date) = days.iter().find(|(_, d)| d.year() == 2020).unwrap();
    recounted.recount_day(district, *date, std::iter::empty::<&Registration>());
    recounted.recount_day("nowhere", *date, std::iter::empty::<&Registration>());
    let mut without = Rollup::new();
    for r in changed
        .iter()
        .filter(|r| !(&r.district == district && r.date == *date))
    {
        without.add(r);
    }
    // `len` counts what was added; recount_day leaves it as it was.
    assert_eq!(recounted.len(), fresh.len());
    assert_eq!(recounted.report(org, &req), without.report(org, &req));
}
