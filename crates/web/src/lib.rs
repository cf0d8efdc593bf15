//! The HTTP face of foljupp: server-rendered HTML pages, the JSON API, login
//! and sessions, and the one table that says which role may use which route.
//!
//! Architecture invariant: no handler writes or logs which account made a
//! registration. The request log records method, route pattern and status,
//! never a body or a query string.

mod api;
mod auth;
mod error;
mod html;
pub mod i18n;
mod pages;
pub mod report;
pub mod routes;

pub use auth::{hash_password, sha256_hex, verify_password};
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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            municipality: "stockholm".into(),
            secure_cookies: false,
            threshold: 5,
            session_idle_secs: 2 * 3600,
            session_absolute_secs: 12 * 3600,
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
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn new(store: Store, organisation: Organisation, config: WebConfig) -> SharedState {
        let forms = store.forms().clone();
        Arc::new(AppState {
            store,
            organisation,
            forms,
            config,
            metrics: Metrics::default(),
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
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
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
