//! The audit trail of staff actions, for admins (OWASP ASVS 7.1–7.2).
//!
//! Call [`audit`] from any handler that exports, downloads a report, or
//! changes accounts, tokens or configuration. It records the time, the
//! acting account, the action code and a short detail written by code. It
//! must never be called for registering: the log would then connect a
//! registration (by its day and district) to the account that made it,
//! which DOMAIN.md's privacy rule forbids. A test asserts that registering
//! writes no audit row.

use crate::auth::Principal;
use crate::SharedState;

/// The action codes written to the audit log. New features add theirs here
/// so that the admin's filter lists them.
pub mod action {
    pub const LOGIN: &str = "login";
    pub const LOGIN_FAILED: &str = "login_failed";
    pub const LOGIN_THROTTLED: &str = "login_throttled";
    pub const LOGOUT: &str = "logout";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const ACCOUNT_CREATED: &str = "account_created";
    pub const ACCOUNT_DISABLED: &str = "account_disabled";
    pub const ACCOUNT_ENABLED: &str = "account_enabled";
    pub const ACCOUNT_UPDATED: &str = "account_updated";
    pub const TOKEN_CREATED: &str = "token_created";
    pub const TOKEN_REVOKED: &str = "token_revoked";
    pub const EXPORT: &str = "export";
    pub const REPORT_DOWNLOAD: &str = "report_download";
    pub const CONFIG_CHANGED: &str = "config_changed";
    pub const AUDIT_EXPORTED: &str = "audit_exported";

    pub const ALL: &[&str] = &[
        LOGIN,
        LOGIN_FAILED,
        LOGIN_THROTTLED,
        LOGOUT,
        PASSWORD_CHANGED,
        ACCOUNT_CREATED,
        ACCOUNT_DISABLED,
        ACCOUNT_ENABLED,
        ACCOUNT_UPDATED,
        TOKEN_CREATED,
        TOKEN_REVOKED,
        EXPORT,
        REPORT_DOWNLOAD,
        CONFIG_CHANGED,
        AUDIT_EXPORTED,
    ];

    /// The Swedish label of an action code.
    pub fn label_sv(code: &str) -> &str {
        match code {
            LOGIN => "Inloggning",
            LOGIN_FAILED => "Misslyckad inloggning",
            LOGIN_THROTTLED => "Inloggning spärrad (för många försök)",
            LOGOUT => "Utloggning",
            PASSWORD_CHANGED => "Lösenord bytt",
            ACCOUNT_CREATED => "Konto skapat",
            ACCOUNT_DISABLED => "Konto avstängt",
            ACCOUNT_ENABLED => "Konto återaktiverat",
            ACCOUNT_UPDATED => "Konto ändrat",
            TOKEN_CREATED => "API-nyckel skapad",
            TOKEN_REVOKED => "API-nyckel återkallad",
            EXPORT => "Export",
            REPORT_DOWNLOAD => "Rapport hämtad",
            CONFIG_CHANGED => "Inställning ändrad",
            AUDIT_EXPORTED => "Granskningsloggen exporterad",
            other => other,
        }
    }
}

/// Records `action` by `principal` (None: an anonymous caller) with a short
/// `detail` such as "konto anna" or "rapport 2024 T2, farsta". A failure to
/// write is logged and returned, so that a caller that must not act without
/// a trail (an export) can refuse.
pub async fn audit(
    state: &SharedState,
    principal: Option<&Principal>,
    action: &str,
    detail: &str,
) -> Result<(), crate::AppError> {
    match principal {
        Some(p) => {
            write(
                state,
                &p.municipality,
                Some(p.account_id),
                &p.name,
                action,
                detail,
                p.client_ip.as_deref(),
            )
            .await
        }
        None => record(state, None, "", action, detail, None).await,
    }
}

/// The same with the actor given piece by piece (failed logins have no
/// principal, only the name that was tried and the address).
pub async fn record(
    state: &SharedState,
    account_id: Option<i64>,
    account_name: &str,
    action: &str,
    detail: &str,
    ip: Option<&str>,
) -> Result<(), crate::AppError> {
    // The event belongs to the named account's municipality (so that its
    // admins, and only they, see it); a name nobody has goes to the
    // installation's default one.
    let municipality = match account_name.trim() {
        "" => None,
        n => state.store.account_by_name(n).await.ok().flatten(),
    }
    .map_or_else(|| state.config.municipality.clone(), |a| a.municipality);
    write(
        state,
        &municipality,
        account_id,
        account_name,
        action,
        detail,
        ip,
    )
    .await
}

async fn write(
    state: &SharedState,
    municipality: &str,
    account_id: Option<i64>,
    account_name: &str,
    action: &str,
    detail: &str,
    ip: Option<&str>,
) -> Result<(), crate::AppError> {
    // Bound what a caller can make us store (a failed login's name is
    // whatever the client sent).
    let name: String = account_name.chars().take(100).collect();
    let detail: String = detail.chars().take(500).collect();
    if let Err(e) = state
        .store
        .record_audit(municipality, account_id, &name, action, &detail, ip)
        .await
    {
        tracing::error!(error = %e, action, "could not write the audit log");
        return Err(e.into());
    }
    Ok(())
}
