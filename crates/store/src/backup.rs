//! Backup and restore.
//!
//! SQLite: `VACUUM INTO` writes a consistent copy of the live database while
//! the server keeps running (readers and writers are not blocked for long;
//! the copy is one transaction's snapshot). Restore copies every table of a
//! backup file into an empty database of the same schema version.
//!
//! PostgreSQL: `pg_dump --format=custom` (a consistent snapshot by design)
//! and `pg_restore` into an empty database; see README.

use crate::{Pool, Result, Store, StoreError};
use sqlx::Row;

/// Tables of an attached schema in creation order, which is an order they
/// can be filled in (references point to earlier tables).
async fn sqlite_tables(conn: &mut sqlx::SqliteConnection, schema: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(&format!(
        "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
        .collect()
}

impl Store {
    /// Writes a consistent copy of a SQLite database to `path` (which must
    /// not exist). For PostgreSQL, use `pg_dump`.
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<()> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(StoreError::Conflict(
                "PostgreSQL säkerhetskopieras med pg_dump (se README).".into(),
            ));
        };
        if path.exists() {
            return Err(StoreError::Conflict(format!(
                "{} finns redan. Välj ett nytt filnamn, så skrivs ingen befintlig fil över.",
                path.display()
            )));
        }
        sqlx::query("VACUUM INTO ?")
            .bind(path.to_string_lossy().to_string())
            .execute(p)
            .await?;
        Ok(())
    }

    /// Whether the database holds no registrations and no accounts.
    pub async fn is_empty(&self) -> Result<bool> {
        let regs: i64 = self.count_all_registrations().await?;
        let accounts = match &self.pool {
            Pool::Sqlite(p) => sqlx::query("SELECT COUNT(*) FROM account")
                .fetch_one(p)
                .await?
                .try_get::<i64, _>(0)?,
            Pool::Postgres(p) => sqlx::query("SELECT COUNT(*) FROM account")
                .fetch_one(p)
                .await?
                .try_get::<i64, _>(0)?,
        };
        Ok(regs == 0 && accounts == 0)
    }

    async fn count_all_registrations(&self) -> Result<i64> {
        let mut n = 0;
        for k in foljupp_core::Kind::ALL {
            let sql = format!("SELECT COUNT(*) FROM reg_{}", k.code());
            n += match &self.pool {
                Pool::Sqlite(p) => sqlx::query(&sql).fetch_one(p).await?.try_get::<i64, _>(0)?,
                Pool::Postgres(p) => sqlx::query(&sql).fetch_one(p).await?.try_get::<i64, _>(0)?,
            };
        }
        Ok(n)
    }

    /// Restores a SQLite backup file into this (empty, migrated) SQLite
    /// database, in one transaction.
    pub async fn restore_sqlite(&self, backup: &std::path::Path) -> Result<()> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(StoreError::Conflict(
                "PostgreSQL återställs med pg_restore (se README).".into(),
            ));
        };
        if !backup.exists() {
            return Err(StoreError::Conflict(format!(
                "Säkerhetskopian {} finns inte.",
                backup.display()
            )));
        }
        if !self.is_empty().await? {
            return Err(StoreError::Conflict(
                "Databasen som ska återställas innehåller redan data. Återställ till en tom databas."
                    .into(),
            ));
        }
        // One connection: ATTACH is per connection.
        let mut conn = p.acquire().await?;
        sqlx::query("ATTACH DATABASE ? AS backup")
            .bind(backup.to_string_lossy().to_string())
            .execute(&mut *conn)
            .await?;
        let result: Result<()> = async {
            let ours: Vec<i64> =
                sqlx::query("SELECT version FROM main.schema_migration ORDER BY version")
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>(0))
                    .collect::<std::result::Result<_, _>>()?;
            let theirs: Vec<i64> =
                sqlx::query("SELECT version FROM backup.schema_migration ORDER BY version")
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>(0))
                    .collect::<std::result::Result<_, _>>()?;
            if theirs.iter().any(|v| !ours.contains(v)) {
                return Err(StoreError::Conflict(
                    "Säkerhetskopian kommer från en nyare version av foljupp. Uppgradera först."
                        .into(),
                ));
            }
            let tables = sqlite_tables(&mut conn, "backup").await?;
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            // `Store::open` created this database's version row; the
            // backup's comes instead (and is replaced by a new one below).
            sqlx::query("DELETE FROM main.data_version")
                .execute(&mut *conn)
                .await?;
            for t in tables.iter().filter(|t| *t != "schema_migration") {
                // Column lists by name, so a backup from an older schema
                // (fewer columns) restores into a newer one.
                let cols: Vec<String> = sqlx::query(&format!(
                    "SELECT name FROM pragma_table_info('{t}', 'backup')"
                ))
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<std::result::Result<_, _>>()?;
                let list = cols.join(", ");
                if let Err(e) = sqlx::query(&format!(
                    "INSERT INTO main.{t} ({list}) SELECT {list} FROM backup.{t}"
                ))
                .execute(&mut *conn)
                .await
                {
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    return Err(e.into());
                }
            }
            // Restored registrations are a write like any other: a new
            // data version, so no report cache mistakes them for another
            // database's.
            sqlx::query(crate::BUMP_DATA_VERSION)
                .bind(crate::random_token())
                .execute(&mut *conn)
                .await?;
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            Ok(())
        }
        .await;
        let _ = sqlx::query("DETACH DATABASE backup")
            .execute(&mut *conn)
            .await;
        result
    }
}
