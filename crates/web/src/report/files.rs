//! The report as files, for `foljupp report --format …`: the same
//! figures, tables and suppression as the web pages.

use super::committee;
use super::pages::{pdf_footer, CommitteeFile};
use super::table::{defuse, workbook};
use super::views;
use super::Selection;
use crate::{AppError, SharedState};
use askama::Template;
use foljupp_stats::{Cell, Kpi, Report, ReportRequest};

/// `json`, `csv`, `xlsx`, `html` or `pdf`.
pub const FORMATS: [&str; 5] = ["json", "csv", "xlsx", "html", "pdf"];

/// The report for `req` in `format` (one of [`FORMATS`]).
pub async fn render(
    state: &SharedState,
    req: ReportRequest,
    format: &str,
) -> Result<Vec<u8>, AppError> {
    let cfg = state.municipality(&req.municipality)?;
    let sel = Selection::of_request(req, cfg);
    match format {
        "json" => {
            let report = super::load_report(state, &sel.req).await?;
            let mut out = serde_json::to_vec_pretty(&report)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            out.push(b'\n');
            Ok(out)
        }
        "csv" => {
            let report = super::load_report(state, &sel.req).await?;
            Ok(long_csv(&report))
        }
        "xlsx" => {
            let d = views::dashboard(state, &sel).await?;
            let tables: Vec<_> = std::iter::once(d.kpis)
                .chain(d.figures.into_iter().map(|f| f.table))
                .collect();
            workbook(&tables).map_err(|e| AppError::Internal(format!("xlsx: {e}")))
        }
        "html" => {
            let report = committee::build(state, &sel).await?;
            let page = CommitteeFile {
                title: report.title.clone(),
                css: include_str!("../../static/app.css"),
                report,
            };
            page.render()
                .map(String::into_bytes)
                .map_err(|e| AppError::Internal(format!("template: {e}")))
        }
        "pdf" => committee::build(state, &sel)
            .await?
            .to_pdf(&pdf_footer())
            .map_err(|e| AppError::Internal(format!("pdf: {e}"))),
        other => Err(AppError::BadRequest(format!(
            "Formatet {other:?} finns inte. Välj json, csv, xlsx, html eller pdf."
        ))),
    }
}

/// The whole report as one CSV in long form, one figure a row:
/// `table,district,code,value` (district empty for the scope). Shares are
/// fractions and changes percent, as in the JSON; suppressed cells as on
/// screen ("<5", ".."); a figure not given is empty. UTF-8 with a BOM.
pub fn long_csv(r: &Report) -> Vec<u8> {
    let mut rows: Vec<[String; 4]> = vec![[
        "table".into(),
        "district".into(),
        "code".into(),
        "value".into(),
    ]];
    let kpi = |v: &Option<Kpi>| match v {
        Some(Kpi::Count(n)) => n.to_string(),
        Some(Kpi::Share(x)) => format!("{x:.4}"),
        Some(Kpi::Percent(x)) => format!("{x:.1}"),
        None => String::new(),
    };
    let cell = |c: &Cell| c.text();
    let scopes = std::iter::once((String::new(), &r.kpis, &r.breakdowns)).chain(
        r.districts
            .iter()
            .filter(|_| r.scope.district.is_none())
            .map(|(d, dr)| (d.clone(), &dr.kpis, &dr.breakdowns)),
    );
    for (district, kpis, breakdowns) in scopes {
        for (code, v) in kpis {
            rows.push(["kpis".into(), district.clone(), code.clone(), kpi(v)]);
        }
        for (name, b) in breakdowns {
            for (code, c) in b {
                rows.push([name.clone(), district.clone(), code.clone(), cell(c)]);
            }
        }
    }
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in rows {
        // Numbers (a change may be negative) stay numbers; text is defused.
        let row: Vec<String> = row
            .iter()
            .map(|s| {
                if s.parse::<f64>().is_ok() {
                    s.clone()
                } else {
                    defuse(s)
                }
            })
            .collect();
        if w.write_record(&row).is_err() {
            return Vec::new();
        }
    }
    w.into_inner().unwrap_or_default()
}
