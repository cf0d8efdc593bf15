//! The report pages and the export route.

use super::committee::{self, Committee};
use super::table::DataTable;
use super::views::{self, CardSection, Figure};
use super::Selection;
use crate::api::ReportQuery;
use crate::auth::Principal;
use crate::i18n::Lang;
use crate::pages::{render, Nav};
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;

/// The picker's state: what is selected and what can be.
pub struct Picker {
    pub action: String,
    pub year: i32,
    pub years: Vec<i32>,
    pub tertial: String,
    pub from: String,
    pub to: String,
    pub compare: bool,
    pub district: String,
    pub districts: Vec<(String, String)>,
    pub district_choice: bool,
    /// Whether the page offers tertials and ranges (the gender and
    /// completeness pages are by year).
    pub full: bool,
    /// The committee report offers an as-of date (the projection).
    pub with_as_of: bool,
    pub as_of: String,
    /// What was wrong with the period asked for.
    pub error: Option<String>,
}

impl Picker {
    fn new(p: &Principal, sel: &Selection, action: &str, full: bool) -> Picker {
        Picker {
            action: action.to_string(),
            year: sel.year,
            years: (2019..=super::today().year()).rev().collect(),
            tertial: sel.tertial.clone(),
            from: sel.from.clone(),
            to: sel.to.clone(),
            compare: sel.req.compare,
            district: sel.req.district.clone().unwrap_or_default(),
            districts: sel
                .cfg
                .organisation
                .reported_districts(sel.req.period.to)
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect(),
            district_choice: !p.role.is_district_bound(),
            full,
            with_as_of: action == "/rapport",
            as_of: sel
                .req
                .as_of
                .map(foljupp_core::format_date)
                .unwrap_or_default(),
            error: None,
        }
    }

    /// Keeps what the user typed, and says what was wrong with it.
    fn explain(mut self, q: &ReportQuery, error: Option<String>) -> Picker {
        if error.is_some() {
            let raw = |s: &Option<String>| s.clone().unwrap_or_default();
            if let Some(y) = q.year.as_deref().and_then(|y| y.trim().parse().ok()) {
                self.year = y;
            }
            self.tertial = raw(&q.tertial);
            self.from = raw(&q.from);
            self.to = raw(&q.to);
            self.as_of = raw(&q.as_of);
        }
        self.error = error;
        self
    }
}

/// Parses a page's query. A period the user got wrong is not a dead end:
/// the page comes back for the current year, with the message beside the
/// picker and what was typed kept in it (status 400).
fn select(
    state: &SharedState,
    p: &Principal,
    q: &ReportQuery,
    path_district: Option<&str>,
) -> Result<(Selection, Option<String>), AppError> {
    match Selection::parse(state, p, q, path_district) {
        Ok(sel) => Ok((sel, None)),
        Err(AppError::BadRequest(message)) => {
            let fallback = ReportQuery {
                district: q.district.clone(),
                compare: q.compare.clone(),
                ..ReportQuery::default()
            };
            let sel = Selection::parse(state, p, &fallback, path_district)?;
            Ok((sel, Some(message)))
        }
        Err(e) => Err(e),
    }
}

/// The page, with status 400 when the query had to be explained.
fn respond(page: Response, error: &Option<String>) -> Response {
    let mut page = page;
    if error.is_some() {
        *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    page
}

/// Links between the report pages, for the selection at hand.
pub struct Links {
    pub query: String,
    pub can_report: bool,
}

#[derive(Template)]
#[template(path = "report_dashboard.html")]
struct DashboardPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    heading: String,
    picker: Picker,
    links: Links,
    page: &'static str,
    exports: bool,
    query: String,
    withheld: Option<String>,
    empty: bool,
    sections: Vec<CardSection>,
    figures: Vec<Figure>,
    kpis: DataTable,
    district_links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "report_gender.html")]
struct GenderPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    heading: String,
    picker: Picker,
    links: Links,
    page: &'static str,
    exports: bool,
    query: String,
    figures: Vec<Figure>,
}

#[derive(Template)]
#[template(path = "report_committee.html")]
struct CommitteePage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    picker: Picker,
    links: Links,
    query: String,
    report: Committee,
}

/// The committee report as a file of its own (the CLI's `--format html`):
/// the stylesheet inlined, no navigation.
#[derive(Template)]
#[template(path = "committee_standalone.html")]
pub struct CommitteeFile {
    pub title: String,
    pub css: &'static str,
    pub report: Committee,
}

#[derive(Template)]
#[template(path = "report_completeness.html")]
struct CompletenessPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    heading: String,
    picker: Picker,
    links: Links,
    page: &'static str,
    exports: bool,
    query: String,
    figures: Vec<Figure>,
    missing_districts: Vec<String>,
    missing_reports: Vec<String>,
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
ui_text!(DashboardPage, GenderPage, CommitteePage, CompletenessPage);

fn links(p: &Principal, sel: &Selection) -> Links {
    Links {
        query: sel.query.clone(),
        can_report: crate::routes::REPORTING.contains(&p.role),
    }
}

pub async fn overview(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    dashboard(state, p, q, None).await
}

pub async fn district_overview(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(district): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    dashboard(state, p, q, Some(district)).await
}

async fn dashboard(
    state: SharedState,
    p: Principal,
    q: ReportQuery,
    path_district: Option<String>,
) -> Result<Response, AppError> {
    let (sel, error) = select(&state, &p, &q, path_district.as_deref())?;
    let d = views::dashboard(&state, &sel).await?;
    let scope = sel.scope_label();
    let period = sel.period_label();
    let district_links = if sel.req.district.is_none() {
        sel.cfg
            .organisation
            .reported_districts(sel.req.period.to)
            .map(|d| {
                let query = strip_district(&sel.query);
                (format!("/oversikt/{}?{query}", d.code), d.name.clone())
            })
            .collect()
    } else {
        Vec::new()
    };
    let exports = crate::routes::REPORTING.contains(&p.role);
    let page = DashboardPage {
        ui: Lang::Sv,
        title: format!("Översikt: {scope} {period}"),
        nav: Nav::of(&p),
        heading: format!("Översikt: {scope} {period}"),
        picker: Picker::new(&p, &sel, "/oversikt", true).explain(&q, error.clone()),
        links: links(&p, &sel),
        page: "oversikt",
        exports,
        query: sel.query.clone(),
        withheld: d.withheld,
        empty: d.empty,
        sections: d.sections,
        figures: d.figures,
        kpis: d.kpis,
        district_links,
    };
    Ok(respond(render(&page), &error))
}

fn strip_district(query: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "district"))
        .finish()
}

pub async fn gender(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (sel, error) = select(&state, &p, &q, None)?;
    let g = views::gender(&state, &sel).await?;
    let scope = sel.scope_label();
    let span = match (g.years.first(), g.years.last()) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => sel.period_label(),
    };
    let page = GenderPage {
        ui: Lang::Sv,
        title: format!("Jämställdhetsanalys: {scope} {span}"),
        nav: Nav::of(&p),
        heading: format!("Jämställdhetsanalys: {scope} {span}"),
        picker: Picker::new(&p, &sel, "/jamstalldhet", false).explain(&q, error.clone()),
        links: links(&p, &sel),
        page: "jamstalldhet",
        exports: crate::routes::REPORTING.contains(&p.role),
        query: sel.query.clone(),
        figures: g.figures,
    };
    Ok(respond(render(&page), &error))
}

pub async fn committee(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (sel, error) = select(&state, &p, &q, None)?;
    let report = committee::build(&state, &sel).await?;
    let page = CommitteePage {
        ui: Lang::Sv,
        title: report.title.clone(),
        nav: Nav::of(&p),
        picker: Picker::new(&p, &sel, "/rapport", true).explain(&q, error.clone()),
        links: links(&p, &sel),
        query: sel.query.clone(),
        report,
    };
    Ok(respond(render(&page), &error))
}

pub async fn committee_pdf(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let sel = Selection::parse(&state, &p, &q, None)?;
    let report = committee::build(&state, &sel).await?;
    let bytes = report
        .to_pdf(&pdf_footer())
        .map_err(|e| AppError::Internal(format!("pdf: {e}")))?;
    crate::audit::audit(
        &state,
        Some(&p),
        crate::audit::action::REPORT_DOWNLOAD,
        &format!("nämndrapport (PDF) {}", sel.slug()),
    )
    .await?;
    Ok(attachment(
        bytes,
        "application/pdf",
        &format!("foljupp-rapport-{}.pdf", sel.slug()),
    ))
}

/// "Framställd 2024-09-02 med foljupp".
pub fn pdf_footer() -> String {
    format!(
        "Framställd {} med foljupp",
        foljupp_core::format_date(super::today())
    )
}

pub async fn completeness(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (sel, error) = select(&state, &p, &q, None)?;
    let c = views::completeness(&state, &sel).await?;
    let scope = sel.scope_label();
    let page = CompletenessPage {
        ui: Lang::Sv,
        title: format!("Inrapportering: {scope} {}", sel.year),
        nav: Nav::of(&p),
        heading: format!("Inrapportering: {scope} {}", sel.year),
        picker: Picker::new(&p, &sel, "/inrapportering", false).explain(&q, error.clone()),
        links: links(&p, &sel),
        page: "inrapportering",
        exports: true,
        query: sel.query.clone(),
        figures: [c.registrations, c.preschools]
            .into_iter()
            .map(|t| Figure {
                id: t.id.clone(),
                heading: t.caption.clone(),
                svg: None,
                table: t,
                folded: false,
            })
            .collect(),
        missing_districts: c.missing_districts,
        missing_reports: c.missing_reports,
    };
    Ok(respond(render(&page), &error))
}

fn attachment(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, content_type)], bytes).into_response();
    // File names are built from codes and dates only (ASCII).
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `/export/{page}-{table}.{csv|xlsx}` with the page's own query: the
/// table is built by the page's own function, so it is the table on
/// screen, suppression included.
pub async fn export(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(file): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (stem, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    if ext != "csv" && ext != "xlsx" {
        return Err(AppError::NotFound);
    }
    let (page, id) = stem.split_once('-').ok_or(AppError::NotFound)?;
    let sel = Selection::parse(&state, &p, &q, None)?;
    let tables: Vec<DataTable> = match page {
        "oversikt" => {
            let d = views::dashboard(&state, &sel).await?;
            std::iter::once(d.kpis)
                .chain(d.figures.into_iter().map(|f| f.table))
                .collect()
        }
        "jamstalldhet" => views::gender(&state, &sel)
            .await?
            .figures
            .into_iter()
            .map(|f| f.table)
            .collect(),
        "rapport" => committee::build(&state, &sel)
            .await?
            .sections
            .into_iter()
            .filter_map(|s| s.table)
            .collect(),
        "inrapportering" => {
            let c = views::completeness(&state, &sel).await?;
            vec![c.registrations, c.preschools]
        }
        _ => return Err(AppError::NotFound),
    };
    let table = tables
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    let filename = format!("foljupp-{page}-{id}-{}.{ext}", sel.slug());
    // Exports leave the system: audited with what was exported (aggregates
    // only; nothing about a registration).
    crate::audit::audit(&state, Some(&p), crate::audit::action::EXPORT, &filename).await?;
    if ext == "csv" {
        Ok(attachment(
            table.to_csv(),
            "text/csv; charset=utf-8",
            &filename,
        ))
    } else {
        let bytes = table
            .to_xlsx()
            .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
        Ok(attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &filename,
        ))
    }
}
