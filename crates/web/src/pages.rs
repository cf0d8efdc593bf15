//! HTML pages: login, overview, registration forms.

use crate::audit::{self, action};
use crate::auth::{self, ClientIp, Principal, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::html::{self, FormView};
use crate::i18n::Lang;
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use foljupp_core::forms::DecodeContext;
use foljupp_core::{Input, Kind, MunicipalConfig};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// Cookie that remembers the advisor's last district and unit on this device.
const PLACE_COOKIE: &str = "foljupp_place";

pub struct Nav {
    pub user: String,
    pub role: &'static str,
    pub csrf: String,
    pub can_register: bool,
    pub is_admin: bool,
    /// Spindeln and status reports (district leads, analysts, admins).
    pub steering: bool,
    /// The committee report, completeness and exports.
    pub can_report: bool,
    /// The national role: only the national overview.
    pub national: bool,
}

impl Nav {
    pub(crate) fn of(p: &Principal) -> Option<Nav> {
        Some(Nav {
            user: p.name.clone(),
            role: p.role.label_sv(),
            csrf: p.csrf_token().to_string(),
            can_register: crate::routes::REGISTERING.contains(&p.role),
            is_admin: p.role == foljupp_core::Role::Admin,
            steering: crate::routes::STEERING.contains(&p.role),
            can_report: crate::routes::REPORTING.contains(&p.role),
            national: p.role == foljupp_core::Role::NationalAnalyst,
        })
    }
}

macro_rules! ui_text {
    ($($t:ty),*) => {$(
        impl $t {
            fn t(&self, key: &str) -> String {
                self.ui.t(key)
            }
        }
    )*};
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    message: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    csrf: String,
    next: String,
    name: String,
    error: Option<String>,
    notice: Option<String>,
    sso: bool,
    sso_href: String,
}

#[derive(Template)]
#[template(path = "register_pick.html")]
struct PickPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    kinds: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "register_form.html")]
struct FormPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    kind_code: &'static str,
    kind_label: String,
    form_html: String,
    saved: bool,
    has_errors: bool,
    csrf: String,
    submission: String,
    /// After saving: how the parent can answer themselves, if they can.
    parent: Option<crate::parents::ParentOffer>,
}

ui_text!(ErrorPage, LoginPage, PickPage, FormPage);

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => AppError::Internal(format!("template: {e}")).into_response(),
    }
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        ui: Lang::Sv,
        title: status.canonical_reason().unwrap_or("Fel").to_string(),
        nav: None,
        message: message.to_string(),
    };
    match page.render() {
        Ok(s) => (status, Html(s)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

pub fn redirect_to_login(next: &str) -> Response {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

pub async fn root(p: Option<Extension<Principal>>) -> Response {
    match p {
        Some(p) if p.role == foljupp_core::Role::NationalAnalyst => {
            Redirect::to("/nationellt").into_response()
        }
        Some(_) => Redirect::to("/oversikt").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, &Lang::Sv.t("error-not-found"))
}

pub async fn healthz(State(state): State<SharedState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response(),
    }
}

pub async fn metrics(State(state): State<SharedState>) -> Response {
    let m = &state.metrics;
    let body = format!(
        "# HELP foljupp_http_requests_total HTTP requests answered.\n# TYPE foljupp_http_requests_total counter\nfoljupp_http_requests_total {}\n\
         # HELP foljupp_http_client_errors_total Responses with a 4xx status.\n# TYPE foljupp_http_client_errors_total counter\nfoljupp_http_client_errors_total {}\n\
         # HELP foljupp_http_server_errors_total Responses with a 5xx status.\n# TYPE foljupp_http_server_errors_total counter\nfoljupp_http_server_errors_total {}\n\
         # HELP foljupp_registrations_stored_total Registrations stored since start.\n# TYPE foljupp_registrations_stored_total counter\nfoljupp_registrations_stored_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.client_errors.load(Ordering::Relaxed),
        m.server_errors.load(Ordering::Relaxed),
        m.registrations_stored.load(Ordering::Relaxed),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

pub async fn static_file(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "app.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            include_str!("../static/app.css"),
        )
            .into_response(),
        _ => not_found().await,
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    utloggad: Option<String>,
}

pub fn safe_next(next: Option<&str>) -> String {
    // Only local paths: an open redirect would let a phishing link pass
    // through our login page.
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/oversikt".to_string(),
    }
}

fn login_page(
    state: &SharedState,
    csrf: &str,
    next: &str,
    name: &str,
    error: Option<String>,
    notice: Option<String>,
) -> LoginPage {
    let next_enc: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    LoginPage {
        sso: state.sso.is_some(),
        sso_href: format!("/login/sso?next={next_enc}"),
        ui: Lang::Sv,
        title: Lang::Sv.t("login-title"),
        nav: None,
        csrf: csrf.to_string(),
        next: next.to_string(),
        name: name.to_string(),
        error,
        notice,
    }
}

pub async fn login_form(State(state): State<SharedState>, Query(q): Query<LoginQuery>) -> Response {
    let csrf = foljupp_store::random_token();
    let notice = q.utloggad.map(|_| Lang::Sv.t("logout-done"));
    let mut resp = render(&login_page(
        &state,
        &csrf,
        &safe_next(q.next.as_deref()),
        "",
        None,
        notice,
    ));
    if let Ok(v) = auth::set_cookie(
        LOGIN_CSRF_COOKIE,
        &csrf,
        Some(3600),
        state.config.secure_cookies,
    )
    .parse()
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<SharedState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref());
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || expected != f.csrf {
        return Ok(error_page(StatusCode::FORBIDDEN, &Lang::Sv.t("error-csrf")));
    }
    let name = f.name.trim();
    let limits = state.config.login_limits;
    let now = foljupp_store::now_unix();
    // Throttled before the password is checked: a guess made while blocked
    // learns nothing.
    if let Some(wait) = state.throttle.blocked_for(limits, name, ip.as_deref(), now) {
        tracing::warn!(ip = ip.as_deref().unwrap_or("-"), "login throttled");
        audit::record(
            &state,
            None,
            name,
            action::LOGIN_THROTTLED,
            &format!("spärrad i {wait} s"),
            ip.as_deref(),
        )
        .await?;
        let minutes = (wait + 59) / 60;
        let mut resp = render(&login_page(
            &state,
            expected,
            &next,
            name,
            Some(format!(
                "För många misslyckade inloggningar. Vänta {minutes} minut{} och försök igen, eller be en förvaltare om hjälp.",
                if minutes == 1 { "" } else { "er" }
            )),
            None,
        ));
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = wait.to_string().parse() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(resp);
    }
    let account = state.store.account_by_name(name).await?;
    let ok = match &account {
        Some(a) if !a.disabled => a
            .password_hash
            .as_deref()
            .is_some_and(|h| auth::verify_password(h, &f.password)),
        _ => {
            // Spend the same time as a real check so that timing does not
            // tell which account names exist.
            let _ = auth::verify_password(auth::dummy_hash(), &f.password);
            false
        }
    };
    let Some(account) = account.filter(|_| ok) else {
        // Never the password; the name tried goes to the audit log only.
        tracing::warn!(ip = ip.as_deref().unwrap_or("-"), "failed login");
        state
            .throttle
            .record_failure(limits, name, ip.as_deref(), now);
        audit::record(
            &state,
            None,
            name,
            action::LOGIN_FAILED,
            "lösenord",
            ip.as_deref(),
        )
        .await?;
        let mut resp = render(&login_page(
            &state,
            expected,
            &next,
            name,
            Some(Lang::Sv.t("login-failed")),
            None,
        ));
        *resp.status_mut() = StatusCode::UNAUTHORIZED;
        return Ok(resp);
    };
    state.throttle.record_success(name);
    // A fresh session id at every login; an old one presented is dropped.
    if let Some(old) = auth::cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&auth::sha256_hex(old)).await?;
    }
    let cookie = auth::start_session(&state, account.id).await?;
    audit::record(
        &state,
        Some(account.id),
        &account.name,
        action::LOGIN,
        "lösenord",
        ip.as_deref(),
    )
    .await?;
    tracing::info!(account = account.id, "login");
    // The national role has no municipality overview to land on.
    let next = if account.role == foljupp_core::Role::NationalAnalyst && next == "/oversikt" {
        "/nationellt".to_string()
    } else {
        next
    };
    let mut resp = Redirect::to(&next).into_response();
    auth::append_cookie(&mut resp, cookie)?;
    auth::append_cookie(
        &mut resp,
        auth::set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), state.config.secure_cookies),
    )?;
    Ok(resp)
}

pub async fn logout(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    if let Some((hash, _)) = &p.session {
        state.store.delete_session(hash).await?;
    }
    audit::audit(&state, Some(&p), action::LOGOUT, "").await?;
    tracing::info!(account = p.account_id, "logout");
    let mut resp = Redirect::to("/login?utloggad=1").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies)
            .parse()
            .map_err(|_| AppError::Internal("cookie".into()))?,
    );
    Ok(resp)
}

pub async fn register_pick(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    Ok(render(&PickPage {
        ui: Lang::Sv,
        title: Lang::Sv.t("register-title"),
        nav: Nav::of(&p),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.code(), cfg.forms.kind(*k).label_sv.clone()))
            .collect(),
    }))
}

fn parse_kind(s: &str) -> Result<Kind, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

/// Default values of a new form: today, and the district and unit this
/// device registered for last (or the user's own district).
fn defaults(cfg: &MunicipalConfig, p: &Principal, headers: &HeaderMap) -> Input {
    let mut v = Input::new();
    let today = time::OffsetDateTime::now_utc().date();
    v.insert("date".into(), vec![foljupp_core::format_date(today)]);
    let remembered = auth::cookie(headers, PLACE_COOKIE).and_then(|c| c.split_once('|'));
    let (mut district, mut unit) = match remembered {
        Some((d, u)) => (d.to_string(), u.to_string()),
        None => (String::new(), String::new()),
    };
    if let Some(own) = &p.district {
        if &district != own {
            district = own.clone();
            unit.clear();
        }
    }
    if cfg.organisation.district(&district).is_some() {
        v.insert("district".into(), vec![district]);
        if cfg.organisation.unit(&unit).is_some() {
            v.insert("unit".into(), vec![unit]);
        }
    }
    v
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &SharedState,
    p: &Principal,
    kind: Kind,
    values: &Input,
    errors: &BTreeMap<String, String>,
    saved: bool,
    parent: Option<crate::parents::ParentOffer>,
) -> Response {
    let cfg = match state.config_of(p) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let def = cfg.forms.kind(kind);
    let view = FormView {
        forms: &cfg.forms,
        org: &cfg.organisation,
        kind: def,
        lang: Lang::Sv,
        values,
        errors,
        only_district: if p.role.is_district_bound() {
            p.district.as_deref()
        } else {
            None
        },
    };
    render(&FormPage {
        ui: Lang::Sv,
        title: def.label_sv.clone(),
        nav: Nav::of(p),
        kind_code: kind.code(),
        kind_label: def.label_sv.clone(),
        form_html: view.render(),
        saved,
        has_errors: !errors.is_empty(),
        csrf: p.csrf_token().to_string(),
        // A fresh one-time token per rendered form: a double tap or a
        // resubmitted page stores one registration (register_submit).
        submission: foljupp_store::random_token(),
        parent,
    })
}

pub async fn register_form(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(kind): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let kind = parse_kind(&kind)?;
    let values = defaults(&*state.config_of(&p)?, &p, &headers);
    Ok(form_page(
        &state,
        &p,
        kind,
        &values,
        &BTreeMap::new(),
        false,
        None,
    ))
}

pub async fn register_submit(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let kind = parse_kind(&kind)?;
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let submission = pairs
        .iter()
        .position(|(k, _)| k == "submission")
        .map(|i| pairs.remove(i).1)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    let (input, raw, participant_error) = html::form_input(pairs);
    let today = time::OffsetDateTime::now_utc().date();
    let ctx = DecodeContext {
        organisation: &cfg.organisation,
        today,
    };
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let decoded = cfg.forms.decode(kind, &input, &ctx);
    if let Err(errs) = &decoded {
        for e in errs {
            errors
                .entry(e.field.clone())
                .or_insert_with(|| e.message.clone());
        }
    }
    if let Some((f, m)) = participant_error {
        errors.insert(f, m);
    }
    if let Some(msg) = district_violation(
        &p,
        input
            .get("district")
            .and_then(|v| v.first())
            .map(String::as_str),
    ) {
        errors.insert("district".into(), msg);
    }
    let reg = match decoded {
        Ok(r) if errors.is_empty() => r,
        _ => {
            let mut resp = form_page(&state, &p, kind, &raw, &errors, false, None);
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let municipality = &p.municipality;
    // The parent's link is stored in the registration's transaction.
    let (code, new_link) = match crate::parents::new_link(&state, &cfg.forms, &reg) {
        Some((code, l, multi)) => (Some((code, multi)), Some(l)),
        None => (None, None),
    };
    let key = submission.as_ref().map(|token| {
        // The fingerprint is the decoded registration: the same form
        // sent twice is one registration; the same page edited after
        // "back" and sent again is a new one.
        foljupp_store::IdempotencyKey {
            key_hash: crate::sha256_hex(&format!("form:{token}")),
            fingerprint: crate::sha256_hex(&format!("{kind}:{:?}", reg.values)),
            today,
        }
    });
    let mut once = state
        .report_cache
        .store(
            &state,
            municipality,
            vec![reg.clone()],
            key,
            new_link.clone(),
        )
        .await?;
    if once == foljupp_store::Insert::Mismatch {
        once = state
            .report_cache
            .store(&state, municipality, vec![reg.clone()], None, new_link)
            .await?;
    }
    let replayed = matches!(once, foljupp_store::Insert::Replay(_));
    if !replayed {
        state
            .metrics
            .registrations_stored
            .fetch_add(1, Ordering::Relaxed);
    }
    let parent = match once {
        foljupp_store::Insert::Stored(_) => {
            code.map(|(code, multi)| crate::parents::offer(&state, &headers, &code, multi))
        }
        // A repeated form: a fresh link for the registration stored the
        // first time. The registration is saved whatever happens to the
        // parent's link: a failure here only means the parent cannot
        // answer through one.
        foljupp_store::Insert::Replay(ids) => match ids.first() {
            Some(id) => {
                match crate::parents::create_link(&state, &cfg.forms, &p.municipality, &reg, id)
                    .await
                {
                    Ok(link) => link
                        .map(|(code, multi)| crate::parents::offer(&state, &headers, &code, multi)),
                    Err(e) => {
                        tracing::error!(error = %e, "parent link not created");
                        None
                    }
                }
            }
            None => None,
        },
        foljupp_store::Insert::Mismatch => None,
    };
    // "Register another like this": the same values, without the parent's
    // answers (they belong to the one conversation).
    let like: Input = raw
        .into_iter()
        .filter(|(k, _)| !(k.starts_with("q_") || k == "programme_helpful"))
        .collect();
    let mut resp = form_page(&state, &p, kind, &like, &BTreeMap::new(), true, parent);
    let place = format!("{}|{}", reg.district, reg.code("unit").unwrap_or_default());
    if let Ok(v) = auth::set_cookie(
        PLACE_COOKIE,
        &place,
        Some(365 * 24 * 3600),
        state.config.secure_cookies,
    )
    .parse()
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// A district-bound user may register only for their own district.
pub fn district_violation(p: &Principal, district: Option<&str>) -> Option<String> {
    match (p.role.is_district_bound(), district, p.district.as_deref()) {
        (true, Some(d), Some(own)) if d.trim() != own && !d.trim().is_empty() => Some(format!(
            "Du kan bara registrera för din egen stadsdelsförvaltning ({}).",
            own
        )),
        (true, _, None) => Some(
            "Ditt konto saknar stadsdelsförvaltning. Be en förvaltare att lägga till den.".into(),
        ),
        _ => None,
    }
}
