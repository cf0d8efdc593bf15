//! The command line: import, report, accounts, tokens, demo data.

use crate::common::*;
use foljupp_core::FormSet;
use foljupp_store::{testing, Store};
use serde_json::Value;

pub fn foljupp(db: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_foljupp"))
        .args(args)
        .env("FOLJUPP_DB", db)
        .env("FOLJUPP_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn import_conversations(db: &str, file: &std::path::Path) -> std::process::Output {
    foljupp(
        db,
        &["import", "--kind", "conversation", file.to_str().unwrap()],
        None,
    )
}

#[tokio::test]
async fn cli_imports_all_or_nothing_and_reports() {
    for (backend, db) in testing::fresh_databases().await {
        let dir = std::env::temp_dir().join(format!(
            "foljupp-cli-{}",
            &foljupp_store::random_token()[..8]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.csv");
        std::fs::write(&good, "date,district,unit,resident_area,participants,language,children,age_groups,how_found,conversation_no,form,next_step,q_right_topics,q_helpful,q_recommend,q_easy_reach\n\
2020-03-04,rinkeby-kista,,husby,parent:woman;parent:man,so,2,0-6,bvc,1,in_person,new_conversation,yes_really,yes_really,,yes\n\
2020-03-05,farsta,,farsta,parent:woman,,1,expecting,web,2,phone,concluded,yes,yes,yes_really,\n").unwrap();
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "date,district,conversation_no\n2020-05-01,farsta,1\n2020-05-02,farsta,9\n2020-05-03,narnia,2\n").unwrap();

        let out = import_conversations(&db, &bad);
        assert!(!out.status.success(), "{backend}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("rad 3, kolumn conversation_no"),
            "{backend}: {err}"
        );
        assert!(err.contains("rad 4, kolumn district"), "{err}");
        assert!(err.contains("ingenting importerades"), "{err}");

        let out = import_conversations(&db, &good);
        assert!(
            out.status.success(),
            "{backend}: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        // A bad row far into a file, after rows that were already written
        // (the import stores while it reads): still nothing is stored.
        let late = dir.join("late.csv");
        let mut text = String::from("date,district,conversation_no\n");
        let good_rows = 40_000;
        for i in 0..good_rows {
            text.push_str(&format!("2020-06-{:02},farsta,2\n", 1 + i % 30));
        }
        text.push_str("2020-06-31,farsta,2\n");
        std::fs::write(&late, text).unwrap();
        let out = import_conversations(&db, &late);
        assert!(!out.status.success(), "{backend}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("rad {}, kolumn date", good_rows + 2)),
            "{backend}: {err}"
        );
        assert!(err.contains("ingenting importerades"), "{err}");

        let out = foljupp(&db, &["report", "--year", "2020", "--format", "json"], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["kpis"]["conversations"], 2,
            "{backend}: the bad file added nothing"
        );
        assert_eq!(report["kpis"]["home_visits"], 0);
        let out = foljupp(
            &db,
            &[
                "report",
                "--year",
                "2020",
                "--district",
                "farsta",
                "--format",
                "json",
            ],
            None,
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["kpis"]["conversations"], 1, "{backend}");
        assert_eq!(report["scope"]["district"], "farsta");

        // Accounts: password from stdin, argon2id, policy enforced.
        let out = foljupp(
            &db,
            &["user", "add", "kort", "--role", "analyst"],
            Some("short\n"),
        );
        assert!(!out.status.success());
        let out = foljupp(
            &db,
            &["user", "add", "lisa", "--role", "registrant"],
            Some(&format!("{PASSWORD}\n")),
        );
        assert!(!out.status.success(), "a registrant needs a district");
        let out = foljupp(
            &db,
            &[
                "user",
                "add",
                "lisa",
                "--role",
                "registrant",
                "--district",
                "farsta",
            ],
            Some(&format!("{PASSWORD}\n")),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let store = Store::open(&db, FormSet::defaults()).await.unwrap();
        let lisa = store.account_by_name("lisa").await.unwrap().unwrap();
        assert!(lisa.password_hash.unwrap().starts_with("$argon2id$"));
        let out = foljupp(&db, &["token", "create", "--user", "lisa"], None);
        assert!(out.status.success());
        let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(token.len(), 64);
        assert!(
            store.api_token(&token).await.unwrap().is_none(),
            "stored hashed, not plain"
        );
        assert!(store
            .api_token(&foljupp_web::sha256_hex(&token))
            .await
            .unwrap()
            .is_some());
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn demo_fills_an_empty_database_once_and_prints_the_admin_password() {
    let db = testing::fresh_sqlite_url();
    let out = foljupp(&db, &["demo"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout
        .split("lösenordet ")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let store = Store::open(&db, FormSet::defaults()).await.unwrap();
    let admin = store.account_by_name("admin").await.unwrap().unwrap();
    assert!(foljupp_web::verify_password(
        admin.password_hash.as_deref().unwrap(),
        &password
    ));
    let first: i64 = store
        .count_registrations("stockholm")
        .await
        .unwrap()
        .values()
        .sum();
    assert!(first > 10_000, "{first}");
    let out = foljupp(&db, &["demo"], None);
    assert!(out.status.success());
    let again: i64 = store
        .count_registrations("stockholm")
        .await
        .unwrap()
        .values()
        .sum();
    assert_eq!(first, again, "demo data is added only to an empty database");
}
