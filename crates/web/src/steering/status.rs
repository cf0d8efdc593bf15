//! Status reports: each tertial a district lead writes, for every strategy
//! of the programme, a status and a short comment, plus what works,
//! challenges and next steps. Drafts are saved as often as wanted; a
//! submitted report is locked; an analyst can reopen it, which adds a new
//! draft version and keeps the submitted one readable.

use super::export::{self, Cell, Sheet};
use super::{first, form_pairs, ui_text};
use crate::auth::Principal;
use crate::i18n::Lang;
use crate::pages::{render, Nav};
use crate::report::table::thousands;
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use foljupp_core::steering::{
    personal_data_hint, status_label, StrategyEntry, COMMENT_MAX, STRATEGIES, STRATEGY_STATUSES,
    TEXT_MAX,
};
use foljupp_core::{MunicipalConfig, Role, Tertial};
use foljupp_store::{StatusContent, StatusReport, StoreError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The key figures shown beside each district in the compilation.
const KEY_FIGURES: [(&str, &str); 4] = [
    ("conversations", "Råd- och stödsamtal"),
    ("new_contacts", "Nya samtalskontakter"),
    ("home_visits", "Hembesök"),
    ("group_meetings", "Tematräffar m.m."),
];

type Errors = BTreeMap<String, String>;

fn is_analyst(p: &Principal) -> bool {
    matches!(p.role, Role::Analyst | Role::Admin)
}

fn parse_period(year: &str, tertial: &str) -> Result<Tertial, AppError> {
    let this_year = time::OffsetDateTime::now_utc().year();
    let y: i32 = year.parse().map_err(|_| AppError::NotFound)?;
    let t: u8 = tertial
        .trim_start_matches(['T', 't'])
        .parse()
        .map_err(|_| AppError::NotFound)?;
    if !(2000..=this_year + 1).contains(&y) {
        return Err(AppError::NotFound);
    }
    Tertial::new(y, t).ok_or(AppError::NotFound)
}

/// A report's state as shown: code and Swedish label.
fn state_of(versions: &[StatusReport]) -> (&'static str, String) {
    match versions.last() {
        None => ("missing", "Ingen rapport ännu".into()),
        Some(v) if v.is_submitted() && v.version == 1 => ("submitted", "Inlämnad".into()),
        Some(v) if v.is_submitted() => ("submitted", format!("Inlämnad (version {})", v.version)),
        Some(v) if v.version == 1 => ("draft", "Utkast".into()),
        Some(v) => (
            "reopened",
            format!("Öppnad igen: utkast till version {}", v.version),
        ),
    }
}

fn latest_submitted(versions: &[StatusReport]) -> Option<&StatusReport> {
    versions.iter().rev().find(|v| v.is_submitted())
}

fn date_time(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{} {:02}:{:02} UTC",
            foljupp_core::format_date(t.date()),
            t.hour(),
            t.minute()
        ),
        Err(_) => String::new(),
    }
}

// ---------------------------------------------------------------- views

pub struct PeriodLink {
    pub year: i32,
    pub tertial: u8,
    pub label: String,
    pub state: String,
    pub state_code: &'static str,
}

#[derive(Template)]
#[template(path = "status_index.html")]
struct IndexPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    analyst: bool,
    district: String,
    district_name: String,
    periods: Vec<PeriodLink>,
}

pub struct DistrictState {
    pub code: String,
    pub name: String,
    pub state: String,
    pub state_code: &'static str,
}

pub struct StrategyCompare {
    pub label: String,
    pub rows: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "status_period.html")]
struct PeriodPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    year: i32,
    tertial: u8,
    label: String,
    submitted: usize,
    districts: Vec<DistrictState>,
    strategies: Vec<StrategyCompare>,
}

pub struct StrategyField {
    pub code: String,
    pub label: String,
    pub status: String,
    pub status_label: String,
    pub comment: String,
    pub status_error: Option<String>,
    pub comment_error: Option<String>,
}

#[derive(Template)]
#[template(path = "status_report.html")]
struct ReportPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    csrf: String,
    year: i32,
    tertial: u8,
    label: String,
    district: String,
    district_name: String,
    editable: bool,
    state: String,
    version: i64,
    notice: Option<String>,
    has_errors: bool,
    errors: Errors,
    statuses: Vec<(&'static str, &'static str)>,
    strategies: Vec<StrategyField>,
    works: String,
    challenges: String,
    next_steps: String,
    versions: Vec<(i64, String)>,
    can_reopen: bool,
    comment_max: usize,
    text_max: usize,
}

impl ReportPage {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

/// A submitted report as compiled: (strategy, status, comment) rows, then
/// what works, challenges and next steps.
pub type Compiled = (Vec<(String, String, String)>, String, String, String);

pub struct CompiledDistrict {
    pub code: String,
    pub name: String,
    pub state: String,
    /// Label, as shown, and the value.
    pub figures: Vec<(String, String, Option<f64>)>,
    pub report: Option<Compiled>,
}

#[derive(Template)]
#[template(path = "status_compilation.html")]
struct CompilationPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    year: i32,
    tertial: u8,
    label: String,
    districts: Vec<CompiledDistrict>,
}

ui_text!(IndexPage, PeriodPage, ReportPage, CompilationPage);

// ---------------------------------------------------------------- handlers

pub async fn index(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut t = Tertial::of(today);
    let mut tertials = Vec::new();
    for _ in 0..6 {
        tertials.push(t);
        t = if t.number == 1 {
            Tertial {
                year: t.year - 1,
                number: 3,
            }
        } else {
            Tertial {
                year: t.year,
                number: t.number - 1,
            }
        };
    }
    let analyst = is_analyst(&p);
    let own = p.district.clone().unwrap_or_default();
    let mut periods = Vec::new();
    let m = &p.municipality;
    let total = cfg.organisation.districts.len();
    for t in tertials {
        let (state_text, code) = if analyst {
            let all = state.store.status_reports(m, t.year, t.number).await?;
            let mut by: BTreeMap<&str, Vec<StatusReport>> = BTreeMap::new();
            for r in &all {
                by.entry(r.district.as_str()).or_default().push(r.clone());
            }
            let n = by
                .values()
                .filter(|v| latest_submitted(v).is_some())
                .count();
            (
                format!("{n} av {total} inlämnade"),
                if n == total { "submitted" } else { "draft" },
            )
        } else {
            let versions = state
                .store
                .status_report_versions(m, &own, t.year, t.number)
                .await?;
            let (code, label) = state_of(&versions);
            (label, code)
        };
        periods.push(PeriodLink {
            year: t.year,
            tertial: t.number,
            label: t.label(),
            state: state_text,
            state_code: code,
        });
    }
    Ok(render(&IndexPage {
        ui: Lang::Sv,
        title: "Statusrapporter".into(),
        nav: Nav::of(&p),
        analyst,
        district_name: cfg.organisation.district_name(&own).to_string(),
        district: own,
        periods,
    }))
}

async fn versions_by_district(
    state: &SharedState,
    cfg: &MunicipalConfig,
    t: Tertial,
) -> Result<BTreeMap<String, Vec<StatusReport>>, AppError> {
    let mut by: BTreeMap<String, Vec<StatusReport>> = BTreeMap::new();
    for r in state
        .store
        .status_reports(cfg.code(), t.year, t.number)
        .await?
    {
        by.entry(r.district.clone()).or_default().push(r);
    }
    Ok(by)
}

/// An analyst's view of a tertial: who has submitted, and the submitted
/// reports side by side per strategy. A district lead goes to their own
/// report.
pub async fn period(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((year, tertial)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let t = parse_period(&year, &tertial)?;
    if !is_analyst(&p) {
        let own = p.district.clone().unwrap_or_default();
        return Ok(Redirect::to(&format!("/status/{}/{}/{own}", t.year, t.number)).into_response());
    }
    let cfg = state.config_of(&p)?;
    let by = versions_by_district(&state, &cfg, t).await?;
    let empty = Vec::new();
    let districts: Vec<DistrictState> = cfg
        .organisation
        .current_districts()
        .map(|d| {
            let (code, label) = state_of(by.get(&d.code).unwrap_or(&empty));
            DistrictState {
                code: d.code.clone(),
                name: d.name.clone(),
                state: label,
                state_code: code,
            }
        })
        .collect();
    let submitted: Vec<(&str, &StatusReport)> = cfg
        .organisation
        .current_districts()
        .filter_map(|d| {
            by.get(&d.code)
                .and_then(|v| latest_submitted(v))
                .map(|r| (d.name.as_str(), r))
        })
        .collect();
    let strategies = STRATEGIES
        .iter()
        .map(|(code, label, _)| StrategyCompare {
            label: label.to_string(),
            rows: submitted
                .iter()
                .map(|(name, r)| {
                    let e = r.content.strategies.get(*code).cloned().unwrap_or_default();
                    (
                        name.to_string(),
                        status_label(&e.status).to_string(),
                        e.comment,
                    )
                })
                .collect(),
        })
        .collect();
    Ok(render(&PeriodPage {
        ui: Lang::Sv,
        title: format!("Statusrapporter {}", t.label()),
        nav: Nav::of(&p),
        year: t.year,
        tertial: t.number,
        label: t.label(),
        submitted: submitted.len(),
        districts,
        strategies,
    }))
}

fn check_district(state: &SharedState, p: &Principal, district: &str) -> Result<(), AppError> {
    let cfg = state.config_of(p)?;
    if cfg.organisation.district(district).is_none() {
        return Err(AppError::NotFound);
    }
    if !crate::routes::may_see(p, Some(district)) {
        return Err(AppError::Forbidden(
            "Du kan bara läsa och skriva statusrapporten för din egen stadsdelsförvaltning.".into(),
        ));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    version: Option<String>,
    sparad: Option<String>,
    inlamnad: Option<String>,
    oppnad: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn report_page(
    cfg: &MunicipalConfig,
    p: &Principal,
    t: Tertial,
    district: &str,
    versions: &[StatusReport],
    shown: Option<&StatusReport>,
    content: &StatusContent,
    editable: bool,
    errors: Errors,
    notice: Option<String>,
) -> ReportPage {
    let (state_code, state_label_text) = state_of(versions);
    let strategies = STRATEGIES
        .iter()
        .map(|(code, label, _)| {
            let e = content.strategies.get(*code).cloned().unwrap_or_default();
            StrategyField {
                code: code.to_string(),
                label: label.to_string(),
                status_label: if e.status.is_empty() {
                    "Ingen status angiven".into()
                } else {
                    status_label(&e.status).to_string()
                },
                status: e.status,
                comment: e.comment,
                status_error: errors.get(&format!("status.{code}")).cloned(),
                comment_error: errors.get(&format!("comment.{code}")).cloned(),
            }
        })
        .collect();
    ReportPage {
        ui: Lang::Sv,
        title: format!(
            "Statusrapport {} {}",
            cfg.organisation.district_name(district),
            t.label()
        ),
        nav: Nav::of(p),
        csrf: p.csrf_token().to_string(),
        year: t.year,
        tertial: t.number,
        label: t.label(),
        district: district.to_string(),
        district_name: cfg.organisation.district_name(district).to_string(),
        editable,
        state: match shown {
            Some(v) if Some(v.version) != versions.last().map(|l| l.version) => format!(
                "Version {} (inlämnad {})",
                v.version,
                v.submitted_at.map(date_time).unwrap_or_default()
            ),
            Some(v) if v.is_submitted() => format!(
                "{state_label_text}, {}",
                v.submitted_at.map(date_time).unwrap_or_default()
            ),
            _ => state_label_text,
        },
        version: shown.map(|v| v.version).unwrap_or(1),
        notice,
        has_errors: !errors.is_empty(),
        errors,
        statuses: STRATEGY_STATUSES.to_vec(),
        strategies,
        works: content.works.clone(),
        challenges: content.challenges.clone(),
        next_steps: content.next_steps.clone(),
        versions: versions
            .iter()
            .map(|v| {
                (
                    v.version,
                    if v.is_submitted() {
                        format!(
                            "Version {}: inlämnad {}",
                            v.version,
                            v.submitted_at.map(date_time).unwrap_or_default()
                        )
                    } else {
                        format!("Version {}: utkast", v.version)
                    },
                )
            })
            .collect(),
        can_reopen: is_analyst(p) && state_code == "submitted",
        comment_max: COMMENT_MAX,
        text_max: TEXT_MAX,
    }
}

pub async fn report(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((year, tertial, district)): Path<(String, String, String)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let t = parse_period(&year, &tertial)?;
    check_district(&state, &p, &district)?;
    let versions = state
        .store
        .status_report_versions(&p.municipality, &district, t.year, t.number)
        .await?;
    let asked = match q.version.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .and_then(|n| versions.iter().find(|x| x.version == n))
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let current = versions.last();
    // Only the district's lead writes; a submitted report is locked.
    let editable = asked.is_none()
        && p.role == Role::DistrictLead
        && current.is_none_or(|c| !c.is_submitted());
    let shown = asked.or(current);
    let content = shown.map(|v| v.content.clone()).unwrap_or_default();
    let notice = if q.sparad.is_some() {
        Some("Utkastet är sparat. Du kan fortsätta skriva nu eller senare.".to_string())
    } else if q.inlamnad.is_some() {
        Some("Statusrapporten är inlämnad och låst. Tack!".to_string())
    } else if q.oppnad.is_some() {
        Some(
            "Rapporten är öppnad igen som ett nytt utkast; den inlämnade versionen finns kvar."
                .to_string(),
        )
    } else {
        None
    };
    Ok(render(&report_page(
        &*state.config_of(&p)?,
        &p,
        t,
        &district,
        &versions,
        shown,
        &content,
        editable,
        Errors::new(),
        notice,
    )))
}

fn content_of(pairs: &[(String, String)]) -> StatusContent {
    StatusContent {
        strategies: STRATEGIES
            .iter()
            .map(|(code, _, _)| {
                (
                    code.to_string(),
                    StrategyEntry {
                        status: first(pairs, &format!("status.{code}")).trim().to_string(),
                        comment: first(pairs, &format!("comment.{code}")).trim().to_string(),
                    },
                )
            })
            .collect(),
        works: first(pairs, "works").trim().to_string(),
        challenges: first(pairs, "challenges").trim().to_string(),
        next_steps: first(pairs, "next_steps").trim().to_string(),
    }
}

fn validate(content: &StatusContent, submit: bool) -> Errors {
    let mut errors = Errors::new();
    let check_text = |errors: &mut Errors, field: String, text: &str, max: usize| {
        if text.chars().count() > max {
            errors.insert(
                field,
                format!(
                    "Texten är {} tecken; korta den till högst {max}.",
                    text.chars().count()
                ),
            );
        } else if let Some(what) = personal_data_hint(text) {
            errors.insert(
                field,
                format!(
                    "Texten innehåller {what}. Statusrapporten handlar om verksamheten: ta bort allt som kan peka ut en person eller familj."
                ),
            );
        }
    };
    for (code, _, _) in STRATEGIES {
        let e = content.strategies.get(code).cloned().unwrap_or_default();
        if e.status.is_empty() {
            if submit {
                errors.insert(
                    format!("status.{code}"),
                    "Välj en status för strategin innan rapporten lämnas in.".into(),
                );
            }
        } else if !STRATEGY_STATUSES.iter().any(|(c, _)| *c == e.status) {
            errors.insert(
                format!("status.{code}"),
                "Välj en av statusarna: ej påbörjad, planerad, pågående eller etablerad.".into(),
            );
        }
        check_text(
            &mut errors,
            format!("comment.{code}"),
            &e.comment,
            COMMENT_MAX,
        );
    }
    check_text(&mut errors, "works".into(), &content.works, TEXT_MAX);
    check_text(
        &mut errors,
        "challenges".into(),
        &content.challenges,
        TEXT_MAX,
    );
    check_text(
        &mut errors,
        "next_steps".into(),
        &content.next_steps,
        TEXT_MAX,
    );
    errors
}

/// Saves the draft or submits it (`action=save|submit`). District leads
/// only, for their own district.
pub async fn save(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((year, tertial, district)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let t = parse_period(&year, &tertial)?;
    check_district(&state, &p, &district)?;
    let pairs = form_pairs(&body);
    let submit = match first(&pairs, "action") {
        "submit" => true,
        "save" | "" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "Okänd åtgärd {other:?}: använd Spara utkast eller Lämna in."
            )))
        }
    };
    let content = content_of(&pairs);
    let m = &p.municipality;
    let versions = state
        .store
        .status_report_versions(m, &district, t.year, t.number)
        .await?;
    let errors = validate(&content, submit);
    if !errors.is_empty() {
        let mut resp = render(&report_page(
            &*state.config_of(&p)?,
            &p,
            t,
            &district,
            &versions,
            versions.last(),
            &content,
            true,
            errors,
            None,
        ));
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    match state
        .store
        .save_status_report(m, &district, t.year, t.number, &content, submit)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(message)) => {
            let mut errors = Errors::new();
            errors.insert("form".into(), message);
            let mut resp = render(&report_page(
                &*state.config_of(&p)?,
                &p,
                t,
                &district,
                &versions,
                versions.last(),
                &content,
                false,
                errors,
                None,
            ));
            *resp.status_mut() = StatusCode::CONFLICT;
            return Ok(resp);
        }
        Err(e) => return Err(e.into()),
    }
    let flag = if submit { "inlamnad" } else { "sparad" };
    Ok(Redirect::to(&format!(
        "/status/{}/{}/{district}?{flag}=1",
        t.year, t.number
    ))
    .into_response())
}

pub async fn reopen(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((year, tertial, district)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let t = parse_period(&year, &tertial)?;
    if state
        .config_of(&p)?
        .organisation
        .district(&district)
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    state
        .store
        .reopen_status_report(&p.municipality, &district, t.year, t.number)
        .await?;
    Ok(Redirect::to(&format!(
        "/status/{}/{}/{district}?oppnad=1",
        t.year, t.number
    ))
    .into_response())
}

/// The key figures of a tertial per district, from the report.
async fn key_figures(
    state: &SharedState,
    cfg: &MunicipalConfig,
    t: Tertial,
) -> Result<BTreeMap<String, Vec<(String, Option<f64>)>>, AppError> {
    let period = t.period();
    let regs = crate::report::load(state, cfg, period).await?;
    let req = foljupp_stats::ReportRequest {
        municipality: cfg.code().to_string(),
        district: None,
        period,
        as_of: None,
        compare: false,
        threshold: state.config.threshold,
    };
    let report = foljupp_stats::build_report(&cfg.organisation, &regs, &req);
    Ok(cfg
        .organisation
        .current_districts()
        .map(|d| {
            (
                d.code.clone(),
                KEY_FIGURES
                    .iter()
                    .map(|(code, label)| (label.to_string(), report.district_kpi(&d.code, code)))
                    .collect(),
            )
        })
        .collect())
}

fn figure(v: Option<f64>) -> String {
    v.map(|f| thousands(f.round().max(0.0) as u64))
        .unwrap_or_else(|| "–".into())
}

async fn compile(
    state: &SharedState,
    cfg: &MunicipalConfig,
    t: Tertial,
) -> Result<Vec<CompiledDistrict>, AppError> {
    let by = versions_by_district(state, cfg, t).await?;
    let figures = key_figures(state, cfg, t).await?;
    let empty = Vec::new();
    Ok(cfg
        .organisation
        .current_districts()
        .map(|d| {
            let versions = by.get(&d.code).unwrap_or(&empty);
            let sub = latest_submitted(versions);
            CompiledDistrict {
                code: d.code.clone(),
                name: d.name.clone(),
                state: match sub {
                    Some(r) if r.version > 1 => format!("Inlämnad, version {}", r.version),
                    Some(_) => "Inlämnad".into(),
                    None => "Ingen inlämnad rapport".into(),
                },
                figures: figures
                    .get(&d.code)
                    .map(|f| f.iter().map(|(l, v)| (l.clone(), figure(*v), *v)).collect())
                    .unwrap_or_default(),
                report: sub.map(|r| {
                    (
                        STRATEGIES
                            .iter()
                            .map(|(code, label, _)| {
                                let e =
                                    r.content.strategies.get(*code).cloned().unwrap_or_default();
                                (
                                    label.to_string(),
                                    status_label(&e.status).to_string(),
                                    e.comment,
                                )
                            })
                            .collect(),
                        r.content.works.clone(),
                        r.content.challenges.clone(),
                        r.content.next_steps.clone(),
                    )
                }),
            }
        })
        .collect())
}

pub async fn compilation(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((year, tertial)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let t = parse_period(&year, &tertial)?;
    let districts = compile(&state, &*state.config_of(&p)?, t).await?;
    Ok(render(&CompilationPage {
        ui: Lang::Sv,
        title: format!("Statusrapporter {}: sammanställning", t.label()),
        nav: Nav::of(&p),
        year: t.year,
        tertial: t.number,
        label: t.label(),
        districts,
    }))
}

fn compilation_sheets(t: Tertial, districts: &[CompiledDistrict]) -> Vec<Sheet> {
    let mut rows = Vec::new();
    for d in districts {
        let base = |section: &str, item: &str, status: &str, text: &str| {
            vec![
                Cell::from(t.label()),
                Cell::from(d.code.as_str()),
                Cell::from(d.name.as_str()),
                Cell::from(d.state.as_str()),
                Cell::from(section),
                Cell::from(item),
                Cell::from(status),
                Cell::from(text),
            ]
        };
        if let Some((strategies, works, challenges, next_steps)) = &d.report {
            for (label, status, comment) in strategies {
                rows.push(base("strategy", label, status, comment));
            }
            rows.push(base("works", "Det här fungerar", "", works));
            rows.push(base("challenges", "Utmaningar", "", challenges));
            rows.push(base("next_steps", "Nästa steg", "", next_steps));
        }
    }
    let mut figures = Vec::new();
    for d in districts {
        let mut row = vec![
            Cell::from(t.label()),
            Cell::from(d.code.as_str()),
            Cell::from(d.name.as_str()),
            Cell::from(d.state.as_str()),
        ];
        for (_, _, v) in &d.figures {
            row.push(Cell::from(*v));
        }
        figures.push(row);
    }
    let mut fig_header: Vec<String> = ["period", "district", "district_name", "state"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    fig_header.extend(KEY_FIGURES.iter().map(|(c, _)| c.to_string()));
    vec![
        Sheet {
            name: "Statusrapporter".into(),
            header: [
                "period",
                "district",
                "district_name",
                "state",
                "section",
                "item",
                "status",
                "text",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        },
        Sheet {
            name: "Nyckeltal".into(),
            header: fig_header,
            rows: figures,
        },
    ]
}

pub async fn compilation_csv(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((year, tertial)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let t = parse_period(&year, &tertial)?;
    let districts = compile(&state, &*state.config_of(&p)?, t).await?;
    let sheets = compilation_sheets(t, &districts);
    Ok(export::download(
        export::csv_bytes(&sheets[0])?,
        export::CSV,
        &format!("statusrapporter-{}-t{}.csv", t.year, t.number),
    ))
}

pub async fn compilation_xlsx(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((year, tertial)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let t = parse_period(&year, &tertial)?;
    let districts = compile(&state, &*state.config_of(&p)?, t).await?;
    let sheets = compilation_sheets(t, &districts);
    Ok(export::download(
        export::xlsx_bytes(&sheets)?,
        export::XLSX,
        &format!("statusrapporter-{}-t{}.xlsx", t.year, t.number),
    ))
}
