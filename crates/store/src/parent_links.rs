//! Parents' answer links: a short code (only its hash is stored) that lets a
//! parent answer the parents' questions about one registration.
//!
//! Privacy (DOMAIN.md): the `parent_link` row names the registration but no
//! account, so an answer cannot be traced to the advisor. The row's only
//! time, `expires_at`, is rounded up to the full hour, so while the link
//! lives it tells at most within the hour when the registration was made;
//! when a single-use link is used, or any link expires, its
//! `registration_id` is cleared, and the row is deleted a week after
//! expiry. The time of an answer is stored nowhere.

use crate::{
    bump_and_commit, execute, fetch_all, fetch_optional, version_before, Pool, Result, Store,
    StoreError,
};
use foljupp_core::parents::{is_answer, is_parent_question, ParentSurvey};
use foljupp_core::Kind;
use sqlx::Row;

/// Expiry times are rounded up to a multiple of this many seconds.
const EXPIRY_GRANULARITY: i64 = 3600;

/// An expired link is kept (without its registration) this long, so that a
/// parent who comes late is told "expired" rather than "unknown".
const KEEP_AFTER_EXPIRY: i64 = 7 * 24 * 3600;

/// The registration a link is for, by its primary key.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationKey<'a> {
    pub municipality: &'a str,
    pub date: foljupp_core::Date,
    pub id: &'a str,
}

/// A link that can still be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentLink {
    pub kind: Kind,
    /// The municipality of the registration (whose forms word the page).
    pub municipality: String,
    pub questions: Vec<String>,
    pub multi: bool,
    /// Unix seconds.
    pub expires_at: i64,
}

/// What a code leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Open(ParentLink),
    /// A single-use link that has been answered.
    Used,
    Expired,
    Unknown,
}

/// What a parent's recorded answer changed, for the report rollup: the
/// registrations of the answered registration's municipality, district and
/// day as the answer left them, and the data version before and after it.
#[derive(Debug, Clone)]
pub struct DayRecount {
    pub municipality: String,
    pub district: String,
    pub date: foljupp_core::Date,
    pub registrations: Vec<foljupp_core::Registration>,
    pub step: crate::VersionStep,
}

/// The outcome of recording a parent's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    Recorded,
    /// Nothing was written; why.
    Refused(LinkState),
}

fn kind_of(s: &str) -> Result<Kind> {
    s.parse().map_err(|_| StoreError::Corrupt {
        table: "parent_link".into(),
        column: "kind".into(),
        value: s.to_string(),
    })
}

fn questions_of(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|q| !q.is_empty())
        .map(str::to_string)
        .collect()
}

/// Column names are built from question and answer codes; both come from
/// the form definitions, and this keeps anything else out of the SQL text.
fn plain_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// Refuses a survey with a question that is not a parent's question of
/// `kind` (its codes become column names).
pub(crate) fn check_survey(
    forms: &foljupp_core::FormSet,
    kind: Kind,
    survey: &ParentSurvey,
) -> Result<()> {
    for q in &survey.questions {
        if !is_parent_question(forms, kind, q) || !plain_identifier(q) {
            return Err(StoreError::Conflict(format!(
                "{q:?} är ingen föräldrafråga för {kind}"
            )));
        }
    }
    Ok(())
}

/// A link's expiry: `now + lifetime_secs`, rounded up to the hour.
pub(crate) fn expires_at(now: i64, lifetime_secs: i64) -> i64 {
    (now + lifetime_secs.max(0)).div_euclid(EXPIRY_GRANULARITY) * EXPIRY_GRANULARITY
        + EXPIRY_GRANULARITY
}

/// The INSERT of `rows` parents' links (one, or a group commit's), each
/// with its code hash, kind, the registration's key (id, municipality,
/// day as ÅÅÅÅ-MM-DD), questions, expiry and whether it takes many
/// answers.
pub(crate) fn insert_links_sql(rows: usize) -> String {
    let one = "(?, ?, ?, ?, ?, ?, ?, FALSE, ?)";
    format!(
        "INSERT INTO parent_link (code_hash, kind, registration_id, municipality, registration_date, questions, expires_at, used, multi) VALUES {}",
        vec![one; rows].join(", ")
    )
}

/// Links tidied per statement (the codes are bound one parameter each).
const TIDY_CHUNK: usize = 500;

impl Store {
    /// The condition that finds a link's registration by its primary key:
    /// municipality, day (bound as ÅÅÅÅ-MM-DD text) and id, in that order.
    /// SQLite keeps dates as that text; PostgreSQL as `DATE`.
    fn registration_key_sql(&self) -> &'static str {
        match &self.pool {
            Pool::Sqlite(_) => "municipality = ? AND date = ? AND id = ?",
            Pool::Postgres(_) => "municipality = ? AND date = CAST(? AS DATE) AND id = ?",
        }
    }

    /// Applies `change` (an UPDATE's or DELETE's text up to its WHERE) to
    /// every link matching `condition` (one `?`, bound to `at`): the
    /// matching code hashes are read first, without a write lock, then
    /// changed `TIDY_CHUNK` at a time by code hash, each statement checking
    /// `condition` again.
    async fn tidy_links_where(&self, condition: &str, change: &str, at: i64) -> Result<()> {
        let codes = fetch_all!(
            self,
            &format!("SELECT code_hash FROM parent_link WHERE {condition}"),
            [at],
            |r| r.try_get::<String, _>(0)?
        );
        for chunk in codes.chunks(TIDY_CHUNK) {
            let sql = format!(
                "{change} WHERE {condition} AND code_hash IN ({})",
                vec!["?"; chunk.len()].join(", ")
            );
            match &self.pool {
                Pool::Sqlite(p) => {
                    let mut q = sqlx::query(&sql).bind(at);
                    for c in chunk {
                        q = q.bind(c);
                    }
                    q.execute(p).await?;
                }
                Pool::Postgres(p) => {
                    let sql = crate::pg_placeholders(&sql);
                    let mut q = sqlx::query(&sql).bind(at);
                    for c in chunk {
                        q = q.bind(c);
                    }
                    q.execute(p).await?;
                }
            }
        }
        Ok(())
    }
}

impl Store {
    /// Creates the answer link for a registration already stored (`reg`
    /// names it: municipality, day, id). Returns the link's expiry (unix
    /// seconds): `now + lifetime_secs`, rounded up to the hour.
    pub async fn create_parent_link(
        &self,
        code_hash: &str,
        kind: Kind,
        reg: RegistrationKey<'_>,
        survey: &ParentSurvey,
        now: i64,
        lifetime_secs: i64,
    ) -> Result<i64> {
        check_survey(&self.forms, kind, survey)?;
        let expires_at = expires_at(now, lifetime_secs);
        execute!(
            self,
            &insert_links_sql(1),
            [
                code_hash,
                kind.code(),
                reg.id,
                reg.municipality,
                foljupp_core::format_date(reg.date),
                survey.questions.join(";"),
                expires_at,
                survey.multi
            ]
        );
        Ok(expires_at)
    }

    /// What the code with this hash leads to at `now`.
    pub async fn parent_link(&self, code_hash: &str, now: i64) -> Result<LinkState> {
        let row = fetch_optional!(
            self,
            "SELECT kind, questions, expires_at, used, multi, registration_id, municipality, registration_date FROM parent_link WHERE code_hash = ?",
            [code_hash],
            |r| (
                r.try_get::<String, _>(0)?,
                r.try_get::<String, _>(1)?,
                r.try_get::<i64, _>(2)?,
                r.try_get::<bool, _>(3)?,
                r.try_get::<bool, _>(4)?,
                r.try_get::<String, _>(5)?,
                r.try_get::<String, _>(6)?,
                r.try_get::<String, _>(7)?
            )
        );
        let Some((kind, questions, expires_at, used, multi, registration_id, municipality, day)) =
            row
        else {
            return Ok(LinkState::Unknown);
        };
        let kind = kind_of(&kind)?;
        let registration_exists = if (used && !multi) || expires_at <= now {
            false
        } else {
            fetch_optional!(
                self,
                &format!(
                    "SELECT 1 FROM reg_{} WHERE {}",
                    kind.code(),
                    self.registration_key_sql()
                ),
                [
                    municipality.as_str(),
                    day.as_str(),
                    registration_id.as_str()
                ],
                |r| r.try_get::<i32, _>(0)?
            )
            .is_some()
        };
        Ok(if used && !multi {
            LinkState::Used
        } else if expires_at <= now {
            LinkState::Expired
        } else if registration_exists {
            LinkState::Open(ParentLink {
                kind,
                municipality,
                questions: questions_of(&questions),
                multi,
                expires_at,
            })
        } else {
            // The registration is gone (a restore without it): nothing to
            // answer about.
            LinkState::Expired
        })
    }

    /// Records a parent's answers through the link with this hash, in one
    /// transaction: the link is claimed first (`used = TRUE` where it was
    /// still unused, or where it takes many answers, and not expired; the
    /// rows affected decide), then the answers are written to the
    /// registration: a conversation's or home visit's answer columns only
    /// where still empty, a group's count columns incremented in SQL. A
    /// used single-use link forgets its registration at once. Answers to
    /// questions the link does not ask, or with codes outside the answer
    /// list, are refused before anything is written.
    pub async fn record_parent_answers(
        &self,
        code_hash: &str,
        now: i64,
        answers: &[(String, String)],
    ) -> Result<AnswerOutcome> {
        Ok(self
            .record_parent_answers_counted(code_hash, now, answers)
            .await?
            .0)
    }

    /// [`Store::record_parent_answers`], also returning what the answer
    /// changed for the report rollup ([`DayRecount`]) when it was recorded.
    pub async fn record_parent_answers_counted(
        &self,
        code_hash: &str,
        now: i64,
        answers: &[(String, String)],
    ) -> Result<(AnswerOutcome, Option<DayRecount>)> {
        const CLAIM: &str = "UPDATE parent_link SET used = TRUE WHERE code_hash = ? AND expires_at > ? AND (multi OR NOT used) RETURNING kind, registration_id, questions, multi, municipality, registration_date";
        const FORGET: &str =
            "UPDATE parent_link SET registration_id = '', registration_date = '' WHERE code_hash = ?";
        macro_rules! run {
            ($p:expr, $ph:expr, $lock:expr, $load:ident) => {{
                let mut tx = $p.begin().await?;
                let claimed = sqlx::query(&$ph(CLAIM))
                    .bind(code_hash)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = claimed else {
                    tx.rollback().await?;
                    return Ok((
                        AnswerOutcome::Refused(self.parent_link(code_hash, now).await?),
                        None,
                    ));
                };
                let kind = kind_of(&row.try_get::<String, _>(0)?)?;
                let registration_id: String = row.try_get(1)?;
                let questions = questions_of(&row.try_get::<String, _>(2)?);
                let multi: bool = row.try_get(3)?;
                let municipality: String = row.try_get(4)?;
                let day: String = row.try_get(5)?;
                let Some(sql) = self.answer_update_sql(kind, multi, &questions, answers)? else {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict(
                        "svaren hör inte till länkens frågor".into(),
                    ));
                };
                let sql = $ph(&sql);
                let mut q = sqlx::query(&sql);
                if !multi {
                    for (_, a) in answers {
                        q = q.bind(a.as_str());
                    }
                }
                let written = q
                    .bind(&municipality)
                    .bind(&day)
                    .bind(&registration_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if written != 1 {
                    // The registration is gone (or the link was already
                    // forgotten): nothing to attach the answers to.
                    tx.rollback().await?;
                    return Ok((AnswerOutcome::Refused(LinkState::Unknown), None));
                }
                if !multi {
                    sqlx::query(&$ph(FORGET))
                        .bind(code_hash)
                        .execute(&mut *tx)
                        .await?;
                }
                // The registrations of the answered one's district and day
                // as they are now, and the version this write follows, read
                // under the write lock (SQLite: the UPDATEs above took it;
                // PostgreSQL: FOR UPDATE, as every writer does): a rollup
                // at that version becomes this write's by recounting the
                // day (`stats::Rollup::recount_day`) instead of a scan.
                let before = version_before!(tx, $lock);
                let district: String = sqlx::query_scalar(&$ph(&format!(
                    "SELECT district FROM reg_{} WHERE {}",
                    kind.code(),
                    self.registration_key_sql()
                )))
                .bind(&municipality)
                .bind(&day)
                .bind(&registration_id)
                .fetch_one(&mut *tx)
                .await?;
                let date = foljupp_core::parse_date(&day).ok_or_else(|| StoreError::Corrupt {
                    table: format!("reg_{}", kind.code()),
                    column: "date".into(),
                    value: day.clone(),
                })?;
                let registrations = self
                    .$load(
                        &mut *tx,
                        &municipality,
                        foljupp_core::Period {
                            from: date,
                            to: date,
                        },
                        Some(&district),
                        None,
                    )
                    .await?;
                let step = bump_and_commit!(tx, $ph, true, before);
                Ok((
                    AnswerOutcome::Recorded,
                    Some(DayRecount {
                        municipality,
                        district,
                        date,
                        registrations,
                        step,
                    }),
                ))
            }};
        }
        match &self.pool {
            Pool::Sqlite(p) => run!(p, |s: &str| s.to_string(), "", load_sqlite),
            Pool::Postgres(p) => run!(p, crate::pg_placeholders, " FOR UPDATE", load_postgres),
        }
    }

    /// The UPDATE that writes `answers` to a registration of `kind`, with
    /// `?` for each answer (single) and last the registration's key
    /// ([`Store::registration_key_sql`]: three `?`); `None` when
    /// an answer is not for one of `questions` or not an answer code.
    fn answer_update_sql(
        &self,
        kind: Kind,
        multi: bool,
        questions: &[String],
        answers: &[(String, String)],
    ) -> Result<Option<String>> {
        if answers.is_empty() {
            return Ok(None);
        }
        let def = self.forms.kind(kind);
        let mut sets = Vec::new();
        for (i, (q, a)) in answers.iter().enumerate() {
            if answers[..i].iter().any(|(earlier, _)| earlier == q) {
                return Ok(None);
            }
            let ok = questions.contains(q)
                && is_parent_question(&self.forms, kind, q)
                && is_answer(&self.forms, a)
                && plain_identifier(q)
                && plain_identifier(a);
            if !ok {
                return Ok(None);
            }
            if multi {
                let col = format!("{q}_{a}");
                if def.field(&col).is_none() {
                    return Ok(None);
                }
                sets.push(format!("{col} = COALESCE({col}, 0) + 1"));
            } else {
                if def.field(q).is_none() {
                    return Ok(None);
                }
                // Whatever the advisor already recorded stays.
                sets.push(format!("{q} = COALESCE({q}, ?)"));
            }
        }
        Ok(Some(format!(
            "UPDATE reg_{} SET {} WHERE {}",
            kind.code(),
            sets.join(", "),
            self.registration_key_sql()
        )))
    }

    /// Ends a link now (it then answers "expired"). Returns whether an open
    /// link had this hash.
    pub async fn close_parent_link(&self, code_hash: &str, now: i64) -> Result<bool> {
        let n = execute!(
            self,
            "UPDATE parent_link SET expires_at = ?, registration_id = '', registration_date = '' WHERE code_hash = ? AND expires_at > ? AND (multi OR NOT used)",
            [now, code_hash, now]
        );
        Ok(n == 1)
    }

    /// Forgets the registration of every expired link and deletes links a
    /// week past expiry. Run by the server every ten minutes (and at
    /// start), not by the writes: no index on the expiry is written with
    /// every registration, so the links are found by reading the table
    /// first, which takes no write lock (SQLite's writer goes on
    /// meanwhile); then only the rows found are changed, by code hash, a
    /// few hundred a statement. The expiry is checked again in each change,
    /// so a link is never forgotten early.
    pub async fn tidy_parent_links(&self, now: i64) -> Result<()> {
        self.tidy_links_where(
            "expires_at <= ? AND registration_id <> ''",
            "UPDATE parent_link SET registration_id = '', registration_date = ''",
            now,
        )
        .await?;
        self.tidy_links_where(
            "expires_at <= ?",
            "DELETE FROM parent_link",
            now - KEEP_AFTER_EXPIRY,
        )
        .await
    }
}
