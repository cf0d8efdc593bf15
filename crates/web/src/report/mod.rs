//! The report in the browser and as files: the dashboard (municipality and
//! district pages), the gender-equality view, the committee report (HTML,
//! print and PDF), reporting completeness, and CSV/XLSX exports of every
//! table shown. Figures come from `foljupp_stats` only; this module lays
//! them out.

use crate::SharedState;
use foljupp_stats::{Report, ReportRequest};
use foljupp_store::StoreError;

/// The report for `req`, over every district's registrations (the
/// suppression pattern must not depend on the scope asked for) and every
/// day the request needs (see [`ReportRequest::load_period`]).
pub async fn load_report(state: &SharedState, req: &ReportRequest) -> Result<Report, StoreError> {
    let regs = state
        .store
        .load_registrations(&state.config.municipality, req.load_period(), None, None)
        .await?;
    Ok(foljupp_stats::build_report(&state.organisation, &regs, req))
}
