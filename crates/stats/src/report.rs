//! The report of REPORT.md, computed from tallies: KPIs with their
//! disclosure rule for shares, and breakdowns protected as one table of
//! codes × districts (see [`crate::disclosure`]).
//!
//! # Linked periods
//!
//! Differencing overlapping periods is the classic attack on suppressed
//! tables: a year's cell minus its three tertials' cells gives a hidden
//! tertial cell, and a year's hidden cell is the sum of its tertials'.
//! Breakdowns are therefore published only for whole calendar years and
//! whole tertials, and the year and its three tertials are protected as
//! four *linked* tables. Each is first protected on its own; then every
//! position (code × district, or the municipality's code total) is looked
//! at across the four tables, where year = T1 + T2 + T3 holds. Wherever
//! exactly one of the four is suppressed, that one equation would give it
//! away, so the cheapest published tertial cell of the line is suppressed
//! as well (the year's own figures are kept where possible, the committee
//! reads them), that table is protected again with the new cell forced, and
//! this repeats until no line has exactly one suppression. The pattern of a
//! tertial is the same whether it is asked for alone or as part of its
//! year. What this does not guarantee is spelled out in `docs/disclosure.md`.

use crate::disclosure::{DisclosureControl, Mark, Pattern, Pos, Table};
use crate::tally::{Tally, BREAKDOWNS, PROGRAMME_HELPFUL, QUESTIONS};
use crate::{BreakdownUnit, ReportRequest};
use foljupp_core::{Date, Organisation};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// One KPI value. Counts serialize as JSON integers, shares as fractions
/// between 0 and 1, changes as percent (15.4 means +15.4 %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kpi {
    Count(u64),
    /// A fraction 0..=1 (screens show it as a percentage).
    Share(f64),
    /// A percent change, rounded to one decimal: 10.0 means +10 %.
    Percent(f64),
}

impl Kpi {
    pub fn as_f64(self) -> f64 {
        match self {
            Kpi::Count(n) => n as f64,
            Kpi::Share(x) | Kpi::Percent(x) => x,
        }
    }
}

impl Serialize for Kpi {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Kpi::Count(n) => s.serialize_u64(n),
            Kpi::Share(x) | Kpi::Percent(x) => s.serialize_f64(x),
        }
    }
}

/// The text of a cell hidden by secondary suppression whose value is at or
/// above the threshold ("uppgift ej tillgänglig", as in Swedish official
/// statistics). Showing it as `"<5"` would state something false.
pub const HIDDEN: &str = "..";

/// One published breakdown cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Count(u64),
    /// Suppressed, value below the threshold (0..=T−1): `"<T"`.
    Below(u32),
    /// Suppressed, value at or above the threshold: [`HIDDEN`].
    Hidden,
}

impl Cell {
    fn of(value: u64, mark: Mark, threshold: u32) -> Cell {
        if !mark.is_suppressed() {
            Cell::Count(value)
        } else if value < u64::from(threshold) {
            Cell::Below(threshold)
        } else {
            Cell::Hidden
        }
    }

    /// The count, if published.
    pub fn count(self) -> Option<u64> {
        match self {
            Cell::Count(n) => Some(n),
            Cell::Below(_) | Cell::Hidden => None,
        }
    }

    pub fn is_suppressed(self) -> bool {
        self.count().is_none()
    }

    /// As shown on screens and in exports: `"12"`, `"<5"` or `".."`.
    pub fn text(self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Below(t) => format!("<{t}"),
            Cell::Hidden => HIDDEN.to_string(),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cell::Count(n) => s.serialize_u64(n),
            other => s.serialize_str(&other.text()),
        }
    }
}

/// KPI code → value; every code of [`crate::DEFINITIONS`] is present,
/// `None` (JSON null) when the figure is not given.
pub type Kpis = BTreeMap<String, Option<Kpi>>;
/// Code → cell. A code appears when its count is above zero or its cell is
/// suppressed; an absent code has the count 0.
pub type Breakdown = BTreeMap<String, Cell>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub municipality: String,
    /// `None`: the whole municipality.
    pub district: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportPeriod {
    #[serde(serialize_with = "ser_date")]
    pub from: Date,
    #[serde(serialize_with = "ser_date")]
    pub to: Date,
    #[serde(serialize_with = "ser_opt_date")]
    pub as_of: Option<Date>,
}

fn ser_date<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&foljupp_core::format_date(*d))
}

fn ser_opt_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ser_date(d, s),
        None => s.serialize_none(),
    }
}

/// The figures of one district.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictReport {
    pub kpis: Kpis,
    pub breakdowns: BTreeMap<String, Breakdown>,
}

impl DistrictReport {
    pub fn kpi(&self, code: &str) -> Option<f64> {
        self.kpis.get(code).copied().flatten().map(Kpi::as_f64)
    }

    pub fn breakdown(&self, name: &str) -> Option<&Breakdown> {
        self.breakdowns.get(name)
    }
}

/// The value of `breakdowns_withheld` for a period that is not a whole
/// calendar year or tertial.
pub const WITHHELD_PARTIAL_PERIOD: &str = "partial_period";

/// The report; serializes to exactly the JSON shape of REPORT.md.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub scope: Scope,
    pub period: ReportPeriod,
    pub threshold: u32,
    pub kpis: Kpis,
    /// Empty when `breakdowns_withheld` is set.
    pub breakdowns: BTreeMap<String, Breakdown>,
    /// `null` when the breakdowns are published; [`WITHHELD_PARTIAL_PERIOD`]
    /// when the period (after `as_of`) is not a whole year or tertial.
    pub breakdowns_withheld: Option<&'static str>,
    /// Every district of the organisation in scope (one for a district
    /// scope), with zeros where nothing was registered; a district code
    /// found in the registrations but unknown to the organisation is listed
    /// too, so that the districts add up to the municipality.
    pub districts: BTreeMap<String, DistrictReport>,
}

impl Report {
    /// A KPI of the scope as a number; `None` when not given (or unknown).
    pub fn kpi(&self, code: &str) -> Option<f64> {
        self.kpis.get(code).copied().flatten().map(Kpi::as_f64)
    }

    pub fn breakdown(&self, name: &str) -> Option<&Breakdown> {
        self.breakdowns.get(name)
    }

    pub fn district(&self, code: &str) -> Option<&DistrictReport> {
        self.districts.get(code)
    }

    pub fn district_kpi(&self, district: &str, code: &str) -> Option<f64> {
        self.district(district).and_then(|d| d.kpi(code))
    }
}

/// What the full-year projection needs: how many tertials of the year are
/// completed by `as_of`, and per district the conversations from the start
/// of the year to the end of the last completed tertial (see
/// [`ReportRequest::projection_window`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Projection {
    pub tertials_completed: u8,
    pub conversations: BTreeMap<String, u64>,
}

impl Projection {
    /// Conversations ÷ tertials completed × 3, rounded half up to a whole
    /// conversation; `None` before the first tertial is completed.
    fn project(&self, conversations: u64) -> Option<u64> {
        let k = u64::from(self.tertials_completed);
        (k > 0).then(|| (conversations * 3 + k / 2) / k)
    }
}

/// What [`report_from_tallies`] computes a report from. Every map is per
/// district. Pass every district's tallies even for a district scope: the
/// suppression pattern is computed over the whole codes × districts table,
/// so a district's cells read the same in its own report as in the
/// municipality's (otherwise comparing the two would undo the suppression).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tallies {
    /// The tally of [`ReportRequest::current_window`].
    pub current: BTreeMap<String, Tally>,
    /// The tally of [`ReportRequest::previous_window`]; `change_*` are null
    /// without it or when `req.compare` is false.
    pub previous: Option<BTreeMap<String, Tally>>,
    /// For [`ReportRequest::projection_window`]; `projection_full_year` is
    /// null without it.
    pub projection: Option<Projection>,
    /// The three tertials of the year of [`ReportRequest::breakdown_unit`]:
    /// breakdowns are published only with them (linked protection).
    pub tertials: Option<[BTreeMap<String, Tally>; 3]>,
}

/// The report from tallies (see [`Tallies`]).
pub fn report_from_tallies(org: &Organisation, tallies: &Tallies, req: &ReportRequest) -> Report {
    // Districts merged into another by the end of the asked period are
    // reported under that one, their earlier registrations (and those of a
    // comparison period) too, so a series stays comparable across a merger.
    let end = req.period.to;
    let merged = org
        .districts
        .iter()
        .any(|d| d.merger.as_ref().is_some_and(|m| m.on <= end));
    if merged {
        let mut req = req.clone();
        if let Some(d) = &req.district {
            req.district = Some(org.reporting_district(d, end).to_string());
        }
        let remap = |m: &BTreeMap<String, Tally>| {
            let mut out: BTreeMap<String, Tally> = BTreeMap::new();
            for (d, t) in m {
                out.entry(org.reporting_district(d, end).to_string())
                    .or_default()
                    .merge(t);
            }
            out
        };
        let tallies = Tallies {
            current: remap(&tallies.current),
            previous: tallies.previous.as_ref().map(remap),
            projection: tallies.projection.as_ref().map(|p| {
                let mut conversations: BTreeMap<String, u64> = BTreeMap::new();
                for (d, n) in &p.conversations {
                    *conversations
                        .entry(org.reporting_district(d, end).to_string())
                        .or_default() += n;
                }
                Projection {
                    tertials_completed: p.tertials_completed,
                    conversations,
                }
            }),
            tertials: tallies.tertials.as_ref().map(|ts| ts.each_ref().map(remap)),
        };
        return tallies_to_report(org, &tallies, &req);
    }
    tallies_to_report(org, tallies, req)
}

fn tallies_to_report(org: &Organisation, tallies: &Tallies, req: &ReportRequest) -> Report {
    let end = req.period.to;
    let empty = Tally::default();
    let current = &tallies.current;
    let previous = tallies.previous.as_ref().filter(|_| req.compare);
    let projection = tallies
        .projection
        .as_ref()
        .filter(|_| req.projection_window().is_some());
    let unit = req.breakdown_unit();

    // The columns of the disclosure table: every district of the
    // organisation, every district that has registrations, and the scope.
    let mut columns: BTreeSet<&str> = org
        .reported_districts(end)
        .map(|d| d.code.as_str())
        .collect();
    columns.extend(current.keys().map(String::as_str));
    if let Some(ts) = &tallies.tertials {
        for t in ts {
            columns.extend(t.keys().map(String::as_str));
        }
    }
    if let Some(d) = &req.district {
        columns.insert(d.as_str());
    }
    let columns: Vec<&str> = columns.into_iter().collect();
    let column_tallies: Vec<&Tally> = columns
        .iter()
        .map(|d| current.get(*d).unwrap_or(&empty))
        .collect();

    let in_scope = |d: &str| req.district.as_deref().is_none_or(|s| s == d);
    let sum_over = |map: &BTreeMap<String, Tally>| {
        let mut t = Tally::default();
        for (d, tally) in map {
            if in_scope(d) {
                t.merge(tally);
            }
        }
        t
    };
    let scope_current = sum_over(current);
    let scope_previous = previous.map(sum_over);
    let scope_projection = projection.and_then(|p| {
        let n = p
            .conversations
            .iter()
            .filter(|(d, _)| in_scope(d))
            .map(|(_, n)| n)
            .sum();
        p.project(n)
    });

    let dc = DisclosureControl::new(req.threshold);
    // The tables of the year (index 0) and its tertials (1..=3), and the
    // one this report publishes.
    let per_tertial: Option<Vec<Vec<&Tally>>> = tallies.tertials.as_ref().map(|ts| {
        ts.iter()
            .map(|m| {
                columns
                    .iter()
                    .map(|d| m.get(*d).unwrap_or(&empty))
                    .collect()
            })
            .collect()
    });
    let year_columns: Option<Vec<Tally>> = per_tertial.as_ref().map(|ts| {
        (0..columns.len())
            .map(|c| {
                let mut t = Tally::default();
                for tertial in ts {
                    t.merge(tertial[c]);
                }
                t
            })
            .collect()
    });
    let protected = match (unit, &per_tertial, &year_columns) {
        (Some(unit), Some(ts), Some(year)) => {
            let mut units: Vec<Vec<&Tally>> = vec![year.iter().collect()];
            units.extend(ts.iter().cloned());
            let publish = match unit {
                BreakdownUnit::Year(_) => 0,
                BreakdownUnit::Tertial(t) => usize::from(t.number),
            };
            protect_linked(&units, publish, dc)
        }
        _ => Vec::new(),
    };
    let withheld = protected.is_empty().then_some(WITHHELD_PARTIAL_PERIOD);

    let mut districts = BTreeMap::new();
    let mut scope_breakdowns = BTreeMap::new();
    for (j, code) in columns.iter().enumerate() {
        if !in_scope(code) {
            continue;
        }
        let prev = previous.map(|p| p.get(*code).unwrap_or(&empty));
        let proj =
            projection.and_then(|p| p.project(p.conversations.get(*code).copied().unwrap_or(0)));
        let breakdowns: BTreeMap<String, Breakdown> = protected
            .iter()
            .map(|(name, b)| (name.to_string(), b.columns[j].clone()))
            .collect();
        if req.district.is_some() {
            scope_breakdowns = breakdowns.clone();
        }
        districts.insert(
            code.to_string(),
            DistrictReport {
                kpis: kpis(column_tallies[j], prev, proj, req.threshold),
                breakdowns,
            },
        );
    }
    if req.district.is_none() {
        scope_breakdowns = protected
            .into_iter()
            .map(|(name, b)| (name.to_string(), b.margin))
            .collect();
    }

    Report {
        scope: Scope {
            municipality: req.municipality.clone(),
            district: req.district.clone(),
        },
        period: ReportPeriod {
            from: req.period.from,
            to: req.period.to,
            as_of: req.as_of,
        },
        threshold: req.threshold,
        kpis: kpis(
            &scope_current,
            scope_previous.as_ref(),
            scope_projection,
            req.threshold,
        ),
        breakdowns: scope_breakdowns,
        breakdowns_withheld: withheld,
        districts,
    }
}

/// The KPIs of one tally (a district or the scope). `previous` is the same
/// unit one year earlier; `projected` the full-year projection.
pub(crate) fn kpis(
    t: &Tally,
    previous: Option<&Tally>,
    projected: Option<u64>,
    threshold: u32,
) -> Kpis {
    // REPORT.md: a share over a base below the threshold is not given.
    let share = |num: u64, base: u64| {
        (base > 0 && base >= u64::from(threshold)).then(|| Kpi::Share(num as f64 / base as f64))
    };
    // Percent, one decimal; null without a previous figure to compare with.
    let change = |field: fn(&Tally) -> u64| {
        previous.and_then(|p| {
            let (now, before) = (field(t) as f64, field(p) as f64);
            (before > 0.0).then(|| Kpi::Percent(((now - before) / before * 1000.0).round() / 10.0))
        })
    };
    let count = |n: u64| Some(Kpi::Count(n));

    let mut out: Vec<(String, Option<Kpi>)> = [
        ("conversations", count(t.conversations)),
        ("conversations_target_group", count(t.target_group)),
        ("new_contacts", count(t.new_contacts)),
        ("share_series_le5", share(t.series_le5, t.conversations)),
        ("share_mother", share(t.with_mother, t.with_participants)),
        ("share_father", share(t.with_father, t.with_participants)),
        ("single_share_mother", share(t.single_mother, t.single)),
        ("single_share_father", share(t.single_father, t.single)),
        ("conversations_other_adult", count(t.with_other_adult)),
        ("conversations_other_language", count(t.other_language)),
        ("projection_full_year", projected.map(Kpi::Count)),
        ("change_conversations", change(|t| t.conversations)),
        ("change_new_contacts", change(|t| t.new_contacts)),
        ("home_visits", count(t.home_visits)),
        ("families_started", count(t.families_started)),
        ("families_completed", count(t.families_completed)),
        (
            "share_mother_present",
            share(t.mother_present, t.home_visits),
        ),
        (
            "share_father_present",
            share(t.father_present, t.home_visits),
        ),
        ("change_home_visits", change(|t| t.home_visits)),
        ("group_meetings", count(t.group_meetings)),
        (
            "group_meeting_participants",
            count(t.meeting_women + t.meeting_men + t.meeting_other_gender),
        ),
        (
            // "Known gender" is women + men: the form lumps other and
            // unknown together, so that column cannot be split.
            "group_meeting_share_women",
            share(t.meeting_women, t.meeting_women + t.meeting_men),
        ),
        ("change_group_meetings", change(|t| t.group_meetings)),
        ("programme_groups", count(t.programme_groups)),
        ("programme_started", count(t.programme_started)),
        ("programme_completed", count(t.programme_completed)),
        (
            "programme_completion",
            share(t.programme_completed, t.programme_started),
        ),
        ("change_programme_groups", change(|t| t.programme_groups)),
        (
            "parents_reached",
            count(t.new_contact_participants + t.adults_at_first_visit),
        ),
        ("collaborations", count(t.collaborations)),
        ("open_preschool_reports", count(t.open_preschool_reports)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();

    // Gender-equality analysis: what the data can attribute to a gender.
    out.extend(
        [
            ("group_meeting_women", count(t.meeting_women)),
            ("group_meeting_men", count(t.meeting_men)),
            ("programme_started_women", count(t.programme_started_women)),
            ("programme_started_men", count(t.programme_started_men)),
            (
                "programme_completion_women",
                share(t.programme_completed_women, t.programme_started_women),
            ),
            (
                "programme_completion_men",
                share(t.programme_completed_men, t.programme_started_men),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v)),
    );
    for (i, (q, _)) in QUESTIONS.into_iter().enumerate() {
        for (who, answered, positive) in [
            (
                "mother",
                t.single_mother_answered[i],
                t.single_mother_positive[i],
            ),
            (
                "father",
                t.single_father_answered[i],
                t.single_father_positive[i],
            ),
        ] {
            out.push((format!("{q}_answered_single_{who}"), count(answered)));
            out.push((
                format!("{q}_positive_share_single_{who}"),
                share(positive, answered),
            ));
        }
    }

    for (q, idx) in QUESTIONS.into_iter().chain([PROGRAMME_HELPFUL]) {
        let answers = &t.breakdowns[idx];
        let n = |a: &str| answers.get(a).copied().unwrap_or(0);
        let answered: u64 = answers
            .iter()
            .filter(|(a, _)| a.as_str() != "no_answer")
            .map(|(_, n)| n)
            .sum();
        out.push((format!("{q}_answered"), count(answered)));
        out.push((format!("{q}_top_share"), share(n("yes_really"), answered)));
        out.push((
            format!("{q}_positive_share"),
            share(n("yes_really") + n("yes"), answered),
        ));
    }
    out.into_iter().collect()
}

/// One breakdown after suppression: the municipality's map (the row
/// totals) and one map per column (district).
struct Protected {
    margin: Breakdown,
    columns: Vec<Breakdown>,
}

/// The breakdowns of the linked tables `units` (the year, then its three
/// tertials; each a tally per column) protected together, as published for
/// `units[publish]` (see the module docs).
fn protect_linked(
    units: &[Vec<&Tally>],
    publish: usize,
    dc: DisclosureControl,
) -> Vec<(&'static str, Protected)> {
    BREAKDOWNS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let counts: Vec<Vec<BTreeMap<String, u64>>> = units
                .iter()
                .map(|cols| cols.iter().map(|t| t.breakdown(i)).collect())
                .collect();
            let codes: Vec<&String> = counts
                .iter()
                .flatten()
                .flat_map(BTreeMap::keys)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let cols = units.first().map_or(0, Vec::len);
            let tables: Vec<Table> = counts
                .iter()
                .map(|unit| {
                    Table::from_fn(codes.len(), cols, |r, c| {
                        unit[c].get(codes[r]).copied().unwrap_or(0)
                    })
                })
                .collect();
            let patterns = link(&tables, dc);
            let (table, pattern) = (&tables[publish], &patterns[publish]);
            let threshold = dc.threshold;
            let margin = codes
                .iter()
                .enumerate()
                .map(|(r, code)| {
                    let cell = Cell::of(
                        table.row_total(r),
                        pattern.mark(Pos::RowTotal(r)),
                        threshold,
                    );
                    ((*code).clone(), cell)
                })
                .filter(|(_, cell)| *cell != Cell::Count(0))
                .collect();
            let columns = (0..cols)
                .map(|c| {
                    codes
                        .iter()
                        .enumerate()
                        .filter_map(|(r, code)| {
                            let (v, mark) = (table.get(r, c), pattern.mark(Pos::Cell(r, c)));
                            (v > 0 || mark.is_suppressed())
                                .then(|| ((*code).clone(), Cell::of(v, mark, threshold)))
                        })
                        .collect()
                })
                .collect();
            (*name, Protected { margin, columns })
        })
        .collect()
}

/// Suppression patterns for linked tables: `tables[0]` is the sum of the
/// others, cell by cell. Each table is protected on its own, then lines
/// (one position across the tables) with exactly one suppressed cell get a
/// second one, the cheapest published cell among `tables[1..]`, and the
/// tables that got one are protected again, until every line has none or
/// at least two. Suppressions only ever grow, so this ends.
pub(crate) fn link(tables: &[Table], dc: DisclosureControl) -> Vec<Pattern> {
    let mut patterns: Vec<Pattern> = tables.iter().map(|t| dc.protect(t).pattern).collect();
    let Some(first) = tables.first() else {
        return patterns;
    };
    loop {
        let mut extra: Vec<Vec<Pos>> = vec![Vec::new(); tables.len()];
        for pos in first.positions() {
            let hidden = |u: usize, extra: &[Vec<Pos>]| {
                patterns[u].is_suppressed(pos) || extra[u].contains(&pos)
            };
            let suppressed = (0..tables.len()).filter(|&u| hidden(u, &extra)).count();
            if suppressed != 1 {
                continue;
            }
            let cheapest = (1..tables.len())
                .filter(|&u| !hidden(u, &extra))
                .min_by_key(|&u| tables[u].value(pos))
                .or_else(|| (!hidden(0, &extra)).then_some(0));
            if let Some(u) = cheapest {
                extra[u].push(pos);
            }
        }
        if extra.iter().all(Vec::is_empty) {
            return patterns;
        }
        for (u, add) in extra.into_iter().enumerate() {
            if add.is_empty() {
                continue;
            }
            let mut forced = patterns[u].suppressed();
            forced.extend(add);
            patterns[u] = dc.protect_with(&tables[u], &forced).pattern;
        }
    }
}
