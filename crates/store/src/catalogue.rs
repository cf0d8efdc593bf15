//! The catalogue of support: interventions, what each district offers, and
//! the history of waiting times and free places. Dates are `DATE` on
//! PostgreSQL and ISO text on SQLite; they travel as `YYYY-MM-DD` text both
//! ways (cast on PostgreSQL), so one SQL text serves both backends.

use crate::{execute, fetch_all, fetch_optional, Pool, Result, Store, StoreError};
use foljupp_core::catalogue::{Contact, Intervention, Offer, OfferSnapshot};
use foljupp_core::Date;
use sqlx::Row;

const INTERVENTION_COLS: &str = "code, name_sv, name_en, description_sv, description_en, level, form, category, expecting, age_min, age_max, languages, retired";

fn corrupt(table: &str, column: &str, value: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table: table.into(),
        column: column.into(),
        value: value.to_string(),
    }
}

fn parsed<T: std::str::FromStr>(table: &str, column: &str, s: String) -> Result<T> {
    s.parse().map_err(|_| corrupt(table, column, s))
}

fn count(table: &str, column: &str, v: Option<i64>) -> Result<Option<u32>> {
    v.map(|n| u32::try_from(n).map_err(|_| corrupt(table, column, n)))
        .transpose()
}

fn age(v: i64) -> Result<u8> {
    u8::try_from(v).map_err(|_| corrupt("intervention", "age", v))
}

fn date(table: &str, column: &str, s: Option<String>) -> Result<Option<Date>> {
    match s {
        None => Ok(None),
        Some(s) => foljupp_core::parse_date(&s)
            .map(Some)
            .ok_or_else(|| corrupt(table, column, s)),
    }
}

fn required_date(table: &str, column: &str, s: String) -> Result<Date> {
    date(table, column, Some(s))?.ok_or_else(|| corrupt(table, column, ""))
}

macro_rules! intervention_from_row {
    ($r:ident) => {
        Intervention {
            code: $r.try_get(0)?,
            name_sv: $r.try_get(1)?,
            name_en: $r.try_get(2)?,
            description_sv: $r.try_get(3)?,
            description_en: $r.try_get(4)?,
            level: parsed("intervention", "level", $r.try_get(5)?)?,
            form: parsed("intervention", "form", $r.try_get(6)?)?,
            category: parsed("intervention", "category", $r.try_get(7)?)?,
            expecting: $r.try_get(8)?,
            age_min: age($r.try_get(9)?)?,
            age_max: age($r.try_get(10)?)?,
            languages: $r
                .try_get::<String, _>(11)?
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            retired: $r.try_get(12)?,
        }
    };
}

const OFFER_COLS: &str = "intervention, district, offered, contact_unit, contact_phone, contact_email, waiting_weeks, CAST(next_start AS TEXT), free_places, CAST(updated_on AS TEXT)";

macro_rules! offer_from_row {
    ($r:ident) => {
        Offer {
            intervention: $r.try_get(0)?,
            district: $r.try_get(1)?,
            offered: $r.try_get(2)?,
            contact: Contact {
                unit: $r.try_get(3)?,
                phone: $r.try_get(4)?,
                email: $r.try_get(5)?,
            },
            waiting_weeks: count("offer", "waiting_weeks", $r.try_get(6)?)?,
            next_start: date("offer", "next_start", $r.try_get(7)?)?,
            free_places: count("offer", "free_places", $r.try_get(8)?)?,
            updated_on: required_date("offer", "updated_on", $r.try_get(9)?)?,
        }
    };
}

/// Runs one statement inside a transaction.
macro_rules! tx_execute {
    ($tx:ident, $sql:expr, [$($b:expr),*]) => {
        sqlx::query($sql)$(.bind($b))*.execute(&mut *$tx).await?
    };
}

impl Store {
    /// A date parameter: PostgreSQL needs the text cast to `DATE`.
    fn date_param(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "?",
            Pool::Postgres(_) => "CAST(? AS DATE)",
        }
    }

    /// Loads the shipped interventions into a municipality that has none yet
    /// (the first start). Returns how many were added; 0 once the
    /// municipality has a catalogue, so admins' edits are never overwritten.
    pub async fn ensure_catalogue(
        &self,
        municipality: &str,
        defaults: &[Intervention],
    ) -> Result<usize> {
        let existing = fetch_optional!(
            self,
            "SELECT COUNT(*) FROM intervention WHERE municipality = ?",
            [municipality],
            |r| r.try_get::<i64, _>(0)?
        )
        .unwrap_or(0);
        if existing > 0 {
            return Ok(0);
        }
        let mut added = 0;
        for (position, i) in defaults.iter().enumerate() {
            // Two servers starting on one new database may race here.
            added += self
                .insert_intervention(municipality, i, position as i64, true)
                .await?;
        }
        Ok(added as usize)
    }

    async fn insert_intervention(
        &self,
        municipality: &str,
        i: &Intervention,
        position: i64,
        ignore_existing: bool,
    ) -> Result<u64> {
        let sql = format!(
            "INSERT INTO intervention (municipality, position, {INTERVENTION_COLS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?){}",
            if ignore_existing {
                " ON CONFLICT (municipality, code) DO NOTHING"
            } else {
                ""
            }
        );
        Ok(execute!(
            self,
            &sql,
            [
                municipality,
                position,
                &i.code,
                &i.name_sv,
                &i.name_en,
                &i.description_sv,
                &i.description_en,
                i.level.code(),
                i.form.code(),
                i.category.code(),
                i.expecting,
                i64::from(i.age_min),
                i64::from(i.age_max),
                i.languages.join(";"),
                i.retired
            ]
        ))
    }

    /// The municipality's interventions in catalogue order.
    pub async fn interventions(
        &self,
        municipality: &str,
        include_retired: bool,
    ) -> Result<Vec<Intervention>> {
        let sql = format!(
            "SELECT {INTERVENTION_COLS} FROM intervention WHERE municipality = ?{} ORDER BY position, code",
            if include_retired {
                ""
            } else {
                " AND retired = FALSE"
            }
        );
        Ok(fetch_all!(self, &sql, [municipality], |r| {
            intervention_from_row!(r)
        }))
    }

    pub async fn intervention(
        &self,
        municipality: &str,
        code: &str,
    ) -> Result<Option<Intervention>> {
        Ok(fetch_optional!(
            self,
            &format!(
                "SELECT {INTERVENTION_COLS} FROM intervention WHERE municipality = ? AND code = ?"
            ),
            [municipality, code],
            |r| intervention_from_row!(r)
        ))
    }

    /// Adds an intervention at the end of the catalogue.
    pub async fn create_intervention(&self, municipality: &str, i: &Intervention) -> Result<()> {
        if self.intervention(municipality, &i.code).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "Det finns redan en insats med koden {:?}. Välj en annan kod.",
                i.code
            )));
        }
        let next = fetch_optional!(
            self,
            "SELECT COALESCE(MAX(position), -1) + 1 FROM intervention WHERE municipality = ?",
            [municipality],
            |r| r.try_get::<i64, _>(0)?
        )
        .unwrap_or(0);
        self.insert_intervention(municipality, i, next, false)
            .await?;
        Ok(())
    }

    /// Changes everything but the code. False when there is no such code.
    pub async fn update_intervention(&self, municipality: &str, i: &Intervention) -> Result<bool> {
        Ok(execute!(
            self,
            "UPDATE intervention SET name_sv = ?, name_en = ?, description_sv = ?, description_en = ?, \
             level = ?, form = ?, category = ?, expecting = ?, age_min = ?, age_max = ?, languages = ?, retired = ? \
             WHERE municipality = ? AND code = ?",
            [
                &i.name_sv,
                &i.name_en,
                &i.description_sv,
                &i.description_en,
                i.level.code(),
                i.form.code(),
                i.category.code(),
                i.expecting,
                i64::from(i.age_min),
                i64::from(i.age_max),
                i.languages.join(";"),
                i.retired,
                municipality,
                &i.code
            ]
        ) > 0)
    }

    /// Every district's offer, of one intervention or of all.
    pub async fn offers(
        &self,
        municipality: &str,
        intervention: Option<&str>,
    ) -> Result<Vec<Offer>> {
        Ok(match intervention {
            Some(code) => fetch_all!(
                self,
                &format!("SELECT {OFFER_COLS} FROM offer WHERE municipality = ? AND intervention = ? ORDER BY intervention, district"),
                [municipality, code],
                |r| offer_from_row!(r)
            ),
            None => fetch_all!(
                self,
                &format!("SELECT {OFFER_COLS} FROM offer WHERE municipality = ? ORDER BY intervention, district"),
                [municipality],
                |r| offer_from_row!(r)
            ),
        })
    }

    /// Stores a district's offer as of `offer.updated_on` and records it in
    /// the history (the day's last state), in one transaction.
    pub async fn save_offer(&self, municipality: &str, o: &Offer) -> Result<()> {
        let d = self.date_param();
        let upsert = format!(
            "INSERT INTO offer (municipality, intervention, district, offered, contact_unit, contact_phone, \
             contact_email, waiting_weeks, next_start, free_places, updated_on) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, {d}, ?, {d}) \
             ON CONFLICT (municipality, intervention, district) DO UPDATE SET offered = excluded.offered, \
             contact_unit = excluded.contact_unit, contact_phone = excluded.contact_phone, \
             contact_email = excluded.contact_email, waiting_weeks = excluded.waiting_weeks, \
             next_start = excluded.next_start, free_places = excluded.free_places, updated_on = excluded.updated_on"
        );
        let history = format!(
            "INSERT INTO offer_history (municipality, intervention, district, recorded_on, offered, waiting_weeks, free_places) \
             VALUES (?, ?, ?, {d}, ?, ?, ?) \
             ON CONFLICT (municipality, intervention, district, recorded_on) DO UPDATE SET \
             offered = excluded.offered, waiting_weeks = excluded.waiting_weeks, free_places = excluded.free_places"
        );
        let waiting = o.waiting_weeks.map(i64::from);
        let places = o.free_places.map(i64::from);
        let next_start = o.next_start.map(foljupp_core::format_date);
        let updated = foljupp_core::format_date(o.updated_on);
        match &self.pool {
            Pool::Sqlite(p) => {
                let mut tx = p.begin().await?;
                tx_execute!(
                    tx,
                    &upsert,
                    [
                        municipality,
                        &o.intervention,
                        &o.district,
                        o.offered,
                        &o.contact.unit,
                        &o.contact.phone,
                        &o.contact.email,
                        waiting,
                        &next_start,
                        places,
                        &updated
                    ]
                );
                tx_execute!(
                    tx,
                    &history,
                    [
                        municipality,
                        &o.intervention,
                        &o.district,
                        &updated,
                        o.offered,
                        waiting,
                        places
                    ]
                );
                tx.commit().await?;
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                tx_execute!(
                    tx,
                    &crate::pg_placeholders(&upsert),
                    [
                        municipality,
                        &o.intervention,
                        &o.district,
                        o.offered,
                        &o.contact.unit,
                        &o.contact.phone,
                        &o.contact.email,
                        waiting,
                        &next_start,
                        places,
                        &updated
                    ]
                );
                tx_execute!(
                    tx,
                    &crate::pg_placeholders(&history),
                    [
                        municipality,
                        &o.intervention,
                        &o.district,
                        &updated,
                        o.offered,
                        waiting,
                        places
                    ]
                );
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The recorded states of offers, of one intervention or of all, oldest
    /// first.
    pub async fn offer_history(
        &self,
        municipality: &str,
        intervention: Option<&str>,
    ) -> Result<Vec<OfferSnapshot>> {
        let cols = "intervention, district, CAST(recorded_on AS TEXT), offered, waiting_weeks, free_places";
        macro_rules! snapshot {
            ($r:ident) => {
                OfferSnapshot {
                    intervention: $r.try_get(0)?,
                    district: $r.try_get(1)?,
                    recorded_on: required_date("offer_history", "recorded_on", $r.try_get(2)?)?,
                    offered: $r.try_get(3)?,
                    waiting_weeks: count("offer_history", "waiting_weeks", $r.try_get(4)?)?,
                    free_places: count("offer_history", "free_places", $r.try_get(5)?)?,
                }
            };
        }
        Ok(match intervention {
            Some(code) => fetch_all!(
                self,
                &format!("SELECT {cols} FROM offer_history WHERE municipality = ? AND intervention = ? ORDER BY recorded_on, district"),
                [municipality, code],
                |r| snapshot!(r)
            ),
            None => fetch_all!(
                self,
                &format!("SELECT {cols} FROM offer_history WHERE municipality = ? ORDER BY recorded_on, intervention, district"),
                [municipality],
                |r| snapshot!(r)
            ),
        })
    }
}
