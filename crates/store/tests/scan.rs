//! The report rollup rebuilt from a streaming scan of the store (rows read
//! in place, never decoded into registrations), then kept current by adding
//! new registrations, gives the same reports as a plain recomputation
//! (`build_report`) over the registrations loaded back, on random data, on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use foljupp_core::forms::DecodeContext;
use foljupp_core::{FormSet, Input, Kind, Organisation, Period, Registration};
use foljupp_stats::{build_report, ReportRequest, RollupBuilder};
use foljupp_store::{testing::fresh_databases, Store};
use time::macros::date;

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
    /// Whether to fill an optional field.
    fn maybe(&mut self) -> bool {
        self.next(4) != 0
    }
}

/// `n` random valid registrations of every counted kind, with optional
/// fields left empty now and then.
fn random(seed: u64, n: usize) -> Vec<Registration> {
    let org = Organisation::stockholm();
    let forms = FormSet::defaults();
    let ctx = DecodeContext {
        organisation: &org,
        today: date!(2030 - 01 - 01),
    };
    let mut rng = Lcg(seed);
    let answers = ["yes_really", "yes", "not_really", "not_at_all", "no_answer"];
    let mut out = Vec::new();
    while out.len() < n {
        let day = date!(2021 - 11 - 01) + time::Duration::days(rng.next(800) as i64);
        let mut input = Input::new();
        let mut set = |k: &str, v: String| {
            input.insert(k.to_string(), vec![v]);
        };
        set("date", foljupp_core::format_date(day));
        set(
            "district",
            rng.pick(&["farsta", "rinkeby-kista", "skarholmen"])
                .to_string(),
        );
        let kind = [
            Kind::Conversation,
            Kind::Conversation,
            Kind::HomeVisit,
            Kind::GroupMeeting,
            Kind::ProgrammeGroup,
        ][rng.next(5) as usize];
        match kind {
            Kind::Conversation => {
                let no = 1 + rng.next(7);
                set("conversation_no", no.to_string());
                if rng.maybe() {
                    set(
                        "participants",
                        rng.pick(&[
                            "parent:woman",
                            "parent:man",
                            "parent:woman;parent:man",
                            "expecting:woman;other_adult:man",
                            "other_adult:woman",
                        ])
                        .to_string(),
                    );
                }
                if rng.maybe() {
                    set("language", rng.pick(&["so", "ar", "ti"]).to_string());
                }
                if rng.maybe() {
                    set("how_found", rng.pick(&["bvc", "web", "other"]).to_string());
                }
                if rng.maybe() {
                    set(
                        "age_groups",
                        rng.pick(&["0-6", "expecting", "7-12;13-17", "0-6;7-12"])
                            .to_string(),
                    );
                }
                for q in ["q_helpful", "q_right_topics"] {
                    if rng.maybe() {
                        set(q, rng.pick(&answers).to_string());
                    }
                }
                if no > 1 && rng.maybe() {
                    set("q_recommend", rng.pick(&answers).to_string());
                }
            }
            Kind::HomeVisit => {
                let v = 1 + rng.next(6);
                set("visit_no", v.to_string());
                if rng.maybe() {
                    set(
                        "present",
                        rng.pick(&["mother", "mother;father", "father;other_adult"])
                            .to_string(),
                    );
                }
                if v >= 5 && rng.maybe() {
                    set("programme_helpful", rng.pick(&answers).to_string());
                }
            }
            Kind::GroupMeeting => {
                set("women", rng.next(15).to_string());
                set("men", rng.next(6).to_string());
                set("q_helpful_yes", rng.next(9).to_string());
                set("q_helpful_not_really", rng.next(3).to_string());
            }
            _ => {
                let s = rng.next(12);
                set("started_women", s.to_string());
                set("started_men", rng.next(4).to_string());
                set("completed_women", rng.next(s + 1).to_string());
            }
        }
        // An input the forms refuse (a combination the generator does not
        // know is invalid) is skipped: the test is about counting.
        if let Ok(r) = forms.decode(kind, &input, &ctx) {
            out.push(r);
        }
    }
    out
}

fn requests() -> Vec<ReportRequest> {
    let mut out = Vec::new();
    for (i, period) in [
        Period::year(2022),
        Period::year(2023),
        Some(Period {
            from: date!(2022 - 02 - 14),
            to: date!(2023 - 09 - 03),
        }),
        Some(Period {
            from: date!(2023 - 05 - 01),
            to: date!(2023 - 05 - 31),
        }),
    ]
    .into_iter()
    .flatten()
    .enumerate()
    {
        let mut req = ReportRequest::new("stockholm", period);
        req.compare = i % 2 == 0;
        req.threshold = 1 + i as u32;
        if i == 1 {
            req.as_of = Some(date!(2023 - 08 - 31));
        }
        if i == 2 {
            req.district = Some("farsta".into());
        }
        out.push(req);
    }
    out
}

async fn assert_equal(store: &Store, incremental: &foljupp_stats::Rollup, backend: &str) {
    let org = Organisation::stockholm();
    let all = Period {
        from: date!(2000 - 01 - 01),
        to: date!(2030 - 12 - 31),
    };
    let loaded = store
        .load_registrations("stockholm", all, None, None)
        .await
        .unwrap();
    let mut b = RollupBuilder::new();
    store
        .scan_registrations("stockholm", &mut |row| b.add(row))
        .await
        .unwrap();
    let scanned = b.finish();
    assert_eq!(scanned.len(), loaded.len() as u64, "{backend}");
    assert_eq!(incremental.len(), loaded.len() as u64, "{backend}");
    for req in requests() {
        let plain = build_report(&org, &loaded, &req);
        assert_eq!(scanned.report(&org, &req), plain, "{backend} scan {req:?}");
        assert_eq!(
            incremental.report(&org, &req),
            plain,
            "{backend} incremental {req:?}"
        );
    }
}

#[tokio::test]
async fn scanned_and_incremental_rollups_equal_a_plain_recomputation() {
    for (backend, url) in fresh_databases().await {
        let store = Store::open(&url, FormSet::defaults()).await.unwrap();
        // Another municipality's rows are not counted.
        store
            .insert_registrations("goteborg", &random(99, 50), &mut |_| {})
            .await
            .unwrap();
        let first = random(1, 1500);
        store
            .insert_registrations("stockholm", &first, &mut |_| {})
            .await
            .unwrap();
        let mut b = RollupBuilder::new();
        let version = store
            .scan_registrations("stockholm", &mut |row| b.add(row))
            .await
            .unwrap();
        assert_eq!(version, store.data_version().await.unwrap(), "{backend}");
        let mut rollup = b.finish();
        // Later writes, counted one by one as the server's writer does.
        for seed in 2..5 {
            let more = random(seed, 200);
            store
                .insert_registrations("stockholm", &more, &mut |_| {})
                .await
                .unwrap();
            for r in &more {
                rollup.add(r);
            }
        }
        assert_equal(&store, &rollup, backend).await;
    }
}

#[tokio::test]
async fn a_group_commit_keeps_each_requests_key_and_reports_its_version_step() {
    for (backend, url) in fresh_databases().await {
        let store = Store::open(&url, FormSet::defaults()).await.unwrap();
        let regs = random(7, 3);
        let key = |k: &str, f: &str| foljupp_store::IdempotencyKey {
            key_hash: k.into(),
            fingerprint: f.into(),
            today: date!(2024 - 05 - 01),
        };
        let (a, b) = (key("a", "one"), key("b", "two"));
        let a_again = key("a", "one");
        let a_other = key("a", "other");
        let req = |regs, key| foljupp_store::Request {
            municipality: "stockholm",
            regs,
            key,
            parent_link: None,
        };
        let before = store.data_version().await.unwrap();
        let (out, step) = store
            .insert_group(
                &[
                    req(&regs[..1], Some(&a)),
                    req(&regs[1..2], Some(&b)),
                    req(&regs[..1], Some(&a_again)),
                    req(&regs[..1], Some(&a_other)),
                    req(&regs[2..], None),
                ],
                0,
                &mut |_| {},
            )
            .await
            .unwrap();
        assert_eq!(step.before, before, "{backend}");
        assert_eq!(step.after, store.data_version().await.unwrap(), "{backend}");
        assert_ne!(step.after, step.before, "{backend}");
        let ids = |i: usize| match &out[i] {
            foljupp_store::Insert::Stored(ids) => ids.clone(),
            other => panic!("{backend}: request {i}: {other:?}"),
        };
        assert_eq!(out[2], foljupp_store::Insert::Replay(ids(0)), "{backend}");
        assert_eq!(out[3], foljupp_store::Insert::Mismatch, "{backend}");
        assert_eq!(ids(1).len(), 1);
        assert_eq!(ids(4).len(), 1);
        let counts = store.count_registrations("stockholm").await.unwrap();
        assert_eq!(counts.values().sum::<i64>(), 3, "{backend}");
        // Nothing stored: the version stays.
        let (out, step) = store
            .insert_group(&[req(&regs[..1], Some(&a))], 0, &mut |_| {})
            .await
            .unwrap();
        assert!(matches!(out[0], foljupp_store::Insert::Replay(_)));
        assert_eq!(step.before, step.after, "{backend}");
    }
}
