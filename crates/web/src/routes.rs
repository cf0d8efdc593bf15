//! Every route and the roles that may use it, in one table.
//!
//! The guard looks each request's route pattern and method up in
//! [`RULES`]; a route that has no rule answers 500 and is caught by the
//! route × role test, so a new route cannot slip in unguarded.

use crate::auth::{self, Principal};
use crate::{
    admin, api, catalogue, config_pages, configuration, pages, parents, report, SharedState,
};
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
/// Every role, the national one too: logging out, one's own password.
pub const EVERY_ACCOUNT: &[Role] = &[
    Role::Registrant,
    Role::DistrictLead,
    Role::Analyst,
    Role::Admin,
    Role::NationalAnalyst,
];
/// Roles that register activities (analysts only read aggregates).
pub const REGISTERING: &[Role] = &[Role::Registrant, Role::DistrictLead, Role::Admin];
/// Accounts, tokens, the audit log, configuration.
pub const ADMIN: &[Role] = &[Role::Admin];
/// The national view across municipalities (aggregates only).
pub const NATIONAL: &[Role] = &[Role::NationalAnalyst];
/// Roles that keep the catalogue's per-district entries current (a district
/// lead only their own district; the handler checks).
pub const CATALOGUE_EDITORS: &[Role] = &[Role::DistrictLead, Role::Admin];
/// Roles that follow the catalogue's upkeep: stale entries, waiting times.
pub const CATALOGUE_FOLLOWERS: &[Role] = &[Role::DistrictLead, Role::Analyst, Role::Admin];
/// Roles that edit the catalogue's interventions themselves.
pub const CATALOGUE_ADMINS: &[Role] = &[Role::Admin];
/// Roles that run the steering instruments (Spindeln rounds, reading and
/// reopening status reports).
pub const ANALYSTS: &[Role] = &[Role::Analyst, Role::Admin];
/// Roles that see Spindeln results and status reports (a district lead
/// only their own district's).
pub const STEERING: &[Role] = &[Role::DistrictLead, Role::Analyst, Role::Admin];
/// Who writes a status report.
pub const DISTRICT_LEADS: &[Role] = &[Role::DistrictLead];
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
    ("POST", "/logout", Access::Page(EVERY_ACCOUNT)),
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
    // Configuration as versioned data (issue 6).
    ("GET", "/api/v1/admin/config", Access::Api(ADMIN)),
    ("GET", "/nationellt", Access::Page(NATIONAL)),
    ("GET", "/api/v1/national/report", Access::Api(NATIONAL)),
    ("POST", "/api/v1/admin/config/changes", Access::Api(ADMIN)),
    (
        "POST",
        "/api/v1/admin/value-lists/{list}",
        Access::Api(ADMIN),
    ),
    // Security (issue 5): SSO, own password, admin pages, the API document.
    ("GET", "/login/sso", Access::Public),
    ("GET", "/login/sso/callback", Access::Public),
    ("GET", "/konto/losenord", Access::Page(EVERY_ACCOUNT)),
    ("POST", "/konto/losenord", Access::Page(EVERY_ACCOUNT)),
    ("GET", "/admin/konton", Access::Page(ADMIN)),
    ("POST", "/admin/konton", Access::Page(ADMIN)),
    ("POST", "/admin/konton/{id}/avaktivera", Access::Page(ADMIN)),
    ("POST", "/admin/konton/{id}/aktivera", Access::Page(ADMIN)),
    ("GET", "/admin/nycklar", Access::Page(ADMIN)),
    ("POST", "/admin/nycklar", Access::Page(ADMIN)),
    ("POST", "/admin/nycklar/{id}/aterkalla", Access::Page(ADMIN)),
    ("GET", "/admin/logg", Access::Page(ADMIN)),
    ("GET", "/admin/logg.csv", Access::Page(ADMIN)),
    ("GET", "/api/v1/openapi.json", Access::Public),
    // Parents' answers: the link's code is the capability (parents.rs).
    ("GET", "/p/{code}", Access::Public),
    ("POST", "/p/{code}", Access::Public),
    ("POST", "/lat-foraldern-svara", Access::Page(REGISTERING)),
    // The catalogue of support: public pages and API, upkeep for staff.
    ("GET", "/katalog", Access::Public),
    ("GET", "/katalog/{code}", Access::Public),
    ("GET", "/katalog/redigera", Access::Page(CATALOGUE_EDITORS)),
    ("POST", "/katalog/redigera", Access::Page(CATALOGUE_EDITORS)),
    (
        "GET",
        "/katalog/inaktuella",
        Access::Page(CATALOGUE_FOLLOWERS),
    ),
    (
        "GET",
        "/katalog/vantetider",
        Access::Page(CATALOGUE_FOLLOWERS),
    ),
    ("GET", "/admin/katalog", Access::Page(CATALOGUE_ADMINS)),
    ("GET", "/admin/katalog/ny", Access::Page(CATALOGUE_ADMINS)),
    ("POST", "/admin/katalog/ny", Access::Page(CATALOGUE_ADMINS)),
    (
        "GET",
        "/admin/katalog/{code}",
        Access::Page(CATALOGUE_ADMINS),
    ),
    (
        "POST",
        "/admin/katalog/{code}",
        Access::Page(CATALOGUE_ADMINS),
    ),
    ("GET", "/api/v1/catalogue", Access::Public),
    (
        "GET",
        "/api/v1/catalogue/{code}/alternatives",
        Access::Public,
    ),
    // Steering: Spindeln rounds and answers, status reports.
    ("GET", "/spindeln", Access::Page(STEERING)),
    ("GET", "/spindeln/ny", Access::Page(ANALYSTS)),
    ("POST", "/spindeln/rounds", Access::Page(ANALYSTS)),
    ("GET", "/spindeln/rounds/{id}", Access::Page(STEERING)),
    ("GET", "/spindeln/rounds/{id}/edit", Access::Page(ANALYSTS)),
    ("POST", "/spindeln/rounds/{id}/edit", Access::Page(ANALYSTS)),
    (
        "POST",
        "/spindeln/rounds/{id}/links",
        Access::Page(ANALYSTS),
    ),
    (
        "POST",
        "/spindeln/rounds/{id}/status",
        Access::Page(ANALYSTS),
    ),
    (
        "GET",
        "/spindeln/rounds/{id}/results.csv",
        Access::Page(STEERING),
    ),
    (
        "GET",
        "/spindeln/rounds/{id}/results.xlsx",
        Access::Page(STEERING),
    ),
    (
        "GET",
        "/spindeln/rounds/{id}/districts/{code}",
        Access::Page(STEERING),
    ),
    (
        "GET",
        "/spindeln/rounds/{id}/districts/{code}/radar.svg",
        // An image that integrations fetch too: a session or an API token.
        Access::Api(STEERING),
    ),
    ("GET", "/s/{code}", Access::Public),
    ("POST", "/s/{code}", Access::Public),
    ("GET", "/api/v1/spindeln/rounds", Access::Api(STEERING)),
    ("POST", "/api/v1/spindeln/rounds", Access::Api(ANALYSTS)),
    (
        "GET",
        "/api/v1/spindeln/rounds/{id}/results",
        Access::Api(STEERING),
    ),
    ("GET", "/status", Access::Page(STEERING)),
    ("GET", "/status/{year}/{tertial}", Access::Page(STEERING)),
    (
        "GET",
        "/status/{year}/{tertial}/compilation",
        Access::Page(ANALYSTS),
    ),
    (
        "GET",
        "/status/{year}/{tertial}/compilation.csv",
        Access::Page(ANALYSTS),
    ),
    (
        "GET",
        "/status/{year}/{tertial}/compilation.xlsx",
        Access::Page(ANALYSTS),
    ),
    (
        "GET",
        "/status/{year}/{tertial}/{district}",
        Access::Page(STEERING),
    ),
    (
        "POST",
        "/status/{year}/{tertial}/{district}",
        Access::Page(DISTRICT_LEADS),
    ),
    (
        "POST",
        "/status/{year}/{tertial}/{district}/reopen",
        Access::Page(ANALYSTS),
    ),
    ("GET", "/oversikt/{district}", Access::Page(ALL_ROLES)),
    ("GET", "/jamstalldhet", Access::Page(ALL_ROLES)),
    ("GET", "/rapport", Access::Page(REPORTING)),
    ("GET", "/rapport.pdf", Access::Page(REPORTING)),
    ("GET", "/inrapportering", Access::Page(REPORTING)),
    ("GET", "/export/{file}", Access::Page(REPORTING)),
    // The configuration's admin pages (issue 6): one POST per form action.
    ("GET", "/admin/organisation", Access::Page(ADMIN)),
    ("POST", "/admin/organisation/{action}", Access::Page(ADMIN)),
    ("GET", "/admin/formular", Access::Page(ADMIN)),
    ("POST", "/admin/formular/{action}", Access::Page(ADMIN)),
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
    with_layers(state, routes())
}

/// Every route with its handler, before the guard and the other layers.
fn routes() -> Router<SharedState> {
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
        .route("/api/v1/admin/config", get(configuration::get_config))
        .route("/nationellt", get(crate::national::page))
        .route("/api/v1/national/report", get(crate::national::api_report))
        .route(
            "/api/v1/admin/config/changes",
            post(configuration::post_change),
        )
        .route(
            "/api/v1/admin/value-lists/{list}",
            post(configuration::add_option),
        )
        .route("/login/sso", get(crate::oidc::start))
        .route("/login/sso/callback", get(crate::oidc::callback))
        .route(
            "/konto/losenord",
            get(admin::password_form).post(admin::password_change),
        )
        .route(
            "/admin/konton",
            get(admin::accounts).post(admin::account_create),
        )
        .route(
            "/admin/konton/{id}/avaktivera",
            post(admin::account_disable),
        )
        .route("/admin/konton/{id}/aktivera", post(admin::account_enable))
        .route(
            "/admin/nycklar",
            get(admin::tokens).post(admin::token_create),
        )
        .route("/admin/nycklar/{id}/aterkalla", post(admin::token_revoke))
        .route("/admin/logg", get(admin::audit_log))
        .route("/admin/logg.csv", get(admin::audit_csv))
        .route("/api/v1/openapi.json", get(crate::openapi::serve))
        .route("/p/{code}", get(parents::show).post(parents::answer))
        .route("/lat-foraldern-svara", post(parents::handover))
        .route("/katalog", get(catalogue::list))
        .route("/katalog/{code}", get(catalogue::detail))
        .route(
            "/katalog/redigera",
            get(catalogue::edit_form).post(catalogue::edit_submit),
        )
        .route("/katalog/inaktuella", get(catalogue::stale))
        .route("/katalog/vantetider", get(catalogue::trend))
        .route("/admin/katalog", get(catalogue::admin_list))
        .route(
            "/admin/katalog/ny",
            get(catalogue::admin_new_form).post(catalogue::admin_new_submit),
        )
        .route(
            "/admin/katalog/{code}",
            get(catalogue::admin_edit_form).post(catalogue::admin_edit_submit),
        )
        .route("/api/v1/catalogue", get(catalogue::api_catalogue))
        .route(
            "/api/v1/catalogue/{code}/alternatives",
            get(catalogue::api_alternatives),
        )
        .merge(steering_routes())
        .route(
            "/oversikt/{district}",
            get(report::pages::district_overview),
        )
        .route("/jamstalldhet", get(report::pages::gender))
        .route("/rapport", get(report::pages::committee))
        .route("/rapport.pdf", get(report::pages::committee_pdf))
        .route("/inrapportering", get(report::pages::completeness))
        .route("/export/{file}", get(report::pages::export))
        .route("/admin/organisation", get(config_pages::organisation))
        .route(
            "/admin/organisation/{action}",
            post(config_pages::organisation_post),
        )
        .route("/admin/formular", get(config_pages::forms))
        .route("/admin/formular/{action}", post(config_pages::forms_post))
}

/// The steering group's routes (Spindeln, status reports).
fn steering_routes() -> Router<SharedState> {
    use crate::steering::{spindeln, status};
    Router::new()
        .route("/spindeln", get(spindeln::index))
        .route("/spindeln/ny", get(spindeln::new_form))
        .route("/spindeln/rounds", post(spindeln::create))
        .route("/spindeln/rounds/{id}", get(spindeln::round_page))
        .route(
            "/spindeln/rounds/{id}/edit",
            get(spindeln::edit_form).post(spindeln::edit),
        )
        .route("/spindeln/rounds/{id}/links", post(spindeln::replace_links))
        .route("/spindeln/rounds/{id}/status", post(spindeln::set_status))
        .route(
            "/spindeln/rounds/{id}/results.csv",
            get(spindeln::results_csv),
        )
        .route(
            "/spindeln/rounds/{id}/results.xlsx",
            get(spindeln::results_xlsx),
        )
        .route(
            "/spindeln/rounds/{id}/districts/{code}",
            get(spindeln::district_page),
        )
        .route(
            "/spindeln/rounds/{id}/districts/{code}/radar.svg",
            get(spindeln::radar_svg),
        )
        .route(
            "/s/{code}",
            get(spindeln::answer_form).post(spindeln::answer_submit),
        )
        .route(
            "/api/v1/spindeln/rounds",
            get(spindeln::api_rounds).post(spindeln::api_create_round),
        )
        .route(
            "/api/v1/spindeln/rounds/{id}/results",
            get(spindeln::api_results),
        )
        .route("/status", get(status::index))
        .route("/status/{year}/{tertial}", get(status::period))
        .route(
            "/status/{year}/{tertial}/compilation",
            get(status::compilation),
        )
        .route(
            "/status/{year}/{tertial}/compilation.csv",
            get(status::compilation_csv),
        )
        .route(
            "/status/{year}/{tertial}/compilation.xlsx",
            get(status::compilation_xlsx),
        )
        .route(
            "/status/{year}/{tertial}/{district}",
            get(status::report).post(status::save),
        )
        .route(
            "/status/{year}/{tertial}/{district}/reopen",
            post(status::reopen),
        )
}

/// The guard (access rules), logging, headers and body limit around the
/// routes.
fn with_layers(state: SharedState, routes: Router<SharedState>) -> Router {
    routes
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .fallback(pages::not_found)
        // Inside the rewriting of rejections, the logging and the headers,
        // so that a body over the limit gets all three.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(middleware::from_fn(swedish_rejections))
        .layer(middleware::from_fn_with_state(state.clone(), count_and_log))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// axum's and tower-http's own rejections (a query string that does not
/// deserialize, a body over the limit, a wrong content type) answer in
/// English plain text. Users get a Swedish page, API clients Swedish JSON
/// like every other API error.
async fn swedish_rejections(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    let (key, code) = match status {
        StatusCode::BAD_REQUEST => ("error-bad-request", "bad_request"),
        StatusCode::PAYLOAD_TOO_LARGE => ("error-too-large", "too_large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("error-content-type", "content_type"),
        _ => return resp,
    };
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !plain {
        return resp;
    }
    let message = crate::i18n::Lang::Sv.t(key);
    if api {
        (
            status,
            axum::Json(serde_json::json!({"error": code, "message": message})),
        )
            .into_response()
    } else {
        pages::error_page(status, &message)
    }
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
        Ok(p) => p.map(|mut p| {
            p.client_ip = auth::client_ip(req.extensions(), &headers, state.config.trust_proxy);
            p
        }),
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
            // API tokens are for /api/v1: a leaked token must not open the
            // admin pages.
            Some(p) if !roles.contains(&p.role) || !p.is_session() => {
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
        Role::NationalAnalyst => false,
        Role::Registrant | Role::DistrictLead => match (district, p.district.as_deref()) {
            (Some(d), Some(own)) => d == own,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    /// The routes registered in [`routes`], read from this file's source:
    /// (method, pattern) for every `.route("…", get(…).post(…))`.
    fn routed() -> Vec<(String, String)> {
        let src = include_str!("routes.rs");
        let body =
            &src[src.find("fn routes()").unwrap_or(0)..src.find("fn with_layers").unwrap_or(0)];
        let mut out = Vec::new();
        for chunk in body.split(".route(").skip(1) {
            let Some(path) = chunk.split('"').nth(1) else {
                continue;
            };
            // The handlers of this route: up to the next `.route(`.
            for m in ["get", "post", "put", "delete", "patch"] {
                let needle_start = format!("{m}(");
                let needle_dot = format!(".{m}(");
                let handlers = chunk.split_once(',').map(|(_, h)| h).unwrap_or("");
                if handlers.trim_start().starts_with(&needle_start)
                    || handlers.contains(&needle_dot)
                {
                    out.push((m.to_uppercase(), path.to_string()));
                }
            }
        }
        out
    }

    #[test]
    fn every_routed_path_has_a_rule_and_every_rule_a_route() {
        let routed = routed();
        assert!(routed.len() >= 20, "parsed only {routed:?}");
        for (m, p) in &routed {
            assert!(
                RULES.iter().any(|(rm, rp, _)| rm == m && rp == p),
                "{m} {p} is routed but has no access rule in RULES"
            );
        }
        for (m, p, _) in RULES {
            assert!(
                routed.iter().any(|(rm, rp)| rm == m && rp == p),
                "RULES names {m} {p}, which is not routed"
            );
        }
    }

    #[tokio::test]
    async fn the_guard_refuses_a_route_without_a_rule() {
        let store = foljupp_store::Store::open(
            &foljupp_store::testing::fresh_sqlite_url(),
            foljupp_core::FormSet::defaults(),
        )
        .await
        .unwrap_or_else(|e| panic!("store: {e}"));
        let state = crate::AppState::load(store, crate::WebConfig::default())
            .await
            .unwrap_or_else(|e| panic!("state: {e}"));
        let app = with_layers(state, routes().route("/unruled", get(|| async { "open" })));
        let resp = app
            .oneshot(
                Request::builder()
                    .uri("/unruled")
                    .body(Body::empty())
                    .unwrap_or_default(),
            )
            .await
            .unwrap_or_else(|e| match e {});
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
