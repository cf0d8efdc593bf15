//! Every route and the roles that may use it, in one table.
//!
//! The guard looks each request's route pattern and method up in
//! [`RULES`]; a route that has no rule answers 500 and is caught by the
//! route × role test, so a new route cannot slip in unguarded.

use crate::auth::{self, Principal};
use crate::{api, pages, report, SharedState};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use foljupp_core::Role;
use std::sync::atomic::Ordering;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// A logged-in staff user with one of the roles (HTML pages: anonymous
    /// users are sent to the login page; POSTs need the CSRF token).
    Page(&'static [Role]),
    /// The JSON API: a bearer token (or a session, with the CSRF header for
    /// writes) with one of the roles; anonymous callers get 401.
    Api(&'static [Role]),
}

pub const ALL_ROLES: &[Role] = &[
    Role::Registrant,
    Role::DistrictLead,
    Role::Analyst,
    Role::Admin,
];
/// Roles that register activities (analysts only read aggregates).
pub const REGISTERING: &[Role] = &[Role::Registrant, Role::DistrictLead, Role::Admin];
/// Roles that get the committee report, exports and reporting
/// completeness (district leads for their own district).
pub const REPORTING: &[Role] = &[Role::DistrictLead, Role::Analyst, Role::Admin];

/// The route table: method, axum path pattern, access.
pub const RULES: &[(&str, &str, Access)] = &[
    ("GET", "/", Access::Public),
    ("GET", "/healthz", Access::Public),
    ("GET", "/metrics", Access::Public),
    ("GET", "/static/{file}", Access::Public),
    ("GET", "/login", Access::Public),
    ("POST", "/login", Access::Public),
    ("POST", "/logout", Access::Page(ALL_ROLES)),
    ("GET", "/oversikt", Access::Page(ALL_ROLES)),
    ("GET", "/registrera", Access::Page(REGISTERING)),
    ("GET", "/registrera/{kind}", Access::Page(REGISTERING)),
    ("POST", "/registrera/{kind}", Access::Page(REGISTERING)),
    (
        "POST",
        "/api/v1/registrations/{kind}",
        Access::Api(REGISTERING),
    ),
    ("GET", "/api/v1/report", Access::Api(ALL_ROLES)),
    ("GET", "/api/v1/forms/{kind}", Access::Api(ALL_ROLES)),
    ("GET", "/oversikt/{district}", Access::Page(ALL_ROLES)),
    ("GET", "/jamstalldhet", Access::Page(ALL_ROLES)),
    ("GET", "/rapport", Access::Page(REPORTING)),
    ("GET", "/rapport.pdf", Access::Page(REPORTING)),
    ("GET", "/inrapportering", Access::Page(REPORTING)),
    ("GET", "/export/{file}", Access::Page(REPORTING)),
];

pub fn rule(method: &Method, pattern: &str) -> Option<Access> {
    RULES
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == pattern)
        .map(|(_, _, a)| *a)
}

/// Largest request body accepted: a year of registrations posted as JSON is
/// not a use case; forms and single registrations are a few kilobytes.
const BODY_LIMIT: usize = 256 * 1024;

pub fn router(state: SharedState) -> Router {
    Router::new()
        .route("/", get(pages::root))
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(pages::metrics))
        .route("/static/{file}", get(pages::static_file))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/oversikt", get(report::pages::overview))
        .route("/registrera", get(pages::register_pick))
        .route(
            "/registrera/{kind}",
            get(pages::register_form).post(pages::register_submit),
        )
        .route("/api/v1/registrations/{kind}", post(api::post_registration))
        .route("/api/v1/report", get(api::report))
        .route("/api/v1/forms/{kind}", get(api::form_definition))
        .route(
            "/oversikt/{district}",
            get(report::pages::district_overview),
        )
        .route("/jamstalldhet", get(report::pages::gender))
        .route("/rapport", get(report::pages::committee))
        .route("/rapport.pdf", get(report::pages::committee_pdf))
        .route("/inrapportering", get(report::pages::completeness))
        .route("/export/{file}", get(report::pages::export))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), count_and_log))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .with_state(state)
}

/// Authenticates the request and enforces the route's rule.
async fn guard(State(state): State<SharedState>, mut req: Request, next: Next) -> Response {
    let pattern = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let Some(access) = rule(req.method(), &pattern) else {
        if RULES.iter().any(|(_, p, _)| *p == pattern) {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        tracing::error!(route = %pattern, "route without an access rule");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let headers = req.headers().clone();
    let principal = match auth::authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(e) => {
            return match access {
                Access::Api(_) => crate::error::ApiError(e).into_response(),
                _ => e.into_response(),
            }
        }
    };
    match access {
        Access::Public => {}
        Access::Page(roles) => match &principal {
            None => {
                if req.method() == Method::GET {
                    let next_path = req.uri().path().to_string();
                    return pages::redirect_to_login(&next_path);
                }
                return pages::redirect_to_login("/");
            }
            Some(p) if !roles.contains(&p.role) => {
                return crate::AppError::Forbidden(crate::i18n::Lang::Sv.t("error-forbidden"))
                    .into_response()
            }
            Some(p) => {
                if req.method() != Method::GET {
                    match auth::check_csrf(p, req).await {
                        Ok(r) => req = r,
                        Err(resp) => return resp,
                    }
                }
            }
        },
        Access::Api(roles) => match &principal {
            None => {
                let mut resp = (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({
                        "error": "unauthorized",
                        "message": "Logga in eller skicka en API-nyckel: Authorization: Bearer NYCKEL."
                    })),
                )
                    .into_response();
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return resp;
            }
            Some(p) if !roles.contains(&p.role) => {
                return crate::error::ApiError(crate::AppError::Forbidden(
                    "Din roll får inte använda den här delen av API:t.".into(),
                ))
                .into_response()
            }
            Some(p) => {
                if req.method() != Method::GET && p.is_session() {
                    match auth::check_csrf(p, req).await {
                        Ok(r) => req = r,
                        Err(resp) => return resp,
                    }
                }
            }
        },
    }
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

/// Counts requests and logs method, route pattern and status: never the
/// query string or the body, which may carry a registration's content.
async fn count_and_log(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let m = &state.metrics;
    m.requests.fetch_add(1, Ordering::Relaxed);
    let status = resp.status();
    if status.is_client_error() {
        m.client_errors.fetch_add(1, Ordering::Relaxed);
    } else if status.is_server_error() {
        m.server_errors.fetch_add(1, Ordering::Relaxed);
    }
    tracing::info!(%method, %route, status = status.as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    resp
}

/// Security headers on every response.
async fn security_headers(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

/// Whether a principal may see or act for `district` (None = the whole
/// municipality).
pub fn may_see(p: &Principal, district: Option<&str>) -> bool {
    match p.role {
        Role::Analyst | Role::Admin => true,
        Role::Registrant | Role::DistrictLead => match (district, p.district.as_deref()) {
            (Some(d), Some(own)) => d == own,
            _ => false,
        },
    }
}
