//! Backup while the server runs, and restore into an empty database, on
//! both backends: the restored database gives an identical report.

use crate::cli::foljupp;
use crate::common::*;
use foljupp_core::Role;
use foljupp_store::testing;
use serde_json::{json, Value};

fn report(db: &str) -> Value {
    let out = foljupp(db, &["report", "--year", "2020", "--format", "json"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn backup_while_serving_restores_to_an_identical_report() {
    for app in App::all().await {
        let b = app.backend;
        let token = app.token("writer", Role::Admin, None).await;
        // Some data, then writes that go on while the backup is taken.
        for i in 0..30 {
            let mut c = example_conversation();
            c["date"] = json!(format!("2020-03-{:02}", 1 + i % 28));
            let r = app
                .http
                .post(app.url("/api/v1/registrations/conversation"))
                .bearer_auth(&token)
                .json(&c)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        let dir = std::env::temp_dir().join(format!(
            "foljupp-backup-{}",
            &foljupp_store::random_token()[..8]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("backup.db");
        let concurrent = b == "sqlite";
        let writer = {
            let http = app.http.clone();
            let url = app.url("/api/v1/registrations/conversation");
            let token = token.clone();
            tokio::spawn(async move {
                if !concurrent {
                    return;
                }
                for i in 0..40 {
                    let mut c = example_conversation();
                    c["date"] = json!(format!("2020-04-{:02}", 1 + i % 28));
                    let _ = http.post(&url).bearer_auth(&token).json(&c).send().await;
                }
            })
        };
        let db_url = app.store_url();
        let out = tokio::task::spawn_blocking({
            let db_url = db_url.clone();
            let file = file.clone();
            move || foljupp(&db_url, &["backup", file.to_str().unwrap()], None)
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        writer.await.unwrap();

        let target = match b {
            "sqlite" => testing::fresh_sqlite_url(),
            _ => testing::fresh_postgres_url().await.unwrap(),
        };
        let out = foljupp(&target, &["restore", file.to_str().unwrap()], None);
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let restored = report(&target);
        let expected = if b == "sqlite" {
            // The backup file is itself a database: the snapshot.
            report(&format!("sqlite://{}", file.display()))
        } else {
            report(&db_url)
        };
        assert_eq!(restored, expected, "{b}");
        let n = restored["kpis"]["conversations"].as_i64().unwrap();
        assert!(n >= 30, "{b}: {n}");
        // A second restore onto the now non-empty copy is refused whole.
        let out = foljupp(&target, &["restore", file.to_str().unwrap()], None);
        assert!(
            !out.status.success(),
            "{b}: restoring into a non-empty database must fail"
        );
        assert_eq!(
            report(&target),
            restored,
            "{b}: a failed restore changes nothing"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
