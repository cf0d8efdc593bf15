//! Who is asking: sessions (cookie) for people, bearer tokens for
//! integrations. Passwords are argon2id hashes; session ids and tokens are
//! stored only as SHA-256 hashes.

use crate::{AppError, SharedState};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use foljupp_core::Role;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "foljupp_session";
/// Double-submit cookie that protects the login form before a session exists.
pub const LOGIN_CSRF_COOKIE: &str = "foljupp_login_csrf";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: i64,
    pub name: String,
    pub role: Role,
    pub district: Option<String>,
    pub municipality: String,
    /// Set for a browser session: its id hash and CSRF token.
    pub session: Option<(String, String)>,
    /// The client's address, for the audit log (set by the route guard).
    pub client_ip: Option<String>,
}

impl Principal {
    pub fn is_session(&self) -> bool {
        self.session.is_some()
    }

    pub fn csrf_token(&self) -> &str {
        self.session.as_ref().map(|(_, c)| c.as_str()).unwrap_or("")
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// A hash to verify against when the account does not exist, so that a
/// failed login takes as long whether or not the name is known.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&foljupp_store::random_token()).unwrap_or_default())
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax (Strict would drop the
/// session when a link is followed from the intranet), Secure behind TLS.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Finds the caller from the session cookie or the bearer token. An invalid,
/// expired or revoked credential counts as anonymous, except a malformed or
/// unknown bearer token on the API, which is reported by the guard as 401.
pub async fn authenticate(
    state: &SharedState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, AppError> {
    let now = foljupp_store::now_unix();
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let Some(token) = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
            return Ok(None);
        };
        let Some((t, acc)) = state
            .store
            .api_token_with_account(&sha256_hex(token.trim()))
            .await?
        else {
            return Ok(None);
        };
        if t.revoked || t.expires_at.is_some_and(|e| e <= now) || acc.disabled {
            return Ok(None);
        }
        return Ok(Some(Principal {
            account_id: acc.id,
            name: acc.name,
            role: t.role,
            district: t.district,
            municipality: acc.municipality,
            session: None,
            client_ip: None,
        }));
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = sha256_hex(token);
    let Some(s) = state.store.session(&hash).await? else {
        return Ok(None);
    };
    let cfg = &state.config;
    if s.last_seen_at + cfg.session_idle_secs <= now
        || s.created_at + cfg.session_absolute_secs <= now
    {
        state.store.delete_session(&hash).await?;
        return Ok(None);
    }
    let Some(acc) = state.store.account_by_id(s.account_id).await? else {
        return Ok(None);
    };
    if acc.disabled {
        state.store.delete_session(&hash).await?;
        return Ok(None);
    }
    // Writing on every request would serialise readers on SQLite; a minute's
    // precision is plenty for an idle timeout of hours.
    if now - s.last_seen_at >= 60 {
        state.store.touch_session(&hash, now).await?;
    }
    Ok(Some(Principal {
        account_id: acc.id,
        name: acc.name,
        role: acc.role,
        district: acc.district,
        municipality: acc.municipality,
        session: Some((hash, s.csrf_token)),
        client_ip: None,
    }))
}

/// Checks the CSRF token of a state-changing request made with a session:
/// the `csrf` field of a url-encoded form, or the `X-CSRF-Token` header.
/// Returns the request (with its body restored) or a 403 response.
pub async fn check_csrf(p: &Principal, req: Request) -> Result<Request, Response> {
    let expected = p.csrf_token().to_string();
    let forbidden = || {
        (
            StatusCode::FORBIDDEN,
            crate::pages::error_page(
                StatusCode::FORBIDDEN,
                &crate::i18n::Lang::Sv.t("error-csrf"),
            ),
        )
            .into_response()
    };
    if let Some(h) = req.headers().get("x-csrf-token") {
        return if h.as_bytes() == expected.as_bytes() && !expected.is_empty() {
            Ok(req)
        } else {
            Err(forbidden())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(forbidden());
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
    };
    let given = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    if given.as_deref() != Some(expected.as_str()) || expected.is_empty() {
        return Err(forbidden());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Starts a new session for an account (a fresh id at every login) and
/// returns the `Set-Cookie` value.
pub async fn start_session(state: &SharedState, account_id: i64) -> Result<String, AppError> {
    let token = foljupp_store::random_token();
    let csrf = foljupp_store::random_token();
    state
        .store
        .create_session(
            &sha256_hex(&token),
            account_id,
            &csrf,
            foljupp_store::now_unix(),
        )
        .await?;
    Ok(set_cookie(
        SESSION_COOKIE,
        &token,
        Some(state.config.session_absolute_secs),
        state.config.secure_cookies,
    ))
}

/// The client's address: the TCP peer, or behind a trusted reverse proxy
/// (`FOLJUPP_TRUST_PROXY`) the last address of `X-Forwarded-For`, the one
/// the proxy itself appended (earlier ones are the client's to forge).
pub fn client_ip(
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    trust_proxy: bool,
) -> Option<String> {
    if trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty())
            .and_then(|s| s.parse::<std::net::IpAddr>().ok());
        if let Some(ip) = forwarded {
            return Some(ip.to_string());
        }
    }
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Extractor of [`client_ip`] for handlers of public routes (login), where
/// the guard has no principal to put the address on.
pub struct ClientIp(pub Option<String>);

impl axum::extract::FromRequestParts<SharedState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(
            &parts.extensions,
            &parts.headers,
            state.config.trust_proxy,
        )))
    }
}

/// Sets a cookie header value on a response.
pub fn append_cookie(resp: &mut Response, value: String) -> Result<(), AppError> {
    resp.headers_mut().append(
        header::SET_COOKIE,
        value
            .parse()
            .map_err(|_| AppError::Internal("cookie".into()))?,
    );
    Ok(())
}
