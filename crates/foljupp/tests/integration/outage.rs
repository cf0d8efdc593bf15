//! The database going away: a private PostgreSQL cluster is stopped at once
//! (`pg_ctl stop -m immediate`, as a crash would) while clients register,
//! view reports and pages, then started again on the same data directory.
//! While it is down every answer is a 503 with the Swedish message (JSON
//! from the API, a page for the browser); afterwards the same server
//! recovers by itself and every registration it acknowledged is stored,
//! once.

use crate::common::*;
use foljupp_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const UNAVAILABLE_SV: &str = "Databasen svarar inte just nu";

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-throwaway")
}

fn pg_installed() -> bool {
    std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .any(|e| e.path().join("bin/pg_ctl").exists())
        })
        .unwrap_or(false)
}

/// The private cluster; removed when the test ends, also on failure.
struct Cluster {
    dir: String,
    url: String,
}

impl Cluster {
    fn start() -> Cluster {
        let out = std::process::Command::new(script()).output().unwrap();
        assert!(
            out.status.success(),
            "scripts/pg-throwaway: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Cluster {
            url: String::from_utf8(out.stdout).unwrap().trim().to_string(),
            dir: String::from_utf8(out.stderr).unwrap().trim().to_string(),
        }
    }
    fn run(&self, what: &str) {
        let out = std::process::Command::new(script())
            .args([what, &self.dir])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg-throwaway {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script())
            .args(["stop", &self.dir])
            .output();
    }
}

#[derive(Default)]
struct Tally {
    /// (idempotency key, body, acknowledged)
    writes: Vec<(String, Value, bool)>,
    /// Statuses other than 2xx and 503, or 503s without the message.
    wrong: Vec<String>,
    api_503: usize,
    page_503: usize,
    slowest_503: Duration,
}

fn body(i: usize) -> Value {
    let mut c = example_conversation();
    c["date"] = json!(format!("2022-{:02}-{:02}", 1 + i % 12, 1 + i % 28));
    c
}

#[tokio::test]
async fn postgres_stopped_and_started_under_load_gives_503_then_recovers_losing_nothing() {
    if !pg_installed() {
        assert!(
            std::env::var("FOLJUPP_REQUIRE_PG").is_err(),
            "FOLJUPP_REQUIRE_PG is set but the PostgreSQL server binaries are missing (scripts/install-test-deps installs them)"
        );
        eprintln!("SKIPPED: no PostgreSQL server binaries under /usr/lib/postgresql");
        return;
    }
    let cluster = Cluster::start();
    let app = App::start_with(
        "postgres",
        cluster.url.clone(),
        foljupp_web::WebConfig::default(),
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
    )
    .await;
    let token = app.token("skrivare", Role::Admin, None).await;
    app.user("lasare", Role::Analyst, None).await;
    let session = app.login("lasare").await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let seq = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..24 {
        let (http, base, token, cookie, tally, stop, seq) = (
            http.clone(),
            app.base.clone(),
            token.clone(),
            session.cookie.clone(),
            tally.clone(),
            stop.clone(),
            seq.clone(),
        );
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                // Two in three clients write; the others read a report
                // through the API or a page with a session.
                let (resp, write, page) = match c % 3 {
                    0 if c % 2 == 0 => (
                        http.get(format!("{base}/api/v1/report?year=2022"))
                            .bearer_auth(&token)
                            .send()
                            .await,
                        None,
                        false,
                    ),
                    0 => (
                        http.get(format!("{base}/oversikt"))
                            .header("cookie", &cookie)
                            .send()
                            .await,
                        None,
                        true,
                    ),
                    _ => {
                        let i = seq.fetch_add(1, Ordering::SeqCst);
                        let key = format!("outage-{i}");
                        let b = body(i);
                        let r = http
                            .post(format!("{base}/api/v1/registrations/conversation"))
                            .bearer_auth(&token)
                            .header("Idempotency-Key", &key)
                            .json(&b)
                            .send()
                            .await;
                        (r, Some((key, b)), false)
                    }
                };
                let elapsed = started.elapsed();
                let (status, text) = match resp {
                    Ok(r) => (Some(r.status()), r.text().await.unwrap_or_default()),
                    Err(e) => (None, e.to_string()),
                };
                {
                    let mut t = tally.lock().unwrap();
                    if let Some((key, b)) = write {
                        t.writes
                            .push((key, b, status.is_some_and(|s| s.is_success())));
                    }
                    match status {
                        Some(s) if s.is_success() => {}
                        Some(StatusCode::SERVICE_UNAVAILABLE) if text.contains(UNAVAILABLE_SV) => {
                            let api = !page;
                            if api {
                                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                                if v["error"] != "unavailable" {
                                    t.wrong.push(format!("503 without JSON: {text}"));
                                }
                                t.api_503 += 1;
                            } else {
                                t.page_503 += 1;
                            }
                            t.slowest_503 = t.slowest_503.max(elapsed);
                        }
                        other => t.wrong.push(format!(
                            "{} {other:?} after {elapsed:?}: {}",
                            if page { "page" } else { "api" },
                            text.chars().take(300).collect::<String>()
                        )),
                    }
                }
                if status == Some(StatusCode::SERVICE_UNAVAILABLE) {
                    // A client told to retry later waits a little, as the
                    // Retry-After header asks (shortened for the test).
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }

    let acked = |t: &Tally| t.writes.iter().filter(|w| w.2).count();
    while acked(&tally.lock().unwrap()) < 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let acked_before = acked(&tally.lock().unwrap());
    cluster.run("halt");
    let halted = Instant::now();
    // Down until both kinds of client have seen a 503 for a while.
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let t = tally.lock().unwrap();
        if (t.api_503 >= 20 && t.page_503 >= 3 && halted.elapsed() > Duration::from_secs(3))
            || halted.elapsed() > Duration::from_secs(30)
        {
            break;
        }
    }
    let down_for = halted.elapsed();
    let acked_while_down = acked(&tally.lock().unwrap()) - acked_before;
    cluster.run("restart");
    let restarted = Instant::now();
    // The same server recovers by itself: a new registration succeeds.
    // One key for every try: a try that failed may still have committed.
    loop {
        let r = http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "probe")
            .json(&body(0))
            .send()
            .await
            .unwrap();
        if r.status().is_success() {
            break;
        }
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            restarted.elapsed() < Duration::from_secs(60),
            "no recovery within a minute of the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered_in = restarted.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let t = std::mem::take(&mut *tally.lock().unwrap());
    let acked_total = acked(&t);
    println!(
        "outage: {} writes ({} acknowledged: {acked_before} before the stop, {acked_while_down} while it was going down), PostgreSQL down {down_for:.1?}; 503s: {} from the API, {} pages, slowest 503 {:.1?}; recovered {recovered_in:.1?} after the restart",
        t.writes.len(),
        acked_total,
        t.api_503,
        t.page_503,
        t.slowest_503
    );
    assert!(
        t.wrong.is_empty(),
        "answers other than 2xx and 503 with the message: {:#?}",
        &t.wrong[..t.wrong.len().min(10)]
    );
    assert!(
        t.api_503 > 0 && t.page_503 > 0,
        "no 503 seen while PostgreSQL was down"
    );

    // Every acknowledged registration is stored: its key replays. Every
    // other one, retried with its key, is stored now: none lost, none twice.
    for (key, b, was_acked) in &t.writes {
        let r = http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(b)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "retry of {key}: {}", r.status());
        if *was_acked {
            assert_eq!(
                r.headers()
                    .get("idempotent-replayed")
                    .and_then(|v| v.to_str().ok()),
                Some("true"),
                "{key} was acknowledged but is not stored"
            );
        }
    }
    let stored = app.stored().await;
    assert_eq!(
        stored as usize,
        t.writes.len() + 1,
        "every write (and the probe) exactly once"
    );
}
