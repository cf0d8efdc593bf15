//! Shared helpers of the integration tests: the real server on a random
//! port with a fresh database of each backend, accounts, tokens, login.

use foljupp_core::{FormSet, Role};
use foljupp_store::{testing, Store};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::SocketAddr;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct App {
    pub backend: &'static str,
    db_url: String,
    pub base: String,
    pub store: Store,
    pub http: reqwest::Client,
    /// The server's state, for what only the process can tell (e.g. how
    /// many times the report rollup was rebuilt).
    pub state: foljupp_web::SharedState,
}

impl App {
    pub async fn start(backend: &'static str, db_url: String) -> App {
        App::start_with(
            backend,
            db_url,
            foljupp_web::WebConfig::default(),
            "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        )
        .await
    }

    /// The app with its own settings, on a given address (port 0: any).
    pub async fn start_with(
        backend: &'static str,
        db_url: String,
        config: foljupp_web::WebConfig,
        addr: SocketAddr,
    ) -> App {
        let store = Store::open(&db_url, FormSet::defaults()).await.unwrap();
        let state = foljupp_web::AppState::load(store.clone(), config)
            .await
            .unwrap();
        let (addr, _handle) = foljupp_web::serve(state.clone(), addr).await.unwrap();
        App {
            backend,
            db_url: db_url.clone(),
            base: format!("http://{addr}"),
            store,
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            state,
        }
    }

    pub async fn all() -> Vec<App> {
        let mut apps = Vec::new();
        for (backend, url) in testing::fresh_databases().await {
            apps.push(App::start(backend, url).await);
        }
        apps
    }

    /// The database URL, for running the command line against it.
    pub fn store_url(&self) -> String {
        self.db_url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn user(&self, name: &str, role: Role, district: Option<&str>) {
        self.user_in("stockholm", name, role, district).await;
    }

    /// An account of another municipality of the installation.
    pub async fn user_in(
        &self,
        municipality: &str,
        name: &str,
        role: Role,
        district: Option<&str>,
    ) {
        let hash = foljupp_web::hash_password(PASSWORD).unwrap();
        self.store
            .create_account(municipality, name, role, district, &hash)
            .await
            .unwrap();
    }

    /// A bearer token for a new account of the role.
    pub async fn token(&self, name: &str, role: Role, district: Option<&str>) -> String {
        self.token_in("stockholm", name, role, district).await
    }

    /// A bearer token for a new account of another municipality.
    pub async fn token_in(
        &self,
        municipality: &str,
        name: &str,
        role: Role,
        district: Option<&str>,
    ) -> String {
        self.user_in(municipality, name, role, district).await;
        let acc = self.store.account_by_name(name).await.unwrap().unwrap();
        let token = foljupp_store::random_token();
        self.store
            .create_api_token(
                &foljupp_web::sha256_hex(&token),
                acc.id,
                role,
                district,
                None,
            )
            .await
            .unwrap();
        token
    }

    /// Logs in through the form; returns the session cookie and CSRF token.
    pub async fn login(&self, name: &str) -> Session {
        let page = self.http.get(self.url("/login")).send().await.unwrap();
        let pre = cookie_of(&page, "foljupp_login_csrf").unwrap();
        let html = page.text().await.unwrap();
        let csrf = hidden(&html, "csrf");
        let resp = self
            .http
            .post(self.url("/login"))
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
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "{}: login of {name}",
            self.backend
        );
        let cookie = cookie_of(&resp, "foljupp_session").expect("session cookie");
        let page = self
            .http
            // Every role may see the overview, whose logout form carries
            // the session's CSRF token.
            .get(self.url("/oversikt"))
            .header("cookie", format!("foljupp_session={cookie}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        Session {
            cookie: format!("foljupp_session={cookie}"),
            csrf: hidden(&page, "csrf"),
        }
    }

    pub async fn conversations(&self, token: &str, year: i32) -> i64 {
        let r: Value = self
            .http
            .get(self.url(&format!("/api/v1/report?year={year}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["kpis"]["conversations"].as_i64().unwrap()
    }

    pub async fn stored(&self) -> i64 {
        self.store
            .count_registrations("stockholm")
            .await
            .unwrap()
            .values()
            .sum()
    }
}

pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub fn cookie_of(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn example_conversation() -> Value {
    json!({
        "date": "2020-03-04",
        "district": "rinkeby-kista",
        "resident_area": "husby",
        "participants": [{"role": "parent", "gender": "woman"}, {"role": "parent", "gender": "man"}],
        "language": "so",
        "children": 2,
        "age_groups": ["0-6"],
        "how_found": "bvc",
        "conversation_no": 1,
        "form": "in_person",
        "next_step": "new_conversation",
        "q_right_topics": "yes_really",
        "q_helpful": "yes_really",
        "q_easy_reach": "yes"
    })
}

/// A session made in the store for an account (no login round trip).
pub async fn session_for(store: &Store, name: &str, created: i64, seen: i64) -> Session {
    let acc = store.account_by_name(name).await.unwrap().unwrap();
    let token = foljupp_store::random_token();
    let csrf = foljupp_store::random_token();
    store
        .create_session(&foljupp_web::sha256_hex(&token), acc.id, &csrf, created)
        .await
        .unwrap();
    if seen != created {
        store
            .touch_session(&foljupp_web::sha256_hex(&token), seen)
            .await
            .unwrap();
    }
    Session {
        cookie: format!("foljupp_session={token}"),
        csrf,
    }
}

/// A session that starts now.
pub async fn fresh_session(store: &Store, name: &str) -> Session {
    let now = foljupp_store::now_unix();
    session_for(store, name, now, now).await
}
