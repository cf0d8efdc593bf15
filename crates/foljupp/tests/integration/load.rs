//! Load: a few hundred concurrent clients on loopback against the real
//! server process, on both backends, with a mix of API registrations,
//! report views and pages. No errors, every acknowledged registration
//! stored exactly once, and bounded memory (the server's RSS from /proc).
//! Throughput and latency are printed, never asserted: the machine is
//! shared, and the test binary's server is a debug build.
//!   FOLJUPP_LOAD_SECS=N     how long (default 10)
//!   FOLJUPP_LOAD_CLIENTS=N  how many concurrent clients (default 250)

use crate::common::*;
use crate::reliability::{free_port, start_server, wait_up};
use foljupp_core::{FormSet, Role};
use foljupp_store::{testing, Store};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Resident and peak resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Op {
    Register,
    Report,
    Page,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::test]
async fn hundreds_of_clients_get_no_errors_lose_nothing_and_memory_stays_bounded() {
    let secs = env_or("FOLJUPP_LOAD_SECS", 10);
    let clients = env_or("FOLJUPP_LOAD_CLIENTS", 250) as usize;
    for (backend, db) in testing::fresh_databases().await {
        let store = Store::open(&db, FormSet::defaults()).await.unwrap();
        let hash = foljupp_web::hash_password(PASSWORD).unwrap();
        let id = store
            .create_account("stockholm", "lastare", Role::Admin, None, &hash)
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
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut server = start_server(&db, port);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(clients)
            .build()
            .unwrap();
        wait_up(&http, &base).await;
        // A session for the page views, through the login form.
        let page = http.get(format!("{base}/login")).send().await.unwrap();
        let pre = cookie_of(&page, "foljupp_login_csrf").unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "csrf");
        let no_redirect = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = no_redirect
            .post(format!("{base}/login"))
            .header("cookie", format!("foljupp_login_csrf={pre}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", "lastare"),
                ("password", PASSWORD),
                ("next", "/oversikt"),
            ])
            .send()
            .await
            .unwrap();
        let cookie = format!(
            "foljupp_session={}",
            cookie_of(&resp, "foljupp_session").unwrap()
        );
        let (rss_before, _) = rss_mib(server.id());

        let stop = Arc::new(AtomicBool::new(false));
        let seq = Arc::new(AtomicUsize::new(0));
        let samples: Arc<Mutex<Vec<(Op, Duration)>>> = Arc::default();
        let errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let acked = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (http, base, token, cookie) =
                (http.clone(), base.clone(), token.clone(), cookie.clone());
            let (stop, seq, samples, errors, acked) = (
                stop.clone(),
                seq.clone(),
                samples.clone(),
                errors.clone(),
                acked.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let i = seq.fetch_add(1, Ordering::Relaxed);
                    // Seven in ten requests register, two view the report,
                    // one a page.
                    let op = match i % 10 {
                        0..=6 => Op::Register,
                        7 | 8 => Op::Report,
                        _ => Op::Page,
                    };
                    let t = Instant::now();
                    let resp = match op {
                        Op::Register => {
                            let mut c = example_conversation();
                            c["date"] = json!(format!("2021-{:02}-{:02}", 1 + i % 12, 1 + i % 28));
                            http.post(format!("{base}/api/v1/registrations/conversation"))
                                .bearer_auth(&token)
                                .header("Idempotency-Key", format!("load-{i}"))
                                .json(&c)
                                .send()
                                .await
                        }
                        Op::Report => {
                            http.get(format!("{base}/api/v1/report?year=2021"))
                                .bearer_auth(&token)
                                .send()
                                .await
                        }
                        Op::Page => {
                            http.get(format!("{base}/oversikt"))
                                .header("cookie", &cookie)
                                .send()
                                .await
                        }
                    };
                    let ok = match resp {
                        Ok(r) => {
                            let status = r.status();
                            // Read the whole answer: latency includes it.
                            let body = r.bytes().await;
                            if status.is_success() && body.is_ok() {
                                true
                            } else {
                                errors.lock().unwrap().push(format!("{op:?}: {status}"));
                                false
                            }
                        }
                        Err(e) => {
                            errors.lock().unwrap().push(format!("{op:?}: {e}"));
                            false
                        }
                    };
                    if ok && op == Op::Register {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    mine.push((op, t.elapsed()));
                }
                samples.lock().unwrap().extend(mine);
            }));
        }
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = started.elapsed();
        let (rss_after, rss_peak) = rss_mib(server.id());
        let stored = store.count_registrations("stockholm").await.unwrap();
        let stored: i64 = stored.values().sum();
        server.kill().unwrap();
        server.wait().unwrap();

        let samples = std::mem::take(&mut *samples.lock().unwrap());
        let errors = std::mem::take(&mut *errors.lock().unwrap());
        let acked = acked.load(Ordering::Relaxed);
        let mut all: Vec<Duration> = samples.iter().map(|s| s.1).collect();
        all.sort();
        let mut line = format!(
            "{backend}: load {clients} clients for {:.1} s: {} requests ({:.0}/s), {acked} registrations ({:.0}/s), {} errors; latency p50 {:.1?} p99 {:.1?} max {:.1?}",
            elapsed.as_secs_f64(),
            all.len(),
            all.len() as f64 / elapsed.as_secs_f64(),
            acked as f64 / elapsed.as_secs_f64(),
            errors.len(),
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            all.last().copied().unwrap_or_default(),
        );
        for op in [Op::Register, Op::Report, Op::Page] {
            let mut d: Vec<Duration> = samples.iter().filter(|s| s.0 == op).map(|s| s.1).collect();
            d.sort();
            line += &format!(
                "; {op:?} n={} p50 {:.1?} p99 {:.1?}",
                d.len(),
                percentile(&d, 0.5),
                percentile(&d, 0.99)
            );
        }
        println!("{line}");
        println!(
            "{backend}: server RSS {rss_before:.0} MiB before, {rss_after:.0} MiB after, peak {rss_peak:.0} MiB (debug build)"
        );
        assert!(
            errors.is_empty(),
            "{backend}: {} errors, e.g. {:?}",
            errors.len(),
            &errors[..errors.len().min(10)]
        );
        assert!(acked > 0, "{backend}: nothing was registered");
        assert_eq!(
            stored as usize, acked,
            "{backend}: every acknowledged registration stored exactly once"
        );
        assert!(
            rss_after - rss_before < 300.0,
            "{backend}: the server grew by {:.0} MiB under load",
            rss_after - rss_before
        );
    }
}
