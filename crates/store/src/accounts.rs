//! Staff accounts, sessions and API tokens. Tokens and session ids are
//! stored only as hashes (the web crate hashes them).

use crate::{execute, fetch_all, fetch_optional, Result, Store, StoreError};
use foljupp_core::Role;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an API token found in the database is trusted without asking
/// again. Every API request carries its token, and asking costs a round
/// trip per request (to SQLite's connection thread, or PostgreSQL) that is
/// a large part of a registration's work. Whatever this process changes
/// (revoking a token, disabling an account, a new role) forgets every
/// remembered token at once; a change made by another process (the CLI,
/// a second server) takes effect within this time.
pub const TOKEN_TRUST_SECS: u64 = 5;

/// Most tokens remembered at once: a municipality's integrations and
/// registering apps are far fewer. Only tokens that exist are remembered,
/// so guessing cannot fill it.
const TOKEN_CACHE_MAX: usize = 10_000;

/// Tokens recently found in the database, by hash, with when they were
/// read. The account comes without its password hash
/// ([`Store::api_token_with_account`] drops it), which token checks never
/// need.
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: Mutex<HashMap<String, (Instant, ApiToken, Account)>>,
}

impl std::fmt::Debug for TokenCache {
    // Never the hashes: a debug print must not be a list of credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries.lock().map(|e| e.len()).unwrap_or_default();
        write!(f, "TokenCache({n} tokens)")
    }
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ApiToken, Account)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, token_hash: &str) -> Option<(ApiToken, Account)> {
        let entries = self.lock();
        let (read_at, token, account) = entries.get(token_hash)?;
        (read_at.elapsed() < Duration::from_secs(TOKEN_TRUST_SECS))
            .then(|| (token.clone(), account.clone()))
    }

    fn put(&self, token_hash: &str, token: &ApiToken, account: &Account) {
        let mut entries = self.lock();
        if entries.len() >= TOKEN_CACHE_MAX {
            let trust = Duration::from_secs(TOKEN_TRUST_SECS);
            entries.retain(|_, (read_at, _, _)| read_at.elapsed() < trust);
            if entries.len() >= TOKEN_CACHE_MAX {
                entries.clear();
            }
        }
        entries.insert(
            token_hash.to_string(),
            (Instant::now(), token.clone(), account.clone()),
        );
    }

    /// After any change to tokens or accounts: the next request of every
    /// token reads the database again.
    pub(crate) fn forget_all(&self) {
        self.lock().clear();
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub municipality: String,
    pub name: String,
    pub role: Role,
    pub district: Option<String>,
    pub password_hash: Option<String>,
    pub disabled: bool,
    /// "issuer subject" of an account made by the city's single sign-on.
    pub sso_subject: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: i64,
    pub role: Role,
    pub district: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked: bool,
}

/// A token as listed to admins: never the token itself (only its hash is
/// stored), with the account it belongs to.
#[derive(Debug, Clone)]
pub struct ApiTokenListing {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub role: Role,
    pub district: Option<String>,
    pub label: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked: bool,
}

const ACCOUNT_COLS: &str =
    "id, municipality, name, role, district, password_hash, disabled, sso_subject";

fn role_of(s: String) -> Result<Role> {
    s.parse().map_err(|_| StoreError::Corrupt {
        table: "account".into(),
        column: "role".into(),
        value: s,
    })
}

macro_rules! account_from_row {
    ($r:ident) => {
        Account {
            id: $r.try_get(0)?,
            municipality: $r.try_get(1)?,
            name: $r.try_get(2)?,
            role: role_of($r.try_get(3)?)?,
            district: $r.try_get(4)?,
            password_hash: $r.try_get(5)?,
            disabled: $r.try_get(6)?,
            sso_subject: $r.try_get(7)?,
        }
    };
}

impl Store {
    pub async fn create_account(
        &self,
        municipality: &str,
        name: &str,
        role: Role,
        district: Option<&str>,
        password_hash: &str,
    ) -> Result<i64> {
        if self.account_by_name(name).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "Det finns redan ett konto som heter {name:?}. Välj ett annat namn."
            )));
        }
        let id = fetch_optional!(
            self,
            "INSERT INTO account (municipality, name, role, district, password_hash) VALUES (?, ?, ?, ?, ?) RETURNING id",
            [municipality, name, role.code(), district, password_hash],
            |r| r.try_get::<i64, _>(0)?
        );
        id.ok_or_else(|| StoreError::Conflict("kontot kunde inte skapas".into()))
    }

    pub async fn account_by_name(&self, name: &str) -> Result<Option<Account>> {
        Ok(fetch_optional!(
            self,
            &format!("SELECT {ACCOUNT_COLS} FROM account WHERE name = ?"),
            [name],
            |r| account_from_row!(r)
        ))
    }

    pub async fn account_by_id(&self, id: i64) -> Result<Option<Account>> {
        Ok(fetch_optional!(
            self,
            &format!("SELECT {ACCOUNT_COLS} FROM account WHERE id = ?"),
            [id],
            |r| account_from_row!(r)
        ))
    }

    pub async fn list_accounts(&self, municipality: &str) -> Result<Vec<Account>> {
        Ok(fetch_all!(
            self,
            &format!("SELECT {ACCOUNT_COLS} FROM account WHERE municipality = ? ORDER BY name"),
            [municipality],
            |r| account_from_row!(r)
        ))
    }

    pub async fn set_password(&self, account_id: i64, password_hash: &str) -> Result<()> {
        execute!(
            self,
            "UPDATE account SET password_hash = ? WHERE id = ?",
            [password_hash, account_id]
        );
        self.tokens.forget_all();
        Ok(())
    }

    /// Disabling an account also ends every session of it.
    pub async fn set_disabled(&self, account_id: i64, disabled: bool) -> Result<()> {
        execute!(
            self,
            "UPDATE account SET disabled = ? WHERE id = ?",
            [disabled, account_id]
        );
        self.tokens.forget_all();
        if disabled {
            self.delete_sessions_of(account_id).await?;
        }
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        account_id: i64,
        csrf_token: &str,
        now: i64,
    ) -> Result<()> {
        execute!(
            self,
            "INSERT INTO session (token_hash, account_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
            [token_hash, account_id, csrf_token, now, now]
        );
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        Ok(fetch_optional!(
            self,
            "SELECT account_id, csrf_token, created_at, last_seen_at FROM session WHERE token_hash = ?",
            [token_hash],
            |r| SessionRecord {
                account_id: r.try_get(0)?,
                csrf_token: r.try_get(1)?,
                created_at: r.try_get(2)?,
                last_seen_at: r.try_get(3)?,
            }
        ))
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        execute!(
            self,
            "UPDATE session SET last_seen_at = ? WHERE token_hash = ?",
            [now, token_hash]
        );
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        execute!(
            self,
            "DELETE FROM session WHERE token_hash = ?",
            [token_hash]
        );
        Ok(())
    }

    pub async fn delete_sessions_of(&self, account_id: i64) -> Result<()> {
        execute!(
            self,
            "DELETE FROM session WHERE account_id = ?",
            [account_id]
        );
        Ok(())
    }

    /// Removes sessions that have been idle since before `idle_before` or
    /// were created before `created_before`.
    pub async fn purge_sessions(&self, idle_before: i64, created_before: i64) -> Result<u64> {
        Ok(execute!(
            self,
            "DELETE FROM session WHERE last_seen_at < ? OR created_at < ?",
            [idle_before, created_before]
        ))
    }

    pub async fn create_api_token(
        &self,
        token_hash: &str,
        account_id: i64,
        role: Role,
        district: Option<&str>,
        expires_at: Option<i64>,
    ) -> Result<i64> {
        self.create_labelled_api_token(token_hash, account_id, role, district, expires_at, "")
            .await
    }

    /// A token with the admin's note of what it is for.
    pub async fn create_labelled_api_token(
        &self,
        token_hash: &str,
        account_id: i64,
        role: Role,
        district: Option<&str>,
        expires_at: Option<i64>,
        label: &str,
    ) -> Result<i64> {
        let id = fetch_optional!(
            self,
            "INSERT INTO api_token (token_hash, account_id, role, district, created_at, expires_at, label) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [token_hash, account_id, role.code(), district, crate::now_unix(), expires_at, label],
            |r| r.try_get::<i64, _>(0)?
        );
        id.ok_or_else(|| StoreError::Conflict("nyckeln kunde inte skapas".into()))
    }

    pub async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        Ok(fetch_optional!(
            self,
            "SELECT id, account_id, role, district, created_at, expires_at, revoked FROM api_token WHERE token_hash = ?",
            [token_hash],
            |r| ApiToken {
                id: r.try_get(0)?,
                account_id: r.try_get(1)?,
                role: role_of(r.try_get(2)?)?,
                district: r.try_get(3)?,
                created_at: r.try_get(4)?,
                expires_at: r.try_get(5)?,
                revoked: r.try_get(6)?,
            }
        ))
    }

    /// A token and its account (without the password hash), as read from
    /// the database at most [`TOKEN_TRUST_SECS`] ago: every API request
    /// looks both up. The caller checks revocation, expiry and the
    /// account's state as of now.
    pub async fn api_token_with_account(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, Account)>> {
        if let Some(found) = self.tokens.get(token_hash) {
            return Ok(Some(found));
        }
        let found = self
            .read_api_token_with_account(token_hash)
            .await?
            .map(|(token, account)| {
                let account = Account {
                    password_hash: None,
                    ..account
                };
                (token, account)
            });
        if let Some((token, account)) = &found {
            self.tokens.put(token_hash, token, account);
        }
        Ok(found)
    }

    /// A token and its account in one query.
    async fn read_api_token_with_account(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, Account)>> {
        Ok(fetch_optional!(
            self,
            "SELECT a.id, a.municipality, a.name, a.role, a.district, a.password_hash, a.disabled, a.sso_subject,              t.id, t.account_id, t.role, t.district, t.created_at, t.expires_at, t.revoked              FROM api_token t JOIN account a ON a.id = t.account_id WHERE t.token_hash = ?",
            [token_hash],
            |r| (
                ApiToken {
                    id: r.try_get(8)?,
                    account_id: r.try_get(9)?,
                    role: role_of(r.try_get(10)?)?,
                    district: r.try_get(11)?,
                    created_at: r.try_get(12)?,
                    expires_at: r.try_get(13)?,
                    revoked: r.try_get(14)?,
                },
                account_from_row!(r)
            )
        ))
    }

    pub async fn revoke_api_token(&self, id: i64) -> Result<bool> {
        let revoked = execute!(
            self,
            "UPDATE api_token SET revoked = TRUE WHERE id = ?",
            [id]
        ) > 0;
        self.tokens.forget_all();
        Ok(revoked)
    }

    /// Every token of the municipality's accounts, newest first.
    pub async fn list_api_tokens(&self, municipality: &str) -> Result<Vec<ApiTokenListing>> {
        Ok(fetch_all!(
            self,
            "SELECT t.id, t.account_id, a.name, t.role, t.district, t.label, t.created_at, t.expires_at, t.revoked \
             FROM api_token t JOIN account a ON a.id = t.account_id \
             WHERE a.municipality = ? ORDER BY t.id DESC",
            [municipality],
            |r| ApiTokenListing {
                id: r.try_get(0)?,
                account_id: r.try_get(1)?,
                account_name: r.try_get(2)?,
                role: role_of(r.try_get(3)?)?,
                district: r.try_get(4)?,
                label: r.try_get(5)?,
                created_at: r.try_get(6)?,
                expires_at: r.try_get(7)?,
                revoked: r.try_get(8)?,
            }
        ))
    }

    /// Ends every session of an account except `keep` (the one that just
    /// changed the password).
    pub async fn delete_other_sessions(&self, account_id: i64, keep: &str) -> Result<u64> {
        Ok(execute!(
            self,
            "DELETE FROM session WHERE account_id = ? AND token_hash <> ?",
            [account_id, keep]
        ))
    }

    pub async fn account_by_sso_subject(&self, subject: &str) -> Result<Option<Account>> {
        Ok(fetch_optional!(
            self,
            &format!("SELECT {ACCOUNT_COLS} FROM account WHERE sso_subject = ?"),
            [subject],
            |r| account_from_row!(r)
        ))
    }

    /// An account made at its first single sign-on: no password, the
    /// identity provider's subject as its key.
    pub async fn create_sso_account(
        &self,
        municipality: &str,
        name: &str,
        role: Role,
        district: Option<&str>,
        subject: &str,
    ) -> Result<i64> {
        if self.account_by_name(name).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "Det finns redan ett lokalt konto som heter {name:?}. Be en förvaltare byta namn på det."
            )));
        }
        let id = fetch_optional!(
            self,
            "INSERT INTO account (municipality, name, role, district, sso_subject) VALUES (?, ?, ?, ?, ?) RETURNING id",
            [municipality, name, role.code(), district, subject],
            |r| r.try_get::<i64, _>(0)?
        );
        id.ok_or_else(|| StoreError::Conflict("kontot kunde inte skapas".into()))
    }

    /// The role and district the identity provider gave at this login.
    pub async fn set_role_and_district(
        &self,
        account_id: i64,
        role: Role,
        district: Option<&str>,
    ) -> Result<()> {
        execute!(
            self,
            "UPDATE account SET role = ?, district = ? WHERE id = ?",
            [role.code(), district, account_id]
        );
        self.tokens.forget_all();
        Ok(())
    }
}
