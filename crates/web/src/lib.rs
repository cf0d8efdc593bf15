//! The HTTP face of foljupp: server-rendered HTML pages, the JSON API, login
//! and sessions, and the one table that says which role may use which route.
//!
//! Architecture invariant: no handler writes or logs which account made a
//! registration. The request log records method, route pattern and status,
//! never a body or a query string.

mod admin;
mod api;
pub mod audit;
mod auth;
mod catalogue;
mod error;
mod html;
pub mod i18n;
pub mod oidc;
pub mod openapi;
mod pages;
pub mod parents;
pub mod password;
pub mod report;
pub mod routes;
mod steering;
pub mod throttle;

pub use audit::audit;
pub use auth::{hash_password, sha256_hex, verify_password, Principal};
pub use error::AppError;

use axum::Router;
use foljupp_core::{FormSet, Organisation};
use foljupp_store::Store;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The municipality this installation serves.
    pub municipality: String,
    /// Cookies get `Secure` and responses HSTS: set when served behind TLS.
    pub secure_cookies: bool,
    /// Disclosure threshold for aggregates (DOMAIN.md: default 5).
    pub threshold: u32,
    /// A session ends after this many seconds without a request…
    pub session_idle_secs: i64,
    /// …and at the latest this many seconds after login.
    pub session_absolute_secs: i64,
    /// Failed logins allowed per account name and per client address within
    /// the window before further attempts get 429.
    pub login_limits: throttle::ThrottleLimits,
    /// Behind a reverse proxy: take the client address from the last
    /// `X-Forwarded-For` entry.
    pub trust_proxy: bool,
    /// The city's single sign-on, when configured.
    pub oidc: Option<oidc::OidcConfig>,
    /// A parent's single-use answer link (conversation, home visit) lives
    /// this long (rounded up to the hour by the store)…
    pub parent_link_secs: i64,
    /// …and a group's many-answer link this long: answers come during the
    /// meeting or the last session, or in the days after.
    pub group_link_secs: i64,
    /// The address parents' phones reach the server at (for the QR code),
    /// e.g. `https://foljupp.example.se`; by default the address the
    /// advisor's browser used.
    pub public_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            municipality: "stockholm".into(),
            secure_cookies: false,
            threshold: 5,
            session_idle_secs: 2 * 3600,
            session_absolute_secs: 12 * 3600,
            login_limits: throttle::ThrottleLimits {
                per_account: 5,
                // An office behind one NAT address shares this count.
                per_address: 20,
                window_secs: 15 * 60,
            },
            trust_proxy: false,
            oidc: None,
            parent_link_secs: 24 * 3600,
            group_link_secs: 7 * 24 * 3600,
            public_url: None,
        }
    }
}

/// Counters exposed at `/metrics`. Only counts of requests by outcome: never
/// anything about a registration's content.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub client_errors: AtomicU64,
    pub server_errors: AtomicU64,
    pub registrations_stored: AtomicU64,
}

pub struct AppState {
    pub store: Store,
    pub organisation: Organisation,
    pub forms: FormSet,
    pub config: WebConfig,
    pub metrics: Metrics,
    pub throttle: throttle::LoginThrottle,
    pub sso: Option<oidc::Sso>,
    /// Unknown parent-link codes per client address (guessing brake).
    pub parent_guesses: parents::GuessLimiter,
    /// The registrations' counts by district and day, for fast reports.
    pub report_cache: report::ReportCache,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn new(store: Store, organisation: Organisation, config: WebConfig) -> SharedState {
        let forms = store.forms().clone();
        let sso = config.oidc.clone().map(oidc::Sso::new);
        Arc::new(AppState {
            store,
            organisation,
            forms,
            config,
            metrics: Metrics::default(),
            throttle: throttle::LoginThrottle::default(),
            sso,
            parent_guesses: parents::GuessLimiter::default(),
            report_cache: report::ReportCache::default(),
        })
    }
}

/// The complete application: every route with its access rule.
pub fn app(state: SharedState) -> Router {
    routes::router(state)
}

/// Binds `addr` (port 0 picks a free port) and serves until the process
/// ends. Returns the bound address once listening.
pub async fn serve(
    state: SharedState,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    // The catalogue of support ships with the seeds' interventions; a new
    // database gets them on first start (admins edit them afterwards).
    state
        .store
        .ensure_catalogue(
            &state.config.municipality,
            &foljupp_core::catalogue::default_interventions(),
        )
        .await
        .map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    // Expired parent links forget their registration within minutes, even
    // when nobody registers anything.
    let store = state.store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(e) = store.tidy_parent_links(foljupp_store::now_unix()).await {
                tracing::warn!(error = %e, "tidying parent links failed");
            }
        }
    });
    let router = app(state);
    let handle = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    });
    Ok((bound, handle))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
