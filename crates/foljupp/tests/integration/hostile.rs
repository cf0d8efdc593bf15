//! Hostile and malformed input (tests/hostile/, see its README) against the
//! real server on both backends: every case gets a clear 4xx (the CLI: a
//! non-zero exit with Swedish messages), nothing is stored, and the server
//! keeps answering. Failures are collected so that one run lists them all.

use crate::cli::foljupp;
use crate::common::*;
use foljupp_core::Role;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// The corpus files of one kind of case: (kind or "", name, bytes).
fn cases(sub: &str) -> Vec<(String, String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let kind = name.split_once("--").map(|(k, _)| k.to_string());
            (kind.unwrap_or_default(), name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    assert!(!out.is_empty(), "no cases in {sub}");
    out
}

#[derive(Default)]
struct Findings {
    wrong: Vec<String>,
    statuses: BTreeMap<String, usize>,
}

impl Findings {
    fn status(&mut self, case: &str, status: u16, body: &str) {
        *self.statuses.entry(status.to_string()).or_default() += 1;
        if !(400..500).contains(&status) {
            self.wrong.push(format!(
                "{case}: {status} {}",
                body.chars().take(200).collect::<String>()
            ));
        }
    }
}

/// A JSON error must say in words what is wrong.
fn clear_json(f: &mut Findings, case: &str, body: &str) {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let message = v["message"].as_str().unwrap_or("");
    if message.len() < 10 {
        f.wrong
            .push(format!("{case}: no clear message in {body:.200}"));
    }
}

/// Sends raw bytes; the status of the answer, or 0 when the server closed
/// the connection without one.
fn raw_request(base: &str, bytes: &[u8]) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn import(db: &str, kind: &str, file: &Path) -> std::process::Output {
    foljupp(
        db,
        &["import", "--kind", kind, file.to_str().unwrap()],
        None,
    )
}

#[tokio::test]
async fn hostile_input_gets_4xx_stores_nothing_and_the_server_stays_up() {
    for app in App::all().await {
        let b = app.backend;
        let writer = app.token("skrivare", Role::Admin, None).await;
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        app.user("radgivare", Role::Registrant, Some("farsta"))
            .await;
        let session = app.login("radgivare").await;
        let reader = app.login("analytiker").await;
        // A conversation whose parent link the hostile answers go to.
        let created: Value = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&writer)
            .json(&serde_json::json!({"date": "2021-03-04", "district": "farsta", "conversation_no": 1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let link = created["parent_link"].as_str().unwrap().to_string();

        let counts_before = app.store.count_registrations("stockholm").await.unwrap();
        let version_before = app.store.data_version().await.unwrap();
        let mut f = Findings::default();

        // The API.
        let mut api: Vec<(String, String, Vec<u8>)> = cases("api");
        let nested = format!(
            "{{\"date\":\"2024-01-10\",\"district\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        api.push(("conversation".into(), "gen: nested".into(), nested.into()));
        let huge_field = format!(
            "{{\"date\":\"2024-01-10\",\"district\":\"{}\"}}",
            "x".repeat(200 * 1024)
        );
        api.push((
            "conversation".into(),
            "gen: huge field".into(),
            huge_field.into(),
        ));
        api.push((
            "conversation".into(),
            "gen: 1 MiB body".into(),
            format!(
                "{{\"date\":\"2024-01-10\",\"district\":\"{}\"}}",
                "y".repeat(1 << 20)
            )
            .into(),
        ));
        let many_keys: String = (0..20_000).map(|i| format!("\"k{i}\":1,")).collect();
        api.push((
            "conversation".into(),
            "gen: 20 000 keys".into(),
            format!("{{{many_keys}\"date\":\"2024-01-10\",\"district\":\"farsta\"}}").into(),
        ));
        api.push((
            "..%2F..%2Fetc".into(),
            "gen: kind path".into(),
            b"{}".to_vec(),
        ));
        for (kind, name, body) in &api {
            let resp = app
                .http
                .post(app.url(&format!("/api/v1/registrations/{kind}")))
                .bearer_auth(&writer)
                .header("content-type", "application/json")
                .header("Idempotency-Key", format!("hostile-{name}"))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            let case = format!("{b} api {name}");
            f.status(&case, status, &text);
            clear_json(&mut f, &case, &text);
        }

        // The HTML forms, with a valid CSRF token.
        for (kind, name, body) in cases("form") {
            let mut body = body;
            body.extend_from_slice(
                format!(
                    "&csrf={}&submission={}",
                    session.csrf,
                    foljupp_web::sha256_hex(&name)
                )
                .as_bytes(),
            );
            let resp = app
                .http
                .post(app.url(&format!("/registrera/{kind}")))
                .header("cookie", &session.cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            f.status(&format!("{b} form {name}"), status, &text);
        }

        // A parent's answers.
        for (_, name, body) in cases("parent") {
            let resp = app
                .http
                .post(app.url(&link))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            f.status(&format!("{b} parent {name}"), status, &text);
        }

        // Hostile paths and queries.
        let gets = std::fs::read_to_string(dir().join("get.txt")).unwrap();
        for line in gets
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (who, path) = line.split_once(' ').unwrap();
            let req = app.http.get(app.url(path));
            let req = match who {
                "api" => req.bearer_auth(&analyst),
                "page" => req.header("cookie", &reader.cookie),
                _ => req,
            };
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            let case = format!("{b} get {path}");
            f.status(&case, status, &text);
            if who == "api" {
                clear_json(&mut f, &case, &text);
            }
        }

        // Malformed HTTP.
        let mut raw = cases("raw");
        let mut big_header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
        big_header.extend(std::iter::repeat_n(b'a', 1 << 20));
        big_header.extend_from_slice(b"\r\n\r\n");
        raw.push((String::new(), "gen: 1 MiB header".into(), big_header));
        let raw_count = raw.len();
        for (_, name, bytes) in raw {
            // {TOKEN} in a raw request: a valid bearer token, so that the
            // malformed part is what the server has to deal with.
            let text = String::from_utf8_lossy(&bytes);
            let bytes = if text.contains("{TOKEN}") {
                text.replace("{TOKEN}", &writer).into_bytes()
            } else {
                bytes
            };
            let base = app.base.clone();
            let (status, text) = tokio::task::spawn_blocking(move || raw_request(&base, &bytes))
                .await
                .unwrap();
            f.status(&format!("{b} raw {name}"), status, &text);
        }

        // CSV through the command line, against the same database.
        let tmp = std::env::temp_dir().join(format!(
            "foljupp-hostile-{}",
            &foljupp_store::random_token()[..8]
        ));
        std::fs::create_dir_all(&tmp).unwrap();
        let mut csv = cases("csv");
        let long = format!("date,district\n2024-01-10,{}\n", "z".repeat(3 << 20));
        csv.push(("conversation".into(), "gen: 3 MiB line".into(), long.into()));
        let wide: String = (0..100_000).map(|i| format!("c{i},")).collect();
        csv.push((
            "conversation".into(),
            "gen: 100 000 columns".into(),
            format!("date,district,{wide}\n2024-01-10,farsta\n").into(),
        ));
        let mut csv_runs = 0;
        for (kind, name, bytes) in &csv {
            let file = tmp.join(format!("case-{csv_runs}.csv"));
            std::fs::write(&file, bytes).unwrap();
            let out = import(&app.store_url(), kind, &file);
            csv_runs += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            *f.statuses.entry("cli exit≠0".into()).or_default() +=
                usize::from(!out.status.success());
            if out.status.success()
                || !stderr.contains("ingenting importerades")
                || !stderr.contains("rad ")
            {
                f.wrong.push(format!(
                    "{b} csv {name}: exit {:?}, {}",
                    out.status.code(),
                    stderr.chars().take(300).collect::<String>()
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&tmp);

        println!(
            "{b}: hostile corpus: {} API bodies, {} form posts, {} parent answers, {} GETs, {} raw requests, {} CSV files; answers {:?}",
            api.len(),
            cases("form").len(),
            cases("parent").len(),
            gets.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).count(),
            raw_count,
            csv_runs,
            f.statuses
        );
        assert!(
            f.wrong.is_empty(),
            "{b}: {} cases not answered with a clear 4xx:\n{}",
            f.wrong.len(),
            f.wrong.join("\n")
        );
        assert_eq!(
            app.store.count_registrations("stockholm").await.unwrap(),
            counts_before,
            "{b}: something was stored"
        );
        assert_eq!(
            app.store.data_version().await.unwrap(),
            version_before,
            "{b}: the data version moved"
        );

        // Still up: a normal registration, and the link still takes the
        // parent's real answer.
        let ok = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&writer)
            .json(&example_conversation())
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 201, "{b}: a normal registration afterwards");
        let ok = app
            .http
            .post(app.url(&link))
            .form(&[("lang", "sv"), ("q_helpful", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200, "{b}: the parent's real answer afterwards");
    }
}
