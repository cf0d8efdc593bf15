//! A small migration runner: one folder of numbered SQL files per backend,
//! embedded in the binary and applied in order at start, each in its own
//! transaction. (sqlx's migrate! macro would pull in its compile-time
//! machinery for both drivers; this is all we need.)

use crate::{Pool, Result, Store};

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_accounts.sql")),
    (
        2,
        include_str!("../migrations/sqlite/0002_registrations.sql"),
    ),
    (3, include_str!("../migrations/sqlite/0003_security.sql")),
    (
        4,
        include_str!("../migrations/sqlite/0004_parent_links.sql"),
    ),
    (5, include_str!("../migrations/sqlite/0005_idempotency.sql")),
    (7, include_str!("../migrations/sqlite/0007_catalogue.sql")),
    (8, include_str!("../migrations/sqlite/0008_steering.sql")),
    (
        9,
        include_str!("../migrations/sqlite/0009_configuration.sql"),
    ),
    (
        10,
        include_str!("../migrations/sqlite/0010_rollup_snapshot.sql"),
    ),
    (
        11,
        include_str!("../migrations/sqlite/0011_link_location.sql"),
    ),
];

const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_accounts.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_registrations.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_security.sql")),
    (
        4,
        include_str!("../migrations/postgres/0004_parent_links.sql"),
    ),
    (
        5,
        include_str!("../migrations/postgres/0005_idempotency.sql"),
    ),
    (7, include_str!("../migrations/postgres/0007_catalogue.sql")),
    (8, include_str!("../migrations/postgres/0008_steering.sql")),
    (
        9,
        include_str!("../migrations/postgres/0009_configuration.sql"),
    ),
    (
        10,
        include_str!("../migrations/postgres/0010_rollup_snapshot.sql"),
    ),
    (
        11,
        include_str!("../migrations/postgres/0011_link_location.sql"),
    ),
];

pub(crate) async fn run(store: &Store) -> Result<()> {
    use sqlx::Row;
    match &store.pool {
        Pool::Sqlite(p) => {
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY)",
            )
            .execute(p)
            .await?;
            for (version, sql) in SQLITE {
                let mut tx = p.begin().await?;
                let done = sqlx::query("SELECT COUNT(*) FROM schema_migration WHERE version = ?")
                    .bind(version)
                    .fetch_one(&mut *tx)
                    .await?
                    .get::<i64, _>(0);
                if done == 0 {
                    sqlx::raw_sql(sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO schema_migration (version) VALUES (?)")
                        .bind(version)
                        .execute(&mut *tx)
                        .await?;
                    tracing::info!(version, "applied SQLite migration");
                }
                tx.commit().await?;
            }
        }
        Pool::Postgres(p) => {
            let mut tx = p.begin().await?;
            // Two servers starting on one empty database must not both migrate.
            sqlx::query("SELECT pg_advisory_xact_lock(7262951)")
                .execute(&mut *tx)
                .await?;
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY)",
            )
            .execute(&mut *tx)
            .await?;
            for (version, sql) in POSTGRES {
                let done = sqlx::query("SELECT COUNT(*) FROM schema_migration WHERE version = $1")
                    .bind(version)
                    .fetch_one(&mut *tx)
                    .await?
                    .get::<i64, _>(0);
                if done == 0 {
                    sqlx::raw_sql(sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO schema_migration (version) VALUES ($1)")
                        .bind(version)
                        .execute(&mut *tx)
                        .await?;
                    tracing::info!(version, "applied PostgreSQL migration");
                }
            }
            tx.commit().await?;
        }
    }
    Ok(())
}
