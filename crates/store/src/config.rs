//! Municipalities' configurations as versioned data: each save is a new
//! revision of the whole configuration (TOML), so every form version that
//! registrations were made with can still be read.

use crate::{fetch_all, fetch_optional, Pool, Result, Store, StoreError};
use foljupp_core::config::{one_from_toml, one_to_toml};
use foljupp_core::{Date, Kind, KindDef, MunicipalConfig};
use sqlx::Row;

/// Another admin saved a revision after the one a change was made on.
const CHANGED_MEANWHILE: &str = "Konfigurationen har ändrats av någon annan under tiden. Ladda om sidan och gör ändringen igen.";

/// One saved revision's number and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionInfo {
    pub revision: i64,
    pub saved_on: String,
}

fn corrupt(municipality: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "config_revision".into(),
        column: "document".into(),
        value: format!("{municipality}: {e}"),
    }
}

impl Store {
    /// The configuration in force of every municipality, by code.
    pub async fn current_configs(&self) -> Result<Vec<MunicipalConfig>> {
        let docs: Vec<(String, String)> = fetch_all!(
            self,
            "SELECT c.municipality, c.document FROM config_revision c \
             WHERE c.revision = (SELECT MAX(revision) FROM config_revision d WHERE d.municipality = c.municipality) \
             ORDER BY c.municipality",
            [],
            |r| (r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)
        );
        docs.into_iter()
            .map(|(m, doc)| one_from_toml(&doc).map_err(|e| corrupt(&m, e)))
            .collect()
    }

    /// Every municipality's newest revision number.
    pub async fn newest_revisions(&self) -> Result<Vec<(String, i64)>> {
        Ok(fetch_all!(
            self,
            "SELECT municipality, MAX(revision) FROM config_revision GROUP BY municipality ORDER BY municipality",
            [],
            |r| (r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)
        ))
    }

    /// One revision of a municipality's configuration.
    pub async fn config_at(
        &self,
        municipality: &str,
        revision: i64,
    ) -> Result<Option<MunicipalConfig>> {
        let doc: Option<String> = fetch_optional!(
            self,
            "SELECT document FROM config_revision WHERE municipality = ? AND revision = ?",
            [municipality, revision],
            |r| r.try_get::<String, _>(0)?
        );
        doc.map(|d| one_from_toml(&d).map_err(|e| corrupt(municipality, e)))
            .transpose()
    }

    /// The newest revision number of a municipality (0 when it has none).
    pub async fn config_revision(&self, municipality: &str) -> Result<i64> {
        Ok(fetch_optional!(
            self,
            "SELECT MAX(revision) FROM config_revision WHERE municipality = ?",
            [municipality],
            |r| r.try_get::<Option<i64>, _>(0)?
        )
        .flatten()
        .unwrap_or(0))
    }

    /// Saves a new revision of one municipality's configuration, if the
    /// newest one is still `expected` (the revision the change was made
    /// on): a concurrent change by another admin is refused, not lost.
    /// Returns the new revision's number.
    pub async fn save_config(
        &self,
        config: &MunicipalConfig,
        expected: i64,
        saved_on: Date,
    ) -> Result<i64> {
        let doc = one_to_toml(config).map_err(|e| corrupt(config.code(), e))?;
        let next = expected + 1;
        let day = foljupp_core::format_date(saved_on);
        // The primary key (municipality, revision) makes a concurrent save
        // on the same revision fail instead of overwriting.
        let sql = "INSERT INTO config_revision (municipality, revision, saved_on, document) \
                   SELECT ?, ?, ?, ? WHERE (SELECT COALESCE(MAX(revision), 0) FROM config_revision WHERE municipality = ?) = ?";
        let code = config.code();
        let done = match &self.pool {
            Pool::Sqlite(p) => sqlx::query(sql)
                .bind(code)
                .bind(next)
                .bind(&day)
                .bind(&doc)
                .bind(code)
                .bind(expected)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            Pool::Postgres(p) => sqlx::query(&crate::pg_placeholders(sql))
                .bind(code)
                .bind(next)
                .bind(&day)
                .bind(&doc)
                .bind(code)
                .bind(expected)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
        }
        .map_err(|e| crate::unique_to_conflict(e, CHANGED_MEANWHILE))?;
        if done == 1 {
            Ok(next)
        } else {
            Err(StoreError::Conflict(CHANGED_MEANWHILE.into()))
        }
    }

    /// Every revision of a municipality, newest first.
    pub async fn config_revisions(&self, municipality: &str) -> Result<Vec<RevisionInfo>> {
        Ok(fetch_all!(
            self,
            "SELECT revision, saved_on FROM config_revision WHERE municipality = ? ORDER BY revision DESC",
            [municipality],
            |r| RevisionInfo {
                revision: r.try_get(0)?,
                saved_on: r.try_get(1)?,
            }
        ))
    }

    /// The definition of version `version` of a municipality's form of
    /// `kind`, from the newest revision that had it.
    pub async fn form_version(
        &self,
        municipality: &str,
        kind: Kind,
        version: u32,
    ) -> Result<Option<KindDef>> {
        let docs: Vec<String> = fetch_all!(
            self,
            "SELECT document FROM config_revision WHERE municipality = ? ORDER BY revision DESC",
            [municipality],
            |r| r.try_get::<String, _>(0)?
        );
        for doc in docs {
            let c = one_from_toml(&doc).map_err(|e| corrupt(municipality, e))?;
            let def = c.forms.kind(kind);
            if def.version == version {
                return Ok(Some(def.clone()));
            }
            if def.version < version {
                break;
            }
        }
        Ok(None)
    }
}
