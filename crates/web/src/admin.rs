//! Account pages: one's own password, and the admin's accounts, API tokens
//! and audit log. Every change here is audited.

use crate::audit::{self, action};
use crate::auth::{self, Principal};
use crate::i18n::Lang;
use crate::pages::{render, Nav};
use crate::{password, AppError, SharedState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use foljupp_core::{MunicipalConfig, Role};
use serde::Deserialize;

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
#[template(path = "password.html")]
struct PasswordPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    csrf: String,
    sso: bool,
    error: Option<String>,
    notice: Option<String>,
}

pub struct AccountRow {
    id: i64,
    name: String,
    role: &'static str,
    district: String,
    login_kind: String,
    disabled: bool,
    is_self: bool,
}

#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AccountsPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    section: &'static str,
    csrf: String,
    accounts: Vec<AccountRow>,
    roles: Vec<(String, String)>,
    districts: Vec<(String, String)>,
    form_name: String,
    form_role: String,
    form_district: String,
    error: Option<String>,
    notice: Option<String>,
}

pub struct TokenRow {
    id: i64,
    label: String,
    account: String,
    role: &'static str,
    district: String,
    created: String,
    expires: String,
    status: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    section: &'static str,
    csrf: String,
    tokens: Vec<TokenRow>,
    accounts: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    districts: Vec<(String, String)>,
    form_label: String,
    form_account: String,
    form_role: String,
    form_district: String,
    form_expires: String,
    new_token: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

pub struct EventRow {
    at: String,
    account: String,
    action: String,
    detail: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    section: &'static str,
    actions: Vec<(String, String)>,
    f_action: String,
    f_account: String,
    f_from: String,
    f_to: String,
    query: String,
    events: Vec<EventRow>,
    error: Option<String>,
}

ui_text!(PasswordPage, AccountsPage, TokensPage, AuditPage);

fn with_status(status: StatusCode, mut resp: Response) -> Response {
    *resp.status_mut() = status;
    resp
}

/// "2024-05-01 14:03:07" (UTC).
pub fn fmt_time(unix: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_default()
}

fn roles() -> Vec<(String, String)> {
    Role::MUNICIPAL
        .iter()
        .map(|r| {
            (
                r.code().to_string(),
                format!("{} ({})", r.label_sv(), r.code()),
            )
        })
        .collect()
}

fn districts(cfg: &MunicipalConfig) -> Vec<(String, String)> {
    cfg.organisation
        .current_districts()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect()
}

/// A role and district as chosen in a form: a district-bound role needs a
/// district of the organisation; other roles get none.
fn role_and_district(
    cfg: &MunicipalConfig,
    role: &str,
    district: &str,
) -> Result<(Role, Option<String>), String> {
    let role: Role = role.parse()?;
    if !Role::MUNICIPAL.contains(&role) {
        return Err(format!(
            "Rollen {} ges av den som driver installationen, inte av en kommuns förvaltare.",
            role.label_sv()
        ));
    }
    let district = district.trim();
    if !role.is_district_bound() {
        return Ok((role, None));
    }
    if district.is_empty() {
        return Err(format!(
            "Rollen {} hör till en stadsdelsförvaltning: välj en.",
            role.label_sv()
        ));
    }
    if cfg.organisation.district(district).is_none() {
        return Err(format!("Stadsdelsförvaltningen {district:?} finns inte."));
    }
    Ok((role, Some(district.to_string())))
}

fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

// ---------------------------------------------------------------- password

fn password_page(
    p: &Principal,
    sso: bool,
    error: Option<String>,
    notice: Option<String>,
) -> PasswordPage {
    PasswordPage {
        ui: Lang::Sv,
        title: Lang::Sv.t("password-title"),
        nav: Nav::of(p),
        csrf: p.csrf_token().to_string(),
        sso,
        error,
        notice,
    }
}

pub async fn password_form(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    let acc = state
        .store
        .account_by_id(p.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&password_page(
        &p,
        acc.password_hash.is_none(),
        None,
        None,
    )))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn password_change(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let acc = state
        .store
        .account_by_id(p.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(hash) = acc.password_hash.as_deref() else {
        return Ok(with_status(
            StatusCode::BAD_REQUEST,
            render(&password_page(&p, true, None, None)),
        ));
    };
    let refuse = |m: String| {
        Ok(with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&password_page(&p, false, Some(m), None)),
        ))
    };
    // The current password is guessed no faster here than at the login.
    let limits = state.config.login_limits;
    let now = foljupp_store::now_unix();
    let ip = p.client_ip.as_deref();
    if let Some(wait) = state.throttle.blocked_for(limits, &acc.name, ip, now) {
        let mut resp = render(&password_page(
            &p,
            false,
            Some(format!(
                "För många felaktiga försök. Vänta {} minuter och försök igen.",
                (wait + 59) / 60
            )),
            None,
        ));
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = wait.to_string().parse() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(resp);
    }
    if !auth::verify_password(hash, &f.current) {
        state.throttle.record_failure(limits, &acc.name, ip, now);
        return refuse("Det nuvarande lösenordet stämmer inte. Skriv det igen.".into());
    }
    if f.new != f.repeat {
        return refuse(
            "Det nya lösenordet och upprepningen är olika. Skriv samma två gånger.".into(),
        );
    }
    if f.new == f.current {
        return refuse("Det nya lösenordet är samma som det gamla. Välj ett nytt.".into());
    }
    if let Err(m) = password::check(&f.new, &acc.name) {
        return refuse(m);
    }
    let new_hash = auth::hash_password(&f.new)?;
    state.store.set_password(acc.id, &new_hash).await?;
    // Whoever else holds a session of this account is logged out.
    let keep = p.session.as_ref().map(|(h, _)| h.as_str()).unwrap_or("");
    let ended = state.store.delete_other_sessions(acc.id, keep).await?;
    audit::audit(
        &state,
        Some(&p),
        action::PASSWORD_CHANGED,
        &format!("{ended} andra sessioner avslutade"),
    )
    .await?;
    Ok(render(&password_page(
        &p,
        false,
        None,
        Some(Lang::Sv.t("password-changed")),
    )))
}

// ---------------------------------------------------------------- accounts

#[derive(Default)]
struct AccountFormValues {
    name: String,
    role: String,
    district: String,
}

async fn accounts_page(
    state: &SharedState,
    p: &Principal,
    form: AccountFormValues,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(p)?;
    let accounts = state
        .store
        .list_accounts(&p.municipality)
        .await?
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            is_self: a.id == p.account_id,
            role: a.role.label_sv(),
            district: a
                .district
                .as_deref()
                .map(|d| cfg.organisation.district_name(d).to_string())
                .unwrap_or_default(),
            login_kind: if a.sso_subject.is_some() {
                Lang::Sv.t("admin-login-sso")
            } else {
                Lang::Sv.t("admin-login-password")
            },
            disabled: a.disabled,
            name: a.name,
        })
        .collect();
    Ok(render(&AccountsPage {
        ui: Lang::Sv,
        title: Lang::Sv.t("admin-accounts"),
        nav: Nav::of(p),
        section: "konton",
        csrf: p.csrf_token().to_string(),
        accounts,
        roles: roles(),
        districts: districts(&cfg),
        form_name: form.name,
        form_role: if form.role.is_empty() {
            "registrant".into()
        } else {
            form.role
        },
        form_district: form.district,
        error,
        notice,
    }))
}

pub async fn accounts(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    accounts_page(&state, &p, AccountFormValues::default(), None, None).await
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    password: String,
}

pub async fn account_create(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    let name = f.name.trim().to_string();
    let values = AccountFormValues {
        name: name.clone(),
        role: f.role.clone(),
        district: f.district.clone(),
    };
    let cfg = state.config_of(&p)?;
    let check = (|| {
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err("Skriv ett användarnamn (högst 100 tecken).".to_string());
        }
        let rd = role_and_district(&cfg, &f.role, &f.district)?;
        password::check(&f.password, &name)?;
        Ok(rd)
    })();
    let (role, district) = match check {
        Ok(rd) => rd,
        Err(m) => {
            let page = accounts_page(&state, &p, values, Some(m), None).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let hash = auth::hash_password(&f.password)?;
    match state
        .store
        .create_account(&p.municipality, &name, role, district.as_deref(), &hash)
        .await
    {
        Ok(_) => {}
        Err(foljupp_store::StoreError::Conflict(m)) => {
            let page = accounts_page(&state, &p, values, Some(m), None).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
        Err(e) => return Err(e.into()),
    }
    audit::audit(
        &state,
        Some(&p),
        action::ACCOUNT_CREATED,
        &format!(
            "konto {name}, roll {role}, stadsdel {}",
            district.as_deref().unwrap_or("–")
        ),
    )
    .await?;
    accounts_page(
        &state,
        &p,
        AccountFormValues::default(),
        None,
        Some(format!("Kontot {name} är skapat.")),
    )
    .await
}

async fn set_disabled(
    state: SharedState,
    p: Principal,
    id: String,
    disabled: bool,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let acc = state
        .store
        .account_by_id(id)
        .await?
        .filter(|a| a.municipality == p.municipality)
        .ok_or(AppError::NotFound)?;
    if acc.id == p.account_id {
        let page = accounts_page(
            &state,
            &p,
            AccountFormValues::default(),
            Some("Du kan inte stänga av ditt eget konto. Be en annan förvaltare.".into()),
            None,
        )
        .await?;
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page));
    }
    // Disabling ends every session of the account (in the store), and its
    // tokens stop working (authentication checks the account).
    state.store.set_disabled(acc.id, disabled).await?;
    let (act, msg) = if disabled {
        (
            action::ACCOUNT_DISABLED,
            format!(
                "Kontot {} är avstängt; dess sessioner är avslutade och dess API-nycklar slutar gälla.",
                acc.name
            ),
        )
    } else {
        (
            action::ACCOUNT_ENABLED,
            format!("Kontot {} är återaktiverat.", acc.name),
        )
    };
    audit::audit(&state, Some(&p), act, &format!("konto {}", acc.name)).await?;
    accounts_page(&state, &p, AccountFormValues::default(), None, Some(msg)).await
}

pub async fn account_disable(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_disabled(state, p, id, true).await
}

pub async fn account_enable(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_disabled(state, p, id, false).await
}

// ---------------------------------------------------------------- tokens

#[derive(Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    expires_days: String,
}

async fn tokens_page(
    state: &SharedState,
    p: &Principal,
    form: TokenForm,
    new_token: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(p)?;
    let now = foljupp_store::now_unix();
    let tokens = state
        .store
        .list_api_tokens(&p.municipality)
        .await?
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_some_and(|e| e <= now);
            TokenRow {
                id: t.id,
                label: t.label,
                account: t.account_name,
                role: t.role.label_sv(),
                district: t
                    .district
                    .as_deref()
                    .map(|d| cfg.organisation.district_name(d).to_string())
                    .unwrap_or_default(),
                created: fmt_time(t.created_at),
                expires: t.expires_at.map(fmt_time).unwrap_or_else(|| "–".into()),
                status: if t.revoked {
                    Lang::Sv.t("admin-revoked")
                } else if expired {
                    Lang::Sv.t("admin-expired")
                } else {
                    Lang::Sv.t("admin-active")
                },
                active: !t.revoked && !expired,
            }
        })
        .collect();
    let accounts = state
        .store
        .list_accounts(&p.municipality)
        .await?
        .into_iter()
        .filter(|a| !a.disabled)
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    Ok(render(&TokensPage {
        ui: Lang::Sv,
        title: Lang::Sv.t("admin-tokens"),
        nav: Nav::of(p),
        section: "nycklar",
        csrf: p.csrf_token().to_string(),
        tokens,
        accounts,
        roles: roles(),
        districts: districts(&cfg),
        form_label: form.label,
        form_account: form.account,
        form_role: if form.role.is_empty() {
            "registrant".into()
        } else {
            form.role
        },
        form_district: form.district,
        form_expires: if form.expires_days.is_empty() {
            "365".into()
        } else {
            form.expires_days
        },
        new_token,
        error,
        notice,
    }))
}

pub async fn tokens(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    tokens_page(&state, &p, TokenForm::default(), None, None, None).await
}

pub async fn token_create(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let label = f.label.trim().to_string();
    let account = match f.account.trim().parse::<i64>() {
        Ok(id) => state
            .store
            .account_by_id(id)
            .await?
            .filter(|a| a.municipality == p.municipality && !a.disabled),
        Err(_) => None,
    };
    let cfg = state.config_of(&p)?;
    let check = (|| {
        if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
            return Err("Skriv vad nyckeln är till för (högst 100 tecken), till exempel \"Statistiksystemet\".".to_string());
        }
        let Some(acc) = &account else {
            return Err("Välj ett aktivt konto som nyckeln hör till.".to_string());
        };
        let (role, district) = role_and_district(&cfg, &f.role, &f.district)?;
        let days = match f.expires_days.trim().parse::<i64>() {
            Ok(d) if (1..=3650).contains(&d) => d,
            _ => {
                return Err(
                    "Giltighetstiden ska vara ett antal dagar mellan 1 och 3650.".to_string(),
                )
            }
        };
        Ok((acc.clone(), role, district, days))
    })();
    let (acc, role, district, days) = match check {
        Ok(v) => v,
        Err(m) => {
            let page = tokens_page(&state, &p, f, None, Some(m), None).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let token = foljupp_store::random_token();
    let expires = foljupp_store::now_unix() + days * 24 * 3600;
    let id = state
        .store
        .create_labelled_api_token(
            &auth::sha256_hex(&token),
            acc.id,
            role,
            district.as_deref(),
            Some(expires),
            &label,
        )
        .await?;
    audit::audit(
        &state,
        Some(&p),
        action::TOKEN_CREATED,
        &format!(
            "nyckel {id} ({label}) för konto {}, roll {role}, stadsdel {}, {days} dagar",
            acc.name,
            district.as_deref().unwrap_or("–")
        ),
    )
    .await?;
    let mut resp = tokens_page(&state, &p, TokenForm::default(), Some(token), None, None).await?;
    // The page holds a secret: keep it out of every cache.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

pub async fn token_revoke(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let known = state
        .store
        .list_api_tokens(&p.municipality)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    state.store.revoke_api_token(id).await?;
    audit::audit(
        &state,
        Some(&p),
        action::TOKEN_REVOKED,
        &format!(
            "nyckel {id} ({}) för konto {}",
            known.label, known.account_name
        ),
    )
    .await?;
    tokens_page(
        &state,
        &p,
        TokenForm::default(),
        None,
        None,
        Some(format!("Nyckel {id} är återkallad och slutar gälla nu.")),
    )
    .await
}

// ---------------------------------------------------------------- audit log

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    action: Option<String>,
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditQuery {
    fn filter(&self, limit: i64) -> Result<foljupp_store::AuditFilter, String> {
        let day = |s: &Option<String>, what: &str| -> Result<Option<i64>, String> {
            match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => foljupp_core::parse_date(s)
                    .map(|d| Some(d.midnight().assume_utc().unix_timestamp()))
                    .ok_or_else(|| format!("{what} {s:?} är inget datum. Skriv ÅÅÅÅ-MM-DD.")),
            }
        };
        let action = self.action.clone().filter(|a| !a.is_empty());
        if let Some(a) = &action {
            if !action::ALL.contains(&a.as_str()) {
                return Err(format!("Händelsen {a:?} finns inte."));
            }
        }
        Ok(foljupp_store::AuditFilter {
            municipality: None,
            action,
            account_name: self.account.clone().map(|a| a.trim().to_string()),
            from: day(&self.from, "Från")?,
            // Up to and including the last day.
            to: day(&self.to, "Till")?.map(|t| t + 24 * 3600),
            limit: Some(limit),
        })
    }

    fn query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("action", &self.action),
            ("account", &self.account),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// Rows shown on the page; the CSV export has them all.
const PAGE_ROWS: i64 = 500;

pub async fn audit_log(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let (events, error) = match q.filter(PAGE_ROWS) {
        Ok(mut f) => {
            f.municipality = Some(p.municipality.clone());
            (state.store.audit_events(&f).await?, None)
        }
        Err(m) => (Vec::new(), Some(m)),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = AuditPage {
        ui: Lang::Sv,
        title: Lang::Sv.t("admin-audit"),
        nav: Nav::of(&p),
        section: "logg",
        actions: action::ALL
            .iter()
            .map(|a| (a.to_string(), action::label_sv(a).to_string()))
            .collect(),
        f_action: q.action.clone().unwrap_or_default(),
        f_account: q.account.clone().unwrap_or_default(),
        f_from: q.from.clone().unwrap_or_default(),
        f_to: q.to.clone().unwrap_or_default(),
        query: q.query_string(),
        events: events
            .into_iter()
            .map(|e| EventRow {
                at: fmt_time(e.at),
                account: e.account_name,
                action: action::label_sv(&e.action).to_string(),
                detail: e.detail,
                ip: e.ip.unwrap_or_default(),
            })
            .collect(),
        error,
    };
    Ok(with_status(status, render(&page)))
}

/// A CSV cell that a spreadsheet will not run as a formula (a failed
/// login's name is whatever the client typed).
fn csv_cell(s: &str) -> String {
    let s = crate::report::table::formula_safe(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub async fn audit_csv(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let mut f = q.filter(100_000).map_err(AppError::BadRequest)?;
    f.municipality = Some(p.municipality.clone());
    let events = state.store.audit_events(&f).await?;
    audit::audit(
        &state,
        Some(&p),
        action::AUDIT_EXPORTED,
        &format!("{} rader; filter: {}", events.len(), q.query_string()),
    )
    .await?;
    let mut body = String::from("tid_utc,konto_id,konto,handling,detalj,ip\r\n");
    for e in &events {
        let row = [
            fmt_time(e.at),
            e.account_id.map(|i| i.to_string()).unwrap_or_default(),
            e.account_name.clone(),
            e.action.clone(),
            e.detail.clone(),
            e.ip.clone().unwrap_or_default(),
        ];
        body.push_str(
            &row.iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        body.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"granskningslogg.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(super::csv_cell("anna"), "anna");
        assert_eq!(super::csv_cell("=1+1"), "'=1+1");
        assert_eq!(super::csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
