//! Single sign-on against a real OpenID provider: the certified
//! `oidc-provider` package (tests/oidc/provider.js) on a loopback port,
//! driven over HTTP through its login form, on both databases.

use crate::common::*;
use foljupp_core::Role;
use foljupp_store::{testing, AuditFilter};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The provider process; killed when dropped (and it exits by itself when
/// its standard input closes).
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc")
}

fn start_provider(redirect: &str, users: &serde_json::Value, id_token_claims: bool) -> Provider {
    let dir = oidc_dir();
    assert!(
        dir.join("node_modules/oidc-provider").is_dir(),
        "the test OpenID provider is not installed: run scripts/install-test-deps (npm ci in tests/oidc)"
    );
    let mut child = Command::new("node")
        .arg("provider.js")
        .arg(redirect)
        .current_dir(&dir)
        .env("FOLJUPP_TEST_OIDC_USERS", users.to_string())
        .env(
            "FOLJUPP_TEST_OIDC_ID_TOKEN_CLAIMS",
            if id_token_claims { "1" } else { "0" },
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("provider said {line:?}: {e}"));
    Provider {
        child,
        issuer: v["issuer"].as_str().unwrap().to_string(),
    }
}

/// A free loopback port for the app, so that the provider can be told the
/// redirect URI before the app starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn location(resp: &reqwest::Response, base: &reqwest::Url) -> reqwest::Url {
    let l = resp.headers()["location"].to_str().unwrap();
    base.join(l).unwrap()
}

fn keep_cookies(jar: &mut BTreeMap<String, String>, resp: &reqwest::Response) {
    for v in resp.headers().get_all("set-cookie") {
        let first = v.to_str().unwrap().split(';').next().unwrap();
        if let Some((k, val)) = first.split_once('=') {
            if val.is_empty() {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), val.to_string());
            }
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Logs `user` in as a browser would: foljupp's SSO link, the provider's
/// login form, back to foljupp's callback. Returns the callback's answer.
async fn sso_login(app: &App, user: &str) -> reqwest::Response {
    let http = &app.http;
    let start = http
        .get(app.url("/login/sso?next=/registrera"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let sso_cookie = cookie_of(&start, "foljupp_sso").expect("state cookie");
    let mut url = location(&start, &reqwest::Url::parse(&app.base).unwrap());
    let auth_query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(auth_query["code_challenge_method"], "S256");
    assert!(auth_query.contains_key("nonce") && auth_query.contains_key("state"));
    let mut jar = BTreeMap::new();
    for _ in 0..20 {
        if url.as_str().starts_with(&app.base) {
            return http
                .get(url)
                .header("cookie", format!("foljupp_sso={sso_cookie}"))
                .send()
                .await
                .unwrap();
        }
        let resp = http
            .get(url.clone())
            .header("cookie", cookie_header(&jar))
            .send()
            .await
            .unwrap();
        keep_cookies(&mut jar, &resp);
        if resp.status().is_redirection() {
            url = location(&resp, &url);
            continue;
        }
        assert_eq!(resp.status(), StatusCode::OK, "provider at {url}");
        let html = resp.text().await.unwrap();
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no form at {url}: {html}"));
        let target = url.join(action).unwrap();
        let form: Vec<(&str, &str)> = if html.contains(r#"name="prompt" value="login""#) {
            vec![("prompt", "login"), ("login", user), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        let resp = http
            .post(target.clone())
            .header("cookie", cookie_header(&jar))
            .form(&form)
            .send()
            .await
            .unwrap();
        keep_cookies(&mut jar, &resp);
        assert!(
            resp.status().is_redirection(),
            "provider form at {target}: {}",
            resp.status()
        );
        url = location(&resp, &target);
    }
    panic!("the login did not come back to foljupp");
}

#[tokio::test]
async fn single_sign_on_with_a_real_openid_provider_maps_role_and_district() {
    let users = serde_json::json!({
        "anna": {"foljupp_role": "registrant", "foljupp_district": "farsta"},
        "bo": {"foljupp_role": ["sg-alla", "sg-foljupp-analys"]},
        "lena": {"foljupp_role": "district_lead"},
        "olle": {},
        "eva": {"foljupp_role": "superuser", "foljupp_district": "farsta"},
        "admin": {"foljupp_role": "admin"},
    });
    // Claims in the userinfo response only, then in the ID token too.
    for id_token_claims in [false, true] {
        for (backend, db_url) in testing::fresh_databases().await {
            let b = format!("{backend}, claims in ID token: {id_token_claims}");
            let port = free_port();
            let redirect = format!("http://127.0.0.1:{port}/login/sso/callback");
            let provider = start_provider(&redirect, &users, id_token_claims);
            let config = foljupp_web::WebConfig {
                oidc: Some(foljupp_web::oidc::OidcConfig {
                    issuer: provider.issuer.clone(),
                    client_id: "foljupp".into(),
                    client_secret: Some("foljupp-test-secret".into()),
                    redirect_url: redirect.clone(),
                    scopes: vec!["profile".into(), "foljupp".into()],
                    role_claim: "foljupp_role".into(),
                    district_claim: "foljupp_district".into(),
                    role_map: foljupp_web::oidc::OidcConfig::parse_role_map(
                        "sg-foljupp-analys=analyst",
                    )
                    .unwrap(),
                }),
                ..Default::default()
            };
            let app = App::start_with(
                backend,
                db_url,
                config,
                SocketAddr::from(([127, 0, 0, 1], port)),
            )
            .await;
            // The login page offers the city's sign-on.
            let page = app.http.get(app.url("/login")).send().await.unwrap();
            assert!(page
                .text()
                .await
                .unwrap()
                .contains("Logga in med stadens inloggning"));

            // A registrant of Farsta: a session, the role and the district.
            let resp = sso_login(&app, "anna").await;
            if resp.status() != StatusCode::SEE_OTHER {
                panic!("{b}: {} {}", resp.status(), resp.text().await.unwrap());
            }
            assert_eq!(resp.headers()["location"], "/registrera", "{b}");
            let session = cookie_of(&resp, "foljupp_session").expect("session");
            let set = resp
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect::<Vec<_>>();
            assert!(set
                .iter()
                .any(|c| c.starts_with("foljupp_session=") && c.contains("HttpOnly")));
            assert!(
                set.iter().any(|c| c.starts_with("foljupp_sso=;")),
                "{b}: state cookie cleared"
            );
            let anna = app.store.account_by_name("anna").await.unwrap().unwrap();
            assert_eq!(anna.role, Role::Registrant, "{b}");
            assert_eq!(anna.district.as_deref(), Some("farsta"), "{b}");
            assert!(
                anna.password_hash.is_none(),
                "{b}: no password for SSO accounts"
            );
            assert_eq!(
                anna.sso_subject.as_deref(),
                Some(format!("{} anna", provider.issuer).as_str())
            );
            let form = app
                .http
                .get(app.url("/registrera/conversation"))
                .header("cookie", format!("foljupp_session={session}"))
                .send()
                .await
                .unwrap();
            assert_eq!(form.status(), StatusCode::OK, "{b}");
            let html = form.text().await.unwrap();
            assert!(html.contains("anna (Registrerare)"), "{b}");
            // …and registers only for Farsta (only Farsta is offered).
            assert!(
                html.contains(r#"value="farsta""#)
                    && !html.contains(r#"value="enskede-arsta-vantor""#),
                "{b}"
            );
            // An admin page stays closed to her.
            let r = app
                .http
                .get(app.url("/admin/konton"))
                .header("cookie", format!("foljupp_session={session}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");

            // A group mapped to a role: an analyst without a district.
            let resp = sso_login(&app, "bo").await;
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
            let bo = app.store.account_by_name("bo").await.unwrap().unwrap();
            assert_eq!((bo.role, bo.district), (Role::Analyst, None), "{b}");

            // Refused: no district for a district-bound role, no role, an
            // unknown role. No session, no account.
            for (user, why) in [
                ("lena", "ingen känd stadsdelsförvaltning"),
                ("olle", "ingen roll"),
                ("eva", "ingen roll"),
            ] {
                let resp = sso_login(&app, user).await;
                assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b} {user}");
                assert!(cookie_of(&resp, "foljupp_session").is_none(), "{b} {user}");
                assert!(resp.text().await.unwrap().contains(why), "{b} {user}");
                assert!(
                    app.store.account_by_name(user).await.unwrap().is_none(),
                    "{b} {user}"
                );
            }

            // An admin here can disable an SSO account; the provider's
            // word does not override that.
            app.store.set_disabled(anna.id, true).await.unwrap();
            let resp = sso_login(&app, "anna").await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");
            assert!(cookie_of(&resp, "foljupp_session").is_none());
            app.store.set_disabled(anna.id, false).await.unwrap();

            // A callback without the matching state is refused.
            let r = app
                .http
                .get(app.url("/login/sso/callback?code=abc&state=forged"))
                .header("cookie", "foljupp_sso=other.n.v.%2F")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");

            // The audit log has the logins and the refusals.
            let events = app
                .store
                .audit_events(&AuditFilter::default())
                .await
                .unwrap();
            let has = |name: &str, action: &str| {
                events
                    .iter()
                    .any(|e| e.account_name == name && e.action == action)
            };
            assert!(has("anna", "login") && has("bo", "login"), "{b}");
            assert!(
                has("lena", "login_failed")
                    && has("olle", "login_failed")
                    && has("eva", "login_failed"),
                "{b}"
            );
            // One account per person, however often they sign on.
            let annas = app
                .store
                .list_accounts("stockholm")
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.name == "anna")
                .count();
            assert_eq!(annas, 1, "{b}");
            drop(provider);
        }
    }
}
