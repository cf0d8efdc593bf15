//! Registering through the JSON API and the HTML form, and the route rules.

use crate::common::*;
use foljupp_core::Role;
use foljupp_store::testing;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn api_registers_every_kind_and_rejects_bad_input_without_storing() {
    for app in App::all().await {
        let b = app.backend;
        let token = app
            .token("integration", Role::Registrant, Some("rinkeby-kista"))
            .await;
        let post = |kind: &str, body: Value| {
            app.http
                .post(app.url(&format!("/api/v1/registrations/{kind}")))
                .bearer_auth(&token)
                .json(&body)
                .send()
        };
        let bodies = [
            ("conversation", example_conversation()),
            (
                "home_visit",
                json!({"date": "2020-04-01", "district": "rinkeby-kista", "programme_site": "husby", "visit_no": 1, "present": ["mother", "father"], "further_contacts": false}),
            ),
            (
                "group_meeting",
                json!({"date": "2020-04-02", "district": "rinkeby-kista", "meeting_kind": "dialogue_cafe", "partners": ["bvc", "library"], "women": 9, "men": 3, "q_helpful_yes_really": 6}),
            ),
            (
                "programme_group",
                json!({"date": "2020-02-01", "end_date": "2020-04-20", "district": "rinkeby-kista", "programme": "cos_p", "started_women": 8, "completed_women": 7}),
            ),
            (
                "collaboration",
                json!({"date": "2020-04-03", "district": "rinkeby-kista", "partners": ["bmm"], "activity_kind": "planning_meeting"}),
            ),
            (
                "open_preschool_report",
                json!({"date": "2020-04-30", "district": "rinkeby-kista", "unit": "rinkeby-kista-oppna-forskolan", "opening_hours": 20, "visits_adults": 400, "visits_children": 520}),
            ),
        ];
        for (kind, body) in bodies {
            let resp = post(kind, body).await.unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::CREATED,
                "{b} {kind}: {}",
                resp.text().await.unwrap()
            );
        }
        assert_eq!(app.stored().await, 6, "{b}");

        // Every bad field is listed with a Swedish message; nothing is stored.
        let mut bad = example_conversation();
        bad["date"] = json!("2020-02-30");
        bad["form"] = json!("telepathy");
        bad["children"] = json!("many");
        bad["participants"] = json!([{"role": "parent", "gender": "robot"}]);
        let resp = post("conversation", bad).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let body: Value = resp.json().await.unwrap();
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["date", "participants", "children", "form"], "{b}");
        assert!(body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ÅÅÅÅ-MM-DD"));
        assert_eq!(
            app.stored().await,
            6,
            "{b}: a rejected registration must store nothing"
        );

        // Malformed JSON, wrong shapes, unknown kind.
        let resp = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{\"date\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(
            post("conversation", json!([1, 2])).await.unwrap().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            post(
                "conversation",
                json!({"date": {"nested": true}, "district": "farsta"})
            )
            .await
            .unwrap()
            .status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            post("teleportation", json!({})).await.unwrap().status(),
            StatusCode::NOT_FOUND
        );

        // A registrant registers only for their own district.
        let mut other = example_conversation();
        other["district"] = json!("farsta");
        assert_eq!(
            post("conversation", other).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "{b}"
        );

        // Credentials: none → 401; unknown token → 401.
        let resp = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .json(&example_conversation())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let resp = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth("nope")
            .json(&example_conversation())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(app.stored().await, 6, "{b}");

        // The report sees what was stored, in REPORT.md's shape.
        let analyst = app.token("analyst", Role::Analyst, None).await;
        let report: Value = app
            .http
            .get(app.url("/api/v1/report?year=2020"))
            .bearer_auth(&analyst)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["scope"]["municipality"], "stockholm");
        assert_eq!(report["period"]["from"], "2020-01-01");
        assert_eq!(report["kpis"]["conversations"], 1, "{b}");
        assert_eq!(report["kpis"]["home_visits"], 1);
        assert_eq!(report["kpis"]["group_meetings"], 1);
        assert_eq!(report["kpis"]["programme_groups"], 1);
        assert_eq!(
            report["districts"]["rinkeby-kista"]["kpis"]["conversations"],
            1
        );
        assert_eq!(report["districts"]["farsta"]["kpis"]["conversations"], 0);
        // A registrant sees their own district's report, not the city's.
        let own: Value = app
            .http
            .get(app.url("/api/v1/report?year=2020"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own["scope"]["district"], "rinkeby-kista");
        let resp = app
            .http
            .get(app.url("/api/v1/report?year=2020&district=farsta"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let resp = app
            .http
            .get(app.url("/api/v1/report?year=20x0"))
            .bearer_auth(&analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        // The form definition names its version.
        let form: Value = app
            .http
            .get(app.url("/api/v1/forms/conversation"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(form["version"], 1);
        assert!(
            form["lists"]["how_found"]["options"]
                .as_array()
                .unwrap()
                .len()
                >= 12
        );
    }
}

#[tokio::test]
async fn html_registration_keeps_input_on_error_and_needs_csrf() {
    for app in App::all().await {
        let b = app.backend;
        app.user("radgivare", Role::Registrant, Some("farsta"))
            .await;
        let token = app.token("reader", Role::Analyst, None).await;
        let s = app.login("radgivare").await;
        let form = |pairs: Vec<(&str, &str)>| {
            app.http
                .post(app.url("/registrera/conversation"))
                .header("cookie", &s.cookie)
                .form(&pairs)
                .send()
        };
        // No CSRF token: 403 and nothing stored.
        let resp = form(vec![("date", "2021-03-01"), ("district", "farsta")])
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");
        assert_eq!(app.stored().await, 0);
        // Invalid: every value comes back, with a message beside the field.
        let resp = form(vec![
            ("csrf", &s.csrf),
            ("date", "2099-01-01"),
            ("district", "farsta"),
            ("participants.parent.woman", "1"),
            ("children", "3"),
            ("age_groups", "0-6"),
            ("conversation_no", "2"),
        ])
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = resp.text().await.unwrap();
        assert!(html.contains(r#"id="e-date""#), "{b}: error next to date");
        assert!(html.contains("ligger i framtiden"));
        assert!(html.contains(r#"value="2099-01-01""#));
        assert!(html.contains(r#"name="participants.parent.woman" value="1""#));
        assert!(html.contains(r#"name="children" min="0" max="20" value="3""#));
        assert!(html.contains(r#"value="0-6" checked"#));
        assert!(html.contains(r#"value="2" checked"#));
        assert_eq!(app.stored().await, 0, "{b}");
        // Another district than one's own is refused.
        let resp = form(vec![
            ("csrf", &s.csrf),
            ("date", "2021-03-01"),
            ("district", "bromma"),
        ])
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(resp
            .text()
            .await
            .unwrap()
            .contains("din egen stadsdelsförvaltning"));
        // Valid: stored once, and the form comes back "like this".
        let before = app.conversations(&token, 2021).await;
        let resp = form(vec![
            ("csrf", &s.csrf),
            ("date", "2021-03-01"),
            ("district", "farsta"),
            ("unit", "farsta-familjecentral"),
            ("participants.parent.woman", "1"),
            ("participants.parent.man", "1"),
            ("conversation_no", "1"),
            ("q_easy_reach", "yes"),
        ])
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
        let remembered = cookie_of(&resp, "foljupp_place").unwrap();
        assert_eq!(remembered, "farsta|farsta-familjecentral");
        let html = resp.text().await.unwrap();
        assert!(html.contains(r#"class="saved""#));
        assert!(
            html.contains(r#"value="farsta-familjecentral" selected"#),
            "{b}: like this keeps the unit"
        );
        assert!(
            !html.contains(r#"name="q_easy_reach" value="yes" checked"#),
            "{b}: answers are not copied"
        );
        assert_eq!(app.conversations(&token, 2021).await, before + 1, "{b}");
        // The device remembers district and unit for the next blank form.
        let page = app
            .http
            .get(app.url("/registrera/conversation"))
            .header(
                "cookie",
                format!("{}; foljupp_place={remembered}", s.cookie),
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(r#"value="farsta-familjecentral" selected"#));
        // Logout ends the session on the server.
        let resp = app
            .http
            .post(app.url("/logout"))
            .header("cookie", &s.cookie)
            .form(&[("csrf", s.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let resp = app
            .http
            .get(app.url("/oversikt"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "{b}: old session must be gone"
        );
    }
}

#[tokio::test]
async fn every_route_has_a_rule_and_anonymous_callers_are_kept_out() {
    let app = App::start("sqlite", testing::fresh_sqlite_url()).await;
    let registrant = app.token("r", Role::Registrant, Some("farsta")).await;
    for (method, pattern, access) in foljupp_web::routes::RULES {
        let path = pattern
            .replace("{kind}", "conversation")
            .replace("{file}", "app.css");
        let req = |m: &str| match m {
            "GET" => app.http.get(app.url(&path)),
            _ => app.http.post(app.url(&path)),
        };
        let anon = req(method).send().await.unwrap().status();
        match access {
            foljupp_web::routes::Access::Public => {
                assert!(anon.as_u16() < 500, "{method} {path}: {anon}")
            }
            foljupp_web::routes::Access::Page(_) => {
                assert!(
                    anon == StatusCode::SEE_OTHER,
                    "{method} {path}: anonymous got {anon}"
                )
            }
            foljupp_web::routes::Access::Api(roles) => {
                assert_eq!(anon, StatusCode::UNAUTHORIZED, "{method} {path}");
                let with = req(method)
                    .bearer_auth(&registrant)
                    .send()
                    .await
                    .unwrap()
                    .status();
                if roles.contains(&Role::Registrant) {
                    assert_ne!(with, StatusCode::FORBIDDEN, "{method} {path}");
                    assert_ne!(with, StatusCode::UNAUTHORIZED, "{method} {path}");
                } else {
                    assert_eq!(with, StatusCode::FORBIDDEN, "{method} {path}");
                }
            }
        }
    }
    // Security headers on every response.
    let resp = app.http.get(app.url("/login")).send().await.unwrap();
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    // An analyst may read but not register.
    let analyst = app.token("a", Role::Analyst, None).await;
    let resp = app
        .http
        .post(app.url("/api/v1/registrations/conversation"))
        .bearer_auth(&analyst)
        .json(&example_conversation())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}
