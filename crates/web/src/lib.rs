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
mod config_pages;
pub mod configuration;
mod error;
mod html;
pub mod i18n;
pub mod national;
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
use foljupp_core::MunicipalConfig;
use foljupp_store::{Store, StoreError};
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The municipality an installation serves by default: public pages
    /// without a municipality of their own (the catalogue) show this one,
    /// and an empty database starts with its configuration.
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
    /// Every municipality's organisation and forms in force.
    pub configs: ConfigRegistry,
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

/// The municipalities' configurations in force, shared by every request
/// and replaced whole when an admin saves a change (or another process
/// does: see [`AppState::reload_configs`]).
#[derive(Default)]
pub struct ConfigRegistry {
    inner: std::sync::RwLock<std::collections::BTreeMap<String, (i64, Arc<MunicipalConfig>)>>,
}

impl ConfigRegistry {
    /// A municipality's configuration and its revision.
    pub fn get(&self, municipality: &str) -> Option<(i64, Arc<MunicipalConfig>)> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(municipality)
            .cloned()
    }

    pub fn set(&self, revision: i64, config: MunicipalConfig) {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(config.code().to_string(), (revision, Arc::new(config)));
    }

    /// Every municipality's configuration, by code.
    pub fn all(&self) -> Vec<Arc<MunicipalConfig>> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .map(|(_, c)| c.clone())
            .collect()
    }
}

impl AppState {
    /// The state of a server on `store`: the municipalities' configurations
    /// are read from it; an empty installation starts with the default
    /// municipality's (Stockholm's shipped organisation and forms).
    pub async fn load(store: Store, config: WebConfig) -> Result<SharedState, StoreError> {
        ensure_default_config(&store, &config.municipality).await?;
        let state = AppState::new(store, config);
        state.reload_configs().await?;
        Ok(state)
    }

    fn new(store: Store, config: WebConfig) -> SharedState {
        let sso = config.oidc.clone().map(oidc::Sso::new);
        Arc::new(AppState {
            store,
            configs: ConfigRegistry::default(),
            config,
            metrics: Metrics::default(),
            throttle: throttle::LoginThrottle::default(),
            sso,
            parent_guesses: parents::GuessLimiter::default(),
            report_cache: report::ReportCache::default(),
        })
    }

    /// Reads every municipality's newest configuration revision.
    pub async fn reload_configs(&self) -> Result<(), StoreError> {
        for (code, rev) in self.store.newest_revisions().await? {
            if self.configs.get(&code).is_none_or(|(r, _)| r != rev) {
                if let Some(c) = self.store.config_at(&code, rev).await? {
                    self.configs.set(rev, c);
                }
            }
        }
        Ok(())
    }

    /// The configuration of a municipality (an account's, a link's).
    pub fn municipality(&self, code: &str) -> Result<Arc<MunicipalConfig>, AppError> {
        self.configs
            .get(code)
            .map(|(_, c)| c)
            .ok_or_else(|| AppError::Internal(format!("kommunen {code} saknar konfiguration")))
    }

    /// The municipality a public page shows: the signed-in account's, or
    /// the installation's default one.
    pub fn public_config(&self, p: Option<&Principal>) -> Result<Arc<MunicipalConfig>, AppError> {
        self.municipality(p.map_or(self.config.municipality.as_str(), |p| {
            p.municipality.as_str()
        }))
    }

    /// The configuration of the signed-in account's municipality.
    pub fn config_of(&self, p: &Principal) -> Result<Arc<MunicipalConfig>, AppError> {
        self.municipality(&p.municipality)
    }
}

/// Saves the default municipality's shipped configuration when the database
/// has none (a new installation, or one made before configurations were
/// stored).
pub async fn ensure_default_config(store: &Store, municipality: &str) -> Result<(), StoreError> {
    if !store.newest_revisions().await?.is_empty() {
        return Ok(());
    }
    let config = if municipality == "stockholm" {
        MunicipalConfig::stockholm()
    } else {
        MunicipalConfig::new_municipality(municipality, municipality)
            .map_err(|e| StoreError::Conflict(e.to_string()))?
    };
    match store.save_config(&config, 0, report::today()).await {
        // Another process seeded it first.
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
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
    // municipality gets them on first start (admins edit them afterwards).
    for m in state.configs.all() {
        state
            .store
            .ensure_catalogue(m.code(), &foljupp_core::catalogue::default_interventions())
            .await
            .map_err(std::io::Error::other)?;
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    // Expired parent links forget their registration within ten minutes of
    // expiring (at start, then every ten minutes): this task is the only
    // tidying, since writing registrations no longer does it (it would need
    // an index on the expiry, written with every registration).
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
    // A configuration imported by another process (`foljupp config
    // import`) is picked up within seconds, without a restart.
    let reloading = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            every.tick().await;
            if let Err(e) = reloading.reload_configs().await {
                tracing::warn!(error = %e, "reading the configurations failed");
            }
        }
    });
    // The report rollups' snapshots follow the server's own writes once a
    // minute (and at shutdown, below), so a restart reads them instead of
    // every registration.
    let saving = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(e) = saving.report_cache.save_snapshots(&saving.store).await {
                tracing::warn!(error = %e, "saving the report rollups' snapshots failed");
            }
        }
    });
    let at_shutdown = state.clone();
    let router = app(state);
    let handle = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        if let Err(e) = at_shutdown
            .report_cache
            .save_snapshots(&at_shutdown.store)
            .await
        {
            tracing::warn!(error = %e, "saving the report rollups' snapshots failed");
        }
        served
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
