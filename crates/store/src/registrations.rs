//! Registration rows: one table per kind (`reg_<kind>`), one column per form
//! field. Multi-valued fields are stored as their codes joined by `;`, the
//! same text as in the CSV exchange format.

use crate::{Pool, Result, Store, StoreError};
use foljupp_core::{FieldType, Kind, Participant, Period, Registration, Value};
use sqlx::Row;
use std::collections::BTreeMap;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on
/// bound parameters for the widest form (~30 columns).
const BATCH_ROWS: usize = 400;

enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Date(Option<foljupp_core::Date>),
    Bool(Option<bool>),
}

fn cells(reg: &Registration, ty: FieldType, name: &str) -> Cell {
    let v = reg.get(name);
    match ty {
        FieldType::Date => Cell::Date(match v {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }),
        FieldType::Int => Cell::Int(reg.int(name)),
        FieldType::Bool => Cell::Bool(reg.bool(name)),
        FieldType::Code | FieldType::Codes | FieldType::Participants => {
            Cell::Text(v.map(Value::to_text))
        }
    }
}

/// An idempotency key as the store keeps it: a hash of the client's key,
/// a fingerprint of the request, and the day (keys live until the day after
/// tomorrow, then go).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key_hash: String,
    pub fingerprint: String,
    pub today: foljupp_core::Date,
}

impl IdempotencyKey {
    fn expires_on(&self) -> foljupp_core::Date {
        self.today
            .next_day()
            .and_then(foljupp_core::Date::next_day)
            .unwrap_or(self.today)
    }
}

/// What an idempotent insert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    /// Stored now, with these ids.
    Stored(Vec<String>),
    /// The key was seen before with the same request: nothing stored; the
    /// first request's registration ids.
    Replay(Vec<String>),
    /// The key was seen before with another request: nothing stored.
    Mismatch,
}

fn replay((fingerprint, ids): (String, String), key: &IdempotencyKey) -> Insert {
    if fingerprint == key.fingerprint {
        Insert::Replay(
            ids.split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    } else {
        Insert::Mismatch
    }
}

fn random_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl Store {
    /// Stores registrations of one municipality, all or none: they are
    /// written in one transaction. `progress` is called with the number of
    /// rows written so far. Returns the new rows' random ids in the order
    /// of `regs` (a parent's answer link needs its registration's id; the
    /// id is never shown to anyone).
    pub async fn insert_registrations(
        &self,
        municipality: &str,
        regs: &[Registration],
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<String>> {
        match self
            .insert_inner(municipality, regs, None, progress)
            .await?
        {
            Insert::Stored(ids) | Insert::Replay(ids) => Ok(ids),
            Insert::Mismatch => Err(StoreError::Conflict("idempotency".into())),
        }
    }

    /// Stores registrations once per idempotency key: the key is written in
    /// the same transaction, so a retry (same key, same request
    /// fingerprint) finds it and stores nothing; the same key with another
    /// request is a [`Insert::Mismatch`]. Expired keys are purged here.
    pub async fn insert_registrations_once(
        &self,
        municipality: &str,
        regs: &[Registration],
        key: &IdempotencyKey,
    ) -> Result<Insert> {
        self.insert_inner(municipality, regs, Some(key), &mut |_| {})
            .await
    }

    async fn insert_inner(
        &self,
        municipality: &str,
        regs: &[Registration],
        key: Option<&IdempotencyKey>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Insert> {
        let ids: Vec<String> = regs.iter().map(|_| random_id()).collect();
        let mut by_kind: BTreeMap<Kind, Vec<(&str, &Registration)>> = BTreeMap::new();
        for (id, r) in ids.iter().zip(regs) {
            by_kind.entry(r.kind).or_default().push((id, r));
        }
        let mut written = 0usize;
        match &self.pool {
            Pool::Sqlite(p) => {
                // IMMEDIATE: take the write lock first, so that two requests
                // with one key cannot both read "absent".
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                if let Some(k) = key {
                    sqlx::query("DELETE FROM idempotency_key WHERE expires_on < ?")
                        .bind(foljupp_core::format_date(k.today))
                        .execute(&mut *tx)
                        .await?;
                    let found: Option<(String, String)> = sqlx::query_as(
                        "SELECT fingerprint, registration_ids FROM idempotency_key WHERE key_hash = ?",
                    )
                    .bind(&k.key_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(found) = found {
                        return Ok(replay(found, k));
                    }
                    sqlx::query("INSERT INTO idempotency_key (key_hash, fingerprint, registration_ids, expires_on) VALUES (?, ?, ?, ?)")
                        .bind(&k.key_hash)
                        .bind(&k.fingerprint)
                        .bind(ids.join(";"))
                        .bind(foljupp_core::format_date(k.expires_on()))
                        .execute(&mut *tx)
                        .await?;
                }
                for (kind, rows) in &by_kind {
                    let def = self.forms.kind(*kind);
                    for chunk in rows.chunks(BATCH_ROWS) {
                        let sql = insert_sql(*kind, def, chunk.len(), |_| "?".to_string());
                        let mut q = sqlx::query(&sql);
                        for (id, r) in chunk {
                            q = q
                                .bind(*id)
                                .bind(municipality)
                                .bind(i64::from(r.form_version));
                            for f in &def.fields {
                                q = match cells(r, f.ty, &f.name) {
                                    Cell::Text(t) => q.bind(t),
                                    Cell::Int(i) => q.bind(i),
                                    Cell::Date(d) => q.bind(d.map(foljupp_core::format_date)),
                                    Cell::Bool(b) => q.bind(b),
                                };
                            }
                            q = q.bind(extra_json(r, def));
                        }
                        q.execute(&mut *tx).await?;
                        written += chunk.len();
                        progress(written);
                    }
                }
                sqlx::query(crate::BUMP_DATA_VERSION)
                    .bind(crate::random_token())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                if let Some(k) = key {
                    sqlx::query("DELETE FROM idempotency_key WHERE expires_on < $1")
                        .bind(k.today)
                        .execute(&mut *tx)
                        .await?;
                    // A concurrent request with the same key waits here on
                    // the primary key until the first commits, then finds it.
                    let claimed = sqlx::query(
                        "INSERT INTO idempotency_key (key_hash, fingerprint, registration_ids, expires_on) VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING",
                    )
                    .bind(&k.key_hash)
                    .bind(&k.fingerprint)
                    .bind(ids.join(";"))
                    .bind(k.expires_on())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if claimed == 0 {
                        let found: (String, String) = sqlx::query_as(
                            "SELECT fingerprint, registration_ids FROM idempotency_key WHERE key_hash = $1",
                        )
                        .bind(&k.key_hash)
                        .fetch_one(&mut *tx)
                        .await?;
                        return Ok(replay(found, k));
                    }
                }
                for (kind, rows) in &by_kind {
                    let def = self.forms.kind(*kind);
                    for chunk in rows.chunks(BATCH_ROWS) {
                        let sql = insert_sql(*kind, def, chunk.len(), |i| format!("${i}"));
                        let mut q = sqlx::query(&sql);
                        for (id, r) in chunk {
                            q = q
                                .bind(*id)
                                .bind(municipality)
                                .bind(i64::from(r.form_version));
                            for f in &def.fields {
                                q = match cells(r, f.ty, &f.name) {
                                    Cell::Text(t) => q.bind(t),
                                    Cell::Int(i) => q.bind(i),
                                    Cell::Date(d) => q.bind(d),
                                    Cell::Bool(b) => q.bind(b),
                                };
                            }
                            q = q.bind(extra_json(r, def));
                        }
                        q.execute(&mut *tx).await?;
                        written += chunk.len();
                        progress(written);
                    }
                }
                sqlx::query(&crate::pg_placeholders(crate::BUMP_DATA_VERSION))
                    .bind(crate::random_token())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(Insert::Stored(ids))
    }

    /// Registrations of one municipality whose day falls in `period`,
    /// optionally of one district and of one kind.
    pub async fn load_registrations(
        &self,
        municipality: &str,
        period: Period,
        district: Option<&str>,
        kind: Option<Kind>,
    ) -> Result<Vec<Registration>> {
        let mut out = Vec::new();
        for k in Kind::ALL {
            if kind.is_some_and(|want| want != k) {
                continue;
            }
            let def = self.forms.kind(k);
            let cols: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
            let table = format!("reg_{}", k.code());
            match &self.pool {
                Pool::Sqlite(p) => {
                    let sql = format!(
                        "SELECT form_version, {}, extra FROM {table} WHERE municipality = ? AND date >= ? AND date <= ?{}",
                        cols.join(", "),
                        if district.is_some() { " AND district = ?" } else { "" }
                    );
                    let mut q = sqlx::query(&sql)
                        .bind(municipality)
                        .bind(foljupp_core::format_date(period.from))
                        .bind(foljupp_core::format_date(period.to));
                    if let Some(d) = district {
                        q = q.bind(d);
                    }
                    for row in q.fetch_all(p).await? {
                        out.push(decode_row(
                            k,
                            def,
                            &table,
                            |i, ty| {
                                Ok(match ty {
                                    FieldType::Date => {
                                        let s: Option<String> = row.try_get(i)?;
                                        match s {
                                            None => RawCell::Null,
                                            Some(s) => RawCell::Date(
                                                foljupp_core::parse_date(&s).ok_or_else(|| {
                                                    StoreError::Corrupt {
                                                        table: table.clone(),
                                                        column: cols[i - 1].to_string(),
                                                        value: s.clone(),
                                                    }
                                                })?,
                                            ),
                                        }
                                    }
                                    FieldType::Int => row
                                        .try_get::<Option<i64>, _>(i)?
                                        .map_or(RawCell::Null, RawCell::Int),
                                    FieldType::Bool => row
                                        .try_get::<Option<bool>, _>(i)?
                                        .map_or(RawCell::Null, RawCell::Bool),
                                    _ => row
                                        .try_get::<Option<String>, _>(i)?
                                        .map_or(RawCell::Null, RawCell::Text),
                                })
                            },
                            row.try_get::<i64, _>(0)?,
                            row.try_get::<Option<String>, _>(cols.len() + 1)?,
                        )?);
                    }
                }
                Pool::Postgres(p) => {
                    let sql = format!(
                        "SELECT form_version, {}, extra FROM {table} WHERE municipality = $1 AND date >= $2 AND date <= $3{}",
                        cols.join(", "),
                        if district.is_some() { " AND district = $4" } else { "" }
                    );
                    let mut q = sqlx::query(&sql)
                        .bind(municipality)
                        .bind(period.from)
                        .bind(period.to);
                    if let Some(d) = district {
                        q = q.bind(d);
                    }
                    for row in q.fetch_all(p).await? {
                        out.push(decode_row(
                            k,
                            def,
                            &table,
                            |i, ty| {
                                Ok(match ty {
                                    FieldType::Date => row
                                        .try_get::<Option<foljupp_core::Date>, _>(i)?
                                        .map_or(RawCell::Null, RawCell::Date),
                                    FieldType::Int => row
                                        .try_get::<Option<i64>, _>(i)?
                                        .map_or(RawCell::Null, RawCell::Int),
                                    FieldType::Bool => row
                                        .try_get::<Option<bool>, _>(i)?
                                        .map_or(RawCell::Null, RawCell::Bool),
                                    _ => row
                                        .try_get::<Option<String>, _>(i)?
                                        .map_or(RawCell::Null, RawCell::Text),
                                })
                            },
                            row.try_get::<i64, _>(0)?,
                            row.try_get::<Option<String>, _>(cols.len() + 1)?,
                        )?);
                    }
                }
            }
        }
        Ok(out)
    }

    /// How many registrations of each kind a municipality has (all dates).
    pub async fn count_registrations(&self, municipality: &str) -> Result<BTreeMap<Kind, i64>> {
        let mut out = BTreeMap::new();
        for k in Kind::ALL {
            let n: i64 = match &self.pool {
                Pool::Sqlite(p) => sqlx::query(&format!(
                    "SELECT COUNT(*) FROM reg_{} WHERE municipality = ?",
                    k.code()
                ))
                .bind(municipality)
                .fetch_one(p)
                .await?
                .try_get(0)?,
                Pool::Postgres(p) => sqlx::query(&format!(
                    "SELECT COUNT(*) FROM reg_{} WHERE municipality = $1",
                    k.code()
                ))
                .bind(municipality)
                .fetch_one(p)
                .await?
                .try_get(0)?,
            };
            out.insert(k, n);
        }
        Ok(out)
    }
}

fn insert_sql(
    kind: Kind,
    def: &foljupp_core::KindDef,
    rows: usize,
    placeholder: impl Fn(usize) -> String,
) -> String {
    let ncols = 4 + def.fields.len();
    let mut sql = format!(
        "INSERT INTO reg_{} (id, municipality, form_version, {}, extra) VALUES ",
        kind.code(),
        def.fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..ncols {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&placeholder(n));
        }
        sql.push(')');
    }
    sql
}

/// The answers to questions without a column of their own (added by an
/// admin after the shipped forms) as a JSON object, or NULL when none.
fn extra_json(r: &Registration, def: &foljupp_core::KindDef) -> Option<String> {
    let mut map = serde_json::Map::new();
    for (name, v) in &r.values {
        if def.field(name).is_some() {
            continue;
        }
        let j = match v {
            Value::Code(c) => serde_json::Value::from(c.as_str()),
            Value::Codes(cs) => serde_json::Value::from(cs.clone()),
            Value::Int(n) => serde_json::Value::from(*n),
            Value::Bool(b) => serde_json::Value::from(*b),
            // Added questions are never dates or participant lists (the
            // configuration refuses those types).
            Value::Date(_) | Value::Participants(_) => continue,
        };
        map.insert(name.clone(), j);
    }
    (!map.is_empty()).then(|| serde_json::Value::Object(map).to_string())
}

fn read_extra(text: &str, values: &mut BTreeMap<String, Value>) -> std::result::Result<(), ()> {
    let serde_json::Value::Object(map) = serde_json::from_str(text).map_err(|_| ())? else {
        return Err(());
    };
    for (name, j) in map {
        let v = match j {
            serde_json::Value::String(s) => Value::Code(s),
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Int(n.as_i64().ok_or(())?),
            serde_json::Value::Array(a) => Value::Codes(
                a.into_iter()
                    .map(|x| x.as_str().map(str::to_string).ok_or(()))
                    .collect::<std::result::Result<_, _>>()?,
            ),
            _ => return Err(()),
        };
        values.insert(name, v);
    }
    Ok(())
}

enum RawCell {
    Null,
    Text(String),
    Int(i64),
    Date(foljupp_core::Date),
    Bool(bool),
}

/// Rebuilds a registration from a row; `get(i, type)` reads column `i`
/// (column 0 is the form version, fields start at 1).
fn decode_row(
    kind: Kind,
    def: &foljupp_core::KindDef,
    table: &str,
    mut get: impl FnMut(usize, FieldType) -> Result<RawCell>,
    form_version: i64,
    extra: Option<String>,
) -> Result<Registration> {
    let mut values = BTreeMap::new();
    if let Some(extra) = extra {
        read_extra(&extra, &mut values).map_err(|_| StoreError::Corrupt {
            table: table.to_string(),
            column: "extra".into(),
            value: extra.chars().take(80).collect(),
        })?;
    }
    for (i, f) in def.fields.iter().enumerate() {
        let v = match get(i + 1, f.ty)? {
            RawCell::Null => continue,
            RawCell::Date(d) => Value::Date(d),
            RawCell::Int(n) => Value::Int(n),
            RawCell::Bool(b) => Value::Bool(b),
            RawCell::Text(t) => match f.ty {
                FieldType::Codes => Value::Codes(
                    t.split(';')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                ),
                FieldType::Participants => Value::Participants(
                    t.split(';')
                        .filter(|s| !s.is_empty())
                        .map(|p| {
                            let (role, gender) = p.split_once(':').unwrap_or((p, "unknown"));
                            Participant {
                                role: role.to_string(),
                                gender: gender.to_string(),
                            }
                        })
                        .collect(),
                ),
                _ => Value::Code(t),
            },
        };
        values.insert(f.name.clone(), v);
    }
    let date = match values.get("date") {
        Some(Value::Date(d)) => *d,
        _ => {
            return Err(StoreError::Corrupt {
                table: table.to_string(),
                column: "date".into(),
                value: String::new(),
            })
        }
    };
    let district = match values.get("district") {
        Some(Value::Code(c)) => c.clone(),
        _ => {
            return Err(StoreError::Corrupt {
                table: table.to_string(),
                column: "district".into(),
                value: String::new(),
            })
        }
    };
    Ok(Registration {
        kind,
        form_version: u32::try_from(form_version).unwrap_or(0),
        date,
        district,
        values,
    })
}
