//! The JSON API under `/api/v1`.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::{AppError, SharedState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use foljupp_core::forms::DecodeContext;
use foljupp_core::{Kind, Period};
use serde::Deserialize;
use serde_json::{json, Value as Json_};
use std::sync::atomic::Ordering;

fn unprocessable(errors: Vec<foljupp_core::FieldError>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "error": "validation",
            "message": "Registreringen sparades inte. Rätta fälten nedan och skicka igen.",
            "errors": errors,
        })),
    )
        .into_response()
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "bad_request", "message": message})),
    )
        .into_response()
}

/// Decoding moved to core so that the fuzz targets reach it without the
/// web stack.
pub use foljupp_core::input::json_input;

pub async fn post_registration(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(kind): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let cfg = state.config_of(&p)?;
    let kind: Kind = match kind.parse() {
        Ok(k) => k,
        Err(msg) => {
            return Ok((
                StatusCode::NOT_FOUND,
                Json(json!({"error": "not_found", "message": msg})),
            )
                .into_response())
        }
    };
    let body: Json_ = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(bad_request(format!(
                "Innehållet är inte giltig JSON ({e}). Skicka ett JSON-objekt med Content-Type: application/json."
            )))
        }
    };
    let input = match json_input(&body) {
        Ok(i) => i,
        Err(errors) => return Ok(unprocessable(errors)),
    };
    let ctx = DecodeContext {
        organisation: &cfg.organisation,
        today: time::OffsetDateTime::now_utc().date(),
    };
    let reg = match cfg.forms.decode(kind, &input, &ctx) {
        Ok(r) => r,
        Err(errors) => return Ok(unprocessable(errors)),
    };
    if let Some(msg) = crate::pages::district_violation(&p, Some(&reg.district)) {
        return Err(ApiError(AppError::Forbidden(msg)));
    }
    let key = match idempotency_key(&headers, kind, &body) {
        Ok(k) => k,
        Err(msg) => return Ok(bad_request(msg)),
    };
    // The parent's own answer link (conversations, home visits 5–6,
    // groups), or null when a parent has nothing to answer about this one;
    // stored in the registration's transaction.
    let link = crate::parents::new_link(&state, &cfg.forms, &reg);
    let (code, new_link) = match link {
        Some((code, l, _)) => (Some(code), Some(l)),
        None => (None, None),
    };
    let stored = state
        .report_cache
        .store(&state, &p.municipality, vec![reg.clone()], key, new_link)
        .await?;
    let (parent_link, replayed) = match stored {
        foljupp_store::Insert::Stored(_) => (code.map(|c| format!("/p/{c}")), false),
        // The first answer was lost on the way (that is why the client
        // retried): a fresh parent link for the same registration (a
        // link's code is stored only as a hash). A failure here must not
        // turn a stored registration into an error (the client would send
        // it again): the link is then null.
        foljupp_store::Insert::Replay(ids) => match ids.first() {
            Some(id) => match crate::parents::create_link(&state, &cfg.forms, &p.municipality, &reg, id).await {
                Ok(link) => (link.map(|(code, _)| format!("/p/{code}")), true),
                Err(e) => {
                    tracing::error!(error = %e, "parent link not created");
                    (None, true)
                }
            },
            None => (None, true),
        },
        foljupp_store::Insert::Mismatch => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "error": "idempotency_key_reused",
                    "message": "Idempotency-Key har redan använts för en annan registrering. Ge varje ny registrering en ny nyckel; skicka samma nyckel bara när du upprepar exakt samma begäran.",
                    "errors": [],
                })),
            )
                .into_response())
        }
    };
    if !replayed {
        state
            .metrics
            .registrations_stored
            .fetch_add(1, Ordering::Relaxed);
    }
    let mut resp = (
        StatusCode::CREATED,
        Json(json!({
            "status": "created",
            "kind": kind.code(),
            "form_version": reg.form_version,
            "date": foljupp_core::format_date(reg.date),
            "district": reg.district,
            "parent_link": parent_link,
        })),
    )
        .into_response();
    if replayed {
        resp.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    Ok(resp)
}

/// The request's `Idempotency-Key`, hashed and with a fingerprint of the
/// request, or `None` without the header. Keys are global (not per
/// account, so that nothing ties a registration to an account): clients
/// should use random keys such as UUIDs.
fn idempotency_key(
    headers: &axum::http::HeaderMap,
    kind: Kind,
    body: &Json_,
) -> Result<Option<foljupp_store::IdempotencyKey>, String> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            "Idempotency-Key ska vara 1–200 synliga ASCII-tecken, till exempel ett UUID.".into(),
        );
    }
    // serde_json's map is ordered by key, so this text is canonical.
    let canonical = format!("{}:{}", kind.code(), body);
    Ok(Some(foljupp_store::IdempotencyKey {
        key_hash: crate::sha256_hex(&format!("api:{key}")),
        fingerprint: crate::sha256_hex(&canonical),
        today: time::OffsetDateTime::now_utc().date(),
    }))
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    pub year: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub tertial: Option<String>,
    pub district: Option<String>,
    pub as_of: Option<String>,
    pub compare: Option<String>,
}

/// The period a report query asks for: `year`, `year` + `tertial`, or
/// `from` + `to`.
pub fn resolve_period(q: &ReportQuery) -> Result<Period, String> {
    Period::resolve(
        q.year.as_deref(),
        q.tertial.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
    )
}

pub async fn report(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let cfg = state.config_of(&p)?;
    let period = match resolve_period(&q) {
        Ok(p) => p,
        Err(m) => return Ok(bad_request(m)),
    };
    let district = q
        .district
        .clone()
        .filter(|d| !d.trim().is_empty())
        .or_else(|| {
            if p.role.is_district_bound() {
                p.district.clone()
            } else {
                None
            }
        });
    if let Some(d) = &district {
        if cfg.organisation.district(d).is_none() {
            return Ok(bad_request(format!(
                "district={d:?} finns inte i organisationen."
            )));
        }
    }
    if !crate::routes::may_see(&p, district.as_deref()) {
        return Err(ApiError(AppError::Forbidden(
            "Din roll får bara se rapporter för din egen stadsdelsförvaltning.".into(),
        )));
    }
    let as_of = match q.as_of.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match foljupp_core::parse_date(s) {
            Some(d) => Some(d),
            None => {
                return Ok(bad_request(format!(
                    "as_of={s:?} är inget datum. Skriv ÅÅÅÅ-MM-DD."
                )))
            }
        },
    };
    let compare = matches!(q.compare.as_deref(), Some("1" | "true" | "yes" | "on"));
    let req = foljupp_stats::ReportRequest {
        municipality: p.municipality.clone(),
        district,
        period,
        as_of,
        compare,
        threshold: state.config.threshold,
    };
    let report = crate::report::load_report(&state, &req).await?;
    // A report leaving through the API is a report download: audited with
    // its scope (aggregates only; nothing about a registration).
    crate::audit::audit(
        &state,
        Some(&p),
        crate::audit::action::REPORT_DOWNLOAD,
        &format!(
            "API-rapport {}–{}, {}",
            foljupp_core::format_date(req.period.from),
            foljupp_core::format_date(req.period.to),
            req.district.as_deref().unwrap_or("hela kommunen")
        ),
    )
    .await?;
    Ok(Json(report).into_response())
}

/// `?version=N` asks for an earlier version of the form (registrations
/// keep the version they were made with).
#[derive(Debug, serde::Deserialize)]
pub struct FormVersionQuery {
    pub version: Option<String>,
}

pub async fn form_definition(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(kind): Path<String>,
    Query(q): Query<FormVersionQuery>,
) -> Result<Response, ApiError> {
    let kind: Kind = kind.parse().map_err(|_| ApiError(AppError::NotFound))?;
    let cfg = state.config_of(&p)?;
    let current = cfg.forms.kind(kind);
    let def = match q
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => current.clone(),
        Some(v) => {
            let Ok(v) = v.parse::<u32>() else {
                return Ok(bad_request(format!(
                    "version={v:?} är inget versionsnummer. Ange ett heltal från 1 till {}.",
                    current.version
                )));
            };
            state
                .store
                .form_version(&p.municipality, kind, v)
                .await?
                .ok_or(ApiError(AppError::NotFound))?
        }
    };
    let lists: serde_json::Map<String, Json_> = def
        .fields
        .iter()
        .filter_map(|f| f.list.as_deref())
        .filter_map(|l| cfg.forms.list(l).map(|v| (l.to_string(), json!(v))))
        .collect();
    Ok(Json(json!({
        "kind": kind.code(),
        "version": def.version,
        "current_version": current.version,
        "label_sv": def.label_sv,
        "label_en": def.label_en,
        "fields": def.fields,
        "lists": lists,
        "mappings": cfg.forms.mappings.iter().filter(|m| m.kind == kind).collect::<Vec<_>>(),
    }))
    .into_response())
}
