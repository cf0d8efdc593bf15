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

/// The registration id a parent link still holds ("" once forgotten), for
/// tests that check links forget their registration.
pub async fn parent_link_registration(
    store: &crate::Store,
    code_hash: &str,
) -> crate::Result<Option<String>> {
    use sqlx::Row;
    Ok(crate::fetch_optional!(
        store,
        "SELECT registration_id FROM parent_link WHERE code_hash = ?",
        [code_hash],
        |r| r.try_get::<String, _>(0)?
    ))
}
