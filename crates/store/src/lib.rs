//! Persistence of foljupp on SQLite (the embedded default) and PostgreSQL.
//! This is the only crate that speaks SQL.
//!
//! One [`Store`] wraps a pool of either backend, chosen by the URL's scheme.
//! Queries are built at run time (`sqlx::query`), not with the compile-time
//! macros, which would see only one backend.
//!
//! Architecture invariant: a registration row holds a random id, the
//! municipality, the form version, the activity's day and the form's coded
//! fields. Nothing in this crate writes who made a registration, and no
//! function links an account to a registration.

mod accounts;
mod audit;
mod backup;
mod catalogue;
mod config;
mod migrate;
mod parent_links;
mod registrations;
mod snapshot;
mod sqlite_direct;
mod steering;
pub mod testing;

pub use accounts::{Account, ApiToken, ApiTokenListing, SessionRecord, TOKEN_TRUST_SECS};
pub use audit::{AuditEvent, AuditFilter};
pub use parent_links::{AnswerOutcome, DayRecount, LinkState, ParentLink, RegistrationKey};
pub use registrations::{IdempotencyKey, Insert, NewParentLink, Request, StreamItem, VersionStep};
pub use steering::{LinkHash, LinkTarget, NewRound, SpindelnRound, StatusContent, StatusReport};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("databasadressen {0:?} känns inte igen: använd sqlite://FIL eller postgres://…")]
    BadUrl(String),
    #[error("databasfel: {0}")]
    Database(#[from] sqlx::Error),
    #[error("databasen innehåller ett ogiltigt värde i {table}.{column}: {value:?}")]
    Corrupt {
        table: String,
        column: String,
        value: String,
    },
    #[error("{0}")]
    Conflict(String),
    /// The database could not be reached (a copy of such an error, passed
    /// on to every request of a group that failed together).
    #[error("databasen svarar inte: {0}")]
    Unavailable(String),
    /// An import's stream ended before its last row: nothing was stored.
    #[error("importen avbröts innan hela filen var läst: ingenting sparades")]
    Aborted,
    /// Any other failure, copied the same way (answered as a server error).
    #[error("databasfel: {0}")]
    Failed(String),
}

impl StoreError {
    /// Whether the database is unreachable (as opposed to a query problem),
    /// so that the web layer can answer 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
            ) | StoreError::Unavailable(_)
        )
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection pool on one of the two backends, migrated on open.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    pub(crate) forms: foljupp_core::FormSet,
    /// API tokens looked up in the last few seconds (see
    /// [`accounts::TOKEN_TRUST_SECS`]), shared by the store's clones.
    pub(crate) tokens: std::sync::Arc<accounts::TokenCache>,
    /// SQLite: the connection that writes registrations, kept between
    /// transactions. In WAL mode a connection forgets its whole page cache
    /// when it finds that another connection wrote, so writers taking
    /// turns with the pool's connections would each read the pages they
    /// change again; one writer keeps them. SQLite runs one write
    /// transaction at a time anyway.
    pub(crate) sqlite_writer: SqliteWriter,
    pub(crate) checkpointer: std::sync::Arc<Checkpointer>,
}

/// SQLite's writing connection, held by whoever writes (`Store::sqlite_writer`).
pub(crate) type SqliteWriter =
    std::sync::Arc<tokio::sync::Mutex<Option<sqlx::pool::PoolConnection<sqlx::Sqlite>>>>;

/// Frames (4 KiB pages) in SQLite's write-ahead log from which the
/// background checkpointer starts it over (256 MiB): each restart holds
/// the writer for a moment, so not too often (64 MiB made 100 clients on
/// an empty database slower: p99 26–31 → 30–38 ms).
const RESTART_FRAMES: i64 = 65_536;

/// Copies the SQLite write-ahead log into the database file ten times a
/// second, on a connection of its own (a small page cache), until the
/// store is closed ([`Checkpointer`]). PASSIVE: it never waits for or blocks readers or the writer,
/// and with nothing to copy it costs one read of the shared index. Often,
/// so that each copy and its sync are small.
///
/// Under steady writes such a checkpoint is never complete when the next
/// write begins, so the log never starts over by itself: it grows until
/// the commit that crosses `wal_autocheckpoint` (1 GiB, `Store::open`)
/// checkpoints in the writer, which held every queued request for ~240 ms
/// every ~7 s at 7k registrations/s over a million (p99 140 ms). So once
/// the log passes [`RESTART_FRAMES`]: passive checkpoints back to back
/// until one is quick (it found little to copy), then one more while
/// holding the store's writer lock, so that nothing is committed
/// meanwhile; the writer's next transaction then finds the whole log
/// copied and starts it over. Measured the same way (wrk, 100 clients,
/// 20 s on a copy of the 1M benchmark database), alternating with the
/// previous build: p99 138–143 ms → 74–91 ms with a 64 MiB threshold and
/// 92–108 ms with this one (a noisy machine), the held checkpoint
/// 30–120 ms every few seconds. A writer that keeps the lock
/// longer (a bulk write) is not waited for: the next round tries again.
fn checkpoint_in_background(
    pool: sqlx::SqlitePool,
    opts: SqliteConnectOptions,
    writer: SqliteWriter,
    stop: std::sync::Arc<tokio::sync::Notify>,
) -> tokio::task::JoinHandle<()> {
    use sqlx::ConnectOptions;
    /// Back-to-back rounds before the held one, at most.
    const CATCH_UP_ROUNDS: u32 = 20;
    /// A round this quick found little left to copy.
    const QUICK: Duration = Duration::from_millis(4);
    async fn passive(conn: &mut sqlx::SqliteConnection) -> Result<(i64, i64, Duration)> {
        let started = std::time::Instant::now();
        let (_, log, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(conn)
            .await?;
        Ok((log, copied, started.elapsed()))
    }
    tokio::spawn(async move {
        let mut conn = match opts.pragma("cache_size", "-2048").connect().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "SQLite checkpoints only in the writer");
                return;
            }
        };
        let mut every = tokio::time::interval(Duration::from_millis(100));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Whether the log has started over since the last held checkpoint
        // (until then, another would find nothing to do).
        let mut started_over = true;
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.notified() => break,
            }
            if pool.is_closed() {
                break;
            }
            let (log, copied, took) = match passive(&mut conn).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "SQLite checkpoint failed");
                    continue;
                }
            };
            // At debug level: how far the copying is behind the writer.
            tracing::debug!(log, copied, us = took.as_micros() as u64, "checkpoint");
            started_over |= log < RESTART_FRAMES;
            if log < RESTART_FRAMES || copied < log || !started_over {
                continue;
            }
            let mut last = took;
            for _ in 0..CATCH_UP_ROUNDS {
                if last < QUICK {
                    break;
                }
                last = match passive(&mut conn).await {
                    Ok((_, _, took)) => took,
                    Err(_) => break,
                };
            }
            let Ok(_writing) =
                tokio::time::timeout(Duration::from_millis(200), writer.lock()).await
            else {
                continue;
            };
            match passive(&mut conn).await {
                Ok((log, copied, took)) => {
                    started_over = false;
                    tracing::debug!(log, copied, us = took.as_micros() as u64, "log restart");
                }
                Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed"),
            }
        }
        let _ = sqlx::Connection::close(conn).await;
    })
}

/// The background checkpointer of a SQLite store: told to stop and waited
/// for by `Store::close`, so that its connection is closed with the pool's.
#[derive(Debug, Default)]
pub(crate) struct Checkpointer {
    stop: std::sync::Arc<tokio::sync::Notify>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Checkpointer {
    async fn stop(&self) {
        self.stop.notify_one();
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://foljupp.db";

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database.
    pub async fn open(url: &str, forms: foljupp_core::FormSet) -> Result<Store> {
        let mut sqlite_opts = None;
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // NORMAL in WAL mode survives a crash of the process; only a
                // power loss can lose the last transactions.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                // A larger page cache (64 MiB per connection) keeps bulk
                // imports and report scans from thrashing the default 2 MiB.
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory")
                // Checkpoints run in the background
                // (`checkpoint_in_background`), not in whichever commit
                // crosses SQLite's threshold, where copying and syncing the
                // log holds up the one writer and every request queued
                // behind it. This threshold (1 GiB of frames) is only a
                // backstop: the background checkpointer starts the log
                // over long before. The file keeps its size (no
                // journal_size_limit): cutting a gigabyte off it held the
                // writer for 300 ms on a disk mounted with discard.
                .pragma("wal_autocheckpoint", "262144")
                .foreign_keys(true);
            // The background checkpointer opens its own connection alike.
            sqlite_opts = Some(opts.clone());
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    // An embedded database does not go away: pinging it
                    // before each use only costs a round trip to the
                    // connection's thread on every query.
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?,
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    // While the server is down, sqlx retries a refused
                    // connection until this deadline: it is how long a
                    // request waits before its 503. Idle connections are
                    // pinged before use, so after a restart the pool drops
                    // the dead ones and reconnects by itself.
                    .acquire_timeout(Duration::from_secs(3))
                    .test_before_acquire(true)
                    .connect(url)
                    .await?,
            )
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let sqlite_writer: SqliteWriter = Default::default();
        let checkpointer = std::sync::Arc::new(Checkpointer::default());
        if let (Pool::Sqlite(p), Some(opts)) = (&pool, sqlite_opts) {
            let task = checkpoint_in_background(
                p.clone(),
                opts,
                sqlite_writer.clone(),
                checkpointer.stop.clone(),
            );
            if let Ok(mut t) = checkpointer.task.lock() {
                *t = Some(task);
            }
        }
        let store = Store {
            pool,
            forms,
            tokens: Default::default(),
            sqlite_writer,
            checkpointer,
        };
        migrate::run(&store).await?;
        // The version row exists from the start, so that every writer locks
        // it (PostgreSQL) and reads the version it follows (see
        // `insert_group`).
        execute!(
            store,
            "INSERT INTO data_version (scope, token) VALUES ('registrations', ?) ON CONFLICT (scope) DO NOTHING",
            [random_token()]
        );
        Ok(store)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    pub fn forms(&self) -> &foljupp_core::FormSet {
        &self.forms
    }

    /// Columns of a table as (name, lowercased SQL type), read from the live
    /// schema: the privacy test checks registration tables with this.
    pub async fn table_columns(&self, table: &str) -> Result<Vec<(String, String)>> {
        use sqlx::Row;
        Ok(match &self.pool {
            Pool::Sqlite(p) => sqlx::query("SELECT name, type FROM pragma_table_info(?)")
                .bind(table)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| {
                    (
                        r.get::<String, _>(0),
                        r.get::<String, _>(1).to_lowercase(),
                    )
                })
                .collect(),
            Pool::Postgres(p) => sqlx::query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>(0),
                    r.get::<String, _>(1).to_lowercase(),
                )
            })
            .collect(),
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await?,
            Pool::Postgres(p) => {
                let r = sqlx::query("SELECT 1").execute(p).await?;
                let _ = r.rows_affected();
                return Ok(());
            }
        };
        Ok(())
    }

    pub async fn close(&self) {
        // Closing waits for every connection to come back.
        drop(self.sqlite_writer.lock().await.take());
        self.checkpointer.stop().await;
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// Sets the installation's data version to a new random token: every write
/// to registrations does this in its own transaction.
/// The data version a registrations write follows.
pub(crate) const READ_DATA_VERSION: &str =
    "SELECT token FROM data_version WHERE scope = 'registrations'";

pub(crate) const BUMP_DATA_VERSION: &str =
    "INSERT INTO data_version (scope, token) VALUES ('registrations', ?) \
     ON CONFLICT (scope) DO UPDATE SET token = excluded.token";

impl Store {
    /// The installation's data version: changes with every write to
    /// registrations, by any process. `None` before the first write.
    pub async fn data_version(&self) -> Result<Option<String>> {
        use sqlx::Row;
        Ok(fetch_optional!(
            self,
            "SELECT token FROM data_version WHERE scope = 'registrations'",
            [],
            |r| r.try_get::<String, _>(0)?
        ))
    }
}

/// A unique-key violation as a conflict with `message` (a concurrent write
/// got there first); any other error as it is.
pub(crate) fn unique_to_conflict(e: sqlx::Error, message: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(message.to_string())
        }
        _ => StoreError::Database(e),
    }
}

/// Unix seconds now.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A random token of 32 bytes, hex-encoded.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Rewrites `?` placeholders as PostgreSQL's `$1, $2, …`, so that one SQL
/// text serves both backends. (Our SQL never has `?` inside a literal.)
pub(crate) fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Runs one statement with the same binds on whichever backend the store
/// has. The row closure body is expanded once per backend so that it is
/// type-checked against each row type.
macro_rules! fetch_optional {
    ($store:expr, $sql:expr, [$($b:expr),*], |$row:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite(p) => match sqlx::query($sql)$(.bind($b))*.fetch_optional(p).await? {
                Some($row) => Some($body),
                None => None,
            },
            $crate::Pool::Postgres(p) => match sqlx::query(&$crate::pg_placeholders($sql))$(.bind($b))*.fetch_optional(p).await? {
                Some($row) => Some($body),
                None => None,
            },
        }
    };
}

macro_rules! fetch_all {
    ($store:expr, $sql:expr, [$($b:expr),*], |$row:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite(p) => {
                let mut v = Vec::new();
                for $row in sqlx::query($sql)$(.bind($b))*.fetch_all(p).await? {
                    v.push($body);
                }
                v
            }
            $crate::Pool::Postgres(p) => {
                let mut v = Vec::new();
                for $row in sqlx::query(&$crate::pg_placeholders($sql))$(.bind($b))*.fetch_all(p).await? {
                    v.push($body);
                }
                v
            }
        }
    };
}

macro_rules! execute {
    ($store:expr, $sql:expr, [$($b:expr),*]) => {
        match &$store.pool {
            $crate::Pool::Sqlite(p) => sqlx::query($sql)$(.bind($b))*.execute(p).await?.rows_affected(),
            $crate::Pool::Postgres(p) => sqlx::query(&$crate::pg_placeholders($sql))$(.bind($b))*.execute(p).await?.rows_affected(),
        }
    };
}

/// The data version a registrations write follows, read in its
/// transaction under the write lock (`$lock`: PostgreSQL's `FOR UPDATE` on
/// the version row, which orders the writers; on SQLite the transaction
/// already holds the one write lock).
macro_rules! version_before {
    ($tx:ident, $lock:expr) => {{
        let before: Option<String> =
            sqlx::query_scalar(&format!("{}{}", crate::READ_DATA_VERSION, $lock))
                .fetch_optional(&mut *$tx)
                .await?;
        before
    }};
}

/// Ends a registrations write: a new data version when it stored anything
/// (else the one it followed), then the commit. Evaluates to the
/// [`VersionStep`].
macro_rules! bump_and_commit {
    ($tx:ident, $ph:expr, $stored:expr, $before:expr) => {{
        let before: Option<String> = $before;
        let after = if $stored {
            let token = crate::random_token();
            sqlx::query(&$ph(crate::BUMP_DATA_VERSION))
                .bind(&token)
                .execute(&mut *$tx)
                .await?;
            Some(token)
        } else {
            before.clone()
        };
        $tx.commit().await?;
        crate::VersionStep { before, after }
    }};
}

pub(crate) use {bump_and_commit, execute, fetch_all, fetch_optional, version_before};
