//! Parents' own answers: the link the API returns, the parent's page in
//! Swedish and Arabic, single-use and group links, expiry, the report's
//! answer counts, and "let the parent answer" on the advisor's device.

use crate::common::*;
use foljupp_core::Role;
use foljupp_store::testing;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn kpis(app: &App, token: &str, year: i32) -> Value {
    let r: Value = app
        .http
        .get(app.url(&format!("/api/v1/report?year={year}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["kpis"].clone()
}

fn n(kpis: &Value, key: &str) -> i64 {
    kpis[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} is not a count: {}", kpis[key]))
}

async fn register(app: &App, token: &str, kind: &str, body: Value) -> Value {
    let resp = app
        .http
        .post(app.url(&format!("/api/v1/registrations/{kind}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED, "{kind}");
    resp.json().await.unwrap()
}

fn code_of(link: &Value) -> String {
    let path = link.as_str().expect("a parent link");
    let code = path.strip_prefix("/p/").expect("/p/CODE");
    assert_eq!(code.len(), 10, "{path}");
    code.to_string()
}

async fn get(app: &App, path: &str) -> (StatusCode, String) {
    let resp = app.http.get(app.url(path)).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn answer(app: &App, code: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
    let resp = app
        .http
        .post(app.url(&format!("/p/{code}")))
        .form(pairs)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn a_parent_answers_once_in_arabic_and_the_report_counts_it() {
    for app in App::all().await {
        let b = app.backend;
        let token = app
            .token("radgivare", Role::Registrant, Some("rinkeby-kista"))
            .await;
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        let first =
            json!({"date": "2021-03-04", "district": "rinkeby-kista", "conversation_no": 1});
        let created = register(&app, &token, "conversation", first.clone()).await;
        let code = code_of(&created["parent_link"]);

        // Kinds without parents' questions get no link.
        let collab = register(
            &app,
            &token,
            "collaboration",
            json!({"date": "2021-03-04", "district": "rinkeby-kista"}),
        )
        .await;
        assert_eq!(collab["parent_link"], Value::Null, "{b}");
        let visit3 = register(
            &app,
            &token,
            "home_visit",
            json!({"date": "2021-03-04", "district": "rinkeby-kista", "visit_no": 3}),
        )
        .await;
        assert_eq!(
            visit3["parent_link"],
            Value::Null,
            "{b}: visit 3 asks nothing"
        );
        // A conversation whose answers the advisor already recorded needs none.
        let answered = register(&app, &token, "conversation", example_conversation()).await;
        assert_eq!(answered["parent_link"], Value::Null, "{b}");

        // The page in Arabic: right to left, Arabic questions, only the ones
        // that apply to a first conversation.
        let (status, html) = get(&app, &format!("/p/{code}?lang=ar")).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{b}");
        assert!(
            html.contains("هل كانت المحادثة مفيدة لك"),
            "{b}: Arabic q_helpful"
        );
        assert!(
            html.contains("إجاباتك مجهولة الهوية"),
            "{b}: anonymity in Arabic"
        );
        assert!(html.contains(r#"name="q_easy_reach""#));
        assert!(
            !html.contains(r#"name="q_recommend""#),
            "{b}: not at the first conversation"
        );
        assert_eq!(html.matches("<fieldset").count(), 3);
        assert_eq!(html.matches("<legend>").count(), 3);
        assert_eq!(html.matches(r#"type="radio""#).count(), 15);
        for lang in ["sv", "en", "ar", "so", "ti", "fa"] {
            assert!(
                html.contains(&format!(r#"href="/p/{code}?lang={lang}""#)),
                "{lang}"
            );
        }
        // Nothing of the registration is shown.
        assert!(!html.contains("rinkeby"), "{b}");
        assert!(!html.contains("2021-03-04"));
        // The same page in Swedish, also chosen from the browser's language.
        let (_, sv) = get(&app, &format!("/p/{code}")).await;
        assert!(sv.contains(r#"<html lang="sv" dir="ltr">"#));
        assert!(sv.contains("Har samtalet varit till hjälp för dig som förälder?"));
        assert!(sv.contains("Dina svar är anonyma"));
        let fa = app
            .http
            .get(app.url(&format!("/p/{code}")))
            .header("accept-language", "fa-IR,fa;q=0.9,en;q=0.5")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(fa.contains(r#"<html lang="fa" dir="rtl">"#), "{b}");

        let before = kpis(&app, &analyst, 2021).await;
        // Nothing chosen: asked again, kindly, in Arabic; nothing used.
        let (status, html) = answer(&app, &code, &[("lang", "ar")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(html.contains("لم تختر أي إجابة"));
        // A code outside the answer list is refused, the choice kept.
        let (status, html) = answer(
            &app,
            &code,
            &[
                ("lang", "ar"),
                ("q_helpful", "maybe"),
                ("q_right_topics", "yes"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(html.contains(r#"id="e-q_helpful""#));
        assert!(html.contains(r#"value="yes" checked"#));

        let (status, html) = answer(
            &app,
            &code,
            &[
                ("lang", "ar"),
                ("q_helpful", "yes_really"),
                ("q_easy_reach", "yes"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{b}: {html}");
        assert!(html.contains(r#"dir="rtl""#));
        assert!(html.contains("شكرًا على إجاباتك"), "{b}: thanks in Arabic");

        let after = kpis(&app, &analyst, 2021).await;
        assert_eq!(
            n(&after, "q_helpful_answered"),
            n(&before, "q_helpful_answered") + 1,
            "{b}"
        );
        assert_eq!(
            n(&after, "q_easy_reach_answered"),
            n(&before, "q_easy_reach_answered") + 1
        );
        assert_eq!(
            n(&after, "q_right_topics_answered"),
            n(&before, "q_right_topics_answered"),
            "{b}: skipped"
        );
        assert_eq!(
            n(&after, "conversations"),
            n(&before, "conversations"),
            "{b}: no new registration"
        );

        // Single use: a second POST is refused kindly, in the page's language.
        let (status, html) =
            answer(&app, &code, &[("lang", "ar"), ("q_right_topics", "yes")]).await;
        assert_eq!(status, StatusCode::GONE, "{b}");
        assert!(html.contains("تم استخدام هذا الرابط من قبل"), "{b}");
        let (status, html) =
            answer(&app, &code, &[("lang", "sv"), ("q_right_topics", "yes")]).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(html.contains("Den här länken har redan använts"));
        let (status, _) = get(&app, &format!("/p/{}", code.to_lowercase())).await;
        assert_eq!(status, StatusCode::GONE, "{b}: codes are read in any case");
        assert_eq!(
            n(&kpis(&app, &analyst, 2021).await, "q_right_topics_answered"),
            n(&before, "q_right_topics_answered"),
            "{b}: a refused answer counts nothing"
        );
        assert_eq!(
            testing::parent_link_registration(&app.store, &foljupp_web::sha256_hex(&code))
                .await
                .unwrap()
                .as_deref(),
            Some(""),
            "{b}: a used link forgets its registration"
        );

        // Expired: 410 with its own message, nothing recorded.
        let created = register(
            &app,
            &token,
            "conversation",
            json!({"date": "2021-03-05", "district": "rinkeby-kista", "conversation_no": 2}),
        )
        .await;
        let late = code_of(&created["parent_link"]);
        let (_, html) = get(&app, &format!("/p/{late}")).await;
        assert!(
            html.contains(r#"name="q_recommend""#),
            "{b}: recommend at a later conversation"
        );
        assert!(!html.contains(r#"name="q_easy_reach""#));
        assert!(
            testing::expire_parent_link(&app.store, &foljupp_web::sha256_hex(&late))
                .await
                .unwrap()
        );
        let (status, html) = get(&app, &format!("/p/{late}?lang=ar")).await;
        assert_eq!(status, StatusCode::GONE, "{b}");
        assert!(html.contains("انتهت صلاحية هذا الرابط"));
        let (status, html) = answer(&app, &late, &[("lang", "sv"), ("q_helpful", "yes")]).await;
        assert_eq!(status, StatusCode::GONE, "{b}");
        assert!(html.contains("Den här länken har slutat gälla"));
        let end = kpis(&app, &analyst, 2021).await;
        assert_eq!(
            n(&end, "q_helpful_answered"),
            n(&after, "q_helpful_answered"),
            "{b}"
        );

        // Unknown and malformed codes: a kind 404.
        let (status, html) = get(&app, "/p/ABCDE23456?lang=so").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{b}");
        assert!(html.contains(r#"lang="so""#) && html.contains("Linkiga lama helin"));
        let (status, _) = get(&app, "/p/not-a-code").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = answer(&app, "ABCDE23456", &[("q_helpful", "yes")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn group_links_take_many_answers_and_home_visits_ask_at_visit_five() {
    for app in App::all().await {
        let b = app.backend;
        let token = app
            .token("gruppledare", Role::Registrant, Some("farsta"))
            .await;
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        let before = kpis(&app, &analyst, 2022).await;
        let group = register(
            &app,
            &token,
            "group_meeting",
            json!({"date": "2022-05-02", "district": "farsta", "women": 9, "q_helpful_yes": 2}),
        )
        .await;
        let code = code_of(&group["parent_link"]);
        let (status, html) = get(&app, &format!("/p/{code}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("Har träffen varit till hjälp för dig som förälder?"),
            "{b}"
        );
        assert!(html.contains(r#"name="q_recommend""#));
        for (i, a) in ["yes_really", "yes", "yes_really", "not_really"]
            .iter()
            .enumerate()
        {
            let lang = if i % 2 == 0 { "ar" } else { "sv" };
            let (status, html) = answer(
                &app,
                &code,
                &[("lang", lang), ("q_helpful", a), ("q_recommend", "yes")],
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{b}: answer {i}");
            assert!(
                html.contains(&format!(r#"href="/p/{code}?lang={lang}""#)),
                "{b}: the next parent can answer"
            );
        }
        let programme = register(
            &app,
            &token,
            "programme_group",
            json!({"date": "2022-02-01", "district": "farsta", "started_women": 6}),
        )
        .await;
        let pcode = code_of(&programme["parent_link"]);
        let (_, html) = get(&app, &format!("/p/{pcode}?lang=ar")).await;
        assert!(html.contains("هل كانت المجموعة مفيدة لك"), "{b}");
        let (status, _) = answer(&app, &pcode, &[("q_helpful", "yes")]).await;
        assert_eq!(status, StatusCode::OK);

        let visit = register(
            &app,
            &token,
            "home_visit",
            json!({"date": "2022-05-03", "district": "farsta", "visit_no": 5}),
        )
        .await;
        let vcode = code_of(&visit["parent_link"]);
        let (_, html) = get(&app, &format!("/p/{vcode}?lang=ti")).await;
        assert!(html.contains("እቲ መደብ ከም ወላዲ ሓጊዙኩም ዶ?"), "{b}: Tigrinya");
        assert_eq!(html.matches("<fieldset").count(), 1);
        let (status, _) = answer(&app, &vcode, &[("programme_helpful", "yes_really")]).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = answer(&app, &vcode, &[("programme_helpful", "yes")]).await;
        assert_eq!(
            status,
            StatusCode::GONE,
            "{b}: a home visit's link answers once"
        );

        let after = kpis(&app, &analyst, 2022).await;
        // 2 recorded by the advisor + 4 + 1 from parents.
        assert_eq!(
            n(&after, "q_helpful_answered") - n(&before, "q_helpful_answered"),
            7,
            "{b}"
        );
        assert_eq!(
            n(&after, "q_recommend_answered") - n(&before, "q_recommend_answered"),
            4,
            "{b}"
        );
        assert_eq!(
            n(&after, "programme_helpful_answered") - n(&before, "programme_helpful_answered"),
            1
        );
        // The counts are on the registration itself, as if entered on the form.
        let regs = app
            .store
            .load_registrations(
                "stockholm",
                foljupp_core::Period::year(2022).unwrap(),
                None,
                Some(foljupp_core::Kind::GroupMeeting),
            )
            .await
            .unwrap();
        assert_eq!(regs.len(), 1);
        assert_eq!(regs[0].int("q_helpful_yes_really"), Some(2), "{b}");
        assert_eq!(regs[0].int("q_helpful_yes"), Some(3), "{b}");
        assert_eq!(regs[0].int("q_helpful_not_really"), Some(1));
        assert_eq!(regs[0].int("q_recommend_yes"), Some(4));

        // A group's link expires too.
        assert!(
            testing::expire_parent_link(&app.store, &foljupp_web::sha256_hex(&code))
                .await
                .unwrap()
        );
        let (status, _) = answer(&app, &code, &[("q_helpful", "yes")]).await;
        assert_eq!(status, StatusCode::GONE, "{b}");
    }
}

#[tokio::test]
async fn letting_the_parent_answer_ends_the_advisors_session() {
    for app in App::all().await {
        let b = app.backend;
        app.user("radgivare", Role::Registrant, Some("farsta"))
            .await;
        let s = app.login("radgivare").await;
        let resp = app
            .http
            .post(app.url("/registrera/conversation"))
            .header("cookie", &s.cookie)
            .header("host", "foljupp.example")
            .form(&[
                ("csrf", s.csrf.as_str()),
                ("date", "2023-03-01"),
                ("district", "farsta"),
                ("conversation_no", "3"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("Låt föräldern svara"), "{b}");
        assert!(html.contains("Visa QR-kod / länk"));
        let code = hidden(&html, "code");
        assert!(
            html.contains(&format!("http://foljupp.example/p/{code}")),
            "{b}: the absolute link"
        );
        assert!(
            html.contains(r#"<svg role="img" aria-label="QR-kod"#),
            "{b}: a QR code"
        );
        assert!(html.contains("gäller i 24 timmar"));

        // Without the CSRF token nothing happens.
        let resp = app
            .http
            .post(app.url("/lat-foraldern-svara"))
            .header("cookie", &s.cookie)
            .form(&[("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");

        let resp = app
            .http
            .post(app.url("/lat-foraldern-svara"))
            .header("cookie", &s.cookie)
            .form(&[("csrf", s.csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(resp.headers()["location"], format!("/p/{code}"));
        let cleared = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("foljupp_session=;"));
        assert!(cleared, "{b}: the session cookie is cleared");
        // The old session is gone on the server: back to the login page.
        for path in ["/oversikt", "/registrera/conversation"] {
            let resp = app
                .http
                .get(app.url(path))
                .header("cookie", &s.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b} {path}");
            assert!(resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"));
        }
        // The parent's page works without any session, and leads nowhere else.
        let (status, html) = get(&app, &format!("/p/{code}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !html.contains("/oversikt")
                && !html.contains("/registrera")
                && !html.contains("Logga ut"),
            "{b}"
        );

        // A collaboration offers no parent link.
        let s = app.login("radgivare").await;
        let html = app
            .http
            .post(app.url("/registrera/collaboration"))
            .header("cookie", &s.cookie)
            .form(&[
                ("csrf", s.csrf.as_str()),
                ("date", "2023-03-01"),
                ("district", "farsta"),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(r#"class="saved""#), "{b}");
        assert!(!html.contains("Låt föräldern svara"), "{b}");
        // A handover with a code that leads nowhere keeps the session.
        let resp = app
            .http
            .post(app.url("/lat-foraldern-svara"))
            .header("cookie", &s.cookie)
            .form(&[("csrf", s.csrf.as_str()), ("code", "ABCDE23456")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::GONE, "{b}");
        let resp = app
            .http
            .get(app.url("/oversikt"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
    }
}

#[tokio::test]
async fn guessing_codes_is_slowed_down() {
    let app = App::start("sqlite", testing::fresh_sqlite_url()).await;
    let token = app.token("r", Role::Registrant, Some("farsta")).await;
    let created = register(
        &app,
        &token,
        "conversation",
        json!({"date": "2023-01-02", "district": "farsta"}),
    )
    .await;
    let good = code_of(&created["parent_link"]);
    let mut statuses = Vec::new();
    for i in 0..31 {
        let (status, _) = get(&app, &format!("/p/ABCDE{:05}", 23456 + i)).await;
        statuses.push(status);
    }
    assert!(
        statuses[..30].iter().all(|s| *s == StatusCode::NOT_FOUND),
        "{statuses:?}"
    );
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
    // While blocked, even a good code waits: the brake must not tell which
    // guesses exist.
    let (status, html) = get(&app, &format!("/p/{good}")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("för många försök"));
}

/// Parents' answers reach the report without reading every registration
/// again: the rollup recounts the answered registration's day. The report
/// then equals the one a freshly started server counts from the store.
#[tokio::test]
async fn parents_answers_reach_the_report_without_a_rebuild() {
    for app in App::all().await {
        let b = app.backend;
        let token = app
            .token("radgivare", Role::Registrant, Some("rinkeby-kista"))
            .await;
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        let mut codes = Vec::new();
        for (date, participants) in [
            ("2021-03-04", "parent:woman"),
            ("2021-03-04", "parent:man"),
            ("2021-05-06", "parent:woman;parent:man"),
        ] {
            let created = register(
                &app,
                &token,
                "conversation",
                json!({"date": date, "district": "rinkeby-kista", "conversation_no": 2,
                       "participants": participants, "q_right_topics": "yes"}),
            )
            .await;
            codes.push(code_of(&created["parent_link"]));
        }
        let group = register(
            &app,
            &token,
            "group_meeting",
            json!({"date": "2021-03-04", "district": "rinkeby-kista", "women": 4, "men": 2}),
        )
        .await;
        let group_code = code_of(&group["parent_link"]);
        let before = kpis(&app, &analyst, 2021).await;
        let scans = app.state.report_cache.scans();
        assert!(scans >= 1, "{b}: the first report counted the store");

        for (code, q, a) in [
            (&codes[0], "q_helpful", "yes_really"),
            (&codes[1], "q_helpful", "not_at_all"),
            (&codes[2], "q_recommend", "yes"),
            (&group_code, "q_helpful", "yes"),
            (&group_code, "q_helpful", "not_really"),
        ] {
            let (status, _) = answer(&app, code, &[("lang", "sv"), (q, a)]).await;
            assert_eq!(status, StatusCode::OK, "{b}: {q}={a}");
        }
        let after = kpis(&app, &analyst, 2021).await;
        assert_eq!(
            app.state.report_cache.scans(),
            scans,
            "{b}: the answers were taken up without a rebuild"
        );
        assert_ne!(before, after, "{b}: the answers count");
        assert_eq!(
            n(&after, "q_helpful_answered") - n(&before, "q_helpful_answered"),
            4
        );

        let fresh = App::start(b, app.store_url()).await;
        assert_eq!(after, kpis(&fresh, &analyst, 2021).await, "{b}");
    }
}
