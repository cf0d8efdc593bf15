//! The report rollup's snapshot per municipality (`rollup_snapshot`,
//! migration 0010): opaque bytes (`stats::snapshot`) beside the data
//! version they count. The store neither reads nor checks the bytes; a
//! reader uses them only while their token is still the data version.

use crate::{execute, fetch_optional, Result, Store};

impl Store {
    /// The municipality's snapshot and the data version it counts, if any.
    pub async fn rollup_snapshot(&self, municipality: &str) -> Result<Option<(String, Vec<u8>)>> {
        use sqlx::Row;
        Ok(fetch_optional!(
            self,
            "SELECT token, body FROM rollup_snapshot WHERE municipality = ?",
            [municipality],
            |r| (r.try_get::<String, _>(0)?, r.try_get::<Vec<u8>, _>(1)?)
        ))
    }

    /// Keeps `body`, the counts at data version `token`, as the
    /// municipality's snapshot, but only while `token` is still the data
    /// version: a snapshot that a newer write has overtaken would only
    /// replace a newer one. Returns whether it was kept.
    pub async fn save_rollup_snapshot(
        &self,
        municipality: &str,
        token: &str,
        body: &[u8],
    ) -> Result<bool> {
        Ok(execute!(
            self,
            "INSERT INTO rollup_snapshot (municipality, token, body) \
             SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM data_version WHERE scope = 'registrations' AND token = ?) \
             ON CONFLICT (municipality) DO UPDATE SET token = excluded.token, body = excluded.body",
            [municipality, token, body, token]
        ) > 0)
    }

    /// Whether the municipality has any registration (an import into an
    /// empty one can start its snapshot from nothing).
    pub async fn has_registrations(&self, municipality: &str) -> Result<bool> {
        for kind in foljupp_core::Kind::ALL {
            let sql = format!(
                "SELECT 1 FROM reg_{} WHERE municipality = ? LIMIT 1",
                kind.code()
            );
            if fetch_optional!(self, &sql, [municipality], |_r| ()).is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
