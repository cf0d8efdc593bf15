//! Indicators, breakdowns, projections and disclosure control: pure
//! functions from registrations to a [`Report`] (REPORT.md).
//!
//! The computation has two steps so that it can later run on precomputed
//! counts: registrations are counted into one [`Tally`] per district in a
//! single pass ([`Tally::add`], [`Tally::merge`]), and
//! [`report_from_tallies`] turns tallies into the report. [`build_report`]
//! does both from a slice of registrations.
//!
//! Interpretations of REPORT.md made here (also in [`DEFINITIONS`]):
//! - `as_of` cuts the period: a report "as of" a day counts activity up to
//!   and including that day, and a comparison uses the same days one year
//!   earlier, so a running year is compared like for like.
//! - `projection_full_year` counts the conversations up to the end of the
//!   last tertial completed by `as_of` (equal to "up to `as_of`" when
//!   `as_of` ends a tertial, as in the seed's 1040 → 1560), so that a
//!   half-run tertial does not inflate the projection; it is rounded to a
//!   whole conversation and given only for a calendar-year period.
//! - `change_*` are percent (10.0 = +10 %), rounded to one decimal.
//! - `group_meeting_share_women` is women over women + men: the form counts
//!   "other or unknown gender" in one number, so it cannot be part of a
//!   "known gender" base.
//! - `share_series_le5` counts conversations without a number in its base.
//! - `languages`, `resident_areas`, `how_found`, `next_step`, `form`,
//!   `participants` and `age_groups` describe conversations only; the
//!   answer breakdowns add up conversations' answers and groups' counts.
//! - A breakdown lists every code with a count above zero, and suppressed
//!   cells; zero cells are not sensitive and are left out.
//! - Breakdowns are published only for a whole calendar year or a whole
//!   tertial (after the `as_of` cut): tables over overlapping ranges could
//!   be subtracted from each other. A year and its three tertials are
//!   protected as linked tables (see [`report`]); for any other period the
//!   report's breakdowns are empty and `breakdowns_withheld` says why.

pub mod definitions;
pub mod disclosure;
pub mod report;
pub mod rollup;
pub mod snapshot;
pub mod spindeln;
pub mod tally;

pub use definitions::{definition, BREAKDOWN_DEFINITIONS, DEFINITIONS};
pub use disclosure::DisclosureControl;
pub use report::{
    report_from_tallies, Breakdown, Cell, DistrictReport, Kpi, Kpis, Projection, Report,
    ReportPeriod, Scope, Tallies, HIDDEN, WITHHELD_PARTIAL_PERIOD,
};
pub use rollup::{Rollup, RollupBuilder};
pub use tally::{Tally, BREAKDOWNS};

use foljupp_core::{Date, Kind, Organisation, Period, Registration, Tertial};
use std::collections::BTreeMap;

/// The disclosure threshold unless configured otherwise (DOMAIN.md).
pub const DEFAULT_THRESHOLD: u32 = 5;

/// What to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub municipality: String,
    /// `None`: the whole municipality.
    pub district: Option<String>,
    /// Inclusive `from..=to`.
    pub period: Period,
    /// For a year still running: figures up to this day, and a projection.
    pub as_of: Option<Date>,
    /// Also compute `change_*` against the same period one year earlier.
    pub compare: bool,
    /// Disclosure threshold, [`DEFAULT_THRESHOLD`] unless configured.
    pub threshold: u32,
}

impl ReportRequest {
    /// The whole municipality over `period`, no comparison, default threshold.
    pub fn new(municipality: impl Into<String>, period: Period) -> ReportRequest {
        ReportRequest {
            municipality: municipality.into(),
            district: None,
            period,
            as_of: None,
            compare: false,
            threshold: DEFAULT_THRESHOLD,
        }
    }

    /// The days whose activity the report counts: the period, cut at
    /// `as_of`; `None` when `as_of` is before the period starts.
    pub fn current_window(&self) -> Option<Period> {
        let to = match self.as_of {
            Some(a) if a < self.period.to => a,
            _ => self.period.to,
        };
        (self.period.from <= to).then_some(Period {
            from: self.period.from,
            to,
        })
    }

    /// The same days one year earlier, when `compare` is asked for.
    pub fn previous_window(&self) -> Option<Period> {
        if !self.compare {
            return None;
        }
        self.current_window().map(|w| w.one_year_earlier())
    }

    /// The unit whose breakdowns the report publishes: the window (the
    /// period cut at `as_of`) when it is a whole calendar year or a whole
    /// tertial; `None` for any other range (see the crate docs).
    pub fn breakdown_unit(&self) -> Option<BreakdownUnit> {
        let w = self.current_window()?;
        if let Some(y) = w.as_year() {
            return Some(BreakdownUnit::Year(y));
        }
        w.as_tertial().map(BreakdownUnit::Tertial)
    }

    /// The days a caller must load registrations for: the period, the
    /// previous year's window when comparing, and the whole calendar year
    /// of a tertial whose breakdowns are linked with the year's.
    pub fn load_period(&self) -> Period {
        let mut p = self.period;
        if let Some(prev) = self.previous_window() {
            p.from = p.from.min(prev.from);
        }
        if let Some(year) = self.breakdown_unit().and_then(|u| Period::year(u.year())) {
            p.from = p.from.min(year.from);
            p.to = p.to.max(year.to);
        }
        p
    }

    /// For a calendar-year period with `as_of`: the tertials completed by
    /// `as_of` and the days whose conversations the projection counts (from
    /// 1 January to the end of the last completed tertial). `None` when no
    /// projection is given, including before the first tertial ends.
    pub fn projection_window(&self) -> Option<(u8, Period)> {
        let as_of = self.as_of?;
        let year = self.period.as_year()?;
        let k = foljupp_core::period::tertials_completed(year, as_of);
        let last = Tertial::new(year, k)?;
        Some((
            k,
            Period {
                from: self.period.from,
                to: last.last_day(),
            },
        ))
    }
}

/// A period whose breakdowns are published: a calendar year or a tertial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakdownUnit {
    Year(i32),
    Tertial(Tertial),
}

impl BreakdownUnit {
    pub fn year(self) -> i32 {
        match self {
            BreakdownUnit::Year(y) => y,
            BreakdownUnit::Tertial(t) => t.year,
        }
    }
}

/// The report over `registrations`, which may be of any date and district
/// of the municipality: they are filtered by period and scope here, in one
/// pass that fills the current, previous-year and projection tallies.
pub fn build_report(
    org: &Organisation,
    registrations: &[Registration],
    req: &ReportRequest,
) -> Report {
    let current_window = req.current_window();
    let previous_window = req.previous_window();
    let projection_window = req.projection_window();
    // Breakdowns of a year or a tertial are protected together with the
    // year's other tertials, so the whole year is tallied per tertial.
    let linked_year = req
        .breakdown_unit()
        .and_then(|u| Period::year(u.year()).map(|p| (u.year(), p)));

    let mut current: BTreeMap<String, Tally> = BTreeMap::new();
    let mut previous: BTreeMap<String, Tally> = BTreeMap::new();
    let mut tertials: [BTreeMap<String, Tally>; 3] = Default::default();
    let mut projection = projection_window.map(|(k, _)| Projection {
        tertials_completed: k,
        conversations: BTreeMap::new(),
    });
    for r in registrations {
        match linked_year {
            Some((_, year)) => {
                if year.contains(r.date) {
                    let t = usize::from(Tertial::of(r.date).number - 1);
                    if let Some(t) = tertials.get_mut(t).and_then(|m| tally_of(m, &r.district)) {
                        t.add(r);
                    }
                }
            }
            None => {
                if current_window.is_some_and(|w| w.contains(r.date)) {
                    if let Some(t) = tally_of(&mut current, &r.district) {
                        t.add(r);
                    }
                }
            }
        }
        if previous_window.is_some_and(|w| w.contains(r.date)) {
            if let Some(t) = tally_of(&mut previous, &r.district) {
                t.add(r);
            }
        }
        if let (Some((_, w)), Some(p)) = (projection_window, projection.as_mut()) {
            if r.kind == Kind::Conversation && w.contains(r.date) {
                match p.conversations.get_mut(r.district.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        p.conversations.insert(r.district.clone(), 1);
                    }
                }
            }
        }
    }
    let tertials = linked_year.map(|(year, _)| {
        // The window is the whole year or one of its tertials: its tally
        // is the sum of the tertials it covers.
        for (i, per_district) in tertials.iter().enumerate() {
            let covered = Tertial::new(year, i as u8 + 1)
                .is_some_and(|t| current_window.is_some_and(|w| w.contains(t.first_day())));
            if covered {
                for (d, t) in per_district {
                    current.entry(d.clone()).or_default().merge(t);
                }
            }
        }
        tertials
    });
    report_from_tallies(
        org,
        &Tallies {
            current,
            previous: req.compare.then_some(previous),
            projection,
            tertials,
        },
        req,
    )
}

/// The tally of `district`, created on first use. Looked up by `&str` so
/// that the key is allocated only once per district, not per registration;
/// always `Some` (an `Option` only because the borrow checker cannot yet
/// express "get or insert" by a borrowed key without a second lookup).
fn tally_of<'a>(map: &'a mut BTreeMap<String, Tally>, district: &str) -> Option<&'a mut Tally> {
    if !map.contains_key(district) {
        map.insert(district.to_string(), Tally::default());
    }
    map.get_mut(district)
}

/// The KPIs of `district` (`None`: the whole municipality) for each of
/// `periods`, in one pass over `registrations`: for trend charts and the
/// gender-equality analysis over time. KPIs only (no breakdowns, so no
/// tables to difference); shares follow the same threshold rule as in a
/// report, and `change_*` and `projection_full_year` are null.
pub fn kpi_series(
    registrations: &[Registration],
    district: Option<&str>,
    periods: &[Period],
    threshold: u32,
) -> Vec<report::Kpis> {
    let mut tallies = vec![Tally::default(); periods.len()];
    for r in registrations {
        if district.is_some_and(|d| d != r.district) {
            continue;
        }
        for (p, t) in periods.iter().zip(tallies.iter_mut()) {
            if p.contains(r.date) {
                t.add(r);
            }
        }
    }
    tallies
        .iter()
        .map(|t| report::kpis(t, None, None, threshold))
        .collect()
}
