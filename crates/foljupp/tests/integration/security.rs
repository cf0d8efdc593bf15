//! Security (issue 5): the route × role table, CSRF, sessions, throttling,
//! headers, tokens, accounts, password policy and the audit log, on both
//! databases.

use crate::cli::foljupp;
use crate::common::*;
use foljupp_core::Role;
use foljupp_store::{AuditFilter, Store};
use foljupp_web::routes::{Access, RULES};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A session made directly in the store (no login round trip): the cookie
/// header and the CSRF token.
async fn audit_rows(store: &Store, action: &str) -> Vec<foljupp_store::AuditEvent> {
    store
        .audit_events(&AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        })
        .await
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

const ROLES: [Role; 4] = [
    Role::Registrant,
    Role::DistrictLead,
    Role::Analyst,
    Role::Admin,
];

fn district_of(role: Role) -> Option<&'static str> {
    role.is_district_bound().then_some("farsta")
}

#[tokio::test]
async fn every_route_for_every_role_and_anonymous_gets_the_expected_status() {
    for app in App::all().await {
        let b = app.backend;
        for role in ROLES {
            app.user(&format!("s-{role}"), role, district_of(role))
                .await;
        }
        let mut tokens = Vec::new();
        for role in ROLES {
            tokens.push((
                role,
                app.token(&format!("t-{role}"), role, district_of(role))
                    .await,
            ));
        }
        // Something for the {id} routes to act on.
        let victim_token = app.token("victim", Role::Registrant, Some("farsta")).await;
        let victim = app.store.account_by_name("victim").await.unwrap().unwrap();
        let victim_token_id = app
            .store
            .api_token(&foljupp_web::sha256_hex(&victim_token))
            .await
            .unwrap()
            .unwrap()
            .id;
        let mut checked = 0;
        for (method, pattern, access) in RULES {
            let id = if pattern.contains("nycklar") {
                victim_token_id
            } else {
                victim.id
            };
            let path = pattern
                .replace("{kind}", "conversation")
                .replace("/admin/formular/{action}", "/admin/formular/ny-text")
                .replace("{action}", "byt-namn")
                .replace("{district}", "farsta")
                .replace("{file}", "app.css")
                .replace("{id}", &id.to_string());
            let is_api = matches!(access, Access::Api(_));
            let send = |who: Option<(&Session, Option<&str>)>| {
                let mut r = match *method {
                    "GET" => app.http.get(app.url(&path)),
                    "POST" => app.http.post(app.url(&path)),
                    other => panic!("{other} {pattern}: add the method to this test"),
                };
                if let Some((s, token)) = who {
                    if let Some(t) = token {
                        r = r.bearer_auth(t);
                    } else {
                        r = r.header("cookie", &s.cookie);
                    }
                    if *method == "POST" {
                        r = if token.is_some() {
                            r.json(&json!({}))
                        } else {
                            r.form(&[("csrf", s.csrf.as_str())])
                        };
                    }
                }
                r.send()
            };
            // Anonymous.
            let resp = send(None).await.unwrap();
            let st = resp.status();
            match access {
                Access::Public => assert!(st.as_u16() < 500, "{b} anon {method} {path}: {st}"),
                Access::Page(_) => {
                    assert_eq!(st, StatusCode::SEE_OTHER, "{b} anon {method} {path}");
                    assert!(
                        location(&resp).starts_with("/login"),
                        "{b} anon {method} {path}: to {}",
                        location(&resp)
                    );
                }
                Access::Api(_) => {
                    assert_eq!(st, StatusCode::UNAUTHORIZED, "{b} anon {method} {path}")
                }
            }
            for role in ROLES {
                let session = fresh_session(&app.store, &format!("s-{role}")).await;
                let token = tokens.iter().find(|(r, _)| *r == role).unwrap().1.clone();
                let st = send(Some((&session, is_api.then_some(token.as_str()))))
                    .await
                    .unwrap()
                    .status();
                let allowed = match access {
                    Access::Public => None,
                    Access::Page(roles) | Access::Api(roles) => Some(roles.contains(&role)),
                };
                match allowed {
                    None => assert!(st.as_u16() < 500, "{b} {role} {method} {path}: {st}"),
                    Some(false) => {
                        assert_eq!(st, StatusCode::FORBIDDEN, "{b} {role} {method} {path}")
                    }
                    Some(true) => assert!(
                        st != StatusCode::UNAUTHORIZED
                            && st != StatusCode::FORBIDDEN
                            && st.as_u16() < 500,
                        "{b} {role} {method} {path}: {st}"
                    ),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, RULES.len() * 4, "{b}");
        // An API token opens no page, even an admin's.
        let admin_token = &tokens.iter().find(|(r, _)| *r == Role::Admin).unwrap().1;
        let resp = app
            .http
            .get(app.url("/admin/konton"))
            .bearer_auth(admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn every_state_changing_form_needs_the_csrf_token() {
    for app in App::all().await {
        let b = app.backend;
        app.user("admin", Role::Admin, None).await;
        app.user("victim", Role::Registrant, Some("farsta")).await;
        let victim = app.store.account_by_name("victim").await.unwrap().unwrap();
        let s = fresh_session(&app.store, "admin").await;
        let other = fresh_session(&app.store, "victim").await;
        let before = app
            .store
            .audit_events(&AuditFilter::default())
            .await
            .unwrap()
            .len();
        for (method, pattern, access) in RULES {
            if *method != "POST" || !matches!(access, Access::Page(_)) {
                continue;
            }
            let path = pattern
                .replace("{kind}", "conversation")
                .replace("/admin/formular/{action}", "/admin/formular/ny-text")
                .replace("{action}", "byt-namn")
                .replace("{id}", &victim.id.to_string());
            let body = [
                ("name", "ny-person"),
                ("role", "analyst"),
                ("password", "en lång och ovanlig fras"),
                ("date", "2021-03-01"),
                ("district", "farsta"),
                ("label", "x"),
                ("account", "1"),
                ("expires_days", "30"),
            ];
            for (what, csrf) in [
                ("no token", None),
                ("another session's token", Some(&other.csrf)),
            ] {
                let mut form: Vec<(&str, &str)> = body.to_vec();
                if let Some(c) = csrf {
                    form.push(("csrf", c));
                }
                let resp = app
                    .http
                    .post(app.url(&path))
                    .header("cookie", &s.cookie)
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    resp.status(),
                    StatusCode::FORBIDDEN,
                    "{b} POST {path}, {what}"
                );
            }
            // A JSON body cannot smuggle the token past the check either.
            let resp = app
                .http
                .post(app.url(&path))
                .header("cookie", &s.cookie)
                .json(&json!({"csrf": s.csrf}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::FORBIDDEN,
                "{b} POST {path} as JSON"
            );
        }
        // Nothing changed: no account, no registration, no audit row, the
        // session is still alive and the victim still enabled.
        assert!(app
            .store
            .account_by_name("ny-person")
            .await
            .unwrap()
            .is_none());
        assert!(
            !app.store
                .account_by_name("victim")
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        assert_eq!(app.stored().await, 0, "{b}");
        assert_eq!(
            app.store
                .audit_events(&AuditFilter::default())
                .await
                .unwrap()
                .len(),
            before,
            "{b}"
        );
        let resp = app
            .http
            .get(app.url("/oversikt"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
        // With the token the same request works.
        let resp = app
            .http
            .post(app.url(&format!("/admin/konton/{}/avaktivera", victim.id)))
            .header("cookie", &s.cookie)
            .form(&[("csrf", s.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
        assert!(
            app.store
                .account_by_name("victim")
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
    }
}

#[tokio::test]
async fn sessions_are_httponly_samesite_expire_and_get_a_new_id_at_login() {
    for app in App::all().await {
        let b = app.backend;
        app.user("anna", Role::Registrant, Some("farsta")).await;
        // The login sets HttpOnly and SameSite (and no Secure without TLS).
        let page = app.http.get(app.url("/login")).send().await.unwrap();
        let pre = cookie_of(&page, "foljupp_login_csrf").unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "csrf");
        let old = fresh_session(&app.store, "anna").await;
        let resp = app
            .http
            .post(app.url("/login"))
            .header(
                "cookie",
                format!("foljupp_login_csrf={pre}; {}", old.cookie),
            )
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", "anna"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        let set: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session_cookie = set
            .iter()
            .find(|c| c.starts_with("foljupp_session="))
            .unwrap();
        assert!(session_cookie.contains("HttpOnly"), "{session_cookie}");
        assert!(session_cookie.contains("SameSite=Lax"), "{session_cookie}");
        assert!(!session_cookie.contains("Secure"), "{session_cookie}");
        let new = cookie_of(&resp, "foljupp_session").unwrap();
        assert_ne!(
            format!("foljupp_session={new}"),
            old.cookie,
            "{b}: a new id at login"
        );
        // The session presented at login is ended on the server.
        let r = app
            .http
            .get(app.url("/oversikt"))
            .header("cookie", &old.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}: old session ended");

        // Idle expiry (default 2 h) and absolute expiry (default 12 h).
        let now = foljupp_store::now_unix();
        let idle = session_for(&app.store, "anna", now - 3 * 3600, now - 3 * 3600).await;
        let too_old = session_for(&app.store, "anna", now - 13 * 3600, now - 60).await;
        let fine = session_for(&app.store, "anna", now - 11 * 3600, now - 60).await;
        for (s, want) in [
            (&idle, StatusCode::SEE_OTHER),
            (&too_old, StatusCode::SEE_OTHER),
            (&fine, StatusCode::OK),
        ] {
            let r = app
                .http
                .get(app.url("/oversikt"))
                .header("cookie", &s.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), want, "{b}");
        }
        // Logout ends the session on the server: the old cookie is useless.
        let r = app
            .http
            .post(app.url("/logout"))
            .header("cookie", &fine.cookie)
            .form(&[("csrf", fine.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = app
            .http
            .get(app.url("/oversikt"))
            .header("cookie", &fine.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(audit_rows(&app.store, "logout").await.len(), 1, "{b}");
    }
    // Behind TLS: Secure cookies and HSTS.
    let config = foljupp_web::WebConfig {
        secure_cookies: true,
        ..Default::default()
    };
    let app = App::start_with(
        "sqlite",
        foljupp_store::testing::fresh_sqlite_url(),
        config,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    let page = app.http.get(app.url("/login")).send().await.unwrap();
    let c = page.headers()["set-cookie"].to_str().unwrap();
    assert!(c.contains("Secure") && c.contains("HttpOnly"), "{c}");
    assert!(page.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = App::start("sqlite", foljupp_store::testing::fresh_sqlite_url()).await;
    let token = app.token("t", Role::Analyst, None).await;
    let mut responses = Vec::new();
    for path in [
        "/login",
        "/healthz",
        "/finns-inte",
        "/oversikt",
        "/static/app.css",
        "/api/v1/openapi.json",
    ] {
        responses.push((path, app.http.get(app.url(path)).send().await.unwrap()));
    }
    responses.push((
        "api",
        app.http
            .get(app.url("/api/v1/report?year=2024"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    ));
    responses.push((
        "api 401",
        app.http
            .get(app.url("/api/v1/report"))
            .send()
            .await
            .unwrap(),
    ));
    for (what, r) in responses {
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert!(h.contains_key("referrer-policy"), "{what}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "{what}: no HSTS without TLS"
        );
    }
}

#[tokio::test]
async fn login_throttling_answers_429_per_account_and_per_address_and_audits() {
    for app in App::all().await {
        let b = app.backend;
        app.user("anna", Role::Registrant, Some("farsta")).await;
        let app = &app;
        let attempt = |name: &'static str, password: &'static str| async move {
            let page = app.http.get(app.url("/login")).send().await.unwrap();
            let pre = cookie_of(&page, "foljupp_login_csrf").unwrap();
            let csrf = hidden(&page.text().await.unwrap(), "csrf");
            app.http
                .post(app.url("/login"))
                .header("cookie", format!("foljupp_login_csrf={pre}"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("name", name),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        };
        for _ in 0..5 {
            assert_eq!(
                attempt("anna", "fel lösenord").await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
        // The sixth try, even with the right password, waits.
        let r = attempt("anna", PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{b}");
        let wait: i64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
        let html = r.text().await.unwrap();
        assert!(html.contains("För många misslyckade inloggningar"), "{b}");
        assert!(!html.contains("fel lösenord"));
        // Failures and the block are in the audit log, with the name tried,
        // never the password.
        let failed = audit_rows(&app.store, "login_failed").await;
        assert_eq!(failed.len(), 5, "{b}");
        assert!(failed
            .iter()
            .all(|e| e.account_name == "anna" && e.ip.as_deref() == Some("127.0.0.1")));
        let blocked = audit_rows(&app.store, "login_throttled").await;
        assert_eq!(blocked.len(), 1, "{b}");
        let all = app
            .store
            .audit_events(&AuditFilter::default())
            .await
            .unwrap();
        assert!(all
            .iter()
            .all(|e| !e.detail.contains("fel lösenord") && !e.detail.contains(PASSWORD)));
        // Another account from the same address is still let in (the
        // per-address limit is higher), until that limit too is reached.
        app.user("bo", Role::Analyst, None).await;
        assert_eq!(
            attempt("bo", PASSWORD).await.status(),
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let mut last = StatusCode::OK;
        for name in [
            "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13",
            "c14", "c15", "c16",
        ] {
            last = attempt(name, "gissning").await.status();
        }
        assert_eq!(
            last,
            StatusCode::TOO_MANY_REQUESTS,
            "{b}: 20 failures from one address"
        );
        assert_eq!(
            attempt("bo", PASSWORD).await.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{b}"
        );
    }
}

#[tokio::test]
async fn registering_writes_no_audit_row_while_logins_and_changes_do() {
    for app in App::all().await {
        let b = app.backend;
        app.user("radgivare", Role::Registrant, Some("rinkeby-kista"))
            .await;
        let s = app.login("radgivare").await;
        let token = app
            .token("integration", Role::Registrant, Some("rinkeby-kista"))
            .await;
        let before = app
            .store
            .audit_events(&AuditFilter::default())
            .await
            .unwrap();
        assert_eq!(before.len(), 1, "{b}: the login");
        assert_eq!(before[0].action, "login");
        assert_eq!(before[0].account_name, "radgivare");
        // Register through the form and through the API.
        let r = app
            .http
            .post(app.url("/registrera/collaboration"))
            .header("cookie", &s.cookie)
            .form(&[
                ("csrf", s.csrf.as_str()),
                ("date", "2021-03-01"),
                ("district", "rinkeby-kista"),
                ("activity_kind", "planning_meeting"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let r = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&token)
            .json(&example_conversation())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{b}");
        assert_eq!(app.stored().await, 2);
        let after = app
            .store
            .audit_events(&AuditFilter::default())
            .await
            .unwrap();
        assert_eq!(after, before, "{b}: registering must not be audited");
    }
}

#[tokio::test]
async fn admin_manages_accounts_and_tokens_and_reads_the_audit_log() {
    for app in App::all().await {
        let b = app.backend;
        app.user("admin", Role::Admin, None).await;
        let s = app.login("admin").await;
        let post = |path: &str, form: Vec<(&str, &str)>| {
            let mut form = form;
            form.push(("csrf", s.csrf.as_str()));
            app.http
                .post(app.url(path))
                .header("cookie", &s.cookie)
                .form(&form)
                .send()
        };
        // Creating an account applies the password policy and keeps input.
        let r = post(
            "/admin/konton",
            vec![
                ("name", "lisa"),
                ("role", "registrant"),
                ("district", "farsta"),
                ("password", "password1234"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text().await.unwrap();
        assert!(html.contains("vanligaste lösenorden"), "{b}");
        assert!(html.contains(r#"value="lisa""#));
        let r = post(
            "/admin/konton",
            vec![
                ("name", "lisa"),
                ("role", "registrant"),
                ("password", PASSWORD),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a registrant needs a district"
        );
        let r = post(
            "/admin/konton",
            vec![
                ("name", "lisa"),
                ("role", "registrant"),
                ("district", "farsta"),
                ("password", PASSWORD),
            ],
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let lisa = app.store.account_by_name("lisa").await.unwrap().unwrap();
        assert_eq!(lisa.district.as_deref(), Some("farsta"));
        assert!(lisa.password_hash.unwrap().starts_with("$argon2id$"));
        let lisa_session = app.login("lisa").await;

        // A token, shown once, scoped to a role and a district, with an expiry.
        let lisa_id = lisa.id.to_string();
        let r = post(
            "/admin/nycklar",
            vec![
                ("label", "Statistiksystemet"),
                ("account", &lisa_id),
                ("role", "registrant"),
                ("district", "farsta"),
                ("expires_days", "30"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let html = r.text().await.unwrap();
        let start = html.find(r#"id="new-token">"#).unwrap() + r#"id="new-token">"#.len();
        let token = html[start..start + 64].to_string();
        let listed = app.store.list_api_tokens("stockholm").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].label, "Statistiksystemet");
        assert_eq!(listed[0].district.as_deref(), Some("farsta"));
        let days = (listed[0].expires_at.unwrap() - listed[0].created_at) / 86400;
        assert_eq!(days, 30);
        // Shown once: the list page does not show it again.
        let page = app
            .http
            .get(app.url("/admin/nycklar"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Statistiksystemet") && !page.contains(&token),
            "{b}"
        );
        let report = |t: String| {
            let app = &app;
            async move {
                app.http
                    .get(app.url("/api/v1/report?year=2024"))
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r = report(token.clone()).await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["scope"]["district"], "farsta",
            "{b}: the token's district"
        );
        // A report fetched through the API is audited as a download.
        let downloads = audit_rows(&app.store, "report_download").await;
        assert_eq!(downloads.len(), 1, "{b}");
        assert_eq!(downloads[0].account_name, "lisa");
        assert!(
            downloads[0]
                .detail
                .contains("2024-01-01–2024-12-31, farsta"),
            "{b}: {}",
            downloads[0].detail
        );
        // The token's district scope holds for registering too.
        let mut other = example_conversation();
        other["district"] = json!("bromma");
        let r = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&token)
            .json(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");

        // Disabling the account ends its sessions and stops its tokens.
        let r = post(&format!("/admin/konton/{}/avaktivera", lisa.id), vec![])
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let r = app
            .http
            .get(app.url("/oversikt"))
            .header("cookie", &lisa_session.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}: session ended");
        assert_eq!(
            report(token.clone()).await.status(),
            StatusCode::UNAUTHORIZED,
            "{b}"
        );
        // A disabled account cannot log in.
        let page = app.http.get(app.url("/login")).send().await.unwrap();
        let pre = cookie_of(&page, "foljupp_login_csrf").unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "csrf");
        let r = app
            .http
            .post(app.url("/login"))
            .header("cookie", format!("foljupp_login_csrf={pre}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", "lisa"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{b}");
        // Enabled again: the token works; revoked: it does not.
        let r = post(&format!("/admin/konton/{}/aktivera", lisa.id), vec![])
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        assert_eq!(report(token.clone()).await.status(), StatusCode::OK, "{b}");
        let r = post(
            &format!("/admin/nycklar/{}/aterkalla", listed[0].id),
            vec![],
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        assert_eq!(
            report(token.clone()).await.status(),
            StatusCode::UNAUTHORIZED,
            "{b}"
        );
        // An admin cannot disable themselves.
        let me = app.store.account_by_name("admin").await.unwrap().unwrap();
        let r = post(&format!("/admin/konton/{}/avaktivera", me.id), vec![])
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        // An expired token is refused.
        let expired = foljupp_store::random_token();
        app.store
            .create_api_token(
                &foljupp_web::sha256_hex(&expired),
                lisa.id,
                Role::Registrant,
                Some("farsta"),
                Some(foljupp_store::now_unix() - 1),
            )
            .await
            .unwrap();
        assert_eq!(
            report(expired).await.status(),
            StatusCode::UNAUTHORIZED,
            "{b}"
        );

        // The audit log: every change above, with time and account.
        let actions: Vec<String> = app
            .store
            .audit_events(&AuditFilter::default())
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.account_name == "admin")
            .map(|e| e.action)
            .collect();
        for want in [
            "login",
            "account_created",
            "token_created",
            "account_disabled",
            "account_enabled",
            "token_revoked",
        ] {
            assert!(
                actions.iter().any(|a| a == want),
                "{b}: {want} missing in {actions:?}"
            );
        }
        let page = app
            .http
            .get(app.url("/admin/logg?action=token_created"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("API-nyckel skapad") && html.contains("Statistiksystemet"),
            "{b}"
        );
        assert!(
            !html.contains("Konto avstängt</td>"),
            "{b}: the filter holds"
        );
        let bad = app
            .http
            .get(app.url("/admin/logg?from=igår"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let csv = app
            .http
            .get(app.url("/admin/logg.csv?account=admin"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("tid_utc,konto_id,konto,handling,detalj,ip")
        );
        assert!(text.contains(",admin,token_revoked,"), "{b}: {text}");
        assert!(
            text.lines().skip(1).all(|l| l.contains(",admin,")),
            "{b}: filtered"
        );
        assert_eq!(
            audit_rows(&app.store, "audit_exported").await.len(),
            1,
            "{b}"
        );
    }
}

#[tokio::test]
async fn password_change_checks_the_policy_and_ends_other_sessions() {
    for app in App::all().await {
        let b = app.backend;
        app.user("anna", Role::Registrant, Some("farsta")).await;
        let here = app.login("anna").await;
        let elsewhere = fresh_session(&app.store, "anna").await;
        let change = |current: &str, new: &str, repeat: &str| {
            app.http
                .post(app.url("/konto/losenord"))
                .header("cookie", &here.cookie)
                .form(&[
                    ("csrf", here.csrf.as_str()),
                    ("current", current),
                    ("new", new),
                    ("repeat", repeat),
                ])
                .send()
        };
        let new = "blå cykel under äppelträdet";
        for (current, n, r, why) in [
            ("fel", new, new, "stämmer inte"),
            (PASSWORD, new, "något annat helt", "olika"),
            (PASSWORD, "kort", "kort", "minst 12 tecken"),
            (PASSWORD, "qwertyqwerty", "qwertyqwerty", "vanligaste"),
            (
                PASSWORD,
                "anna-har-en-cykel",
                "anna-har-en-cykel",
                "användarnamnet",
            ),
        ] {
            let resp = change(current, n, r).await.unwrap();
            assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b} {why}");
            assert!(resp.text().await.unwrap().contains(why), "{b} {why}");
        }
        let resp = change(PASSWORD, new, new).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");
        let acc = app.store.account_by_name("anna").await.unwrap().unwrap();
        assert!(foljupp_web::verify_password(
            acc.password_hash.as_deref().unwrap(),
            new
        ));
        // This session lives on; every other one ended.
        let get = |s: &Session| {
            app.http
                .get(app.url("/oversikt"))
                .header("cookie", &s.cookie)
                .send()
        };
        assert_eq!(get(&here).await.unwrap().status(), StatusCode::OK, "{b}");
        assert_eq!(
            get(&elsewhere).await.unwrap().status(),
            StatusCode::SEE_OTHER,
            "{b}"
        );
        assert_eq!(
            audit_rows(&app.store, "password_changed").await.len(),
            1,
            "{b}"
        );
        // Guessing the current password here is throttled like the login
        // (one wrong guess above, four more reach the limit of five).
        for _ in 0..4 {
            let r = change("gissning", PASSWORD, PASSWORD).await.unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        }
        let r = change(new, PASSWORD, PASSWORD).await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{b}");
        assert!(r.headers().contains_key("retry-after"));
    }
}

#[tokio::test]
async fn cli_disables_accounts_revokes_tokens_and_applies_the_policy() {
    let dir = std::env::temp_dir().join(format!(
        "foljupp-sec-cli-{}",
        &foljupp_store::random_token()[..8]
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("f.db").display());
    let out = foljupp(
        &db,
        &["user", "add", "bo", "--role", "analyst"],
        Some("password12345\n"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("vanligaste"));
    let out = foljupp(
        &db,
        &["user", "add", "bo", "--role", "analyst"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = foljupp(
        &db,
        &["token", "create", "--user", "bo", "--label", "BI"],
        None,
    );
    assert!(out.status.success());
    let store = Store::open(&db, foljupp_core::FormSet::defaults())
        .await
        .unwrap();
    let listed = store.list_api_tokens("stockholm").await.unwrap();
    assert_eq!(listed[0].label, "BI");
    let out = foljupp(&db, &["token", "revoke", &listed[0].id.to_string()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(store.list_api_tokens("stockholm").await.unwrap()[0].revoked);
    assert!(!foljupp(&db, &["token", "revoke", "999"], None)
        .status
        .success());
    let out = foljupp(&db, &["user", "disable", "bo"], None);
    assert!(out.status.success());
    assert!(store.account_by_name("bo").await.unwrap().unwrap().disabled);
    let out = foljupp(&db, &["user", "enable", "bo"], None);
    assert!(out.status.success());
    assert!(!store.account_by_name("bo").await.unwrap().unwrap().disabled);
    let actions: Vec<String> = store
        .audit_events(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "account_enabled",
            "account_disabled",
            "token_revoked",
            "token_created",
            "account_created"
        ]
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = App::start("sqlite", foljupp_store::testing::fresh_sqlite_url()).await;
    let r = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    for (method, pattern, _) in RULES.iter().filter(|(_, p, _)| p.starts_with("/api/v1")) {
        let m = method.to_lowercase();
        let covered = if pattern.contains("{kind}") && *method == "POST" {
            foljupp_core::Kind::ALL.iter().all(|k| {
                paths
                    .get(&pattern.replace("{kind}", k.code()))
                    .is_some_and(|p| p.get(&m).is_some())
            })
        } else {
            paths.get(*pattern).is_some_and(|p| p.get(&m).is_some())
        };
        assert!(covered, "{method} {pattern} is not in the OpenAPI document");
    }
    let conv = &doc["components"]["schemas"]["Registration_conversation"];
    assert_eq!(conv["required"], json!(["date", "district"]));
    assert!(conv["properties"]["district"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("farsta")));
    assert!(paths["/api/v1/registrations/conversation"]["post"]["responses"]["422"].is_object());
}
