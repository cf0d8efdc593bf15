//! Registration rows: one table per kind (`reg_<kind>`), one column per form
//! field. Multi-valued fields are stored as their codes joined by `;`, the
//! same text as in the CSV exchange format.

use crate::{bump_and_commit, version_before, Pool, Result, Store, StoreError};
use foljupp_core::{
    Codes, FieldType, FieldsView, Kind, Participant, Participants, Period, Registration, Value,
    ValueRef,
};
use sqlx::Row;
use std::collections::BTreeMap;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on
/// bound parameters for the widest form (~30 columns).
const BATCH_ROWS: usize = 400;

/// Rows from which a write counts as a bulk import (a larger page cache for
/// its transaction).
const BULK_ROWS: usize = 50_000;

enum Cell<'a> {
    /// A code, bound without a copy.
    Str(Option<&'a str>),
    Text(Option<String>),
    Int(Option<i64>),
    Date(Option<foljupp_core::Date>),
    Bool(Option<bool>),
}

fn cells<'a>(reg: &'a Registration, ty: FieldType, name: &str) -> Cell<'a> {
    cell_of(ty, reg.get(name))
}

fn cell_of(ty: FieldType, v: Option<&Value>) -> Cell<'_> {
    match (ty, v) {
        (FieldType::Code, Some(Value::Code(c))) => return Cell::Str(Some(c)),
        (FieldType::Code, None) => return Cell::Str(None),
        _ => {}
    }
    match ty {
        FieldType::Date => Cell::Date(match v {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }),
        FieldType::Int => Cell::Int(match v {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }),
        FieldType::Bool => Cell::Bool(match v {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }),
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

/// A parent's answer link, created with the first registration of a
/// request in the same transaction.
#[derive(Debug, Clone)]
pub struct NewParentLink {
    pub code_hash: String,
    pub survey: foljupp_core::parents::ParentSurvey,
    pub lifetime_secs: i64,
}

/// One request of [`Store::insert_group`].
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub municipality: &'a str,
    pub regs: &'a [Registration],
    pub key: Option<&'a IdempotencyKey>,
    pub parent_link: Option<&'a NewParentLink>,
}

/// The data version before a write and after it (equal when the write
/// stored nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionStep {
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What an import's stream of registrations carries
/// ([`Store::insert_stream`]).
#[derive(Debug)]
pub enum StreamItem {
    /// The next registrations of the file.
    Rows(Vec<Registration>),
    /// The whole file was read without a problem: store it.
    End,
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

/// SQLite's writing connection (`Store::sqlite_writer`), taken for one
/// write transaction: the lock is held until [`WriterTurn::end`].
struct WriterTurn<'s> {
    slot: tokio::sync::MutexGuard<'s, Option<sqlx::pool::PoolConnection<sqlx::Sqlite>>>,
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    bulk: bool,
}

impl WriterTurn<'_> {
    /// Gives the connection back: it stays the store's writer when `keep`
    /// (a failed transaction's connection may be what failed), and a bulk
    /// write's larger cache goes back to the pool's setting
    /// (`crate::Store::open`).
    async fn end(mut self, keep: bool) -> Result<()> {
        if self.bulk {
            sqlx::query("PRAGMA cache_size = -65536")
                .execute(&mut *self.conn)
                .await?;
        }
        if keep {
            *self.slot = Some(self.conn);
        }
        Ok(())
    }
}

impl Store {
    /// Takes SQLite's writing connection (the pool's when there is none
    /// yet). A bulk write touches more pages than a connection's usual
    /// cache (64 MiB) holds: with `bulk` it gets more for this transaction
    /// only.
    async fn sqlite_writer_turn(
        &self,
        pool: &sqlx::SqlitePool,
        bulk: bool,
    ) -> Result<WriterTurn<'_>> {
        let mut slot = self.sqlite_writer.lock().await;
        let mut conn = match slot.take() {
            Some(conn) => conn,
            None => pool.acquire().await?,
        };
        if bulk {
            sqlx::query("PRAGMA cache_size = -524288")
                .execute(&mut *conn)
                .await?;
        }
        Ok(WriterTurn { slot, conn, bulk })
    }
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
        let req = Request {
            municipality,
            regs,
            key,
            parent_link: None,
        };
        let (mut out, _) = self
            .insert_group(std::slice::from_ref(&req), crate::now_unix(), progress)
            .await?;
        out.pop()
            .ok_or_else(|| StoreError::Conflict("no result for the insert".into()))
    }

    /// Stores several requests in one transaction (a group commit): each
    /// with its own idempotency key (a key seen before stores nothing for
    /// that request, see [`Store::insert_registrations_once`]) and
    /// optionally the parent's answer link for its first registration.
    /// Returns one [`Insert`] per request, in order, and the data version
    /// before and after the transaction, read under the write lock: a
    /// cache holding the counts of version `before` becomes the counts of
    /// `after` by adding the stored registrations.
    pub async fn insert_group(
        &self,
        reqs: &[Request<'_>],
        now: i64,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<(Vec<Insert>, VersionStep)> {
        for r in reqs {
            if let (Some(link), Some(first)) = (r.parent_link, r.regs.first()) {
                crate::parent_links::check_survey(&self.forms, first.kind, &link.survey)?;
            }
        }
        let today = reqs.iter().find_map(|r| r.key.map(|k| k.today));
        let bulk = reqs.iter().map(|r| r.regs.len()).sum::<usize>() > BULK_ROWS;
        match &self.pool {
            Pool::Sqlite(p) => {
                let mut turn = self.sqlite_writer_turn(p, bulk).await?;
                let r = async {
                    // One hand-off to the connection's thread for the lock,
                    // then the whole transaction on this one (see
                    // `crate::sqlite_direct`): under load each statement's
                    // round trip through sqlx waited for a turn on a busy
                    // CPU, and every request of the group waited for the
                    // sum.
                    let mut lock = turn.conn.lock_handle().await?;
                    let db = crate::sqlite_direct::Direct::new(&mut lock);
                    sqlite_group(&db, &self.forms, reqs, today, now, progress)
                }
                .await;
                turn.end(r.is_ok()).await?;
                r
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                // The row lock orders this transaction after every other
                // write to registrations (they all update this row), so
                // `before` is the version it follows.
                let before = version_before!(tx, " FOR UPDATE");
                if let Some(today) = today {
                    sqlx::query(&crate::pg_placeholders(
                        "DELETE FROM idempotency_key WHERE expires_on < ?",
                    ))
                    .bind(today)
                    .execute(&mut *tx)
                    .await?;
                }
                // First each request's key (a replay stores nothing), then
                // the rows of all stored requests together: one multi-row
                // INSERT per kind and one for the parents' links, not
                // statements per request. Every statement is a round trip
                // to PostgreSQL made while the group's requests wait.
                let mut out = Vec::with_capacity(reqs.len());
                for req in reqs {
                    let ids = new_ids(req);
                    if let Some(k) = req.key {
                        // A concurrent request with the same key waits on
                        // the primary key until the first commits, then
                        // finds it.
                        let claimed = sqlx::query(&crate::pg_placeholders(CLAIM_KEY))
                            .bind(&k.key_hash)
                            .bind(&k.fingerprint)
                            .bind(ids.join(";"))
                            .bind(k.expires_on())
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if claimed == 0 {
                            let found: (String, String) =
                                sqlx::query_as(&crate::pg_placeholders(CLAIMED_KEY))
                                    .bind(&k.key_hash)
                                    .fetch_one(&mut *tx)
                                    .await?;
                            out.push(replay(found, k));
                            continue;
                        }
                    }
                    out.push(Insert::Stored(ids));
                }
                let (by_kind, links) = plan(reqs, &out);
                let mut written = 0usize;
                for ((municipality, kind), rows) in &by_kind {
                    let def = self.forms.kind(*kind);
                    if bulk {
                        pg_bulk_insert(
                            &mut tx,
                            *kind,
                            def,
                            municipality,
                            rows,
                            &mut written,
                            progress,
                        )
                        .await?;
                        continue;
                    }
                    for chunk in rows.chunks(BATCH_ROWS) {
                        let sql = crate::pg_placeholders(&insert_sql(*kind, def, chunk.len()));
                        let mut q = sqlx::query(&sql);
                        for (id, r) in chunk {
                            q = q
                                .bind(*id)
                                .bind(*municipality)
                                .bind(i64::from(r.form_version));
                            for f in &def.fields {
                                q = match cells(r, f.ty, &f.name) {
                                    Cell::Str(t) => q.bind(t),
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
                for chunk in links.chunks(BATCH_ROWS) {
                    let sql =
                        crate::pg_placeholders(&crate::parent_links::insert_links_sql(chunk.len()));
                    let mut q = sqlx::query(&sql);
                    for (link, kind, reg) in chunk {
                        q = q
                            .bind(&link.code_hash)
                            .bind(kind.code())
                            .bind(reg.id)
                            .bind(reg.municipality)
                            .bind(foljupp_core::format_date(reg.date))
                            .bind(link.survey.questions.join(";"))
                            .bind(crate::parent_links::expires_at(now, link.lifetime_secs))
                            .bind(link.survey.multi);
                    }
                    q.execute(&mut *tx).await?;
                }
                let stored = out.iter().any(|o| matches!(o, Insert::Stored(_)));
                let step = bump_and_commit!(tx, crate::pg_placeholders, stored, before);
                Ok((out, step))
            }
        }
    }

    /// Stores an import's registrations as they arrive on `rows`, while the
    /// rest of the file is still being read, all or none: in one
    /// transaction that is committed when [`StreamItem::End`] arrives and
    /// rolled back when the channel closes without it (a bad row was found
    /// further on, or the reading failed); then the answer is
    /// [`StoreError::Aborted`]. `progress` is called with the number of
    /// rows written so far. Returns how many were stored and the data
    /// version before and after (as [`Store::insert_group`]).
    pub async fn insert_stream(
        &self,
        municipality: &str,
        rows: &mut tokio::sync::mpsc::Receiver<StreamItem>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<(usize, VersionStep)> {
        macro_rules! stream {
            ($tx:ident, $ph:expr, $lock:expr, $bulk:expr) => {{
                let before = version_before!($tx, $lock);
                let mut written = 0usize;
                loop {
                    let regs = match rows.recv().await {
                        Some(StreamItem::Rows(regs)) => regs,
                        Some(StreamItem::End) => break,
                        // The transaction is rolled back as it is dropped.
                        None => return Err(StoreError::Aborted),
                    };
                    let ids: Vec<String> = regs.iter().map(|_| random_id()).collect();
                    let mut by_kind: BTreeMap<Kind, Vec<(&str, &Registration)>> = BTreeMap::new();
                    for (id, r) in ids.iter().zip(&regs) {
                        by_kind.entry(r.kind).or_default().push((id, r));
                    }
                    for (kind, rows) in &mut by_kind {
                        sort_for_writing(rows);
                        let def = self.forms.kind(*kind);
                        $bulk(
                            &mut *$tx,
                            *kind,
                            def,
                            municipality,
                            rows,
                            &mut written,
                            &mut *progress,
                        )
                        .await?;
                    }
                    drop(by_kind);
                    // Freeing a batch (many small allocations) is a good
                    // part of the writer's time, and the writer is what an
                    // import waits for: it is done beside it.
                    tokio::task::spawn_blocking(move || drop((regs, ids)));
                }
                let step = bump_and_commit!($tx, $ph, written > 0, before);
                Ok((written, step))
            }};
        }
        match &self.pool {
            Pool::Sqlite(p) => {
                // As a bulk write in `insert_group`: the writer's connection,
                // the write lock first, a larger page cache meanwhile.
                let mut turn = self.sqlite_writer_turn(p, true).await?;
                let r: Result<(usize, VersionStep)> = async {
                    let mut tx =
                        sqlx::Connection::begin_with(&mut *turn.conn, "BEGIN IMMEDIATE").await?;
                    stream!(tx, |s: &str| s.to_string(), "", sqlite_bulk_insert)
                }
                .await;
                // An aborted stream was rolled back on a sound connection.
                turn.end(r.is_ok() || matches!(r, Err(StoreError::Aborted)))
                    .await?;
                r
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                stream!(tx, crate::pg_placeholders, " FOR UPDATE", pg_bulk_insert)
            }
        }
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
        match &self.pool {
            Pool::Sqlite(p) => {
                let mut conn = p.acquire().await?;
                self.load_sqlite(&mut conn, municipality, period, district, kind)
                    .await
            }
            Pool::Postgres(p) => {
                let mut conn = p.acquire().await?;
                self.load_postgres(&mut conn, municipality, period, district, kind)
                    .await
            }
        }
    }

    /// [`Store::load_registrations`] on one SQLite connection (or inside a
    /// transaction).
    pub(crate) async fn load_sqlite(
        &self,
        conn: &mut sqlx::SqliteConnection,
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
            for row in q.fetch_all(&mut *conn).await? {
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
                                    Some(s) => {
                                        RawCell::Date(foljupp_core::parse_date(&s).ok_or_else(
                                            || StoreError::Corrupt {
                                                table: table.clone(),
                                                column: cols[i - 1].to_string(),
                                                value: s.clone(),
                                            },
                                        )?)
                                    }
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
        Ok(out)
    }

    /// [`Store::load_registrations`] on one PostgreSQL connection (or
    /// inside a transaction).
    pub(crate) async fn load_postgres(
        &self,
        conn: &mut sqlx::PgConnection,
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
            for row in q.fetch_all(&mut *conn).await? {
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
        Ok(out)
    }

    /// After a bulk import of `kind`: on PostgreSQL, vacuums and analyses
    /// its table, so that the planner knows the new rows at once and
    /// autovacuum does not come round to a million fresh rows later, in
    /// the middle of the day's registrations (100 clients on the 1M
    /// benchmark data: p99 25–30 ms while autovacuum read the fresh tables,
    /// 19–20 ms on the same data vacuumed; on a brand-new cluster the
    /// larger cause was zero-filling new log segments, see
    /// scripts/pg-throwaway). Returns whether there was anything to do:
    /// SQLite has no background vacuum, and its queries go by primary key.
    pub async fn settle_after_import(&self, kind: Kind) -> Result<bool> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(false),
            Pool::Postgres(p) => {
                // VACUUM runs outside a transaction; the table name comes
                // from the fixed set of kinds, not from input.
                sqlx::raw_sql(&format!("VACUUM (ANALYZE) reg_{}", kind.code()))
                    .execute(p)
                    .await?;
                Ok(true)
            }
        }
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

/// A kind's columns in name order, for [`RowValues::split`].
struct ByName<'d>(Vec<(&'d str, usize)>);

impl<'d> ByName<'d> {
    fn new(def: &'d foljupp_core::KindDef) -> Self {
        let mut v: Vec<(&str, usize)> = def
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        v.sort_unstable();
        ByName(v)
    }
}

/// One registration's values by column, and those without a column (for
/// `extra`), found in one merge of two name-ordered lists instead of a
/// lookup per column (which was a good part of a bulk write's work).
struct RowValues<'r> {
    columns: Vec<Option<&'r Value>>,
    extra: Vec<(&'r String, &'r Value)>,
}

impl<'r> RowValues<'r> {
    fn new(def: &foljupp_core::KindDef) -> Self {
        RowValues {
            columns: vec![None; def.fields.len()],
            extra: Vec::new(),
        }
    }

    fn split(&mut self, r: &'r Registration, by_name: &ByName<'_>) {
        self.columns.iter_mut().for_each(|c| *c = None);
        self.extra.clear();
        let mut cols = by_name.0.iter().peekable();
        for (name, v) in &r.values {
            while cols.next_if(|(c, _)| *c < name.as_str()).is_some() {}
            match cols.peek() {
                Some((c, i)) if *c == name.as_str() => {
                    if let Some(slot) = self.columns.get_mut(*i) {
                        *slot = Some(v);
                    }
                }
                _ => self.extra.push((name, v)),
            }
        }
    }

    fn extra_json(&self) -> Option<String> {
        extra_json_of(self.extra.iter().copied())
    }
}

/// Claims an idempotency key (nothing happens when it exists).
const CLAIM_KEY: &str = "INSERT INTO idempotency_key (key_hash, fingerprint, registration_ids, expires_on) VALUES (?, ?, ?, ?) ON CONFLICT (key_hash) DO NOTHING";
/// What an existing key was claimed for.
const CLAIMED_KEY: &str =
    "SELECT fingerprint, registration_ids FROM idempotency_key WHERE key_hash = ?";

/// Fresh random ids for a request's registrations.
fn new_ids(req: &Request<'_>) -> Vec<String> {
    req.regs.iter().map(|_| random_id()).collect()
}

/// A group's rows by municipality and kind, each kind's in writing order.
type ByKind<'a> = BTreeMap<(&'a str, Kind), Vec<(&'a str, &'a Registration)>>;

/// What a group writes once each request's key is claimed (`out`): the
/// stored requests' rows by municipality and kind, in writing order, and
/// their parents' links, each with the kind and key of its registration.
fn plan<'a>(reqs: &'a [Request<'a>], out: &'a [Insert]) -> (ByKind<'a>, Vec<LinkRow<'a>>) {
    let mut by_kind: ByKind<'a> = BTreeMap::new();
    let mut links = Vec::new();
    for (req, inserted) in reqs.iter().zip(out) {
        let Insert::Stored(ids) = inserted else {
            continue;
        };
        for (id, r) in ids.iter().zip(req.regs) {
            by_kind
                .entry((req.municipality, r.kind))
                .or_default()
                .push((id, r));
        }
        if let (Some(link), Some(first), Some(id)) =
            (req.parent_link, req.regs.first(), ids.first())
        {
            links.push((
                link,
                first.kind,
                crate::RegistrationKey {
                    municipality: req.municipality,
                    date: first.date,
                    id,
                },
            ));
        }
    }
    for rows in by_kind.values_mut() {
        sort_for_writing(rows);
    }
    (by_kind, links)
}

/// A parent's answer link with the kind and key of its registration.
type LinkRow<'a> = (&'a NewParentLink, Kind, crate::RegistrationKey<'a>);

/// [`Store::insert_group`]'s transaction on SQLite, every statement on the
/// writer's locked handle: the write lock first (BEGIN IMMEDIATE), so that
/// two requests with one key cannot both read "absent" and `before` is the
/// version this transaction follows; then the keys, the rows, the links
/// and the new version, committed together or rolled back.
fn sqlite_group(
    db: &crate::sqlite_direct::Direct<'_>,
    forms: &foljupp_core::FormSet,
    reqs: &[Request<'_>],
    today: Option<foljupp_core::Date>,
    now: i64,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(Vec<Insert>, VersionStep)> {
    use crate::sqlite_direct::Param;
    use foljupp_core::format_date;
    let tx = db.begin_immediate()?;
    let before = db
        .prepare(crate::READ_DATA_VERSION)?
        .query_row(&[])?
        .and_then(|row| row.into_iter().next().flatten());
    let mut out = Vec::with_capacity(reqs.len());
    if let Some(today) = today {
        db.prepare("DELETE FROM idempotency_key WHERE expires_on < ?")?
            .run(&[Param::Owned(format_date(today))])?;
        let mut claim = db.prepare(CLAIM_KEY)?;
        let mut claimed = db.prepare(CLAIMED_KEY)?;
        for req in reqs {
            let ids = new_ids(req);
            if let Some(k) = req.key {
                claim.run(&[
                    Param::Text(&k.key_hash),
                    Param::Text(&k.fingerprint),
                    Param::Owned(ids.join(";")),
                    Param::Owned(format_date(k.expires_on())),
                ])?;
                if db.changes() == 0 {
                    let found = claimed
                        .query_row(&[Param::Text(&k.key_hash)])?
                        .and_then(|row| {
                            let mut cols = row.into_iter();
                            Some((cols.next()??, cols.next()??))
                        })
                        .ok_or_else(|| StoreError::Conflict("idempotensnyckeln försvann".into()))?;
                    out.push(replay(found, k));
                    continue;
                }
            }
            out.push(Insert::Stored(ids));
        }
    } else {
        out.extend(reqs.iter().map(|req| Insert::Stored(new_ids(req))));
    }
    let (by_kind, links) = plan(reqs, &out);
    let mut written = 0usize;
    for ((municipality, kind), rows) in &by_kind {
        let def = forms.kind(*kind);
        write_rows(
            db,
            &insert_sql(*kind, def, 1),
            def,
            municipality,
            rows,
            &mut written,
            progress,
        )?;
    }
    if !links.is_empty() {
        let mut insert = db.prepare(&crate::parent_links::insert_links_sql(1))?;
        for (link, kind, reg) in &links {
            insert.run(&[
                Param::Text(&link.code_hash),
                Param::Text(kind.code()),
                Param::Text(reg.id),
                Param::Text(reg.municipality),
                Param::Owned(format_date(reg.date)),
                Param::Owned(link.survey.questions.join(";")),
                Param::Int(crate::parent_links::expires_at(now, link.lifetime_secs)),
                Param::Int(i64::from(link.survey.multi)),
            ])?;
        }
    }
    let after = if out.iter().any(|o| matches!(o, Insert::Stored(_))) {
        let token = crate::random_token();
        db.prepare(crate::BUMP_DATA_VERSION)?
            .run(&[Param::Text(&token)])?;
        Some(token)
    } else {
        before.clone()
    };
    tx.commit()?;
    Ok((out, VersionStep { before, after }))
}

/// Writes one kind's rows on SQLite through a prepared single-row INSERT on
/// the connection's locked handle ([`crate::sqlite_direct`]): the same
/// values, in the same order, as the multi-row INSERTs PostgreSQL gets,
/// bound in place. Runs on the calling thread, inside the caller's
/// transaction, which holds SQLite's write lock anyway.
fn write_rows(
    db: &crate::sqlite_direct::Direct<'_>,
    sql: &str,
    def: &foljupp_core::KindDef,
    municipality: &str,
    rows: &[(&str, &Registration)],
    written: &mut usize,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<()> {
    use crate::sqlite_direct::Param;
    let mut insert = db.prepare(sql)?;
    let mut row: Vec<Param<'_>> = Vec::with_capacity(4 + def.fields.len());
    let by_name = ByName::new(def);
    let mut values = RowValues::new(def);
    for (n, (id, r)) in rows.iter().enumerate() {
        values.split(r, &by_name);
        row.clear();
        row.push(Param::Text(id));
        row.push(Param::Text(municipality));
        row.push(Param::Int(i64::from(r.form_version)));
        for (f, v) in def.fields.iter().zip(&values.columns) {
            // As bound through sqlx: dates as ÅÅÅÅ-MM-DD text, yes/no as
            // 1/0.
            row.push(match cell_of(f.ty, *v) {
                Cell::Str(t) => t.map_or(Param::Null, Param::Text),
                Cell::Text(t) => t.map_or(Param::Null, Param::Owned),
                Cell::Int(i) => i.map_or(Param::Null, Param::Int),
                Cell::Date(d) => {
                    d.map_or(Param::Null, |d| Param::Owned(foljupp_core::format_date(d)))
                }
                Cell::Bool(b) => b.map_or(Param::Null, |b| Param::Int(i64::from(b))),
            });
        }
        row.push(values.extra_json().map_or(Param::Null, Param::Owned));
        insert.run(&row)?;
        if (n + 1) % BATCH_ROWS == 0 || n + 1 == rows.len() {
            progress(*written + n + 1);
        }
    }
    *written += rows.len();
    Ok(())
}

/// An import's rows of one kind on SQLite: [`write_rows`] on the handle of
/// the connection whose transaction sqlx has begun (as [`pg_bulk_insert`],
/// for `insert_stream`).
async fn sqlite_bulk_insert(
    conn: &mut sqlx::SqliteConnection,
    kind: Kind,
    def: &foljupp_core::KindDef,
    municipality: &str,
    rows: &[(&str, &Registration)],
    written: &mut usize,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<()> {
    let mut lock = conn.lock_handle().await?;
    let db = crate::sqlite_direct::Direct::new(&mut lock);
    write_rows(
        &db,
        &insert_sql(kind, def, 1),
        def,
        municipality,
        rows,
        written,
        progress,
    )
}

/// Writes one kind's rows of a bulk import on PostgreSQL with `COPY … FROM
/// STDIN` (text format) instead of multi-row INSERTs: the same values as
/// the INSERTs bind, in the same order, without a bound parameter per
/// value. Inside the caller's transaction.
async fn pg_bulk_insert(
    conn: &mut sqlx::PgConnection,
    kind: Kind,
    def: &foljupp_core::KindDef,
    municipality: &str,
    rows: &[(&str, &Registration)],
    written: &mut usize,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<()> {
    /// Bytes sent to the server at a time.
    const SEND_BYTES: usize = 1 << 20;
    if rows.is_empty() {
        return Ok(());
    }
    let statement = format!(
        "COPY reg_{} (id, municipality, form_version, {}, extra) FROM STDIN",
        kind.code(),
        def.fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut copy = conn.copy_in_raw(&statement).await?;
    let mut buf = String::with_capacity(SEND_BYTES + 4096);
    let mut sent = 0;
    let by_name = ByName::new(def);
    let mut values = RowValues::new(def);
    let result: Result<()> = async {
        for (n, (id, r)) in rows.iter().enumerate() {
            values.split(r, &by_name);
            copy_text(&mut buf, Some(id));
            buf.push('\t');
            copy_text(&mut buf, Some(municipality));
            buf.push('\t');
            buf.push_str(&r.form_version.to_string());
            for (f, v) in def.fields.iter().zip(&values.columns) {
                buf.push('\t');
                // As bound through sqlx: DATE from ÅÅÅÅ-MM-DD (ISO, read
                // the same under any DateStyle), BOOLEAN from t/f.
                match cell_of(f.ty, *v) {
                    Cell::Str(t) => copy_text(&mut buf, t),
                    Cell::Text(t) => copy_text(&mut buf, t.as_deref()),
                    Cell::Int(i) => copy_text(&mut buf, i.map(|i| i.to_string()).as_deref()),
                    Cell::Date(d) => {
                        copy_text(&mut buf, d.map(foljupp_core::format_date).as_deref())
                    }
                    Cell::Bool(b) => copy_text(&mut buf, b.map(|b| if b { "t" } else { "f" })),
                }
            }
            buf.push('\t');
            copy_text(&mut buf, values.extra_json().as_deref());
            buf.push('\n');
            if buf.len() >= SEND_BYTES || n + 1 == rows.len() {
                copy.send(std::mem::take(&mut buf).into_bytes()).await?;
                buf.reserve(SEND_BYTES + 4096);
                progress(*written + n + 1);
                sent = n + 1;
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            let stored = copy.finish().await?;
            if usize::try_from(stored).ok() != Some(sent) {
                return Err(StoreError::Failed(format!(
                    "COPY sparade {stored} rader av {sent}"
                )));
            }
            *written += rows.len();
            Ok(())
        }
        Err(e) => {
            // The transaction is rolled back by the caller; the copy must
            // still be ended for the connection to be usable.
            let _ = copy.abort("massinläsningen avbröts").await;
            Err(e)
        }
    }
}

/// One value in COPY's text format: `\N` for NULL, and the characters
/// that format gives a meaning (backslash, tab, newline, carriage return)
/// escaped.
fn copy_text(buf: &mut String, value: Option<&str>) {
    let Some(v) = value else {
        buf.push_str("\\N");
        return;
    };
    for c in v.chars() {
        match c {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

/// Puts rows in primary-key order (municipality, date, id) before they are
/// written: a bulk write then appends to the table's B-tree or fills a few
/// neighbouring pages instead of touching a random page per row. The order
/// says nothing: ids are random.
fn sort_for_writing(rows: &mut [(&str, &Registration)]) {
    rows.sort_unstable_by(|a, b| (a.1.date, a.0).cmp(&(b.1.date, b.0)));
}

fn insert_sql(kind: Kind, def: &foljupp_core::KindDef, rows: usize) -> String {
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
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..ncols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
        }
        sql.push(')');
    }
    sql
}

/// The answers to questions without a column of their own (added by an
/// admin after the shipped forms) as a JSON object, or NULL when none.
fn extra_json(r: &Registration, def: &foljupp_core::KindDef) -> Option<String> {
    extra_json_of(
        r.values
            .iter()
            .filter(|(name, _)| def.field(name).is_none()),
    )
}

/// [`extra_json`] of the answers without a column, in name order.
fn extra_json_of<'a>(extra: impl Iterator<Item = (&'a String, &'a Value)>) -> Option<String> {
    let mut map = serde_json::Map::new();
    for (name, v) in extra {
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

/// Separators of the packed rows of a scan (ASCII group, record and unit
/// separators): codes, numbers and dates never contain them.
const ROW_SEP: char = '\u{1d}';
const NULL_CELL: &str = "\u{1e}";
const CELL_SEP: char = '\u{1f}';

/// The scan's query for one kind: one result row per day, holding all of
/// that day's rows packed into one text (cells joined by [`CELL_SEP`],
/// NULL as [`NULL_CELL`], rows joined by [`ROW_SEP`]). The database does
/// the packing in C; the driver then copies a few thousand values instead
/// of one per cell of every row, which is what made the scan slow.
/// Grouping by day follows the primary key (municipality, date, id).
fn packed_scan_sql(kind: Kind, def: &foljupp_core::KindDef, sqlite: bool) -> String {
    let cells: Vec<String> = def
        .fields
        .iter()
        .map(|f| match (sqlite, f.ty) {
            (true, _) => format!("ifnull({}, char(30))", f.name),
            (false, FieldType::Date) => {
                format!("coalesce(to_char({}, 'YYYY-MM-DD'), chr(30))", f.name)
            }
            (false, _) => format!("coalesce({}::text, chr(30))", f.name),
        })
        .collect();
    if sqlite {
        // concat_ws (SQLite 3.44+, bundled by sqlx) builds each row in one
        // step, where `||` would copy the growing text once per cell.
        format!(
            "SELECT group_concat(concat_ws(char(31), {}), char(29)) FROM reg_{} WHERE municipality = ? GROUP BY date",
            cells.join(", "),
            kind.code()
        )
    } else {
        format!(
            "SELECT string_agg(concat_ws(chr(31), {}), chr(29)) FROM reg_{} WHERE municipality = $1 GROUP BY date",
            cells.join(", "),
            kind.code()
        )
    }
}

/// Counts the packed rows of one day (see [`packed_scan_sql`]): each row
/// becomes a borrowed view handed to `each`, no `Registration` and no
/// allocation per value.
fn scan_packed(
    kind: Kind,
    def: &foljupp_core::KindDef,
    packed: &str,
    each: &mut (dyn FnMut(&FieldsView<'_>) + Send),
) -> Result<()> {
    let table = || format!("reg_{}", kind.code());
    let corrupt = |column: &str, value: &str| StoreError::Corrupt {
        table: table(),
        column: column.to_string(),
        value: value.to_string(),
    };
    let mut buf: Vec<(&str, ValueRef<'_>)> = Vec::with_capacity(def.fields.len());
    // The rows of one result share their day: parse each date text once.
    let mut last_date: (&str, Option<foljupp_core::Date>) = ("", None);
    let (mut day, mut district) = (None, None);
    let bytes = packed.as_bytes();
    let mut start = 0;
    // One pass over the bytes finds both separators (they are ASCII, so
    // every cut is on a character boundary).
    for i in 0..=bytes.len() {
        let sep = bytes.get(i).copied().unwrap_or(ROW_SEP as u8);
        if sep != CELL_SEP as u8 && sep != ROW_SEP as u8 {
            continue;
        }
        let cell = packed.get(start..i).unwrap_or_default();
        start = i + 1;
        let field = buf.len();
        let f = def.fields.get(field).ok_or_else(|| corrupt("*", cell))?;
        let v = if cell == NULL_CELL {
            None
        } else {
            Some(match f.ty {
                FieldType::Date => {
                    let d = match last_date {
                        (text, Some(d)) if text == cell => d,
                        _ => {
                            let d = foljupp_core::parse_date(cell)
                                .ok_or_else(|| corrupt(&f.name, cell))?;
                            last_date = (cell, Some(d));
                            d
                        }
                    };
                    ValueRef::Date(d)
                }
                FieldType::Int => ValueRef::Int(cell.parse().map_err(|_| corrupt(&f.name, cell))?),
                FieldType::Bool => ValueRef::Bool(match cell {
                    "1" | "true" | "t" => true,
                    "0" | "false" | "f" => false,
                    _ => return Err(corrupt(&f.name, cell)),
                }),
                FieldType::Code => ValueRef::Code(cell),
                FieldType::Codes => ValueRef::Codes(Codes::Joined(cell)),
                FieldType::Participants => ValueRef::Participants(Participants::Joined(cell)),
            })
        };
        match (f.name.as_str(), v) {
            ("date", Some(ValueRef::Date(d))) => day = Some(d),
            ("district", Some(ValueRef::Code(d))) => district = Some(d),
            _ => {}
        }
        // A NULL keeps its place (so that `buf.len()` is the field index)
        // and is dropped from the view below.
        buf.push((f.name.as_str(), v.unwrap_or(ValueRef::Code(NULL_CELL))));
        if sep == ROW_SEP as u8 {
            if buf.len() != def.fields.len() {
                return Err(corrupt("*", cell));
            }
            buf.retain(|(_, v)| !matches!(v, ValueRef::Code(NULL_CELL)));
            let view = FieldsView {
                kind,
                date: day.take().ok_or_else(|| corrupt("date", ""))?,
                district: district.take().ok_or_else(|| corrupt("district", ""))?,
                values: &buf,
            };
            each(&view);
            buf.clear();
        }
    }
    Ok(())
}

impl Store {
    /// Every registration of `municipality`, streamed to `each` as a
    /// borrowed view (for rebuilding the report rollup: memory stays flat
    /// whatever the number of rows; one day's rows are held at a time).
    /// All kinds are read in one read-only snapshot together with the data
    /// version, which is returned: the rows seen are exactly those of that
    /// version, so a writer's later changes can be applied on top without
    /// counting any row twice.
    pub async fn scan_registrations(
        &self,
        municipality: &str,
        each: &mut (dyn FnMut(&FieldsView<'_>) + Send),
    ) -> Result<Option<String>> {
        self.scan_kinds(municipality, &Kind::ALL, each).await
    }

    /// [`Store::scan_registrations`] for some kinds only (a rebuild scans
    /// kinds on two connections at once and checks that both read the
    /// same data version).
    pub async fn scan_kinds(
        &self,
        municipality: &str,
        kinds: &[Kind],
        each: &mut (dyn FnMut(&FieldsView<'_>) + Send),
    ) -> Result<Option<String>> {
        use futures_util::TryStreamExt;
        let version_sql = "SELECT token FROM data_version WHERE scope = 'registrations'";
        match &self.pool {
            Pool::Sqlite(p) => {
                // A deferred transaction's first read fixes the WAL
                // snapshot for every statement after it.
                let mut tx = p.begin().await?;
                let version: Option<(String,)> =
                    sqlx::query_as(version_sql).fetch_optional(&mut *tx).await?;
                for &k in kinds {
                    let def = self.forms.kind(k);
                    let sql = packed_scan_sql(k, def, true);
                    let mut rows = sqlx::query(&sql).bind(municipality).fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await? {
                        let packed: Option<&str> = row.try_get(0)?;
                        scan_packed(k, def, packed.unwrap_or_default(), each)?;
                    }
                }
                tx.commit().await?;
                Ok(version.map(|(v,)| v))
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                let version: Option<(String,)> =
                    sqlx::query_as(version_sql).fetch_optional(&mut *tx).await?;
                for &k in kinds {
                    let def = self.forms.kind(k);
                    let sql = packed_scan_sql(k, def, false);
                    let mut rows = sqlx::query(&sql).bind(municipality).fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await? {
                        let packed: Option<&str> = row.try_get(0)?;
                        scan_packed(k, def, packed.unwrap_or_default(), each)?;
                    }
                }
                tx.commit().await?;
                Ok(version.map(|(v,)| v))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use foljupp_core::forms::DecodeContext;
    use foljupp_core::{FormSet, Input, Organisation};

    /// `n` registrations of four kinds, with every field type filled in or
    /// left empty now and then, and answers to questions without a column
    /// (stored as JSON in `extra`) holding characters that need escaping.
    fn registrations(n: usize) -> Vec<Registration> {
        let forms = FormSet::defaults();
        let org = Organisation::stockholm();
        let ctx = DecodeContext {
            organisation: &org,
            today: time::macros::date!(2030 - 01 - 01),
        };
        let districts = ["farsta", "rinkeby-kista", "skarholmen"];
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let mut input = Input::new();
            let mut set = |k: &str, v: &str| {
                if !v.is_empty() {
                    input.insert(k.to_string(), vec![v.to_string()]);
                }
            };
            let day =
                time::macros::date!(2021 - 01 - 01) + time::Duration::days((i * 7 % 900) as i64);
            set("date", &foljupp_core::format_date(day));
            set("district", districts[i % 3]);
            let kind = [
                Kind::Conversation,
                Kind::HomeVisit,
                Kind::GroupMeeting,
                Kind::ProgrammeGroup,
            ][i % 4];
            match kind {
                Kind::Conversation => {
                    set(
                        "participants",
                        ["parent:woman;parent:man", "", "other_adult:woman"][i % 3],
                    );
                    set("children", &(i % 5).to_string());
                    set("age_groups", ["0-6;7-12", "", "expecting"][i % 3]);
                    set("conversation_no", "2");
                    set("q_helpful", ["yes", "", "no_answer"][i % 3]);
                }
                Kind::HomeVisit => {
                    set("visit_no", "3");
                    set("present", ["mother;father", "", "mother"][i % 3]);
                    set("further_contacts", ["yes", "no", ""][i % 3]);
                    set(
                        "further_contacts_to",
                        ["advice_conversation", "", ""][i % 3],
                    );
                }
                Kind::GroupMeeting => {
                    set("women", &(i % 9).to_string());
                    set("q_helpful_yes", ["", "3"][i % 2]);
                }
                _ => {
                    set("end_date", ["", "2030-01-01"][i % 2]);
                    set("started_women", "5");
                    set("completed_women", &(i % 6).to_string());
                }
            }
            let mut r = forms.decode(kind, &input, &ctx).unwrap();
            if i % 10 == 0 {
                r.values
                    .insert("added_q".into(), Value::Code("a\\b\tc\nd\"e".into()));
                r.values.insert(
                    "added_list".into(),
                    Value::Codes(vec!["x".into(), "y;z".into()]),
                );
            }
            out.push(r);
        }
        out
    }

    /// Every stored row of `kind` of `municipality` but its id, each cell
    /// as the database shows its value and type, sorted.
    async fn stored_rows(store: &Store, municipality: &str, kind: Kind) -> Vec<String> {
        let def = store.forms.kind(kind);
        let cols: Vec<&str> = ["form_version"]
            .into_iter()
            .chain(def.fields.iter().map(|f| f.name.as_str()))
            .chain(["extra"])
            .collect();
        let mut rows: Vec<String> = match &store.pool {
            Pool::Sqlite(p) => {
                let cells: Vec<String> = cols
                    .iter()
                    .map(|c| format!("typeof({c}) || quote({c})"))
                    .collect();
                let sql = format!(
                    "SELECT {} FROM reg_{} WHERE municipality = ?",
                    cells.join(" || '|' || "),
                    kind.code()
                );
                sqlx::query_scalar(&sql)
                    .bind(municipality)
                    .fetch_all(p)
                    .await
                    .unwrap()
            }
            Pool::Postgres(p) => {
                let cells: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        format!("pg_typeof({c})::text || coalesce(quote_nullable({c}), 'NULL')")
                    })
                    .collect();
                let sql = format!(
                    "SELECT {} FROM reg_{} WHERE municipality = $1",
                    cells.join(" || '|' || "),
                    kind.code()
                );
                sqlx::query_scalar(&sql)
                    .bind(municipality)
                    .fetch_all(p)
                    .await
                    .unwrap()
            }
        };
        rows.sort();
        rows
    }

    /// A bulk write (more than BULK_ROWS rows: the raw SQLite insert, COPY
    /// on PostgreSQL) stores exactly what batched INSERTs store, reads back
    /// as written and reports its progress up to the last row.
    #[tokio::test]
    async fn a_bulk_write_stores_what_batched_inserts_store() {
        let regs = registrations(BULK_ROWS + 11);
        let mut want: Vec<String> = regs.iter().map(|r| format!("{r:?}")).collect();
        want.sort();
        for (backend, url) in crate::testing::fresh_databases().await {
            let store = Store::open(&url, FormSet::defaults()).await.unwrap();
            let mut seen = Vec::new();
            let ids = store
                .insert_registrations("bulk", &regs, &mut |n| seen.push(n))
                .await
                .unwrap();
            assert_eq!(ids.len(), regs.len(), "{backend}");
            assert!(seen.windows(2).all(|w| w[0] < w[1]), "{backend}: {seen:?}");
            assert_eq!(seen.last(), Some(&regs.len()), "{backend}");
            for chunk in regs.chunks(BULK_ROWS / 4) {
                store
                    .insert_registrations("batched", chunk, &mut |_| {})
                    .await
                    .unwrap();
            }
            for kind in Kind::ALL {
                let bulk = stored_rows(&store, "bulk", kind).await;
                let batched = stored_rows(&store, "batched", kind).await;
                assert_eq!(bulk.len(), batched.len(), "{backend} {kind}");
                assert!(bulk == batched, "{backend} {kind}: rows differ");
            }
            let all = Period {
                from: time::macros::date!(2000 - 01 - 01),
                to: time::macros::date!(2030 - 12 - 31),
            };
            let back = store
                .load_registrations("bulk", all, None, None)
                .await
                .unwrap();
            let mut got: Vec<String> = back.iter().map(|r| format!("{r:?}")).collect();
            got.sort();
            assert!(got == want, "{backend}: registrations read back differ");
            store.close().await;
        }
    }
}
