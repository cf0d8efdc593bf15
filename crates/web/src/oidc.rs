//! Single sign-on with the city's OpenID Connect provider: the
//! authorization code flow with PKCE, a nonce and a state, through the
//! `openidconnect` crate (which verifies the ID token's signature, issuer,
//! audience, expiry and nonce).
//!
//! The role and district come from configurable claims of the ID token (or,
//! when the ID token lacks them, of the userinfo response). An account is
//! created at the first sign-on (without a password) and its role and
//! district follow the provider at every sign-on; an admin can still
//! disable it here. A login whose claims name no known role, or no
//! district for a district-bound role, is refused.
//!
//! The PKCE verifier, nonce and state travel in a short-lived HttpOnly
//! cookie (SameSite=Lax, so that it comes back with the provider's
//! redirect), which keeps the server stateless between the two requests.

use crate::audit::{self, action};
use crate::auth::{self, ClientIp};
use crate::i18n::Lang;
use crate::pages::error_page;
use crate::{AppError, SharedState};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use foljupp_core::Role;
use openidconnect::core::{CoreClient, CoreGenderClaim, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// The cookie that carries state, nonce, PKCE verifier and the page to
/// return to between `/login/sso` and its callback.
pub const SSO_COOKIE: &str = "foljupp_sso";
/// The provider's metadata and keys are fetched again after this long, so
/// that a key rotation is picked up without a restart.
const METADATA_TTL: Duration = Duration::from_secs(600);

/// How to reach and interpret the city's identity provider.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL (discovery at `ISSUER/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `https://HOST/login/sso/callback`.
    pub redirect_url: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The claim that holds the role (a string or a list of strings).
    pub role_claim: String,
    /// The claim that holds the district code.
    pub district_claim: String,
    /// Claim values (e.g. group names) that map to a role; a value that is
    /// itself a role code (`analyst`) maps to that role without an entry.
    pub role_map: Vec<(String, Role)>,
}

impl OidcConfig {
    /// Parses `VALUE=ROLE,VALUE=ROLE` (e.g. `sg-foljupp-admin=admin`).
    pub fn parse_role_map(s: &str) -> Result<Vec<(String, Role)>, String> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (value, role) = pair.rsplit_once('=').ok_or_else(|| {
                    format!("{pair:?} saknar '=': skriv VÄRDE=ROLL, till exempel sg-foljupp-admin=admin")
                })?;
                Ok((value.trim().to_string(), role.trim().parse::<Role>()?))
            })
            .collect()
    }
}

/// A configured single sign-on with its cached provider metadata.
pub struct Sso {
    pub config: OidcConfig,
    http: openidconnect::reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("issuer", &self.config.issuer)
            .finish()
    }
}

/// Claims we read besides the standard ones: all of them, by name.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct AnyClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}
impl AdditionalClaims for AnyClaims {}

/// Why a sign-on was refused: shown to the user and written to the log.
#[derive(Debug)]
enum Refusal {
    /// The user or the provider's answer: 403.
    Denied(String),
    /// The provider could not be reached or answered wrongly: 502.
    Provider(String),
}

impl Sso {
    pub fn new(config: OidcConfig) -> Sso {
        let http = openidconnect::reqwest::Client::builder()
            // The spec forbids following redirects on these requests (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Sso {
            config,
            http,
            metadata: tokio::sync::Mutex::new(None),
        }
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, Refusal> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, m)) = cached.as_ref() {
            if at.elapsed() < METADATA_TTL {
                return Ok(m.clone());
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| Refusal::Provider(format!("ogiltig utfärdaradress: {e}")))?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                Refusal::Provider(format!(
                    "kunde inte hämta leverantörens uppgifter: {}",
                    chain(&e)
                ))
            })?;
        *cached = Some((Instant::now(), m.clone()));
        Ok(m)
    }

    async fn client(
        &self,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        Refusal,
    > {
        let m = self.metadata().await?;
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| Refusal::Provider(format!("ogiltig återkomstadress: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            m,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }
}

/// An error with its causes: the crate's top-level messages ("Request
/// failed") say little on their own.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The strings of a claim: a string, or a list of strings.
fn claim_strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The role the claim values give. Several roles: the one with most rights,
/// in the order admin, analyst, district_lead, registrant.
pub fn map_role(config: &OidcConfig, values: &[String]) -> Option<Role> {
    // Single sign-on is a municipality's: it never grants the national role.
    let rank = |r: Role| match r {
        Role::NationalAnalyst => -1,
        Role::Admin => 3,
        Role::Analyst => 2,
        Role::DistrictLead => 1,
        Role::Registrant => 0,
    };
    values
        .iter()
        .filter_map(|v| {
            config
                .role_map
                .iter()
                .find(|(k, _)| k == v)
                .map(|(_, r)| *r)
                .or_else(|| v.parse::<Role>().ok())
        })
        .max_by_key(|r| rank(*r))
}

/// The payload of a JWT whose signature has already been verified.
fn jwt_payload(jwt: &str) -> Map<String, Value> {
    jwt.split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p.trim_end_matches('='))
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).ok())
        .unwrap_or_default()
}

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /login/sso`: sends the browser to the provider.
pub async fn start(State(state): State<SharedState>, Query(q): Query<StartQuery>) -> Response {
    let Some(sso) = &state.sso else {
        return error_page(StatusCode::NOT_FOUND, &Lang::Sv.t("sso-not-configured"));
    };
    let client = match sso.client().await {
        Ok(c) => c,
        Err(r) => return refusal_page(r),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client.authorize_url(
        AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for s in &sso.config.scopes {
        req = req.add_scope(Scope::new(s.clone()));
    }
    let (url, csrf, nonce) = req.set_pkce_challenge(challenge).url();
    let next = crate::pages::safe_next(q.next.as_deref());
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    // Random tokens of the crate are base64url: no '.' inside.
    let value = format!(
        "{}.{}.{}.{}",
        csrf.secret(),
        nonce.secret(),
        verifier.secret(),
        next
    );
    let mut resp = Redirect::to(url.as_str()).into_response();
    let cookie = auth::set_cookie(SSO_COOKIE, &value, Some(600), state.config.secure_cookies);
    if auth::append_cookie(&mut resp, cookie).is_err() {
        return AppError::Internal("cookie".into()).into_response();
    }
    resp
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn refusal_page(r: Refusal) -> Response {
    match r {
        Refusal::Denied(m) => error_page(StatusCode::FORBIDDEN, &m),
        Refusal::Provider(m) => {
            tracing::warn!(error = %m, "single sign-on: provider failure");
            error_page(
                StatusCode::BAD_GATEWAY,
                &format!("{} ({m})", Lang::Sv.t("sso-provider-failed")),
            )
        }
    }
}

/// `GET /login/sso/callback`: the provider's answer.
pub async fn callback(
    State(state): State<SharedState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let Some(sso) = &state.sso else {
        return Ok(error_page(
            StatusCode::NOT_FOUND,
            &Lang::Sv.t("sso-not-configured"),
        ));
    };
    let clear = auth::set_cookie(SSO_COOKIE, "", Some(0), state.config.secure_cookies);
    let pending = auth::cookie(&headers, SSO_COOKIE).map(|v| {
        let parts: Vec<&str> = v.splitn(4, '.').collect();
        parts
    });
    let mut outcome = match (pending, &q.state, &q.code) {
        (Some(p), Some(given), Some(code)) if p.len() == 4 && p[0] == given.as_str() => {
            let next = form_urlencoded::parse(format!("n={}", p[3]).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            match sign_on(&state, sso, code, p[1], p[2]).await {
                Ok((account_id, name)) => Ok((account_id, name, next)),
                Err((name, r)) => Err((name, r)),
            }
        }
        _ => {
            let msg = match q.error.as_deref() {
                Some(e) => format!("{} ({e})", Lang::Sv.t("sso-cancelled")),
                None => Lang::Sv.t("sso-bad-state"),
            };
            Err((String::new(), Refusal::Denied(msg)))
        }
    };
    if let Ok((account_id, name, _)) = &outcome {
        // Disabled here wins over the provider's word.
        if state
            .store
            .account_by_id(*account_id)
            .await?
            .is_none_or(|a| a.disabled)
        {
            outcome = Err((name.clone(), Refusal::Denied(Lang::Sv.t("sso-disabled"))));
        }
    }
    let mut resp = match outcome {
        Ok((account_id, name, next)) => {
            if let Some(old) = auth::cookie(&headers, auth::SESSION_COOKIE) {
                state.store.delete_session(&auth::sha256_hex(old)).await?;
            }
            let cookie = auth::start_session(&state, account_id).await?;
            audit::record(
                &state,
                Some(account_id),
                &name,
                action::LOGIN,
                "stadens inloggning",
                ip.as_deref(),
            )
            .await?;
            tracing::info!(account = account_id, "login (single sign-on)");
            let mut resp = Redirect::to(&crate::pages::safe_next(Some(&next))).into_response();
            auth::append_cookie(&mut resp, cookie)?;
            resp
        }
        Err((name, r)) => {
            let why = match &r {
                Refusal::Denied(m) | Refusal::Provider(m) => m.clone(),
            };
            tracing::warn!(reason = %why, "single sign-on refused");
            audit::record(
                &state,
                None,
                &name,
                action::LOGIN_FAILED,
                &format!("stadens inloggning: {why}"),
                ip.as_deref(),
            )
            .await?;
            refusal_page(r)
        }
    };
    auth::append_cookie(&mut resp, clear)?;
    Ok(resp)
}

/// Exchanges the code, verifies the ID token, maps the claims and creates
/// or updates the account. Returns the account id and name, or the name
/// (if known) and why it was refused.
async fn sign_on(
    state: &SharedState,
    sso: &Sso,
    code: &str,
    nonce: &str,
    verifier: &str,
) -> Result<(i64, String), (String, Refusal)> {
    let anon = |r: Refusal| (String::new(), r);
    let client = sso.client().await.map_err(anon)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| anon(Refusal::Provider(format!("ingen token-adress: {e}"))))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
        .request_async(&sso.http)
        .await
        .map_err(|e| {
            anon(Refusal::Provider(format!(
                "koden kunde inte lösas in: {}",
                chain(&e)
            )))
        })?;
    let id_token = token
        .extra_fields()
        .id_token()
        .ok_or_else(|| anon(Refusal::Provider("svaret saknar ID-token".into())))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_string()))
        .map_err(|e| {
            anon(Refusal::Denied(format!(
                "{} ({e})",
                Lang::Sv.t("sso-bad-token")
            )))
        })?;
    let subject = format!("{} {}", sso.config.issuer, claims.subject().as_str());
    let name = claims
        .preferred_username()
        .map(|u| u.as_str().to_string())
        .or_else(|| claims.email().map(|e| e.as_str().to_string()))
        .unwrap_or_else(|| claims.subject().as_str().to_string());
    let named = |r: Refusal| (name.clone(), r);
    // The signature is verified: the payload's other claims can be read.
    let mut extra = jwt_payload(&id_token.to_string());
    let cfg = &sso.config;
    if !extra.contains_key(&cfg.role_claim) || !extra.contains_key(&cfg.district_claim) {
        if let Ok(req) =
            client.user_info(token.access_token().clone(), Some(claims.subject().clone()))
        {
            match req
                .request_async::<AnyClaims, _, CoreGenderClaim>(&sso.http)
                .await
            {
                Ok(info) => {
                    let info: UserInfoClaims<AnyClaims, CoreGenderClaim> = info;
                    for (k, v) in &info.additional_claims().claims {
                        extra.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                Err(e) => tracing::warn!(error = %e, "single sign-on: userinfo failed"),
            }
        }
    }
    let role_values = claim_strings(extra.get(&cfg.role_claim));
    let Some(role) = map_role(cfg, &role_values) else {
        return Err(named(Refusal::Denied(format!(
            "{} (anspråket {:?} innehåller {:?})",
            Lang::Sv.t("sso-no-role"),
            cfg.role_claim,
            role_values
        ))));
    };
    // Single sign-on accounts belong to the installation's default
    // municipality (one identity provider per municipality).
    let home = state
        .public_config(None)
        .map_err(|e| named(Refusal::Denied(e.to_string())))?;
    let district = if role.is_district_bound() {
        let d = claim_strings(extra.get(&cfg.district_claim))
            .into_iter()
            .find(|d| home.organisation.district(d).is_some());
        match d {
            Some(d) => Some(d),
            None => {
                return Err(named(Refusal::Denied(format!(
                    "{} (anspråket {:?})",
                    Lang::Sv.t("sso-no-district"),
                    cfg.district_claim
                ))))
            }
        }
    } else {
        None
    };
    let store_err = |e: foljupp_store::StoreError| named(Refusal::Denied(e.to_string()));
    let muni = &state.config.municipality;
    match state
        .store
        .account_by_sso_subject(&subject)
        .await
        .map_err(store_err)?
    {
        Some(acc) => {
            if acc.role != role || acc.district.as_deref() != district.as_deref() {
                state
                    .store
                    .set_role_and_district(acc.id, role, district.as_deref())
                    .await
                    .map_err(store_err)?;
                let _ = audit::record(
                    state,
                    Some(acc.id),
                    &acc.name,
                    action::ACCOUNT_UPDATED,
                    &format!(
                        "stadens inloggning: roll {role}, stadsdel {}",
                        district.as_deref().unwrap_or("–")
                    ),
                    None,
                )
                .await;
            }
            Ok((acc.id, acc.name))
        }
        None => {
            let id = state
                .store
                .create_sso_account(muni, &name, role, district.as_deref(), &subject)
                .await
                .map_err(store_err)?;
            let _ = audit::record(
                state,
                Some(id),
                &name,
                action::ACCOUNT_CREATED,
                &format!(
                    "stadens inloggning: roll {role}, stadsdel {}",
                    district.as_deref().unwrap_or("–")
                ),
                None,
            )
            .await;
            Ok((id, name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(map: &str) -> OidcConfig {
        OidcConfig {
            issuer: "http://idp".into(),
            client_id: "c".into(),
            client_secret: None,
            redirect_url: "http://app/login/sso/callback".into(),
            scopes: vec![],
            role_claim: "foljupp_role".into(),
            district_claim: "foljupp_district".into(),
            role_map: OidcConfig::parse_role_map(map).unwrap_or_default(),
        }
    }

    #[test]
    fn maps_codes_groups_and_picks_the_strongest() {
        let c = cfg("sg-foljupp-analys=analyst, sg-foljupp-adm=admin");
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(map_role(&c, &v(&["registrant"])), Some(Role::Registrant));
        assert_eq!(
            map_role(&c, &v(&["sg-x", "sg-foljupp-analys"])),
            Some(Role::Analyst)
        );
        assert_eq!(
            map_role(&c, &v(&["district_lead", "sg-foljupp-adm"])),
            Some(Role::Admin)
        );
        assert_eq!(map_role(&c, &v(&["superuser"])), None);
        assert_eq!(map_role(&c, &[]), None);
        assert!(OidcConfig::parse_role_map("x=boss").is_err());
        assert!(OidcConfig::parse_role_map("nothing").is_err());
    }

    #[test]
    fn reads_claim_strings() {
        assert_eq!(
            claim_strings(Some(&serde_json::json!(["a", 1, "b"]))),
            vec!["a", "b"]
        );
        assert!(claim_strings(Some(&serde_json::json!(7))).is_empty());
        assert!(claim_strings(None).is_empty());
    }
}
