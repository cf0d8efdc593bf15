//! The steering group's instruments: Spindeln rounds, their respondent
//! links and anonymous answers, and the districts' versioned status reports.
//!
//! Architecture invariant: an answer row holds its round, district, party
//! and nine ratings, nothing else: not the link code it came through, not
//! a time, not a respondent. Respondent links are kept only as hashes.

use crate::{execute, fetch_all, fetch_optional, pg_placeholders, Pool, Result, Store, StoreError};
use foljupp_core::steering::{SpindelnAnswer, StrategyEntry, ITEM_COUNT, SPINDELN_ITEMS};
use sqlx::Row;
use std::collections::BTreeMap;

/// Runs `$body` in one transaction on whichever backend the store has;
/// `$sql` turns our `?` SQL into the backend's placeholders. The body is
/// expanded once per backend, so it is type-checked against each.
macro_rules! transaction {
    ($store:expr, |$tx:ident, $sql:ident| $body:block) => {
        match &$store.pool {
            Pool::Sqlite(p) => {
                let mut $tx = p.begin().await?;
                let $sql = |s: &str| s.to_string();
                let out = $body;
                $tx.commit().await?;
                out
            }
            Pool::Postgres(p) => {
                let mut $tx = p.begin().await?;
                let $sql = |s: &str| pg_placeholders(s);
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// A Spindeln measurement round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpindelnRound {
    pub id: i64,
    pub name: String,
    /// ISO day of the measurement.
    pub day: String,
    pub districts: Vec<String>,
    pub parties: Vec<String>,
    /// The nine item texts of this round, in the fixed item order.
    pub items: Vec<String>,
    pub scale_max: u8,
    pub previous_round: Option<i64>,
    pub closed: bool,
    pub created_at: i64,
}

/// What a new round is made of.
#[derive(Debug, Clone)]
pub struct NewRound {
    pub name: String,
    pub day: String,
    pub districts: Vec<String>,
    pub parties: Vec<String>,
    pub items: Vec<String>,
    pub scale_max: u8,
    pub previous_round: Option<i64>,
}

/// A respondent link to store: district, party and the hash of its code.
#[derive(Debug, Clone)]
pub struct LinkHash {
    pub district: String,
    pub party: String,
    pub code_hash: String,
}

/// Where a respondent link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    pub round_id: i64,
    /// The round's municipality.
    pub municipality: String,
    pub district: String,
    pub party: String,
}

/// One version of a district's status report for a tertial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub district: String,
    pub year: i32,
    pub tertial: u8,
    pub version: i64,
    /// "draft" or "submitted".
    pub state: String,
    pub content: StatusContent,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

impl StatusReport {
    pub fn is_submitted(&self) -> bool {
        self.state == "submitted"
    }
}

/// What a district lead writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusContent {
    pub strategies: BTreeMap<String, StrategyEntry>,
    pub works: String,
    pub challenges: String,
    pub next_steps: String,
}

fn items_json(texts: &[String]) -> String {
    let arr: Vec<serde_json::Value> = SPINDELN_ITEMS
        .iter()
        .zip(texts)
        .map(|(i, t)| serde_json::json!({"code": i.code, "text": t}))
        .collect();
    serde_json::Value::Array(arr).to_string()
}

fn corrupt(table: &str, column: &str, value: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table: table.into(),
        column: column.into(),
        value: value.into(),
    }
}

fn parse_items(s: String) -> Result<Vec<String>> {
    let v: serde_json::Value =
        serde_json::from_str(&s).map_err(|_| corrupt("spindeln_round", "items", s.clone()))?;
    let arr = v
        .as_array()
        .filter(|a| a.len() == ITEM_COUNT)
        .ok_or_else(|| corrupt("spindeln_round", "items", s.clone()))?;
    arr.iter()
        .zip(SPINDELN_ITEMS.iter())
        .map(|(x, item)| {
            if x["code"].as_str() != Some(item.code) {
                return Err(corrupt("spindeln_round", "items", s.clone()));
            }
            x["text"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| corrupt("spindeln_round", "items", s.clone()))
        })
        .collect()
}

fn split_codes(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

const ROUND_COLS: &str =
    "id, name, day, districts, parties, items, scale_max, previous_round, closed, created_at";

macro_rules! round_from_row {
    ($r:ident) => {
        SpindelnRound {
            id: $r.try_get(0)?,
            name: $r.try_get(1)?,
            day: $r.try_get(2)?,
            districts: split_codes(&$r.try_get::<String, _>(3)?),
            parties: split_codes(&$r.try_get::<String, _>(4)?),
            items: parse_items($r.try_get(5)?)?,
            scale_max: {
                let m: i64 = $r.try_get(6)?;
                u8::try_from(m)
                    .map_err(|_| corrupt("spindeln_round", "scale_max", m.to_string()))?
            },
            previous_round: $r.try_get(7)?,
            closed: $r.try_get(8)?,
            created_at: $r.try_get(9)?,
        }
    };
}

const STATUS_COLS: &str = "district, year, tertial, version, state, strategies, works, challenges, next_steps, updated_at, submitted_at";

macro_rules! status_from_row {
    ($r:ident) => {
        StatusReport {
            district: $r.try_get(0)?,
            year: {
                let y: i64 = $r.try_get(1)?;
                i32::try_from(y).map_err(|_| corrupt("status_report", "year", y.to_string()))?
            },
            tertial: {
                let t: i64 = $r.try_get(2)?;
                u8::try_from(t).map_err(|_| corrupt("status_report", "tertial", t.to_string()))?
            },
            version: $r.try_get(3)?,
            state: $r.try_get(4)?,
            content: StatusContent {
                strategies: {
                    let s: String = $r.try_get(5)?;
                    serde_json::from_str(&s)
                        .map_err(|_| corrupt("status_report", "strategies", s))?
                },
                works: $r.try_get(6)?,
                challenges: $r.try_get(7)?,
                next_steps: $r.try_get(8)?,
            },
            updated_at: $r.try_get(9)?,
            submitted_at: $r.try_get(10)?,
        }
    };
}

impl Store {
    /// Creates a round and its respondent links in one transaction.
    pub async fn create_spindeln_round(
        &self,
        municipality: &str,
        round: &NewRound,
        links: &[LinkHash],
    ) -> Result<i64> {
        let now = crate::now_unix();
        let items = items_json(&round.items);
        let districts = round.districts.join(";");
        let parties = round.parties.join(";");
        let scale = i64::from(round.scale_max);
        let id = transaction!(self, |tx, sql| {
            let id: i64 = sqlx::query(&sql(
                "INSERT INTO spindeln_round (municipality, name, day, districts, parties, items, scale_max, previous_round, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            ))
            .bind(municipality)
            .bind(&round.name)
            .bind(&round.day)
            .bind(&districts)
            .bind(&parties)
            .bind(&items)
            .bind(scale)
            .bind(round.previous_round)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            for l in links {
                sqlx::query(&sql(
                    "INSERT INTO spindeln_link (code_hash, round_id, district, party) VALUES (?, ?, ?, ?)",
                ))
                .bind(&l.code_hash)
                .bind(id)
                .bind(&l.district)
                .bind(&l.party)
                .execute(&mut *tx)
                .await?;
            }
            id
        });
        Ok(id)
    }

    /// Replaces every respondent link of a round (the old codes stop
    /// working).
    pub async fn replace_spindeln_links(&self, round_id: i64, links: &[LinkHash]) -> Result<()> {
        transaction!(self, |tx, sql| {
            sqlx::query(&sql("DELETE FROM spindeln_link WHERE round_id = ?"))
                .bind(round_id)
                .execute(&mut *tx)
                .await?;
            for l in links {
                sqlx::query(&sql(
                    "INSERT INTO spindeln_link (code_hash, round_id, district, party) VALUES (?, ?, ?, ?)",
                ))
                .bind(&l.code_hash)
                .bind(round_id)
                .bind(&l.district)
                .bind(&l.party)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// The rounds of a municipality, newest first.
    pub async fn spindeln_rounds(&self, municipality: &str) -> Result<Vec<SpindelnRound>> {
        Ok(fetch_all!(
            self,
            &format!("SELECT {ROUND_COLS} FROM spindeln_round WHERE municipality = ? ORDER BY day DESC, id DESC"),
            [municipality],
            |r| round_from_row!(r)
        ))
    }

    pub async fn spindeln_round(
        &self,
        municipality: &str,
        id: i64,
    ) -> Result<Option<SpindelnRound>> {
        Ok(fetch_optional!(
            self,
            &format!("SELECT {ROUND_COLS} FROM spindeln_round WHERE municipality = ? AND id = ?"),
            [municipality, id],
            |r| round_from_row!(r)
        ))
    }

    /// Renames a round; allowed at any time.
    pub async fn rename_spindeln_round(&self, id: i64, name: &str) -> Result<()> {
        execute!(
            self,
            "UPDATE spindeln_round SET name = ? WHERE id = ?",
            [name, id]
        );
        Ok(())
    }

    /// Changes a round's item texts and scale, unless answers have arrived:
    /// then the answers would no longer mean what was asked, and this is a
    /// conflict.
    pub async fn update_spindeln_questions(
        &self,
        id: i64,
        items: &[String],
        scale_max: u8,
    ) -> Result<()> {
        let changed = execute!(
            self,
            "UPDATE spindeln_round SET items = ?, scale_max = ? WHERE id = ? \
             AND NOT EXISTS (SELECT 1 FROM spindeln_answer WHERE round_id = ?)",
            [items_json(items), i64::from(scale_max), id, id]
        );
        if changed == 0 {
            return Err(StoreError::Conflict(
                "Frågorna och skalan kan inte ändras när svar har kommit in: svaren skulle då inte längre betyda det som frågades. Skapa en ny mätomgång i stället."
                    .into(),
            ));
        }
        Ok(())
    }

    pub async fn set_spindeln_closed(&self, id: i64, closed: bool) -> Result<()> {
        execute!(
            self,
            "UPDATE spindeln_round SET closed = ? WHERE id = ?",
            [closed, id]
        );
        Ok(())
    }

    /// Where the respondent link with this code hash leads.
    pub async fn spindeln_link(&self, code_hash: &str) -> Result<Option<LinkTarget>> {
        Ok(fetch_optional!(
            self,
            "SELECT l.round_id, l.district, l.party, r.municipality FROM spindeln_link l \
             JOIN spindeln_round r ON r.id = l.round_id WHERE l.code_hash = ?",
            [code_hash],
            |r| LinkTarget {
                round_id: r.try_get(0)?,
                district: r.try_get(1)?,
                party: r.try_get(2)?,
                municipality: r.try_get(3)?,
            }
        ))
    }

    /// Stores one anonymous answer, if the round is open and every rating is
    /// on its scale (checked in the same statement, so that a concurrent
    /// change of the round cannot slip between). Returns whether it was
    /// stored.
    pub async fn insert_spindeln_answer(
        &self,
        round_id: i64,
        answer: &SpindelnAnswer,
    ) -> Result<bool> {
        let id = &crate::random_token()[..32];
        let top = answer.ratings.iter().flatten().copied().max().unwrap_or(1);
        let r: Vec<Option<i16>> = answer.ratings.iter().map(|x| x.map(i16::from)).collect();
        let n = execute!(
            self,
            "INSERT INTO spindeln_answer (id, round_id, district, party, r1, r2, r3, r4, r5, r6, r7, r8, r9) \
             SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM spindeln_round \
             WHERE id = ? AND closed = FALSE AND scale_max >= ?",
            [id, &answer.district, &answer.party, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], round_id, i64::from(top)]
        );
        Ok(n == 1)
    }

    pub async fn spindeln_answers(&self, round_id: i64) -> Result<Vec<SpindelnAnswer>> {
        fn rating(v: Option<i16>) -> Result<Option<u8>> {
            v.map(|x| u8::try_from(x).map_err(|_| corrupt("spindeln_answer", "r", x.to_string())))
                .transpose()
        }
        Ok(fetch_all!(
            self,
            "SELECT district, party, r1, r2, r3, r4, r5, r6, r7, r8, r9 FROM spindeln_answer WHERE round_id = ?",
            [round_id],
            |r| SpindelnAnswer {
                district: r.try_get(0)?,
                party: r.try_get(1)?,
                ratings: [
                    rating(r.try_get(2)?)?,
                    rating(r.try_get(3)?)?,
                    rating(r.try_get(4)?)?,
                    rating(r.try_get(5)?)?,
                    rating(r.try_get(6)?)?,
                    rating(r.try_get(7)?)?,
                    rating(r.try_get(8)?)?,
                    rating(r.try_get(9)?)?,
                    rating(r.try_get(10)?)?,
                ],
            }
        ))
    }

    /// Number of answers per round of a municipality.
    pub async fn spindeln_answer_counts(&self, municipality: &str) -> Result<BTreeMap<i64, i64>> {
        Ok(fetch_all!(
            self,
            "SELECT a.round_id, COUNT(*) FROM spindeln_answer a JOIN spindeln_round r ON r.id = a.round_id \
             WHERE r.municipality = ? GROUP BY a.round_id",
            [municipality],
            |r| (r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?)
        )
        .into_iter()
        .collect())
    }

    /// Every version of every district's status report for a tertial,
    /// ordered by district and version.
    pub async fn status_reports(
        &self,
        municipality: &str,
        year: i32,
        tertial: u8,
    ) -> Result<Vec<StatusReport>> {
        Ok(fetch_all!(
            self,
            &format!("SELECT {STATUS_COLS} FROM status_report WHERE municipality = ? AND year = ? AND tertial = ? ORDER BY district, version"),
            [municipality, i64::from(year), i64::from(tertial)],
            |r| status_from_row!(r)
        ))
    }

    /// Every version of one district's report for a tertial, oldest first.
    pub async fn status_report_versions(
        &self,
        municipality: &str,
        district: &str,
        year: i32,
        tertial: u8,
    ) -> Result<Vec<StatusReport>> {
        Ok(fetch_all!(
            self,
            &format!("SELECT {STATUS_COLS} FROM status_report WHERE municipality = ? AND district = ? AND year = ? AND tertial = ? ORDER BY version"),
            [municipality, district, i64::from(year), i64::from(tertial)],
            |r| status_from_row!(r)
        ))
    }

    /// Saves the district's report for the tertial: as a draft, or
    /// submitted (which locks it). Writes the current version if it is a
    /// draft, or version 1 if there is none; a submitted current version is
    /// a conflict (an analyst must reopen it).
    pub async fn save_status_report(
        &self,
        municipality: &str,
        district: &str,
        year: i32,
        tertial: u8,
        content: &StatusContent,
        submit: bool,
    ) -> Result<i64> {
        let now = crate::now_unix();
        let strategies = serde_json::to_string(&content.strategies)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let state = if submit { "submitted" } else { "draft" };
        let submitted_at = submit.then_some(now);
        let locked = || {
            StoreError::Conflict(
                "Statusrapporten är inlämnad och låst. Be en analytiker att öppna den igen om något behöver ändras."
                    .into(),
            )
        };
        let versions = self
            .status_report_versions(municipality, district, year, tertial)
            .await?;
        match versions.last() {
            None => {
                execute_or_conflict(
                    self,
                    "INSERT INTO status_report (municipality, district, year, tertial, version, state, strategies, works, challenges, next_steps, updated_at, submitted_at) \
                     VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                    (municipality, district, year, tertial),
                    (state, &strategies, content, now, submitted_at),
                )
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(_) => locked(),
                    other => other,
                })?;
                Ok(1)
            }
            Some(v) if v.is_submitted() => Err(locked()),
            Some(v) => {
                let n = execute!(
                    self,
                    "UPDATE status_report SET state = ?, strategies = ?, works = ?, challenges = ?, next_steps = ?, updated_at = ?, submitted_at = ? \
                     WHERE municipality = ? AND district = ? AND year = ? AND tertial = ? AND version = ? AND state = 'draft'",
                    [state, &strategies, &content.works, &content.challenges, &content.next_steps, now, submitted_at,
                     municipality, district, i64::from(year), i64::from(tertial), v.version]
                );
                if n == 0 {
                    return Err(locked());
                }
                Ok(v.version)
            }
        }
    }

    /// Reopens a submitted report: a new draft version with the same
    /// content; the submitted version stays as it was. Returns the new
    /// version number.
    pub async fn reopen_status_report(
        &self,
        municipality: &str,
        district: &str,
        year: i32,
        tertial: u8,
    ) -> Result<i64> {
        let versions = self
            .status_report_versions(municipality, district, year, tertial)
            .await?;
        let Some(last) = versions.last().filter(|v| v.is_submitted()) else {
            return Err(StoreError::Conflict(
                "Bara en inlämnad statusrapport kan öppnas igen; den här är inte inlämnad.".into(),
            ));
        };
        let strategies = serde_json::to_string(&last.content.strategies)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let next = last.version + 1;
        let sql = "INSERT INTO status_report (municipality, district, year, tertial, version, state, strategies, works, challenges, next_steps, updated_at, submitted_at) \
                   VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, NULL)";
        let now = crate::now_unix();
        let c = &last.content;
        let res = match &self.pool {
            Pool::Sqlite(p) => sqlx::query(sql)
                .bind(municipality)
                .bind(district)
                .bind(i64::from(year))
                .bind(i64::from(tertial))
                .bind(next)
                .bind(&strategies)
                .bind(&c.works)
                .bind(&c.challenges)
                .bind(&c.next_steps)
                .bind(now)
                .execute(p)
                .await
                .map(|_| ()),
            Pool::Postgres(p) => sqlx::query(&pg_placeholders(sql))
                .bind(municipality)
                .bind(district)
                .bind(i64::from(year))
                .bind(i64::from(tertial))
                .bind(next)
                .bind(&strategies)
                .bind(&c.works)
                .bind(&c.challenges)
                .bind(&c.next_steps)
                .bind(now)
                .execute(p)
                .await
                .map(|_| ()),
        };
        res.map_err(|e| crate::unique_to_conflict(e, "Rapporten har redan öppnats igen."))?;
        Ok(next)
    }
}

/// The first INSERT of a report; a concurrent first save is a conflict.
async fn execute_or_conflict(
    store: &Store,
    sql: &str,
    key: (&str, &str, i32, u8),
    rest: (&str, &str, &StatusContent, i64, Option<i64>),
) -> Result<()> {
    let (m, d, y, t) = key;
    let (state, strategies, c, now, submitted_at) = rest;
    let res = match &store.pool {
        Pool::Sqlite(p) => sqlx::query(sql)
            .bind(m)
            .bind(d)
            .bind(i64::from(y))
            .bind(i64::from(t))
            .bind(state)
            .bind(strategies)
            .bind(&c.works)
            .bind(&c.challenges)
            .bind(&c.next_steps)
            .bind(now)
            .bind(submitted_at)
            .execute(p)
            .await
            .map(|_| ()),
        Pool::Postgres(p) => sqlx::query(&pg_placeholders(sql))
            .bind(m)
            .bind(d)
            .bind(i64::from(y))
            .bind(i64::from(t))
            .bind(state)
            .bind(strategies)
            .bind(&c.works)
            .bind(&c.challenges)
            .bind(&c.next_steps)
            .bind(now)
            .bind(submitted_at)
            .execute(p)
            .await
            .map(|_| ()),
    };
    res.map_err(|e| crate::unique_to_conflict(e, "conflict"))
}
