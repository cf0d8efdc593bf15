//! The report rollup's snapshot (`stats::snapshot`, `rollup_snapshot`):
//! `foljupp import` carries it forward, a server reads it instead of
//! scanning every registration, and a stale or damaged snapshot is never
//! used. On both databases.

use crate::cli::foljupp;
use crate::common::*;
use foljupp_core::{Organisation, Period, Role};
use foljupp_stats::{build_report, ReportRequest, Rollup};
use foljupp_store::{testing, Store};
use serde_json::Value;

const HEADER: &str = "date,district,unit,resident_area,participants,language,children,age_groups,how_found,conversation_no,form,next_step,q_right_topics,q_helpful,q_recommend,q_easy_reach";

/// `n` varied, valid conversations of 2020.
fn conversations_csv(n: usize, seed: usize) -> String {
    let districts = ["rinkeby-kista", "farsta", "bromma", "skarholmen"];
    let participants = ["parent:woman", "parent:woman;parent:man", "parent:man"];
    let answers = ["yes_really", "yes", "not_really", "no_answer"];
    let mut csv = format!("{HEADER}\n");
    for i in 0..n {
        let k = i * 7 + seed;
        csv.push_str(&format!(
            "2020-{:02}-{:02},{},,,{},{},{},0-6,bvc,{},in_person,new_conversation,{},{},,\n",
            1 + k % 12,
            1 + k % 28,
            districts[k % 4],
            participants[k % 3],
            ["so", "", "ar"][k % 3],
            1 + k % 3,
            1 + k % 5,
            answers[k % 4],
            answers[(k / 4) % 4],
        ));
    }
    csv
}

fn import(db: &str, dir: &std::path::Path, name: &str, csv: &str) {
    let file = dir.join(name);
    std::fs::write(&file, csv).unwrap();
    let out = foljupp(
        db,
        &["import", "--kind", "conversation", file.to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn year_2020() -> ReportRequest {
    ReportRequest::new("stockholm", Period::year(2020).unwrap())
}

/// The snapshot as stored, if it counts the store's current data version.
async fn current_snapshot(store: &Store) -> Option<Rollup> {
    let (token, body) = store.rollup_snapshot("stockholm").await.unwrap()?;
    (Some(token) == store.data_version().await.unwrap()).then(|| Rollup::decode(&body).unwrap())
}

/// The year's report recomputed from the stored registrations.
async fn recomputed(store: &Store) -> foljupp_stats::Report {
    let regs = store
        .load_registrations("stockholm", Period::year(2020).unwrap(), None, None)
        .await
        .unwrap();
    build_report(&Organisation::stockholm(), &regs, &year_2020())
}

async fn conversations_reported(app: &App, token: &str) -> i64 {
    let r: Value = app
        .http
        .get(app.url("/api/v1/report?year=2020"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["kpis"]["conversations"].as_i64().unwrap()
}

#[tokio::test]
async fn imports_carry_the_snapshot_and_servers_use_it_only_when_current() {
    let org = Organisation::stockholm();
    for (backend, db) in testing::fresh_databases().await {
        let dir = std::env::temp_dir().join(format!(
            "foljupp-snapshot-{}",
            &foljupp_store::random_token()[..8]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&db, foljupp_core::FormSet::defaults())
            .await
            .unwrap();

        // An import into an empty municipality starts the snapshot; the
        // next one carries it forward. Each equals a plain recount.
        import(&db, &dir, "a.csv", &conversations_csv(150, 0));
        let first = current_snapshot(&store).await;
        assert!(
            first.is_some(),
            "{backend}: the first import kept no snapshot"
        );
        assert_eq!(
            first.unwrap().report(&org, &year_2020()),
            recomputed(&store).await
        );
        import(&db, &dir, "b.csv", &conversations_csv(90, 3));
        let second = current_snapshot(&store)
            .await
            .unwrap_or_else(|| panic!("{backend}: the second import did not carry the snapshot"));
        assert_eq!(second.len(), 240);
        assert_eq!(second.report(&org, &year_2020()), recomputed(&store).await);

        // A server reads a current snapshot rather than the registrations:
        // an empty one planted at the current version is what it reports.
        let version = store.data_version().await.unwrap().unwrap();
        assert!(store
            .save_rollup_snapshot("stockholm", &version, &Rollup::new().encode())
            .await
            .unwrap());
        let a = App::start(backend, db.clone()).await;
        let token = a.token("analytiker-a", Role::Analyst, None).await;
        assert_eq!(conversations_reported(&a, &token).await, 0, "{backend}");

        // A write that does not carry the snapshot leaves it behind: a
        // server started then counts the registrations (240 + 1), and saves
        // the snapshot of what it counted.
        let one = foljupp_core::csv_import::decode_csv(
            &foljupp_core::FormSet::defaults(),
            &org,
            foljupp_core::Kind::Conversation,
            conversations_csv(1, 5).as_bytes(),
            time::macros::date!(2030 - 01 - 01),
        )
        .unwrap();
        store
            .insert_registrations("stockholm", &one, &mut |_| {})
            .await
            .unwrap();
        let b = App::start(backend, db.clone()).await;
        let token = b.token("analytiker-b", Role::Analyst, None).await;
        assert_eq!(conversations_reported(&b, &token).await, 241, "{backend}");
        let mut saved = None;
        for _ in 0..100 {
            saved = current_snapshot(&store).await;
            if saved.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let saved = saved.unwrap_or_else(|| panic!("{backend}: the server saved no snapshot"));
        assert_eq!(saved.report(&org, &year_2020()), recomputed(&store).await);

        // A damaged snapshot at the current version is not read: the next
        // server counts the registrations.
        let version = store.data_version().await.unwrap().unwrap();
        assert!(store
            .save_rollup_snapshot("stockholm", &version, b"foljupp-rollup\0damaged")
            .await
            .unwrap());
        let c = App::start(backend, db.clone()).await;
        let token = c.token("analytiker-c", Role::Analyst, None).await;
        assert_eq!(conversations_reported(&c, &token).await, 241, "{backend}");

        // A snapshot is kept only at the current version.
        assert!(!store
            .save_rollup_snapshot("stockholm", "an-old-version", &Rollup::new().encode())
            .await
            .unwrap());
        std::fs::remove_dir_all(&dir).ok();
    }
}
