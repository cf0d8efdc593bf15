//! The national view: for a national agency running foljupp for many
//! municipalities, the year's key figures of every municipality side by
//! side, and their sum. It exists only as aggregates: each municipality's
//! figures are exactly those its own report publishes (computed by
//! `foljupp_stats` with its disclosure rules), the breakdowns are left out,
//! and nothing of a municipality's pages opens to the national role.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::pages::{render, Nav};
use crate::report::table::Val;
use crate::report::views::kpi_val;
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use foljupp_core::Period;
use foljupp_stats::{Kpi, Kpis, ReportRequest};
use serde::{Deserialize, Serialize};

/// The key figures shown per municipality: counts add up to a national
/// total; shares are shown per municipality only.
pub const NATIONAL_KPIS: [&str; 9] = [
    "conversations",
    "new_contacts",
    "conversations_other_language",
    "home_visits",
    "families_started",
    "group_meetings",
    "programme_started",
    "parents_reached",
    "share_father",
];

#[derive(Debug, Deserialize)]
pub struct NationalQuery {
    pub year: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NationalRow {
    pub municipality: String,
    pub name: String,
    pub kpis: Kpis,
}

#[derive(Debug, Serialize)]
pub struct NationalReport {
    pub year: i32,
    pub threshold: u32,
    pub municipalities: Vec<NationalRow>,
    /// The sum of the counts over the municipalities (shares: null).
    pub total: std::collections::BTreeMap<String, Option<u64>>,
}

fn parse_year(q: &NationalQuery) -> Result<(i32, Period), String> {
    let year = q
        .year
        .as_deref()
        .map(str::trim)
        .filter(|y| !y.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| crate::report::today().year().to_string());
    let p = Period::resolve(Some(&year), None, None, None)?;
    Ok((p.from.year(), p))
}

/// Every municipality's key figures for `period`.
async fn build(state: &SharedState, year: i32, period: Period) -> Result<NationalReport, AppError> {
    let mut municipalities = Vec::new();
    let mut total: std::collections::BTreeMap<String, Option<u64>> = NATIONAL_KPIS
        .iter()
        .filter(|c| !c.starts_with("share"))
        .map(|c| (c.to_string(), Some(0)))
        .collect();
    for cfg in state.configs.all() {
        let req = ReportRequest {
            municipality: cfg.code().to_string(),
            district: None,
            period,
            as_of: None,
            compare: false,
            threshold: state.config.threshold,
        };
        let report = crate::report::load_report(state, &req).await?;
        let kpis: Kpis = NATIONAL_KPIS
            .iter()
            .map(|c| (c.to_string(), report.kpis.get(*c).copied().flatten()))
            .collect();
        for (code, sum) in total.iter_mut() {
            *sum = match (*sum, kpis.get(code).copied().flatten()) {
                (Some(s), Some(Kpi::Count(n))) => Some(s + n),
                _ => None,
            };
        }
        municipalities.push(NationalRow {
            municipality: cfg.code().to_string(),
            name: cfg.organisation.name.clone(),
            kpis,
        });
    }
    Ok(NationalReport {
        year,
        threshold: state.config.threshold,
        municipalities,
        total,
    })
}

/// `GET /api/v1/national/report?year=Y`.
pub async fn api_report(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<NationalQuery>,
) -> Result<Response, ApiError> {
    let (year, period) = match parse_year(&q) {
        Ok(x) => x,
        Err(m) => {
            return Ok((
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": "bad_request", "message": m})),
            )
                .into_response())
        }
    };
    let report = build(&state, year, period).await?;
    crate::audit::audit(
        &state,
        Some(&p),
        crate::audit::action::REPORT_DOWNLOAD,
        &format!("nationell rapport {year}"),
    )
    .await?;
    Ok(Json(report).into_response())
}

#[derive(Template)]
#[template(path = "national.html")]
struct NationalPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    year: String,
    error: Option<String>,
    headers: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    total: Vec<String>,
    empty: bool,
}

impl NationalPage {
    fn t(&self, key: &str) -> String {
        self.ui.t(key)
    }
}

/// `GET /nationellt`: the same as a page, one row per municipality.
pub async fn page(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<NationalQuery>,
) -> Result<Response, AppError> {
    let (year_text, parsed) = match parse_year(&q) {
        Ok((y, period)) => (y.to_string(), Ok((y, period))),
        Err(m) => (q.year.clone().unwrap_or_default(), Err(m)),
    };
    let (report, error) = match parsed {
        Ok((y, period)) => (Some(build(&state, y, period).await?), None),
        Err(m) => (None, Some(m)),
    };
    let headers: Vec<String> = NATIONAL_KPIS
        .iter()
        .map(|c| crate::report::labels::kpi(c))
        .collect();
    let (rows, total, empty) = match &report {
        Some(r) => (
            r.municipalities
                .iter()
                .map(|m| {
                    (
                        m.name.clone(),
                        NATIONAL_KPIS
                            .iter()
                            .map(|c| kpi_val(&m.kpis, c).display())
                            .collect(),
                    )
                })
                .collect(),
            NATIONAL_KPIS
                .iter()
                .map(|c| match r.total.get(*c).copied().flatten() {
                    Some(n) => Val::Count(n),
                    None => Val::Missing,
                })
                .map(|v| v.display())
                .collect(),
            r.municipalities.is_empty(),
        ),
        None => (Vec::new(), Vec::new(), true),
    };
    let mut resp = render(&NationalPage {
        ui: Lang::Sv,
        title: Lang::Sv.t("national-title"),
        nav: Nav::of(&p),
        year: year_text,
        error: error.clone(),
        headers,
        rows,
        total,
        empty,
    });
    if error.is_some() {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}
