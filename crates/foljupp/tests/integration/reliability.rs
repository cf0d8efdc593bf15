//! Reliability: no registration lost or counted twice, when the server is
//! killed mid-load and every unanswered request is retried with its
//! Idempotency-Key; and a retried request never stores twice.

use crate::common::*;
use foljupp_core::{FormSet, Role};
use foljupp_store::{testing, Store};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How many registrations the crash test sends (FOLJUPP_CRASH_N for the
/// long variant).
fn crash_n() -> usize {
    std::env::var("FOLJUPP_CRASH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn start_server(db: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_foljupp"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("FOLJUPP_DB", db)
        .env("FOLJUPP_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

pub(crate) async fn wait_up(http: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} did not come up");
}

fn body(i: usize) -> serde_json::Value {
    let mut c = example_conversation();
    c["date"] = json!(format!("2021-{:02}-{:02}", 1 + i % 12, 1 + i % 28));
    c["children"] = json!(i % 7);
    c
}

#[tokio::test]
async fn killed_mid_load_then_retried_loses_and_doubles_nothing() {
    for (backend, db) in testing::fresh_databases().await {
        let store = Store::open(&db, FormSet::defaults()).await.unwrap();
        let hash = foljupp_web::hash_password(PASSWORD).unwrap();
        let id = store
            .create_account("stockholm", "loader", Role::Admin, None, &hash)
            .await
            .unwrap();
        let token = foljupp_store::random_token();
        store
            .create_api_token(
                &foljupp_web::sha256_hex(&token),
                id,
                Role::Admin,
                None,
                None,
            )
            .await
            .unwrap();

        let n = crash_n();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut server = start_server(&db, port);
        wait_up(&http, &base).await;

        let acked: Arc<Vec<std::sync::atomic::AtomicBool>> = Arc::new(
            (0..n)
                .map(|_| std::sync::atomic::AtomicBool::new(false))
                .collect(),
        );
        let next = Arc::new(AtomicUsize::new(0));
        let sent = Arc::new(AtomicUsize::new(0));
        let mut clients = Vec::new();
        for _ in 0..32 {
            let (http, base, token, acked, next, sent) = (
                http.clone(),
                base.clone(),
                token.clone(),
                acked.clone(),
                next.clone(),
                sent.clone(),
            );
            clients.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        return;
                    }
                    sent.fetch_add(1, Ordering::SeqCst);
                    let r = http
                        .post(format!("{base}/api/v1/registrations/conversation"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", format!("crash-{i}"))
                        .json(&body(i))
                        .send()
                        .await;
                    if let Ok(r) = r {
                        if r.status() == 201 || r.status() == 200 {
                            acked[i].store(true, Ordering::SeqCst);
                        }
                    }
                }
            }));
        }
        // Kill the server without warning once a third has been sent.
        while sent.load(Ordering::SeqCst) < n / 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill().unwrap();
        server.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        let acked_before: usize = acked.iter().filter(|a| a.load(Ordering::SeqCst)).count();
        assert!(
            acked_before < n,
            "{backend}: the kill came too late to test anything"
        );

        let mut server = start_server(&db, port);
        wait_up(&http, &base).await;
        // Retry everything: the acknowledged ones too, which must store
        // nothing new.
        let mut retried = 0;
        for i in 0..n {
            let r = http
                .post(format!("{base}/api/v1/registrations/conversation"))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("crash-{i}"))
                .json(&body(i))
                .send()
                .await
                .unwrap();
            assert!(
                r.status() == 201 || r.status() == 200,
                "{backend}: retry {i}: {}",
                r.status()
            );
            if !acked[i].load(Ordering::SeqCst) {
                retried += 1;
            }
        }
        server.kill().unwrap();
        server.wait().unwrap();
        let stored: i64 = store
            .count_registrations("stockholm")
            .await
            .unwrap()
            .values()
            .sum();
        eprintln!("{backend}: {n} sent, {acked_before} acknowledged before the kill, {retried} retried, {stored} stored");
        assert_eq!(
            stored, n as i64,
            "{backend}: every registration exactly once"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_retried_request_returns_the_first_answer_and_stores_nothing() {
    for app in App::all().await {
        let b = app.backend;
        let token = app
            .token("retry", Role::Registrant, Some("rinkeby-kista"))
            .await;
        let post = |key: &str, body: serde_json::Value| {
            app.http
                .post(app.url("/api/v1/registrations/conversation"))
                .bearer_auth(&token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
        };
        let first = post("k-1", example_conversation()).await.unwrap();
        assert_eq!(first.status(), 201, "{b}");
        let first: serde_json::Value = first.json().await.unwrap();
        let again = post("k-1", example_conversation()).await.unwrap();
        assert_eq!(
            again.status(),
            201,
            "{b}: a retry answers as the first time"
        );
        assert_eq!(
            again
                .headers()
                .get("idempotent-replayed")
                .map(|v| v.to_str().unwrap()),
            Some("true")
        );
        let mut again: serde_json::Value = again.json().await.unwrap();
        let mut first = first;
        // The parent link is issued afresh (its code is stored only hashed).
        assert_eq!(
            again["parent_link"].is_null(),
            first["parent_link"].is_null(),
            "{b}"
        );
        again["parent_link"] = json!(null);
        first["parent_link"] = json!(null);
        assert_eq!(again, first, "{b}");
        assert_eq!(app.stored().await, 1, "{b}");
        // The same key with another body is a client error, not a silent replay.
        let mut other = example_conversation();
        other["children"] = json!(5);
        let r = post("k-1", other).await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert_eq!(app.stored().await, 1, "{b}");
        // A rejected request does not use up its key.
        let mut bad = example_conversation();
        bad["date"] = json!("not a date");
        assert_eq!(post("k-2", bad).await.unwrap().status(), 422);
        assert_eq!(
            post("k-2", example_conversation()).await.unwrap().status(),
            201,
            "{b}"
        );
        assert_eq!(app.stored().await, 2, "{b}");
        // An unusable key is refused clearly.
        let long = "x".repeat(300);
        assert_eq!(
            post(&long, example_conversation()).await.unwrap().status(),
            400
        );
    }
}

#[tokio::test]
async fn a_double_tapped_form_stores_one_registration() {
    for app in App::all().await {
        let b = app.backend;
        app.user("tapper", Role::Registrant, Some("farsta")).await;
        let s = app.login("tapper").await;
        let page = app
            .http
            .get(app.url("/registrera/collaboration"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = hidden(&page, "submission");
        let send = |date: &'static str| {
            app.http
                .post(app.url("/registrera/collaboration"))
                .header("cookie", &s.cookie)
                .form(&[
                    ("csrf", s.csrf.as_str()),
                    ("submission", token.as_str()),
                    ("date", date),
                    ("district", "farsta"),
                ])
                .send()
        };
        assert_eq!(send("2021-03-01").await.unwrap().status(), 200, "{b}");
        assert_eq!(send("2021-03-01").await.unwrap().status(), 200, "{b}");
        assert_eq!(app.stored().await, 1, "{b}: a resubmitted page stores once");
        // The same page edited after "back" and sent again is a new one.
        assert_eq!(send("2021-03-02").await.unwrap().status(), 200, "{b}");
        assert_eq!(app.stored().await, 2, "{b}");
    }
}

#[tokio::test]
async fn the_report_sees_writes_from_another_process_at_once() {
    for app in App::all().await {
        let b = app.backend;
        let token = app.token("reader", Role::Analyst, None).await;
        assert_eq!(app.conversations(&token, 2020).await, 0, "{b}");
        // Another process imports while the server keeps its counts.
        let dir = std::env::temp_dir().join(format!(
            "foljupp-foreign-{}",
            &foljupp_store::random_token()[..8]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.csv");
        std::fs::write(
            &file,
            "date,district\n2020-03-04,farsta\n2020-05-04,bromma\n",
        )
        .unwrap();
        let out = crate::cli::foljupp(
            &app.store_url(),
            &["import", "--kind", "conversation", file.to_str().unwrap()],
            None,
        );
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(app.conversations(&token, 2020).await, 2, "{b}");
        // And the server's own writes.
        let writer = app.token("writer2", Role::Admin, None).await;
        let mut c = example_conversation();
        c["date"] = json!("2020-06-01");
        let r = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&writer)
            .json(&c)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(app.conversations(&token, 2020).await, 3, "{b}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
