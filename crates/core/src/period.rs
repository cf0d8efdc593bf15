//! Reporting periods: calendar years, tertials (T1 Jan–Apr, T2 May–Aug,
//! T3 Sep–Dec, as the city reports) and custom date ranges.

use crate::Date;
use serde::Serialize;
use time::Month;

/// One of the three four-month periods of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Tertial {
    pub year: i32,
    /// 1, 2 or 3.
    pub number: u8,
}

impl Tertial {
    pub fn new(year: i32, number: u8) -> Option<Tertial> {
        (1..=3)
            .contains(&number)
            .then_some(Tertial { year, number })
    }

    pub fn of(date: Date) -> Tertial {
        let month = u8::from(date.month());
        Tertial {
            year: date.year(),
            number: (month - 1) / 4 + 1,
        }
    }

    pub fn first_day(self) -> Date {
        let month = Month::try_from(1 + (self.number - 1) * 4).unwrap_or(Month::January);
        Date::from_calendar_date(self.year, month, 1).unwrap_or(Date::MIN)
    }

    pub fn last_day(self) -> Date {
        match self.next().first_day().previous_day() {
            Some(d) => d,
            None => Date::MAX,
        }
    }

    pub fn next(self) -> Tertial {
        if self.number == 3 {
            Tertial {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Tertial {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    pub fn period(self) -> Period {
        Period {
            from: self.first_day(),
            to: self.last_day(),
        }
    }

    /// "T2 2021".
    pub fn label(self) -> String {
        format!("T{} {}", self.number, self.year)
    }
}

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            from: Date::from_calendar_date(year, Month::January, 1).ok()?,
            to: Date::from_calendar_date(year, Month::December, 31).ok()?,
        })
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }

    /// The same period one year earlier (29 February maps to 28 February).
    pub fn one_year_earlier(&self) -> Period {
        Period {
            from: shift_year(self.from, -1),
            to: shift_year(self.to, -1),
        }
    }

    /// Whether the period is exactly one calendar year.
    pub fn as_year(&self) -> Option<i32> {
        (Period::year(self.from.year()) == Some(*self)).then_some(self.from.year())
    }

    /// Whether the period is exactly one tertial.
    pub fn as_tertial(&self) -> Option<Tertial> {
        let t = Tertial::of(self.from);
        (t.period() == *self).then_some(t)
    }
}

impl Period {
    /// The period a user asks for: `year`, `year` + `tertial`, or `from` +
    /// `to` (empty strings count as absent). Errors are Swedish sentences
    /// that say what to give instead.
    pub fn resolve(
        year: Option<&str>,
        tertial: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Period, String> {
        let (year, tertial, from, to) = (given(year), given(tertial), given(from), given(to));
        match (year, from, to) {
            (Some(y), None, None) => {
                let y: i32 = y
                    .parse()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| {
                        format!("Året {y:?} är inget giltigt år. Ange ett år som 2024.")
                    })?;
                match tertial {
                    None => Period::year(y).ok_or_else(|| "ogiltigt år".to_string()),
                    Some(t) => t
                        .parse::<u8>()
                        .ok()
                        .and_then(|t| Tertial::new(y, t))
                        .map(Tertial::period)
                        .ok_or_else(|| format!("Tertialet {t:?} finns inte. Ange 1, 2 eller 3.")),
                }
            }
            (None, Some(f), Some(t)) => {
                if tertial.is_some() {
                    return Err("Tertial kan bara anges tillsammans med år.".into());
                }
                let from = crate::parse_date(f).ok_or_else(|| {
                    format!("Från-datumet {f:?} är inget datum. Skriv ÅÅÅÅ-MM-DD.")
                })?;
                let to = crate::parse_date(t).ok_or_else(|| {
                    format!("Till-datumet {t:?} är inget datum. Skriv ÅÅÅÅ-MM-DD.")
                })?;
                if to < from {
                    return Err("Till-datumet ligger före från-datumet. Byt plats på dem.".into());
                }
                if from < crate::forms::EARLIEST_DATE || to.year() > 2100 {
                    return Err("Perioden ligger utanför åren 2000–2100.".into());
                }
                Ok(Period { from, to })
            }
            (None, None, None) => Err(
                "Ange perioden: ett år (och eventuellt ett tertial), eller från- och till-datum."
                    .into(),
            ),
            _ => Err(
                "Ange antingen ett år eller både från- och till-datum, inte en blandning.".into(),
            ),
        }
    }
}

fn given(o: Option<&str>) -> Option<&str> {
    o.map(str::trim).filter(|s| !s.is_empty())
}

fn shift_year(d: Date, years: i32) -> Date {
    let y = d.year() + years;
    Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, d.month(), d.day() - 1))
        .unwrap_or(d)
}

/// How many tertials of `year` are completed by the end of `as_of`
/// (0 to 3). A tertial counts as completed when `as_of` is its last day or
/// later.
pub fn tertials_completed(year: i32, as_of: Date) -> u8 {
    (1..=3u8)
        .filter(|&n| Tertial { year, number: n }.last_day() <= as_of)
        .count() as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn tertial_boundaries() {
        assert_eq!(Tertial::of(date!(2021 - 04 - 30)).number, 1);
        assert_eq!(Tertial::of(date!(2021 - 05 - 01)).number, 2);
        assert_eq!(Tertial::of(date!(2021 - 08 - 31)).number, 2);
        assert_eq!(Tertial::of(date!(2021 - 09 - 01)).number, 3);
        let t3 = Tertial::new(2021, 3).unwrap();
        assert_eq!(t3.first_day(), date!(2021 - 09 - 01));
        assert_eq!(t3.last_day(), date!(2021 - 12 - 31));
        assert_eq!(
            Tertial::new(2021, 1).unwrap().last_day(),
            date!(2021 - 04 - 30)
        );
    }

    #[test]
    fn completed_tertials() {
        assert_eq!(tertials_completed(2021, date!(2021 - 08 - 30)), 1);
        assert_eq!(tertials_completed(2021, date!(2021 - 08 - 31)), 2);
        assert_eq!(tertials_completed(2021, date!(2022 - 01 - 01)), 3);
        assert_eq!(tertials_completed(2021, date!(2021 - 01 - 01)), 0);
    }

    #[test]
    fn leap_day_shifts_back() {
        let p = Period {
            from: date!(2020 - 02 - 29),
            to: date!(2020 - 03 - 01),
        };
        assert_eq!(p.one_year_earlier().from, date!(2019 - 02 - 28));
        assert_eq!(Period::year(2020).unwrap().as_year(), Some(2020));
        assert_eq!(
            Tertial::new(2020, 2).unwrap().period().as_tertial(),
            Tertial::new(2020, 2)
        );
    }
}
