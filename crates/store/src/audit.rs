//! The audit trail: who did what to accounts, tokens, configuration and
//! exports, and every login. It holds no registration and nothing about
//! one: registering writes no audit row (DOMAIN.md's privacy rule), so the
//! log cannot connect a registration to the account that made it.

use crate::{execute, fetch_all, Result, Store};
use sqlx::Row;

/// One audited action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// The acting account; `None` for a failed login or the command line.
    pub account_id: Option<i64>,
    /// The acting account's name, or the name tried at a failed login.
    pub account_name: String,
    /// A stable code such as `login`, `login_failed`, `token_created`.
    pub action: String,
    /// What was acted on, written by code (never user content of a
    /// registration).
    pub detail: String,
    /// The client address (staff, not parents: see ARCHITECTURE.md).
    pub ip: Option<String>,
}

/// Which audit events to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The municipality whose events to list (`None`: every one's, for the
    /// command line and tests).
    pub municipality: Option<String>,
    pub action: Option<String>,
    pub account_name: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub to: Option<i64>,
    pub limit: Option<i64>,
}

impl Store {
    pub async fn record_audit(
        &self,
        municipality: &str,
        account_id: Option<i64>,
        account_name: &str,
        action: &str,
        detail: &str,
        ip: Option<&str>,
    ) -> Result<()> {
        execute!(
            self,
            "INSERT INTO audit_event (municipality, at, account_id, account_name, action, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [municipality, crate::now_unix(), account_id, account_name, action, detail, ip]
        );
        Ok(())
    }

    /// Events matching the filter, newest first.
    pub async fn audit_events(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
        // The filter's optional parts are written as `(? IS NULL OR …)` so
        // that one SQL text with a fixed number of binds serves every filter.
        // (PostgreSQL needs the casts to type a NULL bind.)
        let sql = match &self.pool {
            crate::Pool::Sqlite(_) => {
                "SELECT id, at, account_id, account_name, action, detail, ip FROM audit_event \
                 WHERE (? IS NULL OR municipality = ?) AND (? IS NULL OR action = ?) AND (? IS NULL OR account_name = ?) \
                 AND (? IS NULL OR at >= ?) AND (? IS NULL OR at < ?) \
                 ORDER BY id DESC LIMIT ?"
            }
            crate::Pool::Postgres(_) => {
                "SELECT id, at, account_id, account_name, action, detail, ip FROM audit_event \
                 WHERE (?::text IS NULL OR municipality = ?) AND (?::text IS NULL OR action = ?) AND (?::text IS NULL OR account_name = ?) \
                 AND (?::bigint IS NULL OR at >= ?) AND (?::bigint IS NULL OR at < ?) \
                 ORDER BY id DESC LIMIT ?"
            }
        };
        let muni = f.municipality.as_deref();
        let action = f.action.as_deref().filter(|s| !s.is_empty());
        let name = f.account_name.as_deref().filter(|s| !s.is_empty());
        let limit = f.limit.unwrap_or(10_000).clamp(1, 100_000);
        Ok(fetch_all!(
            self,
            sql,
            [muni, muni, action, action, name, name, f.from, f.from, f.to, f.to, limit],
            |r| AuditEvent {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                account_id: r.try_get(2)?,
                account_name: r.try_get(3)?,
                action: r.try_get(4)?,
                detail: r.try_get(5)?,
                ip: r.try_get(6)?,
            }
        ))
    }
}
