//! The public catalogue of support (`/katalog`, `/api/v1/catalogue`) and its
//! upkeep: district leads keep their district's entries current, analysts
//! see stale entries and waiting-time trends, admins edit the interventions.
//!
//! The public pages come in Swedish and English (`?lang=en`); the filter
//! lives in the URL as GET parameters, so a filtered page can be shared.
//! Staff pages are in Swedish, like the rest of the staff interface.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::pages::Nav;
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use foljupp_core::catalogue::{
    self as cat, AgeFilter, Category, Filter, Intervention, InterventionForm, Level, Offer,
    OfferInput,
};
use foljupp_core::{Date, MunicipalConfig, Organisation, Role};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => AppError::Internal(format!("template: {e}")).into_response(),
    }
}

macro_rules! ui_text {
    ($($t:ty),*) => {$(
        impl $t {
            fn t(&self, key: &str) -> String {
                self.ui.t(key)
            }
        }
    )*};
}

// ---------------------------------------------------------------------------
// Formatting

const MONTHS_SV: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "10 mars 2025" / "10 March 2025".
fn long_date(d: Date, ui: Lang) -> String {
    let i = usize::from(u8::from(d.month())) - 1;
    let month = match ui {
        Lang::Sv => MONTHS_SV[i],
        Lang::En => MONTHS_EN[i],
    };
    format!("{} {month} {}", d.day(), d.year())
}

fn weeks(w: u32, ui: Lang) -> String {
    ui.t_args("catalogue-weeks", &[("n", &w.to_string())])
}

fn waiting_text(w: Option<u32>, ui: Lang) -> String {
    match w {
        None => ui.t("catalogue-not-given"),
        Some(0) => ui.t("catalogue-no-queue"),
        Some(n) => weeks(n, ui),
    }
}

fn places_text(p: Option<u32>, ui: Lang) -> String {
    p.map(|n| n.to_string())
        .unwrap_or_else(|| ui.t("catalogue-not-given"))
}

fn start_text(d: Option<Date>, ui: Lang) -> String {
    d.map(|d| long_date(d, ui))
        .unwrap_or_else(|| ui.t("catalogue-no-start"))
}

fn language_name(cfg: &MunicipalConfig, code: &str, ui: Lang) -> String {
    let en = ui == Lang::En;
    match code {
        "sv" => if en { "Swedish" } else { "Svenska" }.to_string(),
        "en" => if en { "English" } else { "Engelska" }.to_string(),
        _ => cfg
            .forms
            .list("language")
            .and_then(|l| l.options.iter().find(|o| o.code == code))
            .map(|o| {
                if en {
                    o.label_en.clone()
                } else {
                    o.label_sv.clone()
                }
            })
            .unwrap_or_else(|| code.to_string()),
    }
}

fn known_languages(cfg: &MunicipalConfig) -> Vec<String> {
    let mut v = vec!["sv".to_string(), "en".to_string()];
    if let Some(l) = cfg.forms.list("language") {
        v.extend(l.active().map(|o| o.code.clone()));
    }
    v
}

/// `tel:` link target: digits and a leading +.
fn tel_href(phone: &str) -> String {
    phone
        .chars()
        .enumerate()
        .filter(|(i, c)| c.is_ascii_digit() || (*c == '+' && *i == 0))
        .map(|(_, c)| c)
        .collect()
}

/// `?a=1&b=2` of the non-empty pairs, or "".
fn query_string(pairs: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
        any = true;
    }
    if any {
        format!("?{}", s.finish())
    } else {
        String::new()
    }
}

// ---------------------------------------------------------------------------
// The filter in the URL

#[derive(Debug, Default, Deserialize)]
pub struct CatalogueQuery {
    #[serde(default)]
    age: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    lang: String,
}

impl CatalogueQuery {
    fn ui(&self) -> Lang {
        if self.lang == "en" {
            Lang::En
        } else {
            Lang::Sv
        }
    }

    /// The filter, and each given value that was not understood (as
    /// `name=value`).
    fn filter(&self, cfg: &MunicipalConfig) -> (Filter, Vec<String>) {
        let mut f = Filter::default();
        let mut bad = Vec::new();
        let age = self.age.trim();
        if !age.is_empty() {
            match AgeFilter::parse(age) {
                Some(a) => f.age = Some(a),
                None => bad.push(format!("age={age}")),
            }
        }
        let language = self.language.trim();
        if !language.is_empty() {
            if known_languages(cfg).iter().any(|l| l == language) {
                f.language = Some(language.to_string());
            } else {
                bad.push(format!("language={language}"));
            }
        }
        let district = self.district.trim();
        if !district.is_empty() {
            if cfg.organisation.district(district).is_some() {
                f.district = Some(district.to_string());
            } else {
                bad.push(format!("district={district}"));
            }
        }
        let category = self.category.trim();
        if !category.is_empty() {
            match category.parse::<Category>() {
                Ok(c) => f.category = Some(c),
                Err(_) => bad.push(format!("category={category}")),
            }
        }
        (f, bad)
    }
}

/// The URL parameters of a filter (only understood values), and the language.
fn filter_pairs(f: &Filter, ui: Lang) -> Vec<(&'static str, String)> {
    vec![
        ("age", f.age.map(AgeFilter::code).unwrap_or_default()),
        ("language", f.language.clone().unwrap_or_default()),
        ("district", f.district.clone().unwrap_or_default()),
        (
            "category",
            f.category.map(|c| c.code().to_string()).unwrap_or_default(),
        ),
        ("lang", if ui == Lang::En { "en" } else { "" }.to_string()),
    ]
}

fn with_lang(pairs: &[(&'static str, String)], ui: Lang) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .map(|(k, v)| {
            if *k == "lang" {
                (*k, if ui == Lang::En { "en" } else { "" }.to_string())
            } else {
                (*k, v.clone())
            }
        })
        .collect()
}

fn other(ui: Lang) -> Lang {
    match ui {
        Lang::Sv => Lang::En,
        Lang::En => Lang::Sv,
    }
}

pub struct Choice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

fn offers_by_intervention(offers: Vec<Offer>) -> BTreeMap<String, Vec<Offer>> {
    let mut m: BTreeMap<String, Vec<Offer>> = BTreeMap::new();
    for o in offers {
        m.entry(o.intervention.clone()).or_default().push(o);
    }
    m
}

/// What a parent of `district` sees about one intervention there.
pub struct Status {
    pub district: String,
    /// "I Farsta" / "In Farsta".
    pub heading: String,
    pub offered: Option<bool>,
    pub waiting: String,
    pub next_start: String,
    pub free_places: String,
    pub show_start: bool,
    pub updated: String,
    pub updated_iso: String,
    pub stale: bool,
    pub unit: String,
    pub phone: String,
    pub phone_href: String,
    pub email: String,
    /// One line pointing elsewhere: "Startar tidigare i Farsta (10 mars 2025)."
    pub hint: Option<String>,
}

fn status(
    cfg: &MunicipalConfig,
    i: &Intervention,
    offers: &[Offer],
    district: &str,
    today: Date,
    ui: Lang,
) -> Status {
    let org = &cfg.organisation;
    let own = offers.iter().find(|o| o.district == district);
    let hint = if cat::needs_alternatives(i, own, today) {
        if i.category.has_group_starts() {
            cat::sooner_alternatives(offers, own, district, today, org)
                .first()
                .and_then(|a| {
                    a.next_start.map(|d| {
                        ui.t_args(
                            "catalogue-sooner-short",
                            &[
                                ("district", org.district_name(&a.district)),
                                ("date", &long_date(d, ui)),
                            ],
                        )
                    })
                })
        } else {
            cat::shorter_waits(offers, own, district, org)
                .first()
                .map(|a| {
                    ui.t_args(
                        "catalogue-shorter-short",
                        &[
                            ("district", org.district_name(&a.district)),
                            ("weeks", &waiting_text(a.waiting_weeks, ui).to_lowercase()),
                        ],
                    )
                })
        }
    } else {
        None
    };
    Status {
        district: org.district_name(district).to_string(),
        heading: ui.t_args(
            "catalogue-in-district",
            &[("district", org.district_name(district))],
        ),
        offered: own.map(|o| o.offered),
        waiting: waiting_text(own.and_then(|o| o.waiting_weeks), ui),
        next_start: start_text(own.and_then(|o| o.next_start), ui),
        free_places: places_text(own.and_then(|o| o.free_places), ui),
        show_start: i.category.has_group_starts(),
        updated: own.map(|o| long_date(o.updated_on, ui)).unwrap_or_default(),
        updated_iso: own
            .map(|o| foljupp_core::format_date(o.updated_on))
            .unwrap_or_default(),
        stale: own.is_some_and(|o| o.is_stale(today)),
        unit: own.map(|o| o.contact.unit.clone()).unwrap_or_default(),
        phone: own.map(|o| o.contact.phone.clone()).unwrap_or_default(),
        phone_href: own.map(|o| tel_href(&o.contact.phone)).unwrap_or_default(),
        email: own.map(|o| o.contact.email.clone()).unwrap_or_default(),
        hint,
    }
}

// ---------------------------------------------------------------------------
// /katalog

pub struct Card {
    pub name: String,
    pub description: String,
    pub href: String,
    pub kind: String,
    pub how: String,
    pub ages: String,
    pub languages: String,
    pub status: Option<Status>,
}

pub struct LevelGroup {
    pub id: &'static str,
    pub label: &'static str,
    pub explanation: &'static str,
    pub cards: Vec<Card>,
}

pub struct Term {
    pub label: &'static str,
    pub explanation: &'static str,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    other_lang: &'static str,
    other_href: String,
    en: bool,
    ages: Vec<Choice>,
    languages: Vec<Choice>,
    districts: Vec<Choice>,
    categories: Vec<Choice>,
    bad: Vec<String>,
    count: String,
    filtered: bool,
    groups: Vec<LevelGroup>,
    levels: Vec<Term>,
    forms: Vec<Term>,
    edit_link: bool,
}

fn card_facts(
    cfg: &MunicipalConfig,
    i: &Intervention,
    ui: Lang,
) -> (String, String, String, String) {
    let en = ui == Lang::En;
    (
        i.category.label(en).to_string(),
        i.form.label(en).to_string(),
        i.ages_label(en),
        i.languages
            .iter()
            .map(|l| language_name(cfg, l, ui))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn terms(ui: Lang) -> (Vec<Term>, Vec<Term>) {
    let en = ui == Lang::En;
    (
        Level::ALL
            .iter()
            .map(|l| Term {
                label: l.label(en),
                explanation: l.explanation(en),
            })
            .collect(),
        InterventionForm::ALL
            .iter()
            .map(|f| Term {
                label: f.label(en),
                explanation: f.explanation(en),
            })
            .collect(),
    )
}

fn may_edit(p: Option<&Principal>) -> bool {
    p.is_some_and(|p| crate::routes::CATALOGUE_EDITORS.contains(&p.role))
}

pub async fn list(
    State(state): State<SharedState>,
    p: Option<Extension<Principal>>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, AppError> {
    let ui = q.ui();
    let en = ui == Lang::En;
    let cfg = state.public_config(p.as_deref())?;
    let (filter, bad) = q.filter(&cfg);
    let muni = cfg.code();
    let all = state.store.interventions(muni, false).await?;
    let offers = offers_by_intervention(state.store.offers(muni, None).await?);
    let today = today();
    let none: Vec<Offer> = Vec::new();
    let pairs = filter_pairs(&filter, ui);
    let mut groups = Vec::new();
    let mut shown = 0;
    for level in Level::ALL {
        let mut cards = Vec::new();
        for i in all.iter().filter(|i| i.level == level) {
            let os = offers.get(&i.code).unwrap_or(&none);
            let refs: Vec<&Offer> = os.iter().collect();
            if !filter.matches(i, &refs) {
                continue;
            }
            let (kind, how, ages, languages) = card_facts(&cfg, i, ui);
            let detail_pairs = [
                ("district", filter.district.clone().unwrap_or_default()),
                ("lang", if en { "en" } else { "" }.to_string()),
            ];
            cards.push(Card {
                name: i.name(en).to_string(),
                description: i.description(en).to_string(),
                href: format!("/katalog/{}{}", i.code, query_string(&detail_pairs)),
                kind,
                how,
                ages,
                languages,
                status: filter
                    .district
                    .as_deref()
                    .map(|d| status(&cfg, i, os, d, today, ui)),
            });
        }
        shown += cards.len();
        if !cards.is_empty() {
            groups.push(LevelGroup {
                id: level.code(),
                label: level.label(en),
                explanation: level.explanation(en),
                cards,
            });
        }
    }
    // Offer only choices that can give a result.
    let mut langs: Vec<String> = all.iter().flat_map(|i| i.languages.clone()).collect();
    langs.sort();
    langs.dedup();
    let mut languages: Vec<Choice> = langs
        .into_iter()
        .map(|c| Choice {
            label: language_name(&cfg, &c, ui),
            selected: filter.language.as_deref() == Some(c.as_str()),
            code: c,
        })
        .collect();
    languages.sort_by(|a, b| a.label.cmp(&b.label));
    let mut ages = vec![Choice {
        code: "expecting".into(),
        label: ui.t("catalogue-age-expecting"),
        selected: filter.age == Some(AgeFilter::Expecting),
    }];
    for y in 0..=cat::MAX_AGE {
        ages.push(Choice {
            code: y.to_string(),
            label: match (en, y) {
                (true, 1) => "1 year".to_string(),
                (true, _) => format!("{y} years"),
                (false, _) => format!("{y} år"),
            },
            selected: filter.age == Some(AgeFilter::Years(y)),
        });
    }
    let categories = Category::ALL
        .iter()
        .filter(|c| all.iter().any(|i| i.category == **c))
        .map(|c| Choice {
            code: c.code().to_string(),
            label: c.label(en).to_string(),
            selected: filter.category == Some(*c),
        })
        .collect();
    let districts = cfg
        .organisation
        .districts
        .iter()
        .map(|d| Choice {
            code: d.code.clone(),
            label: d.name.clone(),
            selected: filter.district.as_deref() == Some(d.code.as_str()),
        })
        .collect();
    let (levels, forms) = terms(ui);
    let principal = p.as_ref().map(|e| &e.0);
    let page = CataloguePage {
        ui,
        title: ui.t("catalogue-title"),
        nav: principal.and_then(Nav::of),
        other_lang: other(ui).code(),
        other_href: format!("/katalog{}", query_string(&with_lang(&pairs, other(ui)))),
        en,
        ages,
        languages,
        districts,
        categories,
        bad: bad
            .iter()
            .map(|b| ui.t_args("catalogue-bad-filter", &[("value", b)]))
            .collect(),
        count: ui.t_args(
            "catalogue-count",
            &[
                ("shown", &shown.to_string()),
                ("total", &all.len().to_string()),
            ],
        ),
        filtered: filter != Filter::default(),
        groups,
        levels,
        forms,
        edit_link: may_edit(principal),
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------
// /katalog/{code}

pub struct DistrictRow {
    pub code: String,
    pub status: Status,
    pub own: bool,
}

pub struct Alternative {
    pub district: String,
    pub href: String,
    pub next_start: String,
    pub next_start_iso: String,
    pub waiting: String,
    pub free_places: String,
    pub unit: String,
    pub phone: String,
    pub phone_href: String,
    pub email: String,
}

pub struct Own {
    pub status: Status,
    /// Why other districts are shown, or None when the own district is fine.
    pub reason: Option<String>,
    pub group_based: bool,
    pub alternatives: Vec<Alternative>,
}

#[derive(Template)]
#[template(path = "catalogue_detail.html")]
struct DetailPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    other_lang: &'static str,
    other_href: String,
    en: bool,
    code: String,
    back_href: String,
    name: String,
    description: String,
    level: String,
    level_explanation: String,
    kind: String,
    how: String,
    how_explanation: String,
    ages: String,
    languages: String,
    districts: Vec<Choice>,
    own: Option<Own>,
    rows: Vec<DistrictRow>,
    edit_link: bool,
}

fn alternative(o: &Offer, org: &Organisation, ui: Lang, code: &str) -> Alternative {
    let lang = if ui == Lang::En { "en" } else { "" };
    Alternative {
        district: org.district_name(&o.district).to_string(),
        href: format!(
            "/katalog/{code}{}",
            query_string(&[("district", o.district.clone()), ("lang", lang.into())])
        ),
        next_start: start_text(o.next_start, ui),
        next_start_iso: o
            .next_start
            .map(foljupp_core::format_date)
            .unwrap_or_default(),
        waiting: waiting_text(o.waiting_weeks, ui),
        free_places: places_text(o.free_places, ui),
        unit: o.contact.unit.clone(),
        phone: o.contact.phone.clone(),
        phone_href: tel_href(&o.contact.phone),
        email: o.contact.email.clone(),
    }
}

pub async fn detail(
    State(state): State<SharedState>,
    p: Option<Extension<Principal>>,
    Path(code): Path<String>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, AppError> {
    let ui = q.ui();
    let en = ui == Lang::En;
    let cfg = state.public_config(p.as_deref())?;
    let muni = cfg.code();
    let Some(i) = state
        .store
        .intervention(muni, &code)
        .await?
        .filter(|i| !i.retired)
    else {
        return Err(AppError::NotFound);
    };
    let offers = state.store.offers(muni, Some(&code)).await?;
    let today = today();
    let org = &cfg.organisation;
    let district = org.district(q.district.trim()).map(|d| d.code.clone());
    let own = district.as_deref().map(|d| {
        let own_offer = offers.iter().find(|o| o.district == d);
        let st = status(&cfg, &i, &offers, d, today, ui);
        let name = org.district_name(d);
        let needs = cat::needs_alternatives(&i, own_offer, today);
        let reason = needs.then(|| match own_offer {
            None => ui.t_args("catalogue-reason-no-info", &[("district", name)]),
            Some(o) if !o.offered => {
                ui.t_args("catalogue-reason-not-offered", &[("district", name)])
            }
            Some(o) if o.waiting_weeks.is_some_and(|w| w > 0) => ui.t_args(
                "catalogue-reason-queue",
                &[
                    ("district", name),
                    ("weeks", &waiting_text(o.waiting_weeks, ui)),
                ],
            ),
            Some(_) => ui.t_args("catalogue-reason-no-group", &[("district", name)]),
        });
        let group_based = i.category.has_group_starts();
        let alternatives = if !needs {
            Vec::new()
        } else if group_based {
            cat::sooner_alternatives(&offers, own_offer, d, today, org)
        } else {
            cat::shorter_waits(&offers, own_offer, d, org)
        };
        Own {
            status: st,
            reason,
            group_based,
            alternatives: alternatives
                .into_iter()
                .map(|o| alternative(o, org, ui, &i.code))
                .collect(),
        }
    });
    let rows = org
        .districts
        .iter()
        .map(|d| DistrictRow {
            code: d.code.clone(),
            status: status(&cfg, &i, &offers, &d.code, today, ui),
            own: district.as_deref() == Some(d.code.as_str()),
        })
        .collect();
    let (kind, how, ages, languages) = card_facts(&cfg, &i, ui);
    let lang_param = |l: Lang| if l == Lang::En { "en" } else { "" }.to_string();
    let principal = p.as_ref().map(|e| &e.0);
    let page = DetailPage {
        ui,
        title: i.name(en).to_string(),
        nav: principal.and_then(Nav::of),
        other_lang: other(ui).code(),
        other_href: format!(
            "/katalog/{}{}",
            i.code,
            query_string(&[
                ("district", district.clone().unwrap_or_default()),
                ("lang", lang_param(other(ui)))
            ])
        ),
        en,
        code: i.code.clone(),
        back_href: format!(
            "/katalog{}",
            query_string(&[
                ("district", district.clone().unwrap_or_default()),
                ("lang", lang_param(ui))
            ])
        ),
        name: i.name(en).to_string(),
        description: i.description(en).to_string(),
        level: i.level.label(en).to_string(),
        level_explanation: i.level.explanation(en).to_string(),
        kind,
        how,
        how_explanation: i.form.explanation(en).to_string(),
        ages,
        languages,
        districts: org
            .districts
            .iter()
            .map(|d| Choice {
                code: d.code.clone(),
                label: d.name.clone(),
                selected: district.as_deref() == Some(d.code.as_str()),
            })
            .collect(),
        own,
        rows,
        edit_link: may_edit(principal),
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------
// JSON API

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "bad_request", "message": message})),
    )
        .into_response()
}

/// The catalogue is public and the same for everyone: caches may keep it
/// for a minute.
fn public_json(v: Value) -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=60")], Json(v)).into_response()
}

fn offer_json(o: &Offer, org: &Organisation, today: Date) -> Value {
    json!({
        "district": o.district,
        "district_name": org.district_name(&o.district),
        "offered": o.offered,
        "contact": {"unit": o.contact.unit, "phone": o.contact.phone, "email": o.contact.email},
        "waiting_weeks": o.waiting_weeks,
        "next_start": o.next_start.map(foljupp_core::format_date),
        "free_places": o.free_places,
        "updated_on": foljupp_core::format_date(o.updated_on),
        "stale": o.is_stale(today),
    })
}

fn both(sv: &str, en: &str) -> Value {
    json!({"sv": sv, "en": en})
}

pub async fn api_catalogue(
    State(state): State<SharedState>,
    p: Option<Extension<Principal>>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, ApiError> {
    // Anonymous callers get the installation's default municipality; a
    // signed-in caller (token or session) their own.
    let cfg = state.public_config(p.as_deref())?;
    let (filter, bad) = q.filter(&cfg);
    if !bad.is_empty() {
        return Ok(bad_request(format!(
            "Okända filtervärden: {}. Använd age=expecting eller 0–17, language=ISO-kod, district=stadsdelskod och category={}.",
            bad.join(", "),
            Category::ALL.map(Category::code).join("|")
        )));
    }
    let muni = cfg.code();
    let all = state.store.interventions(muni, false).await?;
    let offers = offers_by_intervention(state.store.offers(muni, None).await?);
    let today = today();
    let none = Vec::new();
    let org = &cfg.organisation;
    let interventions: Vec<Value> = all
        .iter()
        .filter_map(|i| {
            let os = offers.get(&i.code).unwrap_or(&none);
            let refs: Vec<&Offer> = os.iter().collect();
            filter.matches(i, &refs).then(|| {
                json!({
                    "code": i.code,
                    "name": both(&i.name_sv, &i.name_en),
                    "description": both(&i.description_sv, &i.description_en),
                    "level": i.level.code(),
                    "form": i.form.code(),
                    "category": i.category.code(),
                    "ages": {"expecting": i.expecting, "min": i.age_min, "max": i.age_max},
                    "languages": i.languages,
                    "url": format!("/katalog/{}", i.code),
                    "offers": os
                        .iter()
                        .filter(|o| filter.district.as_ref().is_none_or(|d| &o.district == d))
                        .map(|o| offer_json(o, org, today))
                        .collect::<Vec<_>>(),
                })
            })
        })
        .collect();
    Ok(public_json(json!({
        "municipality": muni,
        "today": foljupp_core::format_date(today),
        "stale_after_days": cat::STALE_AFTER_DAYS,
        "levels": Level::ALL.iter().map(|l| json!({
            "code": l.code(),
            "label": both(l.label(false), l.label(true)),
            "explanation": both(l.explanation(false), l.explanation(true)),
        })).collect::<Vec<_>>(),
        "forms": InterventionForm::ALL.iter().map(|f| json!({
            "code": f.code(),
            "label": both(f.label(false), f.label(true)),
            "explanation": both(f.explanation(false), f.explanation(true)),
        })).collect::<Vec<_>>(),
        "categories": Category::ALL.iter().map(|c| json!({
            "code": c.code(),
            "label": both(c.label(false), c.label(true)),
        })).collect::<Vec<_>>(),
        "interventions": interventions,
    })))
}

#[derive(Deserialize)]
pub struct AlternativesQuery {
    #[serde(default)]
    district: String,
}

pub async fn api_alternatives(
    State(state): State<SharedState>,
    p: Option<Extension<Principal>>,
    Path(code): Path<String>,
    Query(q): Query<AlternativesQuery>,
) -> Result<Response, ApiError> {
    let cfg = state.public_config(p.as_deref())?;
    let muni = cfg.code();
    let Some(i) = state
        .store
        .intervention(muni, &code)
        .await?
        .filter(|i| !i.retired)
    else {
        return Ok((
            StatusCode::NOT_FOUND,
            Json(json!({"error": "not_found", "message": format!("Det finns ingen insats med koden {code:?} i katalogen.")})),
        )
            .into_response());
    };
    let org = &cfg.organisation;
    let district = q.district.trim();
    if district.is_empty() {
        return Ok(bad_request(
            "Ange din stadsdel med ?district=KOD, till exempel ?district=farsta.".into(),
        ));
    }
    if org.district(district).is_none() {
        return Ok(bad_request(format!(
            "Stadsdelen {district:?} finns inte. Använd en av: {}.",
            org.districts
                .iter()
                .map(|d| d.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let offers = state.store.offers(muni, Some(&code)).await?;
    let today = today();
    let own = offers.iter().find(|o| o.district == district);
    let alternatives: Vec<Value> = cat::alternatives(&offers, district, today, org)
        .into_iter()
        .map(|o| offer_json(o, org, today))
        .collect();
    Ok(public_json(json!({
        "intervention": i.code,
        "district": district,
        "today": foljupp_core::format_date(today),
        "own": own.map(|o| offer_json(o, org, today)),
        "needs_alternatives": cat::needs_alternatives(&i, own, today),
        "alternatives": alternatives,
    })))
}

// ---------------------------------------------------------------------------
// /katalog/redigera: a district's entries

pub struct EditEntry {
    pub code: String,
    pub name: String,
    pub group_based: bool,
    pub input: OfferInput,
    pub errors: BTreeMap<String, String>,
    pub updated: String,
    pub stale: bool,
    pub never: bool,
    pub open: bool,
    pub saved: bool,
}

impl EditEntry {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// `aria-describedby` of a field: its error when it has one.
    fn described(&self, field: &str) -> String {
        if self.errors.contains_key(field) {
            format!("{}-{}-error", self.code, field)
        } else {
            String::new()
        }
    }
}

#[derive(Template)]
#[template(path = "catalogue_edit.html")]
struct EditPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    csrf: String,
    district: String,
    district_name: String,
    district_choice: bool,
    districts: Vec<Choice>,
    units: Vec<String>,
    entries: Vec<EditEntry>,
    stale_count: usize,
    missing_count: usize,
    saved_name: Option<String>,
    has_errors: bool,
}

ui_text!(CataloguePage, DetailPage, EditPage);

/// The district whose entries `p` may edit: a district lead only their own
/// (another one is 403), an admin any (the first by default).
fn editable_district(
    p: &Principal,
    requested: &str,
    org: &Organisation,
) -> Result<String, AppError> {
    let requested = requested.trim();
    match p.role {
        Role::Admin => {
            if requested.is_empty() {
                org.districts
                    .first()
                    .map(|d| d.code.clone())
                    .ok_or(AppError::NotFound)
            } else if org.district(requested).is_some() {
                Ok(requested.to_string())
            } else {
                Err(AppError::BadRequest(format!(
                    "Stadsdelsförvaltningen {requested:?} finns inte. Välj en i listan."
                )))
            }
        }
        Role::DistrictLead => {
            let Some(own) = p.district.clone() else {
                return Err(AppError::Forbidden(
                    "Ditt konto saknar stadsdelsförvaltning. Be en förvaltare att lägga till den."
                        .into(),
                ));
            };
            if requested.is_empty() || requested == own {
                Ok(own)
            } else {
                Err(AppError::Forbidden(format!(
                    "Du kan bara uppdatera katalogen för din egen stadsdelsförvaltning ({}).",
                    org.district_name(&own)
                )))
            }
        }
        _ => Err(AppError::Forbidden(Lang::Sv.t("error-forbidden"))),
    }
}

async fn edit_page(
    state: &SharedState,
    p: &Principal,
    district: &str,
    failed: Option<(&str, OfferInput, BTreeMap<String, String>)>,
    saved: Option<&str>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(p)?;
    let muni = &p.municipality;
    let all = state.store.interventions(muni, false).await?;
    let offers = state.store.offers(muni, None).await?;
    let today = today();
    let org = &cfg.organisation;
    let mut entries = Vec::new();
    let (mut stale_count, mut missing_count) = (0, 0);
    for i in &all {
        let current = offers
            .iter()
            .find(|o| o.intervention == i.code && o.district == district);
        let stale = current.is_some_and(|o| o.is_stale(today));
        stale_count += usize::from(stale);
        missing_count += usize::from(current.is_none());
        let (input, errors) = match &failed {
            Some((code, input, errors)) if *code == i.code => (input.clone(), errors.clone()),
            _ => (
                current.map(OfferInput::of).unwrap_or_default(),
                BTreeMap::new(),
            ),
        };
        entries.push(EditEntry {
            code: i.code.clone(),
            name: i.name_sv.clone(),
            group_based: i.category.has_group_starts(),
            open: !errors.is_empty(),
            saved: saved == Some(i.code.as_str()),
            input,
            errors,
            updated: current
                .map(|o| foljupp_core::format_date(o.updated_on))
                .unwrap_or_default(),
            stale,
            never: current.is_none(),
        });
    }
    let saved_name =
        saved.and_then(|c| all.iter().find(|i| i.code == c).map(|i| i.name_sv.clone()));
    let has_errors = failed.is_some();
    let page = EditPage {
        ui: Lang::Sv,
        title: "Uppdatera katalogen".into(),
        nav: Nav::of(p),
        csrf: p.csrf_token().to_string(),
        district: district.to_string(),
        district_name: org.district_name(district).to_string(),
        district_choice: p.role == Role::Admin,
        districts: org
            .districts
            .iter()
            .map(|d| Choice {
                code: d.code.clone(),
                label: d.name.clone(),
                selected: d.code == district,
            })
            .collect(),
        units: org.units_of(district).map(|u| u.name.clone()).collect(),
        entries,
        stale_count,
        missing_count,
        saved_name,
        has_errors,
    };
    let mut resp = render(&page);
    if has_errors {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct EditQuery {
    #[serde(default)]
    district: String,
    #[serde(default)]
    sparat: String,
}

pub async fn edit_form(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<EditQuery>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let district = editable_district(&p, &q.district, &cfg.organisation)?;
    let saved = Some(q.sparat.as_str()).filter(|s| !s.is_empty());
    edit_page(&state, &p, &district, None, saved).await
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    intervention: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    offered: String,
    #[serde(default)]
    contact_unit: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    waiting_weeks: String,
    #[serde(default)]
    next_start: String,
    #[serde(default)]
    free_places: String,
}

pub async fn edit_submit(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let district = editable_district(&p, &f.district, &cfg.organisation)?;
    let muni = &p.municipality;
    let Some(i) = state
        .store
        .intervention(muni, f.intervention.trim())
        .await?
        .filter(|i| !i.retired)
    else {
        return Err(AppError::BadRequest(
            "Insatsen finns inte (längre) i katalogen. Ladda om sidan.".into(),
        ));
    };
    let input = OfferInput {
        offered: f.offered,
        contact_unit: f.contact_unit,
        contact_phone: f.contact_phone,
        contact_email: f.contact_email,
        waiting_weeks: f.waiting_weeks,
        next_start: f.next_start,
        free_places: f.free_places,
    };
    match input.decode(&i.code, &district, today()) {
        Ok(offer) => {
            state.store.save_offer(muni, &offer).await?;
            tracing::info!(intervention = %i.code, district = %district, "catalogue entry updated");
            let q = query_string(&[("district", district.clone()), ("sparat", i.code.clone())]);
            Ok(Redirect::to(&format!("/katalog/redigera{q}#{}", i.code)).into_response())
        }
        Err(errs) => {
            let mut errors = BTreeMap::new();
            for (field, msg) in errs {
                errors.entry(field).or_insert(msg);
            }
            edit_page(&state, &p, &district, Some((&i.code, input, errors)), None).await
        }
    }
}

// ---------------------------------------------------------------------------
// /katalog/inaktuella: entries to update

pub struct StaleRow {
    pub name: String,
    pub current: usize,
    pub stale: usize,
    pub missing: usize,
}

pub struct StaleEntry {
    pub district: String,
    pub intervention: String,
    pub updated: String,
    pub days: i64,
    pub edit_href: Option<String>,
}

#[derive(Template)]
#[template(path = "catalogue_stale.html")]
struct StalePage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    scope: String,
    rows: Vec<StaleRow>,
    entries: Vec<StaleEntry>,
    total: usize,
}

ui_text!(StalePage);

pub async fn stale(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let org = &cfg.organisation;
    let districts: Vec<&foljupp_core::District> = match p.role {
        Role::Analyst | Role::Admin => org.districts.iter().collect(),
        Role::DistrictLead => org
            .districts
            .iter()
            .filter(|d| p.district.as_deref() == Some(d.code.as_str()))
            .collect(),
        Role::Registrant | Role::NationalAnalyst => {
            return Err(AppError::Forbidden(Lang::Sv.t("error-forbidden")))
        }
    };
    let muni = &p.municipality;
    let all = state.store.interventions(muni, false).await?;
    let offers = state.store.offers(muni, None).await?;
    let today = today();
    let can_edit = crate::routes::CATALOGUE_EDITORS.contains(&p.role);
    let mut rows = Vec::new();
    let mut entries = Vec::new();
    for d in &districts {
        let mut row = StaleRow {
            name: d.name.clone(),
            current: 0,
            stale: 0,
            missing: 0,
        };
        for i in &all {
            match offers
                .iter()
                .find(|o| o.intervention == i.code && o.district == d.code)
            {
                None => row.missing += 1,
                Some(o) if o.is_stale(today) => {
                    row.stale += 1;
                    entries.push(StaleEntry {
                        district: d.name.clone(),
                        intervention: i.name_sv.clone(),
                        updated: foljupp_core::format_date(o.updated_on),
                        days: (today - o.updated_on).whole_days(),
                        edit_href: can_edit.then(|| {
                            format!(
                                "/katalog/redigera{}#{}",
                                query_string(&[("district", d.code.clone())]),
                                i.code
                            )
                        }),
                    });
                }
                Some(_) => row.current += 1,
            }
        }
        rows.push(row);
    }
    entries.sort_by(|a, b| b.days.cmp(&a.days).then(a.district.cmp(&b.district)));
    let scope = match (p.role, &p.district) {
        (Role::DistrictLead, Some(d)) => org.district_name(d).to_string(),
        _ => org.name.clone(),
    };
    Ok(render(&StalePage {
        ui: Lang::Sv,
        title: "Inaktuella uppgifter i katalogen".into(),
        nav: Nav::of(&p),
        scope,
        total: entries.len(),
        rows,
        entries,
    }))
}

// ---------------------------------------------------------------------------
// /katalog/vantetider: waiting-time trends per district

pub struct TrendRow {
    pub district: String,
    pub values: Vec<String>,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "catalogue_trend.html")]
struct TrendPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    interventions: Vec<Choice>,
    name: String,
    months: Vec<String>,
    rows: Vec<TrendRow>,
}

ui_text!(TrendPage);

const MONTHS_SHORT_SV: [&str; 12] = [
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];

/// A small line of waiting weeks per month on a scale shared by all rows
/// (so that rows compare); gaps where nothing was recorded. Decorative: the
/// same figures are in the table beside it.
fn sparkline(values: &[Option<u32>], max: u32) -> String {
    let (w, h, pad) = (120.0_f64, 32.0_f64, 3.0_f64);
    let n = values.len().max(2) - 1;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / n as f64;
    let y = |v: u32| h - pad - (h - 2.0 * pad) * f64::from(v) / f64::from(max.max(1));
    let mut out = format!(
        r#"<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-hidden="true" focusable="false">"#
    );
    let mut segment: Vec<String> = Vec::new();
    let flush = |segment: &mut Vec<String>, out: &mut String| {
        match segment.len() {
            0 => {}
            1 => {
                if let Some((cx, cy)) = segment[0].split_once(',') {
                    out.push_str(&format!(
                        r#"<circle class="dot" cx="{cx}" cy="{cy}" r="2"/>"#
                    ));
                }
            }
            _ => out.push_str(&format!(
                r#"<polyline class="line" points="{}"/>"#,
                segment.join(" ")
            )),
        }
        segment.clear();
    };
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => segment.push(format!("{:.1},{:.1}", x(i), y(*v))),
            None => flush(&mut segment, &mut out),
        }
    }
    flush(&mut segment, &mut out);
    out.push_str("</svg>");
    out
}

#[derive(Deserialize)]
pub struct TrendQuery {
    #[serde(default)]
    intervention: String,
}

pub async fn trend(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TrendQuery>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let muni = &p.municipality;
    let all = state.store.interventions(muni, false).await?;
    let chosen = if q.intervention.is_empty() {
        all.iter()
            .find(|i| i.category.has_group_starts())
            .or(all.first())
    } else {
        all.iter().find(|i| i.code == q.intervention)
    };
    let Some(chosen) = chosen else {
        return Err(AppError::BadRequest(format!(
            "Insatsen {:?} finns inte i katalogen. Välj en i listan.",
            q.intervention
        )));
    };
    let history = state.store.offer_history(muni, Some(&chosen.code)).await?;
    let today = today();
    let months = cat::last_months(today, 12);
    let trend = cat::waiting_trend(&history, &months, today);
    let max = trend
        .values()
        .flatten()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0);
    let org = &cfg.organisation;
    let rows = org
        .districts
        .iter()
        .filter_map(|d| {
            trend.get(&d.code).map(|vals| TrendRow {
                district: d.name.clone(),
                values: vals
                    .iter()
                    .map(|v| v.map(|w| w.to_string()).unwrap_or_else(|| "–".into()))
                    .collect(),
                svg: sparkline(vals, max),
            })
        })
        .collect();
    Ok(render(&TrendPage {
        ui: Lang::Sv,
        title: "Väntetider över tid".into(),
        nav: Nav::of(&p),
        interventions: all
            .iter()
            .map(|i| Choice {
                code: i.code.clone(),
                label: i.name_sv.clone(),
                selected: i.code == chosen.code,
            })
            .collect(),
        name: chosen.name_sv.clone(),
        months: months
            .iter()
            .map(|m| {
                format!(
                    "{} {}",
                    MONTHS_SHORT_SV[usize::from(u8::from(m.month())) - 1],
                    m.year()
                )
            })
            .collect(),
        rows,
    }))
}

// ---------------------------------------------------------------------------
// /admin/katalog: the interventions themselves

/// The admin form's values as typed.
#[derive(Debug, Clone, Default)]
pub struct InterventionInput {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub description_sv: String,
    pub description_en: String,
    pub level: String,
    pub form: String,
    pub category: String,
    pub expecting: bool,
    pub age_min: String,
    pub age_max: String,
    pub languages: String,
    pub retired: bool,
}

impl InterventionInput {
    fn of(i: &Intervention) -> InterventionInput {
        InterventionInput {
            code: i.code.clone(),
            name_sv: i.name_sv.clone(),
            name_en: i.name_en.clone(),
            description_sv: i.description_sv.clone(),
            description_en: i.description_en.clone(),
            level: i.level.code().into(),
            form: i.form.code().into(),
            category: i.category.code().into(),
            expecting: i.expecting,
            age_min: i.age_min.to_string(),
            age_max: i.age_max.to_string(),
            languages: i.languages.join(", "),
            retired: i.retired,
        }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> InterventionInput {
        let mut v = InterventionInput::default();
        for (k, val) in pairs {
            match k.as_str() {
                "code" => v.code = val.trim().to_string(),
                "name_sv" => v.name_sv = val,
                "name_en" => v.name_en = val,
                "description_sv" => v.description_sv = val,
                "description_en" => v.description_en = val,
                "level" => v.level = val,
                "form" => v.form = val,
                "category" => v.category = val,
                "expecting" => v.expecting = val == "1",
                "age_min" => v.age_min = val,
                "age_max" => v.age_max = val,
                "languages" => v.languages = val,
                "retired" => v.retired = val == "1",
                _ => {}
            }
        }
        v
    }

    fn decode(&self, known: &[&str]) -> Result<Intervention, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let level = self.level.parse::<Level>().map_err(|_| {
            errors.insert("level".to_string(), "Välj en preventionsnivå.".to_string());
        });
        let form = self.form.parse::<InterventionForm>().map_err(|_| {
            errors.insert(
                "form".to_string(),
                "Välj hur man får stödet: serviceinsats eller biståndsbedömd.".to_string(),
            );
        });
        let category = self.category.parse::<Category>().map_err(|_| {
            errors.insert("category".to_string(), "Välj en typ av stöd.".to_string());
        });
        let mut age = |field: &str, s: &str| -> u8 {
            match s.trim().parse::<u8>() {
                Ok(a) if a <= cat::MAX_AGE => a,
                _ => {
                    errors.insert(
                        field.to_string(),
                        format!("Ange en ålder i hela år, 0–{}.", cat::MAX_AGE),
                    );
                    0
                }
            }
        };
        let age_min = age("age_min", &self.age_min);
        let age_max = age("age_max", &self.age_max);
        let languages: Vec<String> = self
            .languages
            .split([',', ';', ' '])
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        let (Ok(level), Ok(form), Ok(category)) = (level, form, category) else {
            return Err(errors);
        };
        let i = Intervention {
            code: self.code.trim().to_string(),
            name_sv: self.name_sv.trim().to_string(),
            name_en: self.name_en.trim().to_string(),
            description_sv: self.description_sv.trim().to_string(),
            description_en: self.description_en.trim().to_string(),
            level,
            form,
            category,
            expecting: self.expecting,
            age_min,
            age_max,
            languages,
            retired: self.retired,
        };
        for (f, m) in i.check(known) {
            errors.entry(f).or_insert(m);
        }
        if errors.is_empty() {
            Ok(i)
        } else {
            Err(errors)
        }
    }
}

pub struct AdminRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub form: String,
    pub retired: bool,
}

#[derive(Template)]
#[template(path = "admin_catalogue.html")]
struct AdminListPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    rows: Vec<AdminRow>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_intervention.html")]
struct AdminFormPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    csrf: String,
    new: bool,
    action: String,
    v: InterventionInput,
    errors: BTreeMap<String, String>,
    levels: Vec<Choice>,
    forms: Vec<Choice>,
    categories: Vec<Choice>,
    language_codes: String,
}

ui_text!(AdminListPage, AdminFormPage);

impl AdminFormPage {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[derive(Deserialize)]
pub struct AdminListQuery {
    #[serde(default)]
    sparat: String,
}

pub async fn admin_list(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AdminListQuery>,
) -> Result<Response, AppError> {
    let all = state.store.interventions(&p.municipality, true).await?;
    let saved = all
        .iter()
        .find(|i| i.code == q.sparat)
        .map(|i| i.name_sv.clone());
    Ok(render(&AdminListPage {
        ui: Lang::Sv,
        title: "Katalogens insatser".into(),
        nav: Nav::of(&p),
        rows: all
            .iter()
            .map(|i| AdminRow {
                code: i.code.clone(),
                name: i.name_sv.clone(),
                level: i.level.label(false).to_string(),
                form: i.form.label(false).to_string(),
                retired: i.retired,
            })
            .collect(),
        saved,
    }))
}

fn admin_form(
    state: &SharedState,
    p: &Principal,
    new: bool,
    v: InterventionInput,
    errors: BTreeMap<String, String>,
) -> Response {
    let cfg = match state.config_of(p) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let choices = |codes: Vec<(&'static str, &'static str)>, current: &str| -> Vec<Choice> {
        codes
            .into_iter()
            .map(|(c, l)| Choice {
                code: c.into(),
                label: l.into(),
                selected: c == current,
            })
            .collect()
    };
    let levels = choices(
        Level::ALL
            .iter()
            .map(|l| (l.code(), l.label(false)))
            .collect(),
        &v.level,
    );
    let forms = choices(
        InterventionForm::ALL
            .iter()
            .map(|f| (f.code(), f.label(false)))
            .collect(),
        &v.form,
    );
    let categories = choices(
        Category::ALL
            .iter()
            .map(|c| (c.code(), c.label(false)))
            .collect(),
        &v.category,
    );
    let failed = !errors.is_empty();
    let page = AdminFormPage {
        ui: Lang::Sv,
        title: if new {
            "Ny insats".into()
        } else {
            format!("Ändra {}", v.name_sv)
        },
        nav: Nav::of(p),
        csrf: p.csrf_token().to_string(),
        new,
        action: if new {
            "/admin/katalog/ny".into()
        } else {
            format!("/admin/katalog/{}", v.code)
        },
        v,
        errors,
        levels,
        forms,
        categories,
        language_codes: known_languages(&cfg).join(", "),
    };
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

pub async fn admin_new_form(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> Response {
    let v = InterventionInput {
        level: Level::Universal.code().into(),
        form: InterventionForm::Service.code().into(),
        category: Category::ParentingProgramme.code().into(),
        age_min: "0".into(),
        age_max: cat::MAX_AGE.to_string(),
        languages: "sv".into(),
        ..Default::default()
    };
    admin_form(&state, &p, true, v, BTreeMap::new())
}

fn pairs_of(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

pub async fn admin_new_submit(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let v = InterventionInput::from_pairs(pairs_of(&body));
    let cfg = state.config_of(&p)?;
    let known = known_languages(&cfg);
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let i = match v.decode(&known) {
        Ok(i) => i,
        Err(errors) => return Ok(admin_form(&state, &p, true, v, errors)),
    };
    match state.store.create_intervention(&p.municipality, &i).await {
        Ok(()) => {}
        Err(foljupp_store::StoreError::Conflict(msg)) => {
            let errors = BTreeMap::from([("code".to_string(), msg)]);
            return Ok(admin_form(&state, &p, true, v, errors));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(intervention = %i.code, "catalogue intervention added");
    Ok(Redirect::to(&format!("/admin/katalog?sparat={}", i.code)).into_response())
}

pub async fn admin_edit_form(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let Some(i) = state.store.intervention(&p.municipality, &code).await? else {
        return Err(AppError::NotFound);
    };
    Ok(admin_form(
        &state,
        &p,
        false,
        InterventionInput::of(&i),
        BTreeMap::new(),
    ))
}

pub async fn admin_edit_submit(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    if state
        .store
        .intervention(&p.municipality, &code)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let mut v = InterventionInput::from_pairs(pairs_of(&body));
    // The code is the stable key that offers, URLs and the follow-up use.
    v.code = code;
    let cfg = state.config_of(&p)?;
    let known = known_languages(&cfg);
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let i = match v.decode(&known) {
        Ok(i) => i,
        Err(errors) => return Ok(admin_form(&state, &p, false, v, errors)),
    };
    state.store.update_intervention(&p.municipality, &i).await?;
    tracing::info!(intervention = %i.code, "catalogue intervention changed");
    Ok(Redirect::to(&format!("/admin/katalog?sparat={}", i.code)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_breaks_at_gaps_and_scales_to_the_shared_maximum() {
        let svg = sparkline(&[Some(4), Some(2), None, Some(0), None], 4);
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 1);
        // 4 of max 4 is the top (y = pad), 0 the bottom (y = h - pad).
        assert!(svg.contains(r#"points="3.0,3.0 31.5,16.0""#), "{svg}");
        assert!(svg.contains(r#"cy="29.0""#), "{svg}");
    }

    #[test]
    fn dates_and_weeks_read_naturally_in_both_languages() {
        let d = time::macros::date!(2025 - 03 - 10);
        assert_eq!(long_date(d, Lang::Sv), "10 mars 2025");
        assert_eq!(long_date(d, Lang::En), "10 March 2025");
        assert_eq!(waiting_text(Some(0), Lang::Sv), "Ingen kö");
        assert_eq!(waiting_text(Some(1), Lang::Sv), "1 vecka");
        assert_eq!(waiting_text(Some(3), Lang::En), "3 weeks");
        assert_eq!(tel_href("+46 8-508 25 904"), "+46850825904");
        assert_eq!(
            query_string(&[("a", "x y".into()), ("b", String::new())]),
            "?a=x+y"
        );
    }
}
