//! Spindeln: measurement rounds, anonymous answering, results.
//!
//! A round has one respondent link per district and party: a random
//! capability code of which only the SHA-256 hash is stored, so the links
//! are shown once, when the round is made (or when they are replaced).
//! Answering needs no account; the answer is stored as nine ratings with
//! its round, district and party, nothing more.

use super::export::{self, Cell, Sheet};
use super::radar::{self, decimal, Radar};
use super::{all, first, form_pairs, ui_text};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::pages::{render, Nav};
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use foljupp_core::steering::{
    self, SpindelnAnswer, DEFAULT_SCALE_MAX, ITEM_COUNT, PARTIES, SPINDELN_ITEMS,
};
use foljupp_core::{MunicipalConfig, Role};
use foljupp_stats::spindeln::{district_result, DistrictResult, GroupResult, ItemResult};
use foljupp_store::{LinkHash, NewRound, SpindelnRound};
use serde_json::{json, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------- input

/// A round as entered, before validation (kept to refill the form).
#[derive(Debug, Clone, Default)]
pub struct RoundInput {
    pub name: String,
    pub date: String,
    pub districts: Vec<String>,
    pub parties: Vec<String>,
    pub items: Vec<String>,
    pub scale_max: String,
    /// `None`: the latest earlier round; `Some("")`: none.
    pub previous_round: Option<String>,
}

type Errors = BTreeMap<String, String>;

fn validate(
    cfg: &MunicipalConfig,
    input: &RoundInput,
    rounds: &[SpindelnRound],
) -> Result<NewRound, Errors> {
    let mut errors = Errors::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.insert(
            "name".into(),
            "Ge mätomgången ett namn, till exempel \"Mätning 3, hösten 2024\".".into(),
        );
    } else if name.chars().count() > 120 {
        errors.insert("name".into(), "Namnet får vara högst 120 tecken.".into());
    }
    let day = foljupp_core::parse_date(&input.date);
    if day.is_none() {
        errors.insert(
            "date".into(),
            "Ange mätningens datum som ÅÅÅÅ-MM-DD, till exempel 2024-03-15.".into(),
        );
    }
    let mut districts = Vec::new();
    for d in &input.districts {
        if cfg.organisation.district(d).is_none() {
            errors.insert(
                "districts".into(),
                format!("Stadsdelsförvaltningen {d:?} finns inte."),
            );
        } else if !districts.contains(d) {
            districts.push(d.clone());
        }
    }
    if input.districts.is_empty() {
        errors.insert(
            "districts".into(),
            "Välj minst en stadsdelsförvaltning som ska svara.".into(),
        );
    }
    let mut parties = Vec::new();
    for (code, _, _) in PARTIES {
        if input.parties.iter().any(|p| p == code) {
            parties.push(code.to_string());
        }
    }
    if let Some(bad) = input.parties.iter().find(|p| !steering::is_party(p)) {
        errors.insert(
            "parties".into(),
            format!("Parten {bad:?} finns inte. Välj bland socialtjänst, öppen förskola, barnhälsovård och mödrahälsovård."),
        );
    } else if parties.is_empty() {
        errors.insert("parties".into(), "Välj minst en part som ska svara.".into());
    }
    let scale_max = if input.scale_max.trim().is_empty() {
        Some(DEFAULT_SCALE_MAX)
    } else {
        input
            .scale_max
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|m| steering::SCALE_MAX_RANGE.contains(m))
    };
    if scale_max.is_none() {
        errors.insert(
            "scale_max".into(),
            format!(
                "Skalan går från 1 till ett tal mellan {} och {}.",
                steering::SCALE_MAX_RANGE.start(),
                steering::SCALE_MAX_RANGE.end()
            ),
        );
    }
    let items = match items_of(&input.items) {
        Ok(i) => i,
        Err((field, msg)) => {
            errors.insert(field, msg);
            Vec::new()
        }
    };
    let previous_round = match input.previous_round.as_deref().map(str::trim) {
        None => day.and_then(|d| {
            let d = foljupp_core::format_date(d);
            rounds
                .iter()
                .filter(|r| r.day < d)
                .max_by(|a, b| (&a.day, a.id).cmp(&(&b.day, b.id)))
                .map(|r| r.id)
        }),
        Some("") => None,
        Some(s) => match s
            .parse::<i64>()
            .ok()
            .filter(|id| rounds.iter().any(|r| r.id == *id))
        {
            Some(id) => Some(id),
            None => {
                errors.insert(
                    "previous_round".into(),
                    format!("Det finns ingen mätomgång {s:?} att jämföra med."),
                );
                None
            }
        },
    };
    match (day, scale_max) {
        (Some(day), Some(scale_max)) if errors.is_empty() => Ok(NewRound {
            name: name.to_string(),
            day: foljupp_core::format_date(day),
            districts,
            parties,
            items,
            scale_max,
            previous_round,
        }),
        _ => Err(errors),
    }
}

/// The nine item texts: the defaults when none are given.
fn items_of(given: &[String]) -> Result<Vec<String>, (String, String)> {
    if given.iter().all(|t| t.trim().is_empty()) {
        return Ok(SPINDELN_ITEMS
            .iter()
            .map(|i| i.default_text_sv.to_string())
            .collect());
    }
    if given.len() != ITEM_COUNT {
        return Err((
            "items".into(),
            format!(
                "Ange texten för alla {ITEM_COUNT} frågor (eller ingen, för standardtexterna)."
            ),
        ));
    }
    for (i, t) in given.iter().enumerate() {
        let n = t.trim().chars().count();
        if n == 0 || n > 300 {
            return Err((
                format!("item{}", i + 1),
                format!("Fråga {} behöver en text på 1–300 tecken.", i + 1),
            ));
        }
    }
    Ok(given.iter().map(|t| t.trim().to_string()).collect())
}

/// New codes for every district × party of a round: the codes to hand out
/// and the hashes to store.
fn new_links(
    districts: &[String],
    parties: &[String],
) -> (Vec<(String, String, String)>, Vec<LinkHash>) {
    let mut shown = Vec::new();
    let mut stored = Vec::new();
    for d in districts {
        for p in parties {
            // 120 random bits: unguessable, and short enough to type.
            let code = foljupp_store::random_token()[..30].to_string();
            stored.push(LinkHash {
                district: d.clone(),
                party: p.clone(),
                code_hash: crate::sha256_hex(&code),
            });
            shown.push((d.clone(), p.clone(), code));
        }
    }
    (shown, stored)
}

fn origin(state: &SharedState, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

// ---------------------------------------------------------------- results

/// A round's results per district, with the previous round's beside them.
pub struct Computed {
    pub round: SpindelnRound,
    pub districts: Vec<DistrictResult>,
    pub previous: Option<(SpindelnRound, BTreeMap<String, DistrictResult>)>,
}

fn item_codes() -> [&'static str; ITEM_COUNT] {
    let mut out = [""; ITEM_COUNT];
    for (o, i) in out.iter_mut().zip(SPINDELN_ITEMS.iter()) {
        *o = i.code;
    }
    out
}

async fn compute(
    state: &SharedState,
    municipality: &str,
    round: SpindelnRound,
) -> Result<Computed, AppError> {
    let t = state.config.threshold;
    let codes = item_codes();
    let answers = state.store.spindeln_answers(round.id).await?;
    let districts = round
        .districts
        .iter()
        .map(|d| district_result(d, &answers, &round.parties, &codes, t))
        .collect();
    let previous = match round.previous_round {
        Some(pid) => match state.store.spindeln_round(municipality, pid).await? {
            Some(prev) => {
                let answers = state.store.spindeln_answers(prev.id).await?;
                let map = round
                    .districts
                    .iter()
                    .filter(|d| prev.districts.contains(d))
                    .map(|d| {
                        (
                            d.clone(),
                            district_result(d, &answers, &prev.parties, &codes, t),
                        )
                    })
                    .collect();
                Some((prev, map))
            }
            None => None,
        },
        None => None,
    };
    Ok(Computed {
        round,
        districts,
        previous,
    })
}

impl Computed {
    fn previous_of(&self, district: &str) -> Option<&GroupResult> {
        self.previous
            .as_ref()
            .and_then(|(_, m)| m.get(district))
            .map(|d| &d.pooled)
            .filter(|g| g.shown)
    }
}

async fn load_round(
    state: &SharedState,
    municipality: &str,
    id: &str,
) -> Result<SpindelnRound, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    state
        .store
        .spindeln_round(municipality, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The districts of a round the caller may see: all for analysts, their
/// own for a district lead.
fn visible(p: &Principal, round: &SpindelnRound) -> Vec<String> {
    round
        .districts
        .iter()
        .filter(|d| crate::routes::may_see(p, Some(d)))
        .cloned()
        .collect()
}

fn is_analyst(p: &Principal) -> bool {
    matches!(p.role, Role::Analyst | Role::Admin)
}

// ---------------------------------------------------------------- API

fn api_error(status: StatusCode, code: &str, message: String, errors: Option<&Errors>) -> Response {
    let mut body = json!({"error": code, "message": message});
    if let Some(errs) = errors {
        body["errors"] = errs
            .iter()
            .map(|(f, m)| json!({"field": f, "message": m}))
            .collect();
    }
    (status, Json(body)).into_response()
}

fn json_strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// `POST /api/v1/spindeln/rounds`: creates a round and returns its
/// respondent links (shown only now).
pub async fn api_create_round(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return Ok(api_error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Skicka mätomgången som ett JSON-objekt: {\"name\", \"date\", \"districts\": [...], \"parties\": [...]}.".into(),
                None,
            ))
        }
    };
    let mut shape = Errors::new();
    let text = |k: &str| match &body[k] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    };
    let list = |k: &str, shape: &mut Errors| {
        json_strings(&body[k]).unwrap_or_else(|| {
            shape.insert(k.into(), format!("{k} ska vara en lista av koder."));
            Vec::new()
        })
    };
    let districts = list("districts", &mut shape);
    let parties = match body.get("parties") {
        None => PARTIES.iter().map(|(c, _, _)| c.to_string()).collect(),
        Some(_) => list("parties", &mut shape),
    };
    let items = list("items", &mut shape);
    let input = RoundInput {
        name: text("name").unwrap_or_default(),
        date: text("date").unwrap_or_default(),
        districts,
        parties,
        items,
        scale_max: text("scale_max").unwrap_or_default(),
        previous_round: body.get("previous_round").map(|v| match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        }),
    };
    let rounds = state.store.spindeln_rounds(&p.municipality).await?;
    let new = match validate(&*state.config_of(&p)?, &input, &rounds) {
        Ok(n) if shape.is_empty() => Ok(n),
        Ok(_) => Err(shape),
        Err(mut e) => {
            e.append(&mut shape);
            Err(e)
        }
    };
    let new = match new {
        Ok(n) => n,
        Err(errors) => {
            return Ok(api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Mätomgången skapades inte. Rätta fälten nedan och skicka igen.".into(),
                Some(&errors),
            ))
        }
    };
    let (shown, stored) = new_links(&new.districts, &new.parties);
    let id = state
        .store
        .create_spindeln_round(&p.municipality, &new, &stored)
        .await?;
    let origin = origin(&state, &headers);
    let links: Vec<Value> = shown
        .iter()
        .map(|(d, p, code)| {
            let path = format!("/s/{code}");
            json!({
                "district": d,
                "party": p,
                "code": code,
                "path": path,
                "url": origin.as_ref().map(|o| format!("{o}{path}")),
            })
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "name": new.name,
            "date": new.day,
            "districts": new.districts,
            "parties": new.parties,
            "scale": {"min": 1, "max": new.scale_max},
            "previous_round": new.previous_round,
            "links": links,
        })),
    )
        .into_response())
}

fn round_json(state: &SharedState, r: &SpindelnRound) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "date": r.day,
        "districts": r.districts,
        "parties": r.parties,
        "scale": {"min": 1, "max": r.scale_max},
        "previous_round": r.previous_round,
        "closed": r.closed,
        "items": SPINDELN_ITEMS.iter().zip(&r.items).enumerate().map(|(i, (item, text))| json!({
            "no": i + 1,
            "code": item.code,
            "dimension": item.dimension.code(),
            "text": text,
        })).collect::<Vec<_>>(),
        "threshold": state.config.threshold,
    })
}

/// `GET /api/v1/spindeln/rounds`: the rounds (a district lead sees those
/// that include their district).
pub async fn api_rounds(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, ApiError> {
    let rounds = state.store.spindeln_rounds(&p.municipality).await?;
    let out: Vec<Value> = rounds
        .iter()
        .filter(|r| !visible(&p, r).is_empty())
        .map(|r| round_json(&state, r))
        .collect();
    Ok(Json(json!({"rounds": out})).into_response())
}

/// `GET /api/v1/spindeln/rounds/{id}/results`: per district and item `n`,
/// `mean`, `min`, `max`, `sd` (sample), pooled and per party, with the
/// previous round's pooled figures.
pub async fn api_results(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let cfg = state.config_of(&p)?;
    let round = load_round(&state, &p.municipality, &id).await?;
    let mine = visible(&p, &round);
    if mine.is_empty() {
        return Err(ApiError(AppError::Forbidden(
            "Mätomgången omfattar inte din stadsdelsförvaltning.".into(),
        )));
    }
    let c = compute(&state, &p.municipality, round).await?;
    let districts: Vec<Value> = c
        .districts
        .iter()
        .filter(|d| mine.contains(&d.district))
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
            v["name"] = json!(cfg.organisation.district_name(&d.district));
            v["previous"] = match &c.previous {
                Some((prev, m)) => match m.get(&d.district) {
                    Some(pd) => json!({
                        "round": prev.id,
                        "respondents": pd.pooled.respondents,
                        "shown": pd.pooled.shown,
                        "items": pd.pooled.items,
                    }),
                    None => Value::Null,
                },
                None => Value::Null,
            };
            v
        })
        .collect();
    Ok(Json(json!({
        "round": round_json(&state, &c.round),
        "definitions": {
            "n": "antal svar med en skattning (vet ej räknas inte)",
            "sd": "stickprovsstandardavvikelse, n − 1 i nämnaren",
            "suppressed": format!("färre än {} skattningar: inga värden visas", state.config.threshold),
        },
        "districts": districts,
    }))
    .into_response())
}

// ---------------------------------------------------------------- pages

pub struct Choice {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

pub struct ItemField {
    pub no: usize,
    pub dimension: &'static str,
    pub text: String,
    pub error: Option<String>,
}

pub struct RoundRow {
    pub id: i64,
    pub name: String,
    pub day: String,
    pub districts: String,
    pub answers: i64,
    pub closed: bool,
    /// For a district lead: their own district's results page.
    pub own: Option<String>,
}

#[derive(Template)]
#[template(path = "spindeln_index.html")]
struct IndexPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    analyst: bool,
    rounds: Vec<RoundRow>,
}

#[derive(Template)]
#[template(path = "spindeln_form.html")]
struct FormPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    csrf: String,
    /// Some(id) when editing a round.
    editing: Option<i64>,
    locked: bool,
    name: String,
    date: String,
    scale_max: String,
    scales: Vec<u8>,
    previous: Vec<(String, String, bool)>,
    districts: Vec<Choice>,
    parties: Vec<Choice>,
    items: Vec<ItemField>,
    errors: Errors,
}

impl FormPage {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

pub struct LinkRow {
    pub district: String,
    pub party: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "spindeln_links.html")]
struct LinksPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    round_id: i64,
    round_name: String,
    replaced: bool,
    links: Vec<LinkRow>,
}

pub struct CityRow {
    pub code: String,
    pub name: String,
    pub respondents: u32,
    pub shown: bool,
    pub means: Vec<String>,
}

#[derive(Template)]
#[template(path = "spindeln_round.html")]
struct RoundPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    csrf: String,
    round: SpindelnRound,
    previous_name: Option<String>,
    answers: u32,
    threshold: u32,
    items: Vec<(usize, String, String)>,
    rows: Vec<CityRow>,
}

pub struct ItemRow {
    pub no: usize,
    pub text: String,
    pub mean: String,
    pub range: String,
    pub sd: String,
    pub n: u32,
    pub dont_know: u32,
    pub previous: String,
    pub change: String,
}

pub struct PartyView {
    pub label: String,
    pub respondents: u32,
    pub rows: Vec<ItemRow>,
}

#[derive(Template)]
#[template(path = "spindeln_district.html")]
struct DistrictPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    round: SpindelnRound,
    district: String,
    district_name: String,
    respondents: u32,
    shown: bool,
    threshold: u32,
    previous_name: Option<String>,
    radar_svg: String,
    rows: Vec<ItemRow>,
    parties: Vec<PartyView>,
    pooled_only: Vec<(String, u32)>,
    analyst: bool,
}

pub struct ScaleOption {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct Question {
    pub no: usize,
    pub text: String,
    pub options: Vec<ScaleOption>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "spindeln_answer.html")]
struct AnswerPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    code: String,
    round_name: String,
    district_name: String,
    party_label: String,
    scale_max: u8,
    questions: Vec<Question>,
    has_errors: bool,
}

#[derive(Template)]
#[template(path = "spindeln_thanks.html")]
struct ThanksPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    message: String,
    heading: String,
}

ui_text!(
    IndexPage,
    FormPage,
    LinksPage,
    RoundPage,
    DistrictPage,
    AnswerPage,
    ThanksPage
);

fn dash() -> String {
    "–".into()
}

fn item_row(no: usize, text: &str, it: &ItemResult, prev: Option<&ItemResult>) -> ItemRow {
    let prev_mean = prev.and_then(|p| p.mean);
    ItemRow {
        no,
        text: text.to_string(),
        mean: it.mean.map(|m| decimal(m, 1)).unwrap_or_else(|| {
            if it.suppressed {
                "för få svar".into()
            } else {
                dash()
            }
        }),
        range: match (it.min, it.max) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => dash(),
        },
        sd: it.sd.map(|s| decimal(s, 2)).unwrap_or_else(dash),
        n: it.n,
        dont_know: it.dont_know,
        previous: prev_mean.map(|m| decimal(m, 1)).unwrap_or_else(dash),
        change: match (it.mean, prev_mean) {
            (Some(a), Some(b)) => {
                let d = a - b;
                if d.abs() < 0.05 {
                    "±0,0".into()
                } else if d > 0.0 {
                    format!("+{}", decimal(d, 1))
                } else {
                    decimal(d, 1)
                }
            }
            _ => dash(),
        },
    }
}

pub async fn index(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let rounds = state.store.spindeln_rounds(&p.municipality).await?;
    let counts = state.store.spindeln_answer_counts(&p.municipality).await?;
    let analyst = is_analyst(&p);
    let rows = rounds
        .iter()
        .filter(|r| !visible(&p, r).is_empty())
        .map(|r| RoundRow {
            id: r.id,
            name: r.name.clone(),
            day: r.day.clone(),
            districts: r
                .districts
                .iter()
                .map(|d| cfg.organisation.district_name(d))
                .collect::<Vec<_>>()
                .join(", "),
            // A district lead sees their own district's figures only.
            answers: if analyst {
                counts.get(&r.id).copied().unwrap_or(0)
            } else {
                -1
            },
            closed: r.closed,
            own: (!analyst).then(|| p.district.clone().unwrap_or_default()),
        })
        .collect();
    Ok(render(&IndexPage {
        ui: Lang::Sv,
        title: "Spindeln".into(),
        nav: Nav::of(&p),
        analyst,
        rounds: rows,
    }))
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    cfg: &MunicipalConfig,
    p: &Principal,
    input: &RoundInput,
    rounds: &[SpindelnRound],
    editing: Option<i64>,
    locked: bool,
    errors: Errors,
) -> FormPage {
    let items: Vec<String> = if input.items.len() == ITEM_COUNT {
        input.items.clone()
    } else {
        SPINDELN_ITEMS
            .iter()
            .map(|i| i.default_text_sv.to_string())
            .collect()
    };
    let selected_prev = input
        .previous_round
        .clone()
        .unwrap_or_else(|| rounds.first().map(|r| r.id.to_string()).unwrap_or_default());
    let mut previous = vec![(
        "".to_string(),
        "Ingen jämförelse".to_string(),
        selected_prev.is_empty(),
    )];
    previous.extend(rounds.iter().filter(|r| Some(r.id) != editing).map(|r| {
        (
            r.id.to_string(),
            format!("{} ({})", r.name, r.day),
            r.id.to_string() == selected_prev,
        )
    }));
    FormPage {
        ui: Lang::Sv,
        title: if editing.is_some() {
            "Ändra mätomgång".into()
        } else {
            "Ny mätomgång".into()
        },
        nav: Nav::of(p),
        csrf: p.csrf_token().to_string(),
        editing,
        locked,
        name: input.name.clone(),
        date: input.date.clone(),
        scale_max: if input.scale_max.is_empty() {
            DEFAULT_SCALE_MAX.to_string()
        } else {
            input.scale_max.clone()
        },
        scales: steering::SCALE_MAX_RANGE.collect(),
        previous,
        districts: cfg
            .organisation
            .districts
            .iter()
            .map(|d| Choice {
                code: d.code.clone(),
                label: d.name.clone(),
                checked: input.districts.contains(&d.code),
            })
            .collect(),
        parties: PARTIES
            .iter()
            .map(|(c, sv, _)| Choice {
                code: c.to_string(),
                label: sv.to_string(),
                checked: input.parties.iter().any(|x| x == c),
            })
            .collect(),
        items: SPINDELN_ITEMS
            .iter()
            .zip(items)
            .enumerate()
            .map(|(i, (item, text))| ItemField {
                no: i + 1,
                dimension: item.dimension.label_sv(),
                text,
                error: errors.get(&format!("item{}", i + 1)).cloned(),
            })
            .collect(),
        errors,
    }
}

pub async fn new_form(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    let rounds = state.store.spindeln_rounds(&p.municipality).await?;
    let cfg = state.config_of(&p)?;
    let input = RoundInput {
        date: foljupp_core::format_date(time::OffsetDateTime::now_utc().date()),
        districts: cfg
            .organisation
            .districts
            .iter()
            .map(|d| d.code.clone())
            .collect(),
        parties: PARTIES.iter().map(|(c, _, _)| c.to_string()).collect(),
        ..RoundInput::default()
    };
    Ok(render(&form_page(
        &*state.config_of(&p)?,
        &p,
        &input,
        &rounds,
        None,
        false,
        Errors::new(),
    )))
}

fn input_of_form(pairs: &[(String, String)]) -> RoundInput {
    RoundInput {
        name: first(pairs, "name").to_string(),
        date: first(pairs, "date").to_string(),
        districts: all(pairs, "districts"),
        parties: all(pairs, "parties"),
        items: (1..=ITEM_COUNT)
            .map(|i| first(pairs, &format!("item{i}")).to_string())
            .collect(),
        scale_max: first(pairs, "scale_max").to_string(),
        previous_round: Some(first(pairs, "previous_round").to_string()),
    }
}

fn links_page(
    state: &SharedState,
    p: &Principal,
    headers: &HeaderMap,
    round_id: i64,
    round_name: &str,
    shown: Vec<(String, String, String)>,
    replaced: bool,
) -> Response {
    let cfg = match state.config_of(p) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let origin = origin(state, headers).unwrap_or_default();
    render(&LinksPage {
        ui: Lang::Sv,
        title: "Svarslänkar".into(),
        nav: Nav::of(p),
        round_id,
        round_name: round_name.to_string(),
        replaced,
        links: shown
            .into_iter()
            .map(|(d, party, code)| LinkRow {
                district: cfg.organisation.district_name(&d).to_string(),
                party: steering::party_label(&party).to_string(),
                url: format!("{origin}/s/{code}"),
            })
            .collect(),
    })
}

pub async fn create(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let pairs = form_pairs(&body);
    let input = input_of_form(&pairs);
    let rounds = state.store.spindeln_rounds(&p.municipality).await?;
    let new = match validate(&*state.config_of(&p)?, &input, &rounds) {
        Ok(n) => n,
        Err(errors) => {
            let mut resp = render(&form_page(
                &*state.config_of(&p)?,
                &p,
                &input,
                &rounds,
                None,
                false,
                errors,
            ));
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let (shown, stored) = new_links(&new.districts, &new.parties);
    let id = state
        .store
        .create_spindeln_round(&p.municipality, &new, &stored)
        .await?;
    let mut resp = links_page(&state, &p, &headers, id, &new.name, shown, false);
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

async fn has_answers(state: &SharedState, municipality: &str, id: i64) -> Result<bool, AppError> {
    Ok(state
        .store
        .spindeln_answer_counts(municipality)
        .await?
        .get(&id)
        .is_some_and(|n| *n > 0))
}

pub async fn edit_form(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let round = load_round(&state, &p.municipality, &id).await?;
    let rounds = state.store.spindeln_rounds(&p.municipality).await?;
    let locked = has_answers(&state, &p.municipality, round.id).await?;
    let input = RoundInput {
        name: round.name.clone(),
        date: round.day.clone(),
        districts: round.districts.clone(),
        parties: round.parties.clone(),
        items: round.items.clone(),
        scale_max: round.scale_max.to_string(),
        previous_round: Some(
            round
                .previous_round
                .map(|i| i.to_string())
                .unwrap_or_default(),
        ),
    };
    Ok(render(&form_page(
        &*state.config_of(&p)?,
        &p,
        &input,
        &rounds,
        Some(round.id),
        locked,
        Errors::new(),
    )))
}

/// Saves a round's name, item texts and scale. Districts, parties and date
/// are fixed once the links exist; texts and scale are fixed once answers
/// have arrived (409 with the reason, the entered values kept).
pub async fn edit(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let round = load_round(&state, &p.municipality, &id).await?;
    let pairs = form_pairs(&body);
    let mut input = input_of_form(&pairs);
    // What cannot change after creation comes from the round itself.
    input.date = round.day.clone();
    input.districts = round.districts.clone();
    input.parties = round.parties.clone();
    input.previous_round = Some(
        round
            .previous_round
            .map(|i| i.to_string())
            .unwrap_or_default(),
    );
    let rounds = state.store.spindeln_rounds(&p.municipality).await?;
    let others: Vec<SpindelnRound> = rounds
        .iter()
        .filter(|r| r.id != round.id)
        .cloned()
        .collect();
    let locked = has_answers(&state, &p.municipality, round.id).await?;
    let new = match validate(&*state.config_of(&p)?, &input, &others) {
        Ok(n) => n,
        Err(errors) => {
            let mut resp = render(&form_page(
                &*state.config_of(&p)?,
                &p,
                &input,
                &rounds,
                Some(round.id),
                locked,
                errors,
            ));
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    if new.items != round.items || new.scale_max != round.scale_max {
        if let Err(e) = state
            .store
            .update_spindeln_questions(round.id, &new.items, new.scale_max)
            .await
        {
            let (status, message) = match e {
                foljupp_store::StoreError::Conflict(m) => (StatusCode::CONFLICT, m),
                other => return Err(other.into()),
            };
            let mut errors = Errors::new();
            errors.insert("items".into(), message);
            let mut resp = render(&form_page(
                &*state.config_of(&p)?,
                &p,
                &input,
                &rounds,
                Some(round.id),
                true,
                errors,
            ));
            *resp.status_mut() = status;
            return Ok(resp);
        }
    }
    if new.name != round.name {
        state
            .store
            .rename_spindeln_round(round.id, &new.name)
            .await?;
    }
    Ok(Redirect::to(&format!("/spindeln/rounds/{}", round.id)).into_response())
}

pub async fn replace_links(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let round = load_round(&state, &p.municipality, &id).await?;
    let (shown, stored) = new_links(&round.districts, &round.parties);
    state
        .store
        .replace_spindeln_links(round.id, &stored)
        .await?;
    Ok(links_page(
        &state,
        &p,
        &headers,
        round.id,
        &round.name,
        shown,
        true,
    ))
}

pub async fn set_status(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let round = load_round(&state, &p.municipality, &id).await?;
    let pairs = form_pairs(&body);
    let closed = match first(&pairs, "closed") {
        "1" => true,
        "0" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Ange closed=1 för att stänga mätomgången eller closed=0 för att öppna den.".into(),
            ))
        }
    };
    state.store.set_spindeln_closed(round.id, closed).await?;
    Ok(Redirect::to(&format!("/spindeln/rounds/{}", round.id)).into_response())
}

fn previous_name(c: &Computed) -> Option<String> {
    c.previous
        .as_ref()
        .map(|(r, _)| format!("{} ({})", r.name, r.day))
}

/// The city view: every district's means side by side (a district lead is
/// sent to their own district's page).
pub async fn round_page(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let round = load_round(&state, &p.municipality, &id).await?;
    if !is_analyst(&p) {
        return match visible(&p, &round).first() {
            Some(d) => Ok(
                Redirect::to(&format!("/spindeln/rounds/{}/districts/{d}", round.id))
                    .into_response(),
            ),
            None => Err(AppError::Forbidden(
                "Mätomgången omfattar inte din stadsdelsförvaltning.".into(),
            )),
        };
    }
    let c = compute(&state, &p.municipality, round).await?;
    let rows = c
        .districts
        .iter()
        .map(|d| CityRow {
            code: d.district.clone(),
            name: cfg.organisation.district_name(&d.district).to_string(),
            respondents: d.pooled.respondents,
            shown: d.pooled.shown,
            means: d
                .pooled
                .items
                .iter()
                .map(|i| i.mean.map(|m| decimal(m, 1)).unwrap_or_else(dash))
                .collect(),
        })
        .collect();
    let answers = c.districts.iter().map(|d| d.pooled.respondents).sum();
    Ok(render(&RoundPage {
        ui: Lang::Sv,
        title: c.round.name.clone(),
        nav: Nav::of(&p),
        csrf: p.csrf_token().to_string(),
        previous_name: previous_name(&c),
        answers,
        threshold: state.config.threshold,
        items: SPINDELN_ITEMS
            .iter()
            .zip(&c.round.items)
            .enumerate()
            .map(|(i, (item, text))| (i + 1, item.short_sv.to_string(), text.clone()))
            .collect(),
        rows,
        round: c.round,
    }))
}

fn district_of<'a>(
    p: &Principal,
    c: &'a Computed,
    code: &str,
) -> Result<&'a DistrictResult, AppError> {
    let d = c
        .districts
        .iter()
        .find(|d| d.district == code)
        .ok_or(AppError::NotFound)?;
    if !crate::routes::may_see(p, Some(code)) {
        return Err(AppError::Forbidden(
            "Du kan bara se resultaten för din egen stadsdelsförvaltning.".into(),
        ));
    }
    Ok(d)
}

fn radar_of(cfg: &MunicipalConfig, c: &Computed, d: &DistrictResult, id: &str) -> String {
    let name = cfg.organisation.district_name(&d.district);
    radar::render(&Radar {
        id,
        title: format!("Spindeln {name}: {}", c.round.name),
        labels: SPINDELN_ITEMS
            .iter()
            .map(|i| i.short_sv.to_string())
            .collect(),
        scale_max: c.round.scale_max,
        current: d.pooled.shown.then(|| d.pooled.means()),
        current_label: format!("{} ({})", c.round.name, c.round.day),
        previous: c.previous_of(&d.district).map(GroupResult::means),
        previous_label: c
            .previous
            .as_ref()
            .map(|(r, _)| format!("{} ({})", r.name, r.day))
            .unwrap_or_default(),
    })
}

pub async fn district_page(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((id, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let round = load_round(&state, &p.municipality, &id).await?;
    let c = compute(&state, &p.municipality, round).await?;
    let d = district_of(&p, &c, &code)?;
    let prev = c.previous_of(&d.district);
    let rows = d
        .pooled
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| item_row(i + 1, &c.round.items[i], it, prev.map(|g| &g.items[i])))
        .collect();
    let parties = d
        .parties
        .iter()
        .filter(|x| x.result.shown)
        .map(|x| PartyView {
            label: steering::party_label(&x.party).to_string(),
            respondents: x.result.respondents,
            rows: x
                .result
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| item_row(i + 1, &c.round.items[i], it, None))
                .collect(),
        })
        .collect();
    let pooled_only = d
        .parties
        .iter()
        .filter(|x| !x.result.shown)
        .map(|x| {
            (
                steering::party_label(&x.party).to_string(),
                x.result.respondents,
            )
        })
        .collect();
    let page = DistrictPage {
        ui: Lang::Sv,
        title: format!(
            "{}: {}",
            c.round.name,
            cfg.organisation.district_name(&d.district)
        ),
        nav: Nav::of(&p),
        district: d.district.clone(),
        district_name: cfg.organisation.district_name(&d.district).to_string(),
        respondents: d.pooled.respondents,
        shown: d.pooled.shown,
        threshold: state.config.threshold,
        previous_name: previous_name(&c),
        radar_svg: radar_of(&*state.config_of(&p)?, &c, d, "radar"),
        rows,
        parties,
        pooled_only,
        analyst: is_analyst(&p),
        round: c.round.clone(),
    };
    Ok(render(&page))
}

pub async fn radar_svg(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path((id, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let round = load_round(&state, &p.municipality, &id).await?;
    let c = compute(&state, &p.municipality, round).await?;
    let d = district_of(&p, &c, &code)?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        radar_of(&*state.config_of(&p)?, &c, d, "radar"),
    )
        .into_response())
}

fn results_sheet(cfg: &MunicipalConfig, p: &Principal, c: &Computed) -> Sheet {
    let header = [
        "round",
        "round_name",
        "date",
        "district",
        "district_name",
        "group",
        "respondents",
        "item_no",
        "item",
        "item_text",
        "n",
        "dont_know",
        "mean",
        "min",
        "max",
        "sd",
        "previous_mean",
        "change",
        "note",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rows = Vec::new();
    for d in c
        .districts
        .iter()
        .filter(|d| crate::routes::may_see(p, Some(&d.district)))
    {
        let prev = c.previous_of(&d.district);
        let mut groups: Vec<(&str, &GroupResult, Option<&GroupResult>)> =
            vec![("all", &d.pooled, prev)];
        groups.extend(
            d.parties
                .iter()
                .map(|x| (x.party.as_str(), &x.result, None)),
        );
        for (group, g, prev) in groups {
            for (i, it) in g.items.iter().enumerate() {
                let pm = prev.and_then(|pg| pg.items[i].mean);
                let note = if !g.shown && group != "all" && d.pooled.shown {
                    "visas bara sammanslaget"
                } else if it.suppressed {
                    "för få svar"
                } else {
                    ""
                };
                rows.push(vec![
                    Cell::Number(c.round.id as f64),
                    Cell::from(c.round.name.as_str()),
                    Cell::from(c.round.day.as_str()),
                    Cell::from(d.district.as_str()),
                    Cell::from(cfg.organisation.district_name(&d.district)),
                    Cell::from(group),
                    Cell::Number(f64::from(g.respondents)),
                    Cell::Number((i + 1) as f64),
                    Cell::from(SPINDELN_ITEMS[i].code),
                    Cell::from(c.round.items[i].as_str()),
                    if g.shown || group == "all" {
                        Cell::Number(f64::from(it.n))
                    } else {
                        Cell::Empty
                    },
                    if g.shown || group == "all" {
                        Cell::Number(f64::from(it.dont_know))
                    } else {
                        Cell::Empty
                    },
                    Cell::from(it.mean),
                    Cell::from(it.min.map(f64::from)),
                    Cell::from(it.max.map(f64::from)),
                    Cell::from(it.sd),
                    Cell::from(pm),
                    Cell::from(match (it.mean, pm) {
                        (Some(a), Some(b)) => Some(a - b),
                        _ => None,
                    }),
                    Cell::from(note),
                ]);
            }
        }
    }
    Sheet {
        name: "Spindeln".into(),
        header,
        rows,
    }
}

async fn export_round(
    state: &SharedState,
    p: &Principal,
    id: &str,
) -> Result<(Computed, Sheet), AppError> {
    let round = load_round(state, &p.municipality, id).await?;
    if visible(p, &round).is_empty() {
        return Err(AppError::Forbidden(
            "Mätomgången omfattar inte din stadsdelsförvaltning.".into(),
        ));
    }
    let c = compute(state, &p.municipality, round).await?;
    let sheet = results_sheet(&*state.config_of(p)?, p, &c);
    Ok((c, sheet))
}

pub async fn results_csv(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (c, sheet) = export_round(&state, &p, &id).await?;
    Ok(export::download(
        export::csv_bytes(&sheet)?,
        export::CSV,
        &format!("spindeln-{}.csv", c.round.id),
    ))
}

pub async fn results_xlsx(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (c, sheet) = export_round(&state, &p, &id).await?;
    Ok(export::download(
        export::xlsx_bytes(&[sheet])?,
        export::XLSX,
        &format!("spindeln-{}.xlsx", c.round.id),
    ))
}

// ---------------------------------------------------------------- answering

fn thanks(status: StatusCode, heading: &str, message: &str) -> Response {
    let mut resp = render(&ThanksPage {
        ui: Lang::Sv,
        title: heading.to_string(),
        nav: None,
        heading: heading.to_string(),
        message: message.to_string(),
    });
    *resp.status_mut() = status;
    resp
}

/// The round behind a respondent code, or the page to answer with.
async fn respondent(
    state: &SharedState,
    code: &str,
) -> Result<Result<(foljupp_store::LinkTarget, SpindelnRound), Response>, AppError> {
    let target = if code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        state.store.spindeln_link(&crate::sha256_hex(code)).await?
    } else {
        None
    };
    let Some(target) = target else {
        return Ok(Err(thanks(
            StatusCode::NOT_FOUND,
            "Länken fungerar inte",
            "Länken finns inte eller har bytts ut. Kontrollera att hela länken kom med, eller be den som skickade den om en ny.",
        )));
    };
    let round = state
        .store
        .spindeln_round(&target.municipality, target.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if round.closed {
        return Ok(Err(thanks(
            StatusCode::GONE,
            "Mätningen är avslutad",
            "Den här mätningen tar inte emot fler svar. Tack för ditt intresse!",
        )));
    }
    Ok(Ok((target, round)))
}

fn answer_page(
    cfg: &MunicipalConfig,
    code: &str,
    target: &foljupp_store::LinkTarget,
    round: &SpindelnRound,
    values: &[String],
    errors: &BTreeMap<usize, String>,
) -> AnswerPage {
    AnswerPage {
        ui: Lang::Sv,
        title: format!("Spindeln: {}", round.name),
        nav: None,
        code: code.to_string(),
        round_name: round.name.clone(),
        district_name: cfg.organisation.district_name(&target.district).to_string(),
        party_label: steering::party_label(&target.party).to_string(),
        scale_max: round.scale_max,
        questions: round
            .items
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let v = values.get(i).map(String::as_str).unwrap_or("");
                let mut options: Vec<ScaleOption> = (1..=round.scale_max)
                    .map(|k| ScaleOption {
                        value: k.to_string(),
                        label: if k == 1 {
                            format!("1 {}", steering::SCALE_LOW_LABEL_SV.to_lowercase())
                        } else if k == round.scale_max {
                            format!("{k} {}", steering::SCALE_HIGH_LABEL_SV.to_lowercase())
                        } else {
                            k.to_string()
                        },
                        checked: v == k.to_string(),
                    })
                    .collect();
                options.push(ScaleOption {
                    value: "dk".into(),
                    label: steering::DONT_KNOW_SV.into(),
                    checked: v == "dk",
                });
                Question {
                    no: i + 1,
                    text: text.clone(),
                    options,
                    error: errors.get(&i).cloned(),
                }
            })
            .collect(),
        has_errors: !errors.is_empty(),
    }
}

pub async fn answer_form(
    State(state): State<SharedState>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (target, round) = match respondent(&state, &code).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    Ok(render(&answer_page(
        &*state.municipality(&target.municipality)?,
        &code,
        &target,
        &round,
        &[],
        &BTreeMap::new(),
    )))
}

pub async fn answer_submit(
    State(state): State<SharedState>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let (target, round) = match respondent(&state, &code).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let pairs = form_pairs(&body);
    let values: Vec<String> = (1..=ITEM_COUNT)
        .map(|i| first(&pairs, &format!("i{i}")).to_string())
        .collect();
    let mut ratings = [None; ITEM_COUNT];
    let mut errors = BTreeMap::new();
    for (i, v) in values.iter().enumerate() {
        match v.as_str() {
            "dk" => {}
            s => match s
                .parse::<u8>()
                .ok()
                .filter(|r| (1..=round.scale_max).contains(r))
            {
                Some(r) => ratings[i] = Some(r),
                None => {
                    errors.insert(
                        i,
                        format!(
                            "Välj ett svar på fråga {} (1–{} eller Vet ej).",
                            i + 1,
                            round.scale_max
                        ),
                    );
                }
            },
        }
    }
    if !errors.is_empty() {
        let mut resp = render(&answer_page(
            &*state.municipality(&target.municipality)?,
            &code,
            &target,
            &round,
            &values,
            &errors,
        ));
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let answer = SpindelnAnswer {
        district: target.district.clone(),
        party: target.party.clone(),
        ratings,
    };
    if !state
        .store
        .insert_spindeln_answer(round.id, &answer)
        .await?
    {
        return Ok(thanks(
            StatusCode::CONFLICT,
            "Svaret kunde inte sparas",
            "Mätningen stängdes eller ändrades medan du svarade. Öppna länken igen och svara på nytt.",
        ));
    }
    Ok(thanks(
        StatusCode::OK,
        "Tack för ditt svar!",
        "Ditt svar är sparat. Det sparas utan namn och utan tidpunkt och kan inte kopplas till dig. Kollegor svarar var för sig via samma länk.",
    ))
}
