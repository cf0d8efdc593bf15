//! Fresh databases for tests: a temporary SQLite file always, and a new
//! PostgreSQL database when `FOLJUPP_TEST_PG` names a server
//! (e.g. `postgres://foljupp:foljupp@127.0.0.1:5432/postgres`). With
//! `FOLJUPP_REQUIRE_PG=1` (as in CI) a missing PostgreSQL is an error rather
//! than a skip, so a green run always means both backends were tested.

use sqlx::Connection;

/// URLs of fresh, empty databases: `("sqlite", url)` and, when configured,
/// `("postgres", url)`.
pub async fn fresh_databases() -> Vec<(&'static str, String)> {
    let mut out = vec![("sqlite", fresh_sqlite_url())];
    if let Some(url) = fresh_postgres_url().await {
        out.push(("postgres", url));
    }
    out
}

pub fn fresh_sqlite_url() -> String {
    let path =
        std::env::temp_dir().join(format!("foljupp-test-{}.db", &crate::random_token()[..16]));
    format!("sqlite://{}", path.display())
}

/// Creates a new database on the server named by `FOLJUPP_TEST_PG`.
pub async fn fresh_postgres_url() -> Option<String> {
    let admin = match std::env::var("FOLJUPP_TEST_PG") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("FOLJUPP_REQUIRE_PG").is_err(),
                "FOLJUPP_REQUIRE_PG is set but FOLJUPP_TEST_PG names no server"
            );
            return None;
        }
    };
    let name = format!("foljupp_test_{}", &crate::random_token()[..16]);
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => panic!("cannot reach FOLJUPP_TEST_PG={admin}: {e}"),
    };
    if let Err(e) = sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
    {
        panic!("cannot create test database: {e}");
    }
    let _ = conn.close().await;
    // Replace the database part of the URL (after the last '/', before '?').
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => base[..i].to_string(),
        _ => base,
    };
    Some(format!("{base}/{name}{query}"))
}

/// Makes the parent link with this code hash expire now (tests of the
/// "link expired" page cannot wait a day). Returns whether a link matched.
pub async fn expire_parent_link(store: &crate::Store, code_hash: &str) -> crate::Result<bool> {
    store.close_parent_link(code_hash, crate::now_unix()).await
}

/// What a parent link still holds of its registration: its id and day
/// joined ("" once both are forgotten), for tests that check links forget
/// their registration.
pub async fn parent_link_registration(
    store: &crate::Store,
    code_hash: &str,
) -> crate::Result<Option<String>> {
    use sqlx::Row;
    Ok(crate::fetch_optional!(
        store,
        "SELECT registration_id || registration_date FROM parent_link WHERE code_hash = ?",
        [code_hash],
        |r| r.try_get::<String, _>(0)?
    ))
}

/// How many parent links still hold a registration, and how many of them
/// find it by the key they keep (municipality, day, id): equal after the
/// migration that moved links from ids to keys (0011).
pub async fn parent_links_finding_their_registration(
    store: &crate::Store,
) -> crate::Result<(i64, i64)> {
    use sqlx::Row;
    let day = match &store.pool {
        crate::Pool::Sqlite(_) => "r.date",
        crate::Pool::Postgres(_) => "to_char(r.date, 'YYYY-MM-DD')",
    };
    let held = crate::fetch_optional!(
        store,
        "SELECT count(*) FROM parent_link WHERE registration_id <> ''",
        [],
        |r| r.try_get::<i64, _>(0)?
    )
    .unwrap_or(0);
    let mut found = 0;
    for kind in foljupp_core::Kind::ALL {
        let sql = format!(
            "SELECT count(*) FROM parent_link l JOIN reg_{k} r ON r.municipality = l.municipality AND {day} = l.registration_date AND r.id = l.registration_id WHERE l.kind = '{k}'",
            k = kind.code()
        );
        found += crate::fetch_optional!(store, &sql, [], |r| r.try_get::<i64, _>(0)?).unwrap_or(0);
    }
    Ok((held, found))
}

/// On PostgreSQL, whether the table has been vacuumed and analysed by
/// hand (not by autovacuum) since the statistics began; `None` on SQLite,
/// which keeps no such record.
pub async fn vacuumed_by_hand(store: &crate::Store, table: &str) -> crate::Result<Option<bool>> {
    use sqlx::Row;
    match &store.pool {
        crate::Pool::Sqlite(_) => Ok(None),
        crate::Pool::Postgres(p) => Ok(Some(
            sqlx::query(
                "SELECT coalesce(bool_and(last_vacuum IS NOT NULL AND last_analyze IS NOT NULL), false) \
                 FROM pg_stat_user_tables WHERE relname = $1",
            )
            .bind(table)
            .fetch_one(p)
            .await?
            .try_get(0)?,
        )),
    }
}
