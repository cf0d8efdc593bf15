//! The report in the browser and as files: the dashboard (municipality and
//! district pages), the gender-equality view, the committee report (HTML,
//! print and PDF), reporting completeness, and CSV/XLSX exports of every
//! table shown. Figures come from `foljupp_stats` only; this module lays
//! them out, and every export is built by the same function as the table
//! on screen, so its suppression is the same.

pub mod committee;
pub mod files;
pub mod labels;
pub mod pages;
pub mod svg;
pub mod table;
pub mod views;
mod writes;

use crate::api::ReportQuery;
use crate::auth::Principal;
use crate::{AppError, SharedState};
use foljupp_core::{Date, MunicipalConfig, Period, Registration, Tertial};
use foljupp_stats::{Report, ReportRequest};
use foljupp_store::StoreError;

/// The report for `req`, over every district's registrations (the
/// suppression pattern must not depend on the scope asked for) and every
/// day the request needs (see [`ReportRequest::load_period`]).
pub async fn load_report(state: &SharedState, req: &ReportRequest) -> Result<Report, AppError> {
    let cfg = state.municipality(&req.municipality)?;
    Ok(state
        .report_cache
        .with(state, &cfg, |rollup| rollup.report(&cfg.organisation, req))
        .await?)
}

pub use writes::ReportCache;

/// Every registration of a municipality in `period`, as the report counts
/// it: with the configuration's question mappings applied.
pub async fn load(
    state: &SharedState,
    cfg: &MunicipalConfig,
    period: Period,
) -> Result<Vec<Registration>, StoreError> {
    let mut regs = state
        .store
        .load_registrations(cfg.code(), period, None, None)
        .await?;
    if !cfg.forms.mappings.is_empty() {
        for r in &mut regs {
            cfg.forms.apply_mappings(r);
        }
    }
    Ok(regs)
}

/// What kind of period was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Year(i32),
    Tertial(Tertial),
    Range,
}

/// A parsed report selection: what to compute, and the query that asks
/// for it again (for links, the picker and exports).
#[derive(Debug, Clone)]
pub struct Selection {
    pub req: ReportRequest,
    /// The configuration of the report's municipality.
    pub cfg: std::sync::Arc<MunicipalConfig>,
    pub unit: Unit,
    /// The selection as a query string (without a leading `?`).
    pub query: String,
    /// The raw values, for the picker.
    pub year: i32,
    pub tertial: String,
    pub from: String,
    pub to: String,
}

pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Selection {
    /// Parses a page's query. No period: the current year. A district-bound
    /// user always sees their own district, and asking for another is
    /// refused. `path_district` is the district of a `/…/{district}` path.
    pub fn parse(
        state: &SharedState,
        p: &Principal,
        q: &ReportQuery,
        path_district: Option<&str>,
    ) -> Result<Selection, AppError> {
        let cfg = state.config_of(p)?;
        let today = today();
        let (from, to) = (given(&q.from), given(&q.to));
        let ranged = from.is_some() || to.is_some();
        let year_text = given(&q.year).map(str::to_string);
        let tertial_text = given(&q.tertial).map(str::to_string);
        let period = if ranged {
            // The picker sends the year too; a date range wins over it.
            Period::resolve(None, None, from, to)
        } else {
            let y = year_text
                .clone()
                .unwrap_or_else(|| today.year().to_string());
            Period::resolve(Some(&y), tertial_text.as_deref(), None, None)
        }
        .map_err(AppError::BadRequest)?;
        let unit = if ranged {
            Unit::Range
        } else if let Some(t) = period.as_tertial().filter(|_| tertial_text.is_some()) {
            Unit::Tertial(t)
        } else {
            Unit::Year(period.from.year())
        };

        let asked = path_district
            .map(str::to_string)
            .or_else(|| given(&q.district).map(str::to_string));
        let district = if p.role.is_district_bound() {
            match (&asked, &p.district) {
                (Some(a), Some(own)) if a != own => {
                    return Err(AppError::Forbidden(
                        "Du kan bara se din egen stadsdelsförvaltning.".into(),
                    ))
                }
                _ => p.district.clone(),
            }
        } else {
            asked
        };
        if let Some(d) = &district {
            if cfg.organisation.district(d).is_none() {
                return Err(if path_district.is_some() {
                    AppError::NotFound
                } else {
                    AppError::BadRequest(format!(
                        "Stadsdelsförvaltningen {d:?} finns inte. Välj en i listan."
                    ))
                });
            }
        }
        if !crate::routes::may_see(p, district.as_deref()) {
            return Err(AppError::Forbidden(
                "Du kan bara se din egen stadsdelsförvaltning.".into(),
            ));
        }
        let as_of = match given(&q.as_of) {
            None => None,
            Some(s) => Some(foljupp_core::parse_date(s).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Prognosdatumet {s:?} är inget datum. Skriv ÅÅÅÅ-MM-DD, till exempel 2024-08-31."
                ))
            })?),
        };
        let compare = matches!(
            q.compare.as_deref(),
            Some("1" | "true" | "yes" | "on" | "ja")
        );

        let mut query: Vec<(String, String)> = Vec::new();
        match unit {
            Unit::Range => {
                query.push(("from".into(), foljupp_core::format_date(period.from)));
                query.push(("to".into(), foljupp_core::format_date(period.to)));
            }
            Unit::Year(y) => query.push(("year".into(), y.to_string())),
            Unit::Tertial(t) => {
                query.push(("year".into(), t.year.to_string()));
                query.push(("tertial".into(), t.number.to_string()));
            }
        }
        if let Some(d) = &district {
            if !p.role.is_district_bound() {
                query.push(("district".into(), d.clone()));
            }
        }
        if let Some(a) = as_of {
            query.push(("as_of".into(), foljupp_core::format_date(a)));
        }
        if compare {
            query.push(("compare".into(), "1".into()));
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();

        Ok(Selection {
            req: ReportRequest {
                municipality: p.municipality.clone(),
                district,
                period,
                as_of,
                compare,
                threshold: state.config.threshold,
            },
            cfg,
            unit,
            query,
            year: period.from.year(),
            tertial: match unit {
                Unit::Tertial(t) => t.number.to_string(),
                _ => String::new(),
            },
            from: if ranged {
                foljupp_core::format_date(period.from)
            } else {
                String::new()
            },
            to: if ranged {
                foljupp_core::format_date(period.to)
            } else {
                String::new()
            },
        })
    }

    /// The selection of a request made outside the web (the command line):
    /// full access, the period as given.
    pub fn of_request(req: ReportRequest, cfg: std::sync::Arc<MunicipalConfig>) -> Selection {
        let p = req.period;
        let unit = match (p.as_year(), p.as_tertial()) {
            (Some(y), _) => Unit::Year(y),
            (None, Some(t)) => Unit::Tertial(t),
            _ => Unit::Range,
        };
        let ranged = unit == Unit::Range;
        Selection {
            cfg,
            unit,
            query: String::new(),
            year: p.from.year(),
            tertial: match unit {
                Unit::Tertial(t) => t.number.to_string(),
                _ => String::new(),
            },
            from: if ranged {
                foljupp_core::format_date(p.from)
            } else {
                String::new()
            },
            to: if ranged {
                foljupp_core::format_date(p.to)
            } else {
                String::new()
            },
            req,
        }
    }

    /// "2024", "T2 2024" or "2024-02-01–2024-06-30", and "t.o.m. …" for
    /// an as-of date inside the period.
    pub fn period_label(&self) -> String {
        let p = self.req.period;
        let mut s = match self.unit {
            Unit::Year(y) => y.to_string(),
            Unit::Tertial(t) => t.label(),
            Unit::Range => format!(
                "{}–{}",
                foljupp_core::format_date(p.from),
                foljupp_core::format_date(p.to)
            ),
        };
        if let Some(a) = self.req.as_of.filter(|a| *a < p.to) {
            s.push_str(&format!(" t.o.m. {}", foljupp_core::format_date(a)));
        }
        s
    }

    /// The municipality's or the district's name.
    pub fn scope_label(&self) -> String {
        match &self.req.district {
            Some(d) => self.cfg.organisation.district_name(d).to_string(),
            None => self.cfg.organisation.name.clone(),
        }
    }

    /// A short, file-name-safe name of the selection.
    pub fn slug(&self) -> String {
        let p = self.req.period;
        let mut s = match self.unit {
            Unit::Year(y) => y.to_string(),
            Unit::Tertial(t) => format!("{}-t{}", t.year, t.number),
            Unit::Range => format!(
                "{}_{}",
                foljupp_core::format_date(p.from),
                foljupp_core::format_date(p.to)
            ),
        };
        if let Some(d) = &self.req.district {
            s = format!("{d}-{s}");
        }
        s
    }
}
