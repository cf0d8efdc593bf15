//! The steering instruments: Spindeln rounds (creation through the API,
//! anonymous answering, results arithmetic by hand, pooling below the
//! threshold, the radar's SVG, the lock on questions) and status reports
//! (draft, submit and lock, reopen as a new version, permissions).

use crate::common::*;
use foljupp_core::steering::SPINDELN_ANSWER_COLUMNS;
use foljupp_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Logs in through the form; the CSRF token is read from the overview
/// (every role may see it).
async fn login_any(app: &App, name: &str) -> Session {
    let page = app.http.get(app.url("/login")).send().await.unwrap();
    let pre = cookie_of(&page, "foljupp_login_csrf").unwrap();
    let csrf = hidden(&page.text().await.unwrap(), "csrf");
    let resp = app
        .http
        .post(app.url("/login"))
        .header("cookie", format!("foljupp_login_csrf={pre}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", name),
            ("password", PASSWORD),
            ("next", "/oversikt"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login of {name}");
    let cookie = format!(
        "foljupp_session={}",
        cookie_of(&resp, "foljupp_session").unwrap()
    );
    let page = app
        .http
        .get(app.url("/oversikt"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Session {
        csrf: hidden(&page, "csrf"),
        cookie,
    }
}

async fn get(app: &App, s: &Session, path: &str) -> reqwest::Response {
    app.http
        .get(app.url(path))
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap()
}

async fn post_form(
    app: &App,
    s: &Session,
    path: &str,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(pairs);
    app.http
        .post(app.url(path))
        .header("cookie", &s.cookie)
        .form(&all)
        .send()
        .await
        .unwrap()
}

/// Answers through a respondent link: `ratings` as the form sends them
/// ("1".."5" or "dk").
async fn answer(app: &App, code: &str, ratings: [&str; 9]) -> reqwest::Response {
    let pairs: Vec<(String, String)> = ratings
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("i{}", i + 1), r.to_string()))
        .collect();
    app.http
        .post(app.url(&format!("/s/{code}")))
        .form(&pairs)
        .send()
        .await
        .unwrap()
}

fn link<'a>(created: &'a Value, district: &str, party: &str) -> &'a str {
    created["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["district"] == district && l["party"] == party)
        .unwrap()["code"]
        .as_str()
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

async fn count_answers(app: &App) -> i64 {
    app.store
        .spindeln_answer_counts("stockholm")
        .await
        .unwrap()
        .values()
        .sum()
}

#[tokio::test]
async fn spindeln_rounds_answers_results_and_radar() {
    for app in App::all().await {
        let b = app.backend;
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        let lead = app
            .token("chef-farsta", Role::DistrictLead, Some("farsta"))
            .await;
        let other_lead = app
            .token("chef-bromma", Role::DistrictLead, Some("bromma"))
            .await;
        let registrant = app.token("rg", Role::Registrant, Some("farsta")).await;

        // The answer table has exactly the anonymous columns.
        let cols: Vec<String> = app
            .store
            .table_columns("spindeln_answer")
            .await
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(cols, SPINDELN_ANSWER_COLUMNS, "{b}");

        // Creating a round returns one link per district and party.
        let create = |body: Value| {
            app.http
                .post(app.url("/api/v1/spindeln/rounds"))
                .bearer_auth(&analyst)
                .json(&body)
                .send()
        };
        let resp = create(json!({"name": "", "date": "2024-02-30", "districts": ["atlantis"], "parties": ["police"]}))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let body: Value = resp.json().await.unwrap();
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["date", "districts", "name", "parties"], "{b}");
        let resp = app
            .http
            .post(app.url("/api/v1/spindeln/rounds"))
            .bearer_auth(&lead)
            .json(&json!({"name": "x", "date": "2024-03-01", "districts": ["farsta"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::FORBIDDEN,
            "{b}: a lead does not create rounds"
        );

        let resp = create(json!({
            "name": "Mätning 1",
            "date": "2024-03-01",
            "districts": ["farsta", "skarholmen"],
            "parties": ["social_services", "open_preschool", "child_health"],
        }))
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{b}");
        let r1: Value = resp.json().await.unwrap();
        let id1 = r1["id"].as_i64().unwrap();
        assert_eq!(r1["links"].as_array().unwrap().len(), 6, "{b}");
        assert_eq!(r1["scale"]["max"], 5);
        assert_eq!(r1["previous_round"], Value::Null);
        let ss = link(&r1, "farsta", "social_services").to_string();
        let op = link(&r1, "farsta", "open_preschool").to_string();
        let ch = link(&r1, "farsta", "child_health").to_string();
        let sk = link(&r1, "skarholmen", "social_services").to_string();
        assert!(r1["links"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
        // Only the code's hash is stored.
        assert!(app.store.spindeln_link(&ss).await.unwrap().is_none());
        let target = app
            .store
            .spindeln_link(&foljupp_web::sha256_hex(&ss))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                target.round_id,
                target.district.as_str(),
                target.party.as_str()
            ),
            (id1, "farsta", "social_services")
        );

        // The answer page needs no login and sets no cookie.
        let resp = app
            .http
            .get(app.url(&format!("/s/{ss}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
        assert!(resp.headers().get("set-cookie").is_none());
        let html = resp.text().await.unwrap();
        assert!(html.contains("Socialtjänst") && html.contains("Farsta"));
        assert!(html.contains("Vi har tid och resurser avsatta för samverkan."));
        assert_eq!(
            app.http
                .get(app.url("/s/nosuchcode"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );

        // An incomplete or off-scale answer is refused with the values kept.
        let resp = answer(&app, &ss, ["3", "", "3", "3", "3", "3", "3", "3", "3"]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("Välj ett svar på fråga 2"));
        assert!(html.contains(r#"name="i1" value="3" checked"#));
        let resp = answer(&app, &ss, ["6", "3", "3", "3", "3", "3", "3", "3", "3"]).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(count_answers(&app).await, 0, "{b}");

        // Farsta: social services 5 (item 1: 1..5, others 3), open preschool
        // 6 (item 1: 2, others 4), child health 1 (item 1: 5, others 5,
        // item 9 "vet ej"). Skärholmen: 2.
        for r in ["1", "2", "3", "4", "5"] {
            let resp = answer(&app, &ss, [r, "3", "3", "3", "3", "3", "3", "3", "3"]).await;
            assert_eq!(resp.status(), StatusCode::OK, "{b}");
            assert!(resp.text().await.unwrap().contains("Tack för ditt svar"));
        }
        for _ in 0..6 {
            let resp = answer(&app, &op, ["2", "4", "4", "4", "4", "4", "4", "4", "4"]).await;
            assert_eq!(resp.status(), StatusCode::OK, "{b}");
        }
        let resp = answer(&app, &ch, ["5", "5", "5", "5", "5", "5", "5", "5", "dk"]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
        for _ in 0..2 {
            answer(&app, &sk, ["4"; 9]).await;
        }
        assert_eq!(count_answers(&app).await, 14, "{b}");

        let results = |token: &str| {
            app.http
                .get(app.url(&format!("/api/v1/spindeln/rounds/{id1}/results")))
                .bearer_auth(token.to_string())
                .send()
        };
        let res: Value = results(&analyst).await.unwrap().json().await.unwrap();
        let farsta = &res["districts"][0];
        assert_eq!(farsta["district"], "farsta", "{b}");
        assert_eq!(farsta["respondents"], 12);
        assert_eq!(farsta["shown"], true);
        // Item 1: 1,2,3,4,5, six 2s, 5. Σ = 32, mean 8/3; Σ(x − 8/3)² =
        // (25 + 7·4 + 1 + 16 + 2·49)/9 = 168/9; sd = √(168/9/11).
        let i1 = &farsta["items"][0];
        assert_eq!(i1["n"], 12);
        assert!(
            close(i1["mean"].as_f64().unwrap(), 32.0 / 12.0),
            "{b}: {i1}"
        );
        assert_eq!((i1["min"].as_i64(), i1["max"].as_i64()), (Some(1), Some(5)));
        assert!(
            close(i1["sd"].as_f64().unwrap(), (168.0f64 / 9.0 / 11.0).sqrt()),
            "{b}: {i1}"
        );
        // Item 2: five 3s, six 4s, one 5: 44/12.
        let i2 = &farsta["items"][1];
        assert!(close(i2["mean"].as_f64().unwrap(), 44.0 / 12.0));
        assert_eq!((i2["min"].as_i64(), i2["max"].as_i64()), (Some(3), Some(5)));
        // Item 9: the "vet ej" is not a rating: 11 ratings, 39/11.
        let i9 = &farsta["items"][8];
        assert_eq!(
            (i9["n"].as_i64(), i9["dont_know"].as_i64()),
            (Some(11), Some(1))
        );
        assert!(close(i9["mean"].as_f64().unwrap(), 39.0 / 11.0));
        // Pooling: child health (1) is below the threshold and would be
        // recoverable from the pool, so social services (5, the smallest
        // shown) is pooled too; open preschool (6) is shown.
        let parties = farsta["parties"].as_array().unwrap();
        let shown: Vec<(&str, bool, i64)> = parties
            .iter()
            .map(|p| {
                (
                    p["party"].as_str().unwrap(),
                    p["shown"].as_bool().unwrap(),
                    p["respondents"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("social_services", false, 5),
                ("open_preschool", true, 6),
                ("child_health", false, 1)
            ],
            "{b}"
        );
        assert_eq!(parties[0]["items"][0]["mean"], Value::Null);
        assert_eq!(parties[1]["items"][0]["mean"], 2.0);
        assert_eq!(parties[1]["items"][0]["sd"], 0.0);
        // Skärholmen: 2 answers, below 5: the count only.
        let sk_res = &res["districts"][1];
        assert_eq!(
            (sk_res["respondents"].as_i64(), sk_res["shown"].as_bool()),
            (Some(2), Some(false))
        );
        assert_eq!(sk_res["items"][0]["mean"], Value::Null);
        assert_eq!(sk_res["items"][0]["suppressed"], true);

        // A district lead sees their own district; others are refused.
        let own: Value = results(&lead).await.unwrap().json().await.unwrap();
        assert_eq!(own["districts"].as_array().unwrap().len(), 1);
        assert_eq!(own["districts"][0]["district"], "farsta");
        assert_eq!(
            results(&other_lead).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            results(&registrant).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.http
                .get(app.url(&format!("/api/v1/spindeln/rounds/{id1}/results")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED
        );

        // The radar of the first round: nine axes, one line.
        let radar = |id: i64, token: &str| {
            app.http
                .get(app.url(&format!("/spindeln/rounds/{id}/districts/farsta/radar.svg")))
                .bearer_auth(token.to_string())
                .send()
        };
        let resp = radar(id1, &analyst).await.unwrap();
        assert_eq!(
            resp.headers()["content-type"],
            "image/svg+xml; charset=utf-8"
        );
        let svg = resp.text().await.unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let class_count = |doc: &roxmltree::Document, tag: &str, class: &str| {
            doc.descendants()
                .filter(|n| n.has_tag_name(tag) && n.attribute("class") == Some(class))
                .count()
        };
        assert_eq!(class_count(&doc, "line", "axis"), 9, "{b}");
        assert_eq!(class_count(&doc, "polygon", "current"), 1);
        assert_eq!(class_count(&doc, "polygon", "previous"), 0);
        assert_eq!(doc.root_element().attribute("role"), Some("img"));

        // A second round compares with the first by default.
        let r2: Value = create(json!({"name": "Mätning 2", "date": "2024-09-01", "districts": ["farsta"], "parties": ["open_preschool"]}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id2 = r2["id"].as_i64().unwrap();
        assert_eq!(r2["previous_round"], id1, "{b}");
        let op2 = link(&r2, "farsta", "open_preschool").to_string();
        for _ in 0..5 {
            answer(&app, &op2, ["3", "4", "4", "4", "4", "4", "4", "4", "4"]).await;
        }
        let svg = radar(id2, &lead).await.unwrap().text().await.unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        assert_eq!(class_count(&doc, "line", "axis"), 9, "{b}");
        let data_polygons = doc
            .descendants()
            .filter(|n| {
                n.has_tag_name("polygon")
                    && matches!(n.attribute("class"), Some("current" | "previous"))
            })
            .count();
        assert_eq!(data_polygons, 2, "{b}: this round and the previous one");
        let desc = doc
            .descendants()
            .find(|n| n.has_tag_name("desc"))
            .unwrap()
            .text()
            .unwrap()
            .to_string();
        assert!(desc.contains("1 Lagar och regler: 3,0"), "{b}: {desc}");
        assert!(
            desc.contains("1 Lagar och regler: 2,7"),
            "{b}: the previous round in the description"
        );
        // Another district's radar is not for this lead.
        let resp = app
            .http
            .get(app.url(&format!(
                "/spindeln/rounds/{id1}/districts/skarholmen/radar.svg"
            )))
            .bearer_auth(&lead)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");
        // The district page has the radar inline and the table beside it
        // (a page: a session, not an API token).
        let lead_session = login_any(&app, "chef-farsta").await;
        let page = app
            .http
            .get(app.url(&format!("/spindeln/rounds/{id2}/districts/farsta")))
            .header("cookie", &lead_session.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(r#"<svg xmlns="http://www.w3.org/2000/svg""#));
        assert!(
            page.contains("<td class=\"num\">3,0</td>") && page.contains("+0,3"),
            "{b}: mean and change"
        );

        // Questions are locked once answers exist; the name is not.
        app.user("analytiker-webb", Role::Analyst, None).await;
        let s = login_any(&app, "analytiker-webb").await;
        let mut edit: Vec<(String, String)> = vec![
            ("name".into(), "Mätning 1 (vår)".into()),
            ("scale_max".into(), "5".into()),
        ];
        for i in 1..=9 {
            edit.push((format!("item{i}"), format!("Ny fråga {i}")));
        }
        let pairs: Vec<(&str, &str)> = edit.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let resp = post_form(&app, &s, &format!("/spindeln/rounds/{id1}/edit"), &pairs).await;
        assert_eq!(resp.status(), StatusCode::CONFLICT, "{b}");
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("kan inte ändras när svar har kommit in"),
            "{b}"
        );
        assert!(
            html.contains(r#"value="Mätning 1 (vår)""#),
            "{b}: input kept"
        );
        let round = app
            .store
            .spindeln_round("stockholm", id1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            round.items[0],
            "Lagar, regler och sekretess gör det möjligt för oss att samverka."
        );
        let mut keep: Vec<(String, String)> = vec![
            ("name".into(), "Mätning 1 (vår)".into()),
            ("scale_max".into(), "5".into()),
        ];
        for (i, t) in round.items.iter().enumerate() {
            keep.push((format!("item{}", i + 1), t.clone()));
        }
        let pairs: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let resp = post_form(&app, &s, &format!("/spindeln/rounds/{id1}/edit"), &pairs).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        // A round without answers may change its questions and scale.
        let r3: Value =
            create(json!({"name": "=Test", "date": "2025-03-01", "districts": ["farsta"]}))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let id3 = r3["id"].as_i64().unwrap();
        assert_eq!(
            r3["links"].as_array().unwrap().len(),
            4,
            "{b}: every party by default"
        );
        let mut edit3 = edit.clone();
        edit3[0].1 = "=Test".into();
        edit3[1].1 = "7".into();
        let pairs: Vec<(&str, &str)> = edit3
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let resp = post_form(&app, &s, &format!("/spindeln/rounds/{id3}/edit"), &pairs).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        let round3 = app
            .store
            .spindeln_round("stockholm", id3)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (round3.items[8].as_str(), round3.scale_max),
            ("Ny fråga 9", 7)
        );

        // Exports: CSV with formula cells neutralised, XLSX.
        let csv = get(&app, &s, &format!("/spindeln/rounds/{id3}/results.csv"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            csv.contains(",'=Test,"),
            "{b}: {}",
            &csv[..200.min(csv.len())]
        );
        assert!(csv.starts_with("\u{feff}round,round_name,date,district"));
        let csv1 = get(&app, &s, &format!("/spindeln/rounds/{id1}/results.csv"))
            .await
            .text()
            .await
            .unwrap();
        let row = csv1
            .lines()
            .find(|l| l.contains(",farsta,Farsta,all,12,1,rules_laws,"))
            .unwrap();
        assert!(row.contains(",12,0,2.6666666666666665,1,5,"), "{b}: {row}");
        let resp = get(&app, &s, &format!("/spindeln/rounds/{id1}/results.xlsx")).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.bytes().await.unwrap().starts_with(b"PK"));

        // A closed round takes no answers; reopened, it does again.
        let resp = post_form(
            &app,
            &s,
            &format!("/spindeln/rounds/{id1}/status"),
            &[("closed", "1")],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let before = count_answers(&app).await;
        assert_eq!(
            answer(&app, &ss, ["3"; 9]).await.status(),
            StatusCode::GONE,
            "{b}"
        );
        assert_eq!(
            app.http
                .get(app.url(&format!("/s/{ss}")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::GONE
        );
        assert_eq!(count_answers(&app).await, before);
        post_form(
            &app,
            &s,
            &format!("/spindeln/rounds/{id1}/status"),
            &[("closed", "0")],
        )
        .await;
        assert_eq!(answer(&app, &ss, ["3"; 9]).await.status(), StatusCode::OK);
        // New links replace the old ones.
        let resp = post_form(&app, &s, &format!("/spindeln/rounds/{id1}/links"), &[]).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.text().await.unwrap().contains("/s/"));
        assert_eq!(
            answer(&app, &ss, ["3"; 9]).await.status(),
            StatusCode::NOT_FOUND,
            "{b}: old link"
        );

        // Pages: the city view for analysts, a lead goes to their district.
        let city = get(&app, &s, &format!("/spindeln/rounds/{id1}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            city.contains("Skärholmen") && city.contains("för få svar"),
            "{b}"
        );
        app.user("chef-web", Role::DistrictLead, Some("farsta"))
            .await;
        let ls = login_any(&app, "chef-web").await;
        let resp = get(&app, &ls, &format!("/spindeln/rounds/{id1}")).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            resp.headers()["location"],
            format!("/spindeln/rounds/{id1}/districts/farsta")
        );
        assert_eq!(
            get(&app, &ls, "/spindeln/ny").await.status(),
            StatusCode::FORBIDDEN
        );
    }
}

fn report_pairs<'a>(
    status: &'a str,
    comment: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&str, &str)> = Vec::new();
    for (code, _, _) in foljupp_core::steering::STRATEGIES {
        if !status.is_empty() {
            v.push((leak(format!("status.{code}")), status));
        }
        v.push((leak(format!("comment.{code}")), comment));
    }
    v.extend_from_slice(extra);
    v
}

/// Field names live as long as the test: fine for a handful of strings.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[tokio::test]
async fn status_report_lifecycle_and_permissions() {
    for app in App::all().await {
        let b = app.backend;
        app.user("lead-farsta", Role::DistrictLead, Some("farsta"))
            .await;
        app.user("lead-bromma", Role::DistrictLead, Some("bromma"))
            .await;
        app.user("analyst", Role::Analyst, None).await;
        app.user("reg", Role::Registrant, Some("farsta")).await;
        let lead = login_any(&app, "lead-farsta").await;
        let other = login_any(&app, "lead-bromma").await;
        let analyst = login_any(&app, "analyst").await;
        let reg = login_any(&app, "reg").await;
        let page = "/status/2024/1/farsta";

        // Anonymous: to the login page; registrant: nothing here.
        let resp = app.http.get(app.url(page)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        assert!(resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
        assert_eq!(
            get(&app, &reg, "/status").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(get(&app, &reg, page).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            post_form(&app, &reg, page, &[("action", "save")])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        // Another district's lead can neither read nor write.
        assert_eq!(
            get(&app, &other, page).await.status(),
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            post_form(
                &app,
                &other,
                page,
                &report_pairs("ongoing", "x", &[("action", "save")])
            )
            .await
            .status(),
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // Without the CSRF token nothing is saved.
        let resp = app
            .http
            .post(app.url(page))
            .header("cookie", &lead.cookie)
            .form(&[("action", "save"), ("works", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);

        // The lead's list of tertials leads to their own district's report.
        let list = get(&app, &lead, "/status").await.text().await.unwrap();
        let t = foljupp_core::Tertial::of(time::OffsetDateTime::now_utc().date());
        assert!(
            list.contains(&format!(r#"href="/status/{}/{}/farsta""#, t.year, t.number)),
            "{b}"
        );
        // The form warns against writing about a family.
        let html = get(&app, &lead, page).await.text().await.unwrap();
        assert!(html.contains("aldrig om enskilda familjer"), "{b}");

        // Drafts: saved as often as wanted, still version 1.
        let resp = post_form(
            &app,
            &lead,
            page,
            &report_pairs("planned", "Första utkastet", &[("action", "save")]),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        let resp = post_form(
            &app,
            &lead,
            page,
            &report_pairs(
                "ongoing",
                "=SUM(1)",
                &[("action", "save"), ("works", "Tematräffarna")],
            ),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let versions = app
            .store
            .status_report_versions("stockholm", "farsta", 2024, 1)
            .await
            .unwrap();
        assert_eq!(versions.len(), 1, "{b}");
        assert_eq!(
            (
                versions[0].state.as_str(),
                versions[0].content.works.as_str()
            ),
            ("draft", "Tematräffarna")
        );
        // Something that looks like a personal identity number is refused,
        // and what was written comes back.
        let resp = post_form(
            &app,
            &lead,
            page,
            &report_pairs(
                "ongoing",
                "ok",
                &[
                    ("action", "save"),
                    ("challenges", "Familjen 850101-1234 behöver stöd"),
                ],
            ),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("personnummer") && html.contains("Familjen 850101-1234 behöver stöd")
        );
        // Submitting needs a status for every strategy.
        let resp = post_form(
            &app,
            &lead,
            page,
            &report_pairs("", "utan status", &[("action", "submit")]),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(resp.text().await.unwrap().contains("Välj en status"));
        // An analyst does not write reports.
        assert_eq!(
            post_form(
                &app,
                &analyst,
                page,
                &report_pairs("ongoing", "x", &[("action", "submit")])
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        // Submit: locked.
        let resp = post_form(
            &app,
            &lead,
            page,
            &report_pairs(
                "established",
                "=SUM(1)",
                &[
                    ("action", "submit"),
                    ("works", "Tematräffarna"),
                    ("next_steps", "Fler grupper"),
                ],
            ),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            resp.headers()["location"],
            "/status/2024/1/farsta?inlamnad=1"
        );
        let resp = post_form(
            &app,
            &lead,
            page,
            &report_pairs("ongoing", "ändrat", &[("action", "save")]),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::CONFLICT, "{b}");
        assert!(resp.text().await.unwrap().contains("inlämnad och låst"));
        let html = get(&app, &lead, page).await.text().await.unwrap();
        assert!(
            !html.contains(r#"value="submit""#),
            "{b}: no form once submitted"
        );
        assert!(html.contains("Etablerad"));

        // The analyst sees who has submitted and reads side by side.
        let html = get(&app, &analyst, "/status/2024/1")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("1 av 13 stadsdelsförvaltningar har lämnat in"),
            "{b}"
        );
        assert!(html.contains("=SUM(1)"));
        // A lead cannot reopen; an analyst can, which adds version 2.
        assert_eq!(
            post_form(&app, &lead, &format!("{page}/reopen"), &[])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let resp = post_form(&app, &analyst, &format!("{page}/reopen"), &[]).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            post_form(&app, &analyst, &format!("{page}/reopen"), &[])
                .await
                .status(),
            StatusCode::CONFLICT,
            "{b}: a draft is not reopened"
        );
        let resp = post_form(
            &app,
            &lead,
            page,
            &report_pairs(
                "established",
                "Version två",
                &[
                    ("action", "submit"),
                    ("works", "Allt"),
                    ("next_steps", "-minus först"),
                ],
            ),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        let versions = app
            .store
            .status_report_versions("stockholm", "farsta", 2024, 1)
            .await
            .unwrap();
        assert_eq!(versions.len(), 2, "{b}");
        assert!(versions.iter().all(|v| v.is_submitted()));
        assert_eq!(
            versions[0].content.works, "Tematräffarna",
            "{b}: version 1 is kept"
        );
        assert_eq!(versions[1].content.works, "Allt");
        let old = get(&app, &analyst, &format!("{page}?version=1"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            old.contains("Tematräffarna") && !old.contains("Version två"),
            "{b}"
        );

        // The compilation has the period's key figures beside the district.
        let token = app.token("reg-api", Role::Registrant, Some("farsta")).await;
        let mut conv = example_conversation();
        conv["district"] = json!("farsta");
        conv["resident_area"] = json!("farsta");
        conv["date"] = json!("2024-02-01");
        let resp = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&token)
            .json(&conv)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let html = get(&app, &analyst, "/status/2024/1/compilation")
            .await
            .text()
            .await
            .unwrap();
        let farsta = html.split(r#"id="d-farsta""#).nth(1).unwrap();
        let farsta = farsta.split("</section>").next().unwrap();
        assert!(
            farsta.contains("<dt>Råd- och stödsamtal</dt><dd>1</dd>"),
            "{b}: {farsta}"
        );
        assert!(farsta.contains("Version två") && farsta.contains("Inlämnad, version 2"));
        assert_eq!(
            get(&app, &lead, "/status/2024/1/compilation")
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let csv = get(&app, &analyst, "/status/2024/1/compilation.csv")
            .await
            .text()
            .await
            .unwrap();
        assert!(csv.contains("farsta,Farsta"), "{b}");
        assert!(csv.contains("Version två"));
        assert!(
            csv.contains(",'-minus först"),
            "{b}: formula-like cells are neutralised"
        );
        let xlsx = get(&app, &analyst, "/status/2024/1/compilation.xlsx").await;
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    }
}
