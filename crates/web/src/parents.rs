//! The parents' pages: a parent answers the parents' questions about one
//! registration, anonymously and in their own language, through a short
//! link `/p/CODE`, either on the advisor's device (the advisor is logged
//! out first) or on their own phone (QR code).
//!
//! The code is the capability: 10 characters from a 32-letter alphabet
//! without look-alikes (about 50 bits), stored only as its SHA-256 hash, in
//! a row that names the registration but no account. Unknown codes are
//! counted per client address and answered 429 after too many, so the
//! space cannot be walked online. The POST of the answers carries no CSRF
//! token: the page is reached without a session, and a cross-site form
//! would have to know the code, which is all a parent needs to answer
//! anyway; a token would protect nothing the code does not.

use crate::auth::{self, Principal, SESSION_COOKIE};
use crate::i18n::{parent_languages, FluentArg, Lang, ParentLanguage};
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use foljupp_core::parents::{decode_parent_answers, parent_survey, ANSWER_LIST};
use foljupp_core::{FormSet, Input, Registration};
use foljupp_store::{AnswerOutcome, LinkState, ParentLink};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

/// Letters and digits of a code: no 0/O, no 1/I, so that a code read
/// aloud or typed from paper comes out right.
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const CODE_LEN: usize = 10;

/// A new random code.
pub fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// The code as typed (any case, with spaces or dashes) in its canonical
/// form, or `None` when it cannot be a code.
pub fn normalise_code(s: &str) -> Option<String> {
    let c: String = s
        .chars()
        .filter(|ch| !matches!(ch, '-' | ' '))
        .map(|ch| ch.to_ascii_uppercase())
        .collect();
    (c.len() == CODE_LEN && c.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(c)
}

fn code_hash(code: &str) -> String {
    auth::sha256_hex(code)
}

/// A new answer link for `reg`, to be stored in the same transaction as
/// the registration, when a parent has something to answer about it: the
/// code, what the store keeps of it, and whether it takes many answers.
pub fn new_link(
    state: &SharedState,
    forms: &FormSet,
    reg: &Registration,
) -> Option<(String, foljupp_store::NewParentLink, bool)> {
    let survey = parent_survey(forms, reg)?;
    let lifetime_secs = if survey.multi {
        state.config.group_link_secs
    } else {
        state.config.parent_link_secs
    };
    let code = new_code();
    let multi = survey.multi;
    Some((
        code.clone(),
        foljupp_store::NewParentLink {
            code_hash: code_hash(&code),
            survey,
            lifetime_secs,
        },
        multi,
    ))
}

/// Creates the answer link for a registration just stored, when a parent
/// has something to answer about it. Returns the code and whether the link
/// takes many answers.
pub async fn create_link(
    state: &SharedState,
    forms: &FormSet,
    municipality: &str,
    reg: &Registration,
    registration_id: &str,
) -> Result<Option<(String, bool)>, AppError> {
    let Some(survey) = parent_survey(forms, reg) else {
        return Ok(None);
    };
    let lifetime = if survey.multi {
        state.config.group_link_secs
    } else {
        state.config.parent_link_secs
    };
    let code = new_code();
    state
        .store
        .create_parent_link(
            &code_hash(&code),
            reg.kind,
            foljupp_store::RegistrationKey {
                municipality,
                date: reg.date,
                id: registration_id,
            },
            &survey,
            foljupp_store::now_unix(),
            lifetime,
        )
        .await?;
    Ok(Some((code, survey.multi)))
}

/// What the advisor's "saved" page offers for the parent.
pub struct ParentOffer {
    pub code: String,
    pub path: String,
    /// The absolute link, as in the QR code.
    pub url: String,
    /// Inline SVG of the QR code.
    pub qr_svg: String,
    pub help: String,
}

/// The link as the parent's phone must open it: `FOLJUPP_PUBLIC_URL` when
/// set (behind a proxy), else the address the advisor's browser used.
fn absolute(state: &SharedState, headers: &HeaderMap, path: &str) -> String {
    if let Some(base) = &state.config.public_url {
        return format!("{}{path}", base.trim_end_matches('/'));
    }
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) if !host.is_empty() && !host.contains(['/', '"', '<', ' ']) => {
            let scheme = if state.config.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}{path}")
        }
        _ => path.to_string(),
    }
}

/// An SVG QR code of `url`, ready to be placed inline (no XML prolog, an
/// accessible name, presentation attributes only: the CSP forbids styles).
fn qr_svg(url: &str, label: &str) -> String {
    use qrcode::render::svg;
    let Ok(code) = qrcode::QrCode::new(url.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let svg = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => return String::new(),
    };
    svg.replacen(
        "<svg ",
        &format!(
            r#"<svg role="img" aria-label="{}" focusable="false" class="qr-svg" "#,
            crate::html::esc(label)
        ),
        1,
    )
}

pub fn offer(state: &SharedState, headers: &HeaderMap, code: &str, multi: bool) -> ParentOffer {
    let path = format!("/p/{code}");
    let url = absolute(state, headers, &path);
    let help = if multi {
        Lang::Sv.t_with(
            "register-parent-link-help-multi",
            &[(
                "days",
                FluentArg::Num((state.config.group_link_secs / 86_400).max(1)),
            )],
        )
    } else {
        Lang::Sv.t_with(
            "register-parent-link-help",
            &[(
                "hours",
                FluentArg::Num((state.config.parent_link_secs / 3600).max(1)),
            )],
        )
    };
    ParentOffer {
        qr_svg: qr_svg(&url, &Lang::Sv.t("register-parent-qr-label")),
        code: code.to_string(),
        path,
        url,
        help,
    }
}

/// Unknown codes per client address in a fixed window: past the limit the
/// address gets 429 until the window ends. In memory only; nothing about
/// answers is kept. (Behind a proxy every client shares the proxy's
/// address, and the limit applies to all together; correct codes are never
/// counted, so parents with a QR code are not affected.)
#[derive(Debug, Default)]
pub struct GuessLimiter {
    misses: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

const GUESS_WINDOW_SECS: i64 = 600;
const GUESS_MAX_MISSES: u32 = 30;

impl GuessLimiter {
    fn blocked(&self, ip: IpAddr, now: i64) -> bool {
        let map = self.misses.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&ip)
            .is_some_and(|(start, n)| now - start < GUESS_WINDOW_SECS && *n >= GUESS_MAX_MISSES)
    }

    fn miss(&self, ip: IpAddr, now: i64) {
        let mut map = self.misses.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (start, _)| now - *start < GUESS_WINDOW_SECS);
        }
        let entry = map.entry(ip).or_insert((now, 0));
        if now - entry.0 >= GUESS_WINDOW_SECS {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

pub struct LangLink {
    pub code: String,
    pub name: String,
    pub dir: &'static str,
    pub href: String,
    pub current: bool,
}

pub struct AnswerView {
    pub id: String,
    pub code: String,
    pub label: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub name: String,
    pub legend: String,
    pub error: Option<String>,
    pub answers: Vec<AnswerView>,
}

pub struct ParentForm {
    pub action: String,
    pub questions: Vec<QuestionView>,
}

#[derive(Template)]
#[template(path = "parent.html")]
struct ParentPage {
    lang: &'static ParentLanguage,
    title: String,
    languages: Vec<LangLink>,
    message: Option<String>,
    thanks: bool,
    next_href: Option<String>,
    form: Option<ParentForm>,
    error: Option<String>,
}

impl ParentPage {
    fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    fn new(lang: &'static ParentLanguage, path: &str, title_key: &str) -> ParentPage {
        ParentPage {
            lang,
            title: lang.t(title_key),
            languages: parent_languages()
                .iter()
                .map(|l| LangLink {
                    code: l.code.clone(),
                    name: l.name.clone(),
                    dir: l.dir(),
                    href: format!("{path}?lang={}", l.code),
                    current: l.code == lang.code,
                })
                .collect(),
            message: None,
            thanks: false,
            next_href: None,
            form: None,
            error: None,
        }
    }

    fn respond(self, status: StatusCode) -> Response {
        match self.render() {
            Ok(s) => (status, Html(s)).into_response(),
            Err(e) => AppError::Internal(format!("template: {e}")).into_response(),
        }
    }
}

/// The page's language: `?lang=` (or the form's `lang`), else the first
/// language of the browser's Accept-Language that we have, else Swedish.
fn choose_lang(asked: Option<&str>, headers: &HeaderMap) -> &'static ParentLanguage {
    if let Some(l) = asked.and_then(ParentLanguage::by_code) {
        return l;
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accepted
        .split(',')
        .filter_map(|part| part.split(';').next())
        .filter_map(|tag| tag.trim().split('-').next())
        .find_map(ParentLanguage::by_code)
        .or_else(|| ParentLanguage::by_code("sv"))
        .unwrap_or_else(|| &parent_languages()[0])
}

/// A question's text in the page's language: the kind's own wording from
/// the Fluent file, else the form definitions' Swedish text (a question an
/// admin added before it was translated).
fn question_text(forms: &FormSet, lang: &ParentLanguage, link: &ParentLink, q: &str) -> String {
    let key = format!("parent-q-{}-{q}", link.kind.code());
    lang.try_t(&key)
        .or_else(|| Lang::Sv.t_opt(&key))
        .or_else(|| forms.questions.get(q).map(|(sv, _)| sv.clone()))
        .or_else(|| forms.kind(link.kind).field(q).map(|f| f.label_sv.clone()))
        .unwrap_or_else(|| q.to_string())
}

fn answer_text(lang: &ParentLanguage, forms: &FormSet, code: &str) -> String {
    lang.try_t(&format!("parent-a-{code}"))
        .unwrap_or_else(|| forms.label(ANSWER_LIST, code).to_string())
}

fn form_of(
    forms: &FormSet,
    lang: &ParentLanguage,
    link: &ParentLink,
    path: &str,
    given: &Input,
    errors: &[foljupp_core::FieldError],
) -> ParentForm {
    let codes: Vec<String> = forms
        .list(ANSWER_LIST)
        .map(|l| l.active().map(|o| o.code.clone()).collect())
        .unwrap_or_default();
    ParentForm {
        action: path.to_string(),
        questions: link
            .questions
            .iter()
            .map(|q| QuestionView {
                name: q.clone(),
                legend: question_text(forms, lang, link, q),
                error: errors
                    .iter()
                    .any(|e| &e.field == q)
                    .then(|| lang.t("parent-invalid-answer")),
                answers: codes
                    .iter()
                    .map(|c| AnswerView {
                        id: format!("{q}-{c}"),
                        code: c.clone(),
                        label: answer_text(lang, forms, c),
                        checked: given.get(q).is_some_and(|vs| vs.iter().any(|v| v == c)),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The page for a code that leads nowhere (any more).
fn refusal(lang: &'static ParentLanguage, path: &str, state: &LinkState) -> Response {
    let (status, title, message) = match state {
        LinkState::Used => (StatusCode::GONE, "parent-used-title", "parent-used"),
        LinkState::Expired => (StatusCode::GONE, "parent-expired-title", "parent-expired"),
        LinkState::Unknown | LinkState::Open(_) => (
            StatusCode::NOT_FOUND,
            "parent-unknown-title",
            "parent-unknown",
        ),
    };
    let mut page = ParentPage::new(lang, path, title);
    page.message = Some(lang.t(message));
    page.respond(status)
}

fn too_many(lang: &'static ParentLanguage, path: &str) -> Response {
    let mut page = ParentPage::new(lang, path, "parent-unknown-title");
    page.message = Some(lang.t("parent-too-many"));
    let mut resp = page.respond(StatusCode::TOO_MANY_REQUESTS);
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("600"),
    );
    resp
}

/// Looks the code up, counting unknown ones against the client address.
async fn look_up(
    state: &SharedState,
    raw_code: &str,
    ip: Option<IpAddr>,
) -> Result<Result<(String, LinkState), Blocked>, AppError> {
    let now = foljupp_store::now_unix();
    if let Some(ip) = ip {
        if state.parent_guesses.blocked(ip, now) {
            return Ok(Err(Blocked));
        }
    }
    let Some(code) = normalise_code(raw_code) else {
        if let Some(ip) = ip {
            state.parent_guesses.miss(ip, now);
        }
        return Ok(Ok((String::new(), LinkState::Unknown)));
    };
    let link = state.store.parent_link(&code_hash(&code), now).await?;
    if link == LinkState::Unknown {
        if let Some(ip) = ip {
            state.parent_guesses.miss(ip, now);
        }
    }
    Ok(Ok((code, link)))
}

struct Blocked;

/// The path to link back to: the canonical code, or what was asked for.
fn page_path(code: &str, raw: &str) -> String {
    if code.is_empty() {
        let enc: String = form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        format!("/p/{enc}")
    } else {
        format!("/p/{code}")
    }
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

type Client = Option<Extension<ConnectInfo<SocketAddr>>>;

fn ip_of(client: &Client) -> Option<IpAddr> {
    client.as_ref().map(|Extension(ConnectInfo(a))| a.ip())
}

/// GET /p/{code}: the questions, in the chosen language.
pub async fn show(
    State(state): State<SharedState>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    client: Client,
) -> Result<Response, AppError> {
    let lang = choose_lang(q.lang.as_deref(), &headers);
    let found = look_up(&state, &raw, ip_of(&client)).await?;
    let Ok((code, link)) = found else {
        return Ok(too_many(lang, &page_path("", &raw)));
    };
    let path = page_path(&code, &raw);
    let LinkState::Open(link) = link else {
        return Ok(refusal(lang, &path, &link));
    };
    let mut page = ParentPage::new(lang, &path, "parent-title");
    let cfg = state.municipality(&link.municipality)?;
    page.form = Some(form_of(&cfg.forms, lang, &link, &path, &Input::new(), &[]));
    Ok(page.respond(StatusCode::OK))
}

/// POST /p/{code}: records the answers.
pub async fn answer(
    State(state): State<SharedState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    client: Client,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let mut input = Input::new();
    for (k, v) in form_urlencoded::parse(&body).into_owned() {
        input.entry(k).or_default().push(v);
    }
    let asked = input.get("lang").and_then(|v| v.first()).cloned();
    let lang = choose_lang(asked.as_deref(), &headers);
    let found = look_up(&state, &raw, ip_of(&client)).await?;
    let Ok((code, link)) = found else {
        return Ok(too_many(lang, &page_path("", &raw)));
    };
    let path = page_path(&code, &raw);
    let LinkState::Open(link) = link else {
        return Ok(refusal(lang, &path, &link));
    };
    let cfg = state.municipality(&link.municipality)?;
    let answers = match decode_parent_answers(&cfg.forms, &link.questions, &input) {
        Ok(a) if !a.is_empty() => a,
        result => {
            let errors = result.err().unwrap_or_default();
            let mut page = ParentPage::new(lang, &path, "parent-title");
            page.error = Some(if errors.is_empty() {
                lang.t("parent-nothing-chosen")
            } else {
                lang.t("parent-invalid-answer")
            });
            page.form = Some(form_of(&cfg.forms, lang, &link, &path, &input, &errors));
            return Ok(page.respond(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let now = foljupp_store::now_unix();
    match state
        .store
        .record_parent_answers_counted(&code_hash(&code), now, &answers)
        .await?
    {
        (AnswerOutcome::Recorded, day) => {
            // The report rollup takes the answer up by recounting its day.
            if let Some(day) = day {
                state.report_cache.recount(&day);
            }
        }
        (AnswerOutcome::Refused(why), _) => return Ok(refusal(lang, &path, &why)),
    }
    let mut page = ParentPage::new(lang, &path, "parent-thanks-title");
    page.thanks = true;
    if link.multi {
        page.message = Some(lang.t("parent-thanks"));
        page.next_href = Some(format!("{path}?lang={}", lang.code));
    } else {
        page.message = Some(format!(
            "{} {}",
            lang.t("parent-thanks"),
            lang.t("parent-thanks-single")
        ));
    }
    Ok(page.respond(StatusCode::OK))
}

#[derive(Deserialize)]
pub struct HandoverForm {
    code: String,
}

/// POST /lat-foraldern-svara: "let the parent answer" on this device. Ends
/// the advisor's session on the server first, so that nothing the parent
/// can reach on the device, the browser's back button included, leads into
/// the advisor's pages without logging in again.
pub async fn handover(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Form(f): Form<HandoverForm>,
) -> Result<Response, AppError> {
    let now = foljupp_store::now_unix();
    let open = match normalise_code(&f.code) {
        Some(code) => match state.store.parent_link(&code_hash(&code), now).await? {
            LinkState::Open(_) => Some(code),
            _ => None,
        },
        None => None,
    };
    let Some(code) = open else {
        return Ok(crate::pages::error_page(
            StatusCode::GONE,
            &Lang::Sv.t("register-parent-gone"),
        ));
    };
    if let Some((hash, _)) = &p.session {
        state.store.delete_session(hash).await?;
    }
    // Logged like any logout: a line saying "handed over for a parent"
    // would date a parent link, and so a registration, to this account.
    tracing::info!(account = p.account_id, "logout");
    let mut resp = Redirect::to(&format!("/p/{code}")).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies)
            .parse()
            .map_err(|_| AppError::Internal("cookie".into()))?,
    );
    // Tell the browser to drop what it has of this origin's pages, so that
    // "back" cannot show the advisor's saved page from memory.
    resp.headers_mut().insert(
        "clear-site-data",
        axum::http::HeaderValue::from_static("\"cache\""),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_ten_unambiguous_characters_and_normalise() {
        let a = new_code();
        assert_eq!(a.len(), 10);
        assert!(a.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_ne!(a, new_code());
        assert_eq!(normalise_code("abcde-23456").as_deref(), Some("ABCDE23456"));
        assert_eq!(normalise_code("ABCDE 2345"), None);
        assert_eq!(
            normalise_code("ABCDE2345O"),
            None,
            "O is not in the alphabet"
        );
        assert_eq!(normalise_code("ABCDE23456/x"), None);
    }

    #[test]
    fn the_limiter_blocks_after_many_misses_and_forgets_after_the_window() {
        let l = GuessLimiter::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        for _ in 0..GUESS_MAX_MISSES {
            assert!(!l.blocked(ip, 1000));
            l.miss(ip, 1000);
        }
        assert!(l.blocked(ip, 1000));
        assert!(!l.blocked(ip, 1000 + GUESS_WINDOW_SECS));
    }

    #[test]
    fn the_qr_code_is_inline_svg_without_styles() {
        let svg = qr_svg("https://example.org/p/ABCDE23456", "QR \"kod\"");
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"QR &quot;kod&quot;\""));
        assert!(!svg.contains("style"));
        assert!(svg.ends_with("</svg>"));
    }
}
