//! Precomputed counts: a [`Rollup`] keeps one [`Tally`] per district and
//! day, and one per district and month, so that a report over any period
//! merges a few dozen tallies instead of reading every registration.
//!
//! It is kept current on every write ([`Rollup::add`]) and built once at
//! start from the stored registrations. The definitions stay in one place:
//! a rollup only groups [`Tally::add`]'s counts, and [`Rollup::report`] ends
//! in the same [`report_from_tallies`] as [`crate::build_report`]; a test
//! holds the two equal on random data.
//!
//! Memory grows with districts × days, not with the number of registrations.

use crate::{report_from_tallies, Projection, Report, ReportRequest, Tallies, Tally};
use foljupp_core::{Date, Kind, Organisation, Period, RegistrationView, Tertial};
use std::collections::BTreeMap;
use time::Month;

/// Counts of one district: per day, and per calendar month.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DistrictRollup {
    pub(crate) days: BTreeMap<Date, Tally>,
    months: BTreeMap<(i32, u8), Tally>,
    /// Conversations per day, for the projection window.
    pub(crate) conversations: BTreeMap<Date, u64>,
}

fn first_of_month(year: i32, month: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, 1).ok()
}

fn next_month((year, month): (i32, u8)) -> (i32, u8) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

impl DistrictRollup {
    fn add<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        self.add_day(r);
        let date = r.date();
        self.months
            .entry((date.year(), u8::from(date.month())))
            .or_default()
            .add(r);
    }

    /// Counts `r` in its day only; [`DistrictRollup::sum_months`] then
    /// derives the months (a bulk build counts each row once, not twice).
    fn add_day<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        let date = r.date();
        self.days.entry(date).or_default().add(r);
        if r.kind() == Kind::Conversation {
            *self.conversations.entry(date).or_default() += 1;
        }
    }

    fn sum_months(&mut self) {
        self.months.clear();
        for (day, t) in &self.days {
            self.months
                .entry((day.year(), u8::from(day.month())))
                .or_default()
                .merge(t);
        }
    }

    /// The counts of the days in `window`: whole months from the monthly
    /// tallies, the ragged ends from the daily ones.
    fn tally(&self, window: Period) -> Tally {
        let mut t = Tally::default();
        let mut day = window.from;
        while day <= window.to {
            let ym = (day.year(), u8::from(day.month()));
            let month_start = first_of_month(ym.0, ym.1);
            let next = next_month(ym);
            let month_end = first_of_month(next.0, next.1).and_then(Date::previous_day);
            match (month_start, month_end) {
                (Some(start), Some(end)) if start == day && end <= window.to => {
                    if let Some(m) = self.months.get(&ym) {
                        t.merge(m);
                    }
                    match end.next_day() {
                        Some(d) => day = d,
                        None => break,
                    }
                }
                (_, Some(end)) => {
                    let last = end.min(window.to);
                    for (_, d) in self.days.range(day..=last) {
                        t.merge(d);
                    }
                    match last.next_day() {
                        Some(d) => day = d,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        t
    }
}

/// Fills a [`Rollup`] in bulk; see [`Rollup::build`].
#[derive(Default)]
pub struct RollupBuilder {
    rollup: Rollup,
}

impl RollupBuilder {
    pub fn new() -> RollupBuilder {
        RollupBuilder {
            rollup: Rollup::default(),
        }
    }

    /// Continues counting into `rollup` (whose months are summed again by
    /// [`RollupBuilder::finish`]).
    pub fn from_rollup(rollup: Rollup) -> RollupBuilder {
        RollupBuilder { rollup }
    }

    pub fn add<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        let rollup = &mut self.rollup;
        match rollup.districts.get_mut(r.district()) {
            Some(d) => d.add_day(r),
            None => rollup.district_mut(r.district()).add_day(r),
        }
        rollup.registrations += 1;
    }

    /// Adds the counts of another builder (rows scanned in parallel).
    pub fn merge(&mut self, other: RollupBuilder) {
        for (district, d) in other.rollup.districts {
            let into = self.rollup.district_mut(&district);
            for (day, t) in d.days {
                into.days.entry(day).or_default().merge(&t);
            }
            for (day, n) in d.conversations {
                *into.conversations.entry(day).or_default() += n;
            }
        }
        self.rollup.registrations += other.rollup.registrations;
    }

    /// The rollup, equal to one filled by [`Rollup::add`].
    pub fn finish(mut self) -> Rollup {
        for d in self.rollup.districts.values_mut() {
            d.sum_months();
        }
        self.rollup
    }
}

/// Counts of one municipality, by district and day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollup {
    pub(crate) districts: BTreeMap<String, DistrictRollup>,
    pub(crate) registrations: u64,
}

impl Rollup {
    pub fn new() -> Rollup {
        Rollup::default()
    }

    /// A district's counts, created on first use (the key is allocated
    /// only then).
    fn district_mut(&mut self, district: &str) -> &mut DistrictRollup {
        self.districts.entry(district.to_string()).or_default()
    }

    /// Counts one registration (a [`Registration`] or a stored row read in
    /// place).
    pub fn add<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        match self.districts.get_mut(r.district()) {
            Some(d) => d.add(r),
            None => self.district_mut(r.district()).add(r),
        }
        self.registrations += 1;
    }

    /// Replaces the counts of `district` on `date` with those of
    /// `registrations`: every registration of that district and day as it
    /// is now (others are ignored). This takes up a change to registrations
    /// already counted, such as a parent's answers, without a rebuild; the
    /// day's month is summed again from its days. Such a change adds no
    /// registration, so [`Rollup::len`] stays as it is.
    pub fn recount_day<'a, R, I>(&mut self, district: &str, date: Date, registrations: I)
    where
        R: RegistrationView + 'a,
        I: IntoIterator<Item = &'a R>,
    {
        let mut day = Tally::default();
        let mut conversations = 0u64;
        for r in registrations {
            if r.district() == district && r.date() == date {
                day.add(r);
                if r.kind() == Kind::Conversation {
                    conversations += 1;
                }
            }
        }
        if day.is_empty() && !self.districts.contains_key(district) {
            return;
        }
        let d = self.district_mut(district);
        if day.is_empty() {
            d.days.remove(&date);
        } else {
            d.days.insert(date, day);
        }
        if conversations == 0 {
            d.conversations.remove(&date);
        } else {
            d.conversations.insert(date, conversations);
        }
        let ym = (date.year(), u8::from(date.month()));
        let mut month = Tally::default();
        if let Some(first) = first_of_month(ym.0, ym.1) {
            let next = next_month(ym);
            let end = first_of_month(next.0, next.1)
                .and_then(Date::previous_day)
                .unwrap_or(date);
            for (_, t) in d.days.range(first..=end) {
                month.merge(t);
            }
        }
        if month.is_empty() {
            d.months.remove(&ym);
        } else {
            d.months.insert(ym, month);
        }
        if d.days.is_empty() {
            self.districts.remove(district);
        }
    }

    /// Counts many registrations at once (a rebuild from the store): each
    /// is counted in its day only, and the months are summed from the days
    /// at the end, which halves the work per registration. The result
    /// equals adding each with [`Rollup::add`].
    pub fn build<F>(fill: F) -> Rollup
    where
        F: FnOnce(&mut RollupBuilder),
    {
        let mut b = RollupBuilder {
            rollup: Rollup::default(),
        };
        fill(&mut b);
        b.finish()
    }

    /// The KPIs of `district` (`None`: the whole municipality) for each of
    /// `periods`: equal to [`crate::kpi_series`] over the same
    /// registrations.
    pub fn kpi_series(
        &self,
        district: Option<&str>,
        periods: &[Period],
        threshold: u32,
    ) -> Vec<crate::report::Kpis> {
        periods
            .iter()
            .map(|p| {
                let mut t = Tally::default();
                for (d, r) in &self.districts {
                    if district.is_none_or(|want| want == d) {
                        t.merge(&r.tally(*p));
                    }
                }
                crate::report::kpis(&t, None, None, threshold)
            })
            .collect()
    }

    /// The registrations per kind counted in `district` (`None`: all) on
    /// each day of `period` that has any, for completeness views.
    pub fn days(&self, district: Option<&str>, period: Period) -> BTreeMap<Date, Tally> {
        let mut out: BTreeMap<Date, Tally> = BTreeMap::new();
        for (d, r) in &self.districts {
            if district.is_none_or(|want| want == d) {
                for (day, t) in r.days.range(period.from..=period.to) {
                    out.entry(*day).or_default().merge(t);
                }
            }
        }
        out
    }

    /// How many registrations have been counted.
    pub fn len(&self) -> u64 {
        self.registrations
    }

    pub fn is_empty(&self) -> bool {
        self.registrations == 0
    }

    /// The report for `req`, equal to [`crate::build_report`] over the same
    /// registrations.
    pub fn report(&self, org: &Organisation, req: &ReportRequest) -> Report {
        let per_district = |window: Option<Period>| -> BTreeMap<String, Tally> {
            match window {
                None => BTreeMap::new(),
                Some(w) => self
                    .districts
                    .iter()
                    .map(|(d, r)| (d.clone(), r.tally(w)))
                    .filter(|(_, t)| !t.is_empty())
                    .collect(),
            }
        };
        let current_window = req.current_window();
        // As in build_report: a year's or tertial's breakdowns are protected
        // together with the year's tertials, and the window's tally is the
        // sum of the tertials it covers.
        let linked_year = req.breakdown_unit().map(|u| u.year());
        let (current, tertials) = match linked_year {
            Some(year) => {
                let tertials: [BTreeMap<String, Tally>; 3] =
                    [1u8, 2, 3].map(|n| per_district(Tertial::new(year, n).map(Tertial::period)));
                let mut current: BTreeMap<String, Tally> = BTreeMap::new();
                for (i, per) in tertials.iter().enumerate() {
                    let covered = Tertial::new(year, i as u8 + 1)
                        .is_some_and(|t| current_window.is_some_and(|w| w.contains(t.first_day())));
                    if covered {
                        for (d, t) in per {
                            current.entry(d.clone()).or_default().merge(t);
                        }
                    }
                }
                (current, Some(tertials))
            }
            None => (per_district(current_window), None),
        };
        let previous = req.compare.then(|| per_district(req.previous_window()));
        let projection = req
            .projection_window()
            .map(|(tertials_completed, w)| Projection {
                tertials_completed,
                conversations: self
                    .districts
                    .iter()
                    .map(|(d, r)| {
                        (
                            d.clone(),
                            r.conversations
                                .range(w.from..=w.to)
                                .map(|(_, n)| n)
                                .sum::<u64>(),
                        )
                    })
                    .filter(|(_, n)| *n > 0)
                    .collect(),
            });
        report_from_tallies(
            org,
            &Tallies {
                current,
                previous,
                projection,
                tertials,
            },
            req,
        )
    }
}
