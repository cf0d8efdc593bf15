//! Admins change their municipality's configuration (organisation, value
//! lists, questions, mappings) one [`Change`] at a time, through the API and
//! the admin pages. Every change goes through [`apply`]: checked by
//! `foljupp_core::config`, saved as a new revision on top of the one it was
//! made on (a concurrent change by another admin is refused, not lost),
//! put in force for every request, and audited.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::{AppError, SharedState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use foljupp_core::{Change, Kind, MunicipalConfig};
use foljupp_store::StoreError;
use serde_json::{json, Value};
use std::sync::Arc;

/// Why a change was not made.
#[derive(Debug)]
pub enum Refusal {
    /// The change is not valid: a Swedish message that says what to fix.
    Invalid(String),
    /// Another admin changed the configuration meanwhile.
    Conflict(String),
    Failed(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::Failed(e)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => Refusal::Conflict(m),
            e => Refusal::Failed(e.into()),
        }
    }
}

/// Applies one change to the signed-in admin's municipality. Returns the
/// new configuration, in force from now on.
pub async fn apply(
    state: &SharedState,
    p: &Principal,
    change: &Change,
) -> Result<Arc<MunicipalConfig>, Refusal> {
    let (revision, current) = state.configs.get(&p.municipality).ok_or_else(|| {
        Refusal::Failed(AppError::Internal(format!(
            "kommunen {} saknar konfiguration",
            p.municipality
        )))
    })?;
    let next = current
        .apply(change, crate::report::today())
        .map_err(|e| Refusal::Invalid(e.to_string()))?;
    let saved = state
        .store
        .save_config(&next, revision, crate::report::today())
        .await?;
    let versions: Vec<String> = Kind::ALL
        .iter()
        .filter_map(|k| {
            let (old, new) = (current.forms.kind(*k).version, next.forms.kind(*k).version);
            (old != new).then(|| format!("{k} v{new}"))
        })
        .collect();
    state.configs.set(saved, next);
    let mut detail = format!("{} (revision {saved})", change.describe());
    if !versions.is_empty() {
        detail.push_str(&format!("; ny formulärversion: {}", versions.join(", ")));
    }
    crate::audit::audit(
        state,
        Some(p),
        crate::audit::action::CONFIG_CHANGED,
        &detail,
    )
    .await?;
    Ok(state.municipality(&p.municipality)?)
}

fn refusal_response(r: Refusal) -> Result<Response, ApiError> {
    match r {
        Refusal::Invalid(message) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "invalid", "message": message})),
        )
            .into_response()),
        Refusal::Conflict(message) => Ok((
            StatusCode::CONFLICT,
            Json(json!({"error": "conflict", "message": message})),
        )
            .into_response()),
        Refusal::Failed(e) => Err(ApiError(e)),
    }
}

fn bad_json(e: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "error": "bad_request",
            "message": format!("Innehållet kunde inte läsas ({e}). Skicka ett JSON-objekt enligt /api/v1/openapi.json.")
        })),
    )
        .into_response()
}

fn versions(cfg: &MunicipalConfig) -> Value {
    Kind::ALL
        .iter()
        .map(|k| (k.code().to_string(), json!(cfg.forms.kind(*k).version)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOption {
    code: String,
    label_sv: String,
    #[serde(default)]
    label_en: String,
}

/// `POST /api/v1/admin/value-lists/{list}`: adds an option to a value list;
/// every form that uses the list gets a new version, after which
/// registrations may use the code.
pub async fn add_option(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(list): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let o: NewOption = match serde_json::from_slice(&body) {
        Ok(o) => o,
        Err(e) => return Ok(bad_json(e)),
    };
    let change = Change::AddOption {
        list: list.clone(),
        code: o.code.trim().to_string(),
        label_sv: o.label_sv,
        label_en: o.label_en,
    };
    match apply(&state, &p, &change).await {
        Ok(cfg) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "list": list,
                "code": o.code.trim(),
                "versions": versions(&cfg),
            })),
        )
            .into_response()),
        Err(r) => refusal_response(r),
    }
}

/// `POST /api/v1/admin/config/changes`: any one change (see [`Change`]).
pub async fn post_change(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let change: Change = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return Ok(bad_json(e)),
    };
    match apply(&state, &p, &change).await {
        Ok(cfg) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "change": change.describe(),
                "revision": state.configs.get(cfg.code()).map(|(r, _)| r),
                "versions": versions(&cfg),
            })),
        )
            .into_response()),
        Err(r) => refusal_response(r),
    }
}

/// `GET /api/v1/admin/config`: the municipality's configuration in force.
pub async fn get_config(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, ApiError> {
    let (revision, cfg) = state
        .configs
        .get(&p.municipality)
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(Json(json!({
        "municipality": cfg.code(),
        "revision": revision,
        "organisation": cfg.organisation,
        "forms": cfg.forms.to_file(),
    }))
    .into_response())
}
