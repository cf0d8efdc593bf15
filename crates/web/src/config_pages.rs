//! The admin pages for the municipality's configuration (issue 6):
//! `/admin/organisation` (districts, residential areas, units, programme
//! sites, mergers) and `/admin/formular` (value lists, questions, question
//! mappings). Each form on them posts one [`Change`] to
//! `POST /admin/organisation/{action}` or `POST /admin/formular/{action}`;
//! the handler only reads the form's fields into the change, and
//! [`configuration::apply`] checks, saves, puts in force and audits it, as
//! for the JSON API. A refused change re-renders the page (422) with the
//! message beside the form that was sent and what was typed kept in it.

use crate::auth::Principal;
use crate::configuration::{self, Refusal};
use crate::i18n::Lang;
use crate::pages::{render, Nav};
use crate::{AppError, SharedState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use foljupp_core::forms::{FieldType, ORGANISATION_LISTS};
use foljupp_core::organisation::UnitKind;
use foljupp_core::{format_date, parse_date, Change, Kind, MunicipalConfig};
use serde::Deserialize;
use std::collections::BTreeMap;

const ORGANISATION: &str = "/admin/organisation";
const FORMS: &str = "/admin/formular";

/// What was typed into the form that was refused, and why: shown beside
/// that form only. A form is named by its action and, for the forms that
/// repeat per value list or per kind, that list's or kind's code.
#[derive(Default)]
pub struct Kept {
    failed: Option<(String, String)>,
    message: String,
    values: BTreeMap<String, String>,
}

impl Kept {
    fn is(&self, action: &str, key: &str) -> bool {
        self.failed
            .as_ref()
            .is_some_and(|(a, k)| a == action && k == key)
    }

    /// The refusal's message, when this form was the one refused.
    pub fn err(&self, action: &str, key: &str) -> Option<&str> {
        self.is(action, key).then_some(self.message.as_str())
    }

    /// The value typed into a field of this form, or empty.
    pub fn v(&self, action: &str, key: &str, field: &str) -> &str {
        self.v_or(action, key, field, "")
    }

    /// The value typed into a field of this form, or `default`.
    pub fn v_or<'a>(&'a self, action: &str, key: &str, field: &str, default: &'a str) -> &'a str {
        if self.is(action, key) {
            self.values.get(field).map(String::as_str).unwrap_or("")
        } else {
            default
        }
    }

    /// Whether `value` was the one chosen in a select of this form.
    pub fn sel(&self, action: &str, key: &str, field: &str, value: &str) -> bool {
        self.is(action, key) && self.values.get(field).is_some_and(|v| v == value)
    }

    pub fn any(&self) -> bool {
        self.failed.is_some()
    }

    /// The id of the refused form's section on the page.
    pub fn anchor(&self) -> String {
        match &self.failed {
            Some((a, k)) if k.is_empty() => a.clone(),
            Some((a, k)) => format!("{a}-{k}"),
            None => String::new(),
        }
    }
}

/// The query a successful change redirects to: which action was saved and
/// on what (`i`: a value list or kind, `kod`: the item), so the page can say
/// what happened. The notice is built from the configuration, never from
/// the query's text, so a crafted link cannot put words on the page.
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    sparad: String,
    #[serde(default)]
    i: String,
    #[serde(default)]
    kod: String,
}

fn with_status(status: StatusCode, mut resp: Response) -> Response {
    *resp.status_mut() = status;
    resp
}

fn unit_kinds() -> Vec<(String, String)> {
    [
        ("family_centre", UnitKind::FamilyCentre),
        ("advice_service", UnitKind::AdviceService),
        ("open_preschool", UnitKind::OpenPreschool),
    ]
    .into_iter()
    .map(|(c, k)| (c.to_string(), k.label_sv().to_string()))
    .collect()
}

fn unit_kind(code: &str) -> Option<UnitKind> {
    match code {
        "family_centre" => Some(UnitKind::FamilyCentre),
        "advice_service" => Some(UnitKind::AdviceService),
        "open_preschool" => Some(UnitKind::OpenPreschool),
        _ => None,
    }
}

/// The question types an admin may add, as (code, Swedish label).
const ADDABLE_TYPES: [(&str, &str); 4] = [
    ("code", "Val ur lista (ett svar)"),
    ("codes", "Flera val ur lista"),
    ("int", "Heltal"),
    ("bool", "Ja/nej"),
];

fn field_type(code: &str) -> Option<FieldType> {
    match code {
        "code" => Some(FieldType::Code),
        "codes" => Some(FieldType::Codes),
        "int" => Some(FieldType::Int),
        "bool" => Some(FieldType::Bool),
        _ => None,
    }
}

fn type_label(t: FieldType) -> &'static str {
    match t {
        FieldType::Date => "Datum",
        FieldType::Code => "Val ur lista",
        FieldType::Codes => "Flera val",
        FieldType::Int => "Heltal",
        FieldType::Bool => "Ja/nej",
        FieldType::Participants => "Deltagare",
    }
}

fn district_label(cfg: &MunicipalConfig, code: &str) -> String {
    cfg.organisation.district_name(code).to_string()
}

// ---------------------------------------------------------------- organisation

pub struct DistrictRow {
    code: String,
    name: String,
    areas: String,
    state: String,
    merged: bool,
}

pub struct UnitRow {
    code: String,
    name: String,
    kind: &'static str,
    district: String,
    state: String,
    retired: bool,
}

#[derive(Template)]
#[template(path = "admin_organisation.html")]
struct OrganisationPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    section: &'static str,
    csrf: String,
    districts: Vec<DistrictRow>,
    units: Vec<UnitRow>,
    common_areas: Vec<(String, String)>,
    programme_sites: Vec<(String, String)>,
    /// Districts not merged away: where units and areas may be added.
    current_districts: Vec<(String, String)>,
    all_districts: Vec<(String, String)>,
    open_units: Vec<(String, String)>,
    unit_kinds: Vec<(String, String)>,
    today: String,
    notice: Option<String>,
    kept: Kept,
}

impl OrganisationPage {
    fn t(&self, key: &str) -> String {
        self.ui.t(key)
    }
}

fn organisation_page(
    p: &Principal,
    cfg: &MunicipalConfig,
    notice: Option<String>,
    kept: Kept,
) -> OrganisationPage {
    let org = &cfg.organisation;
    let districts = org
        .districts
        .iter()
        .map(|d| DistrictRow {
            code: d.code.clone(),
            name: d.name.clone(),
            areas: d
                .areas
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            state: d
                .merger
                .as_ref()
                .map(|m| {
                    format!(
                        "Sammanslagen med {} från {}",
                        district_label(cfg, &m.into),
                        format_date(m.on)
                    )
                })
                .unwrap_or_default(),
            merged: d.merger.is_some(),
        })
        .collect();
    let units = org
        .units
        .iter()
        .map(|u| UnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.label_sv(),
            district: district_label(cfg, &u.district),
            state: match u.retired_on {
                Some(d) => format!("Avvecklad från {}", format_date(d)),
                None => "I drift".into(),
            },
            retired: u.retired_on.is_some(),
        })
        .collect();
    OrganisationPage {
        ui: Lang::Sv,
        title: "Organisation".into(),
        nav: Nav::of(p),
        section: "organisation",
        csrf: p.csrf_token().to_string(),
        districts,
        units,
        common_areas: org.common_areas.clone(),
        programme_sites: org.programme_sites.clone(),
        current_districts: org
            .current_districts()
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
        all_districts: org
            .districts
            .iter()
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect(),
        open_units: org
            .units
            .iter()
            .filter(|u| u.retired_on.is_none())
            .map(|u| {
                (
                    u.code.clone(),
                    format!("{} ({})", u.name, district_label(cfg, &u.district)),
                )
            })
            .collect(),
        unit_kinds: unit_kinds(),
        today: format_date(crate::report::today()),
        notice,
        kept,
    }
}

/// What a saved organisation change did, from the configuration now in
/// force (nothing when the query names nothing that exists).
fn organisation_notice(cfg: &MunicipalConfig, q: &SavedQuery) -> Option<String> {
    let org = &cfg.organisation;
    let kod = q.kod.as_str();
    match q.sparad.as_str() {
        "ny-stadsdel" => org
            .district(kod)
            .map(|d| format!("Sparat: stadsdelsförvaltningen {} är tillagd.", d.name)),
        "byt-namn" => org
            .district(kod)
            .map(|d| format!("Sparat: stadsdelsförvaltningen heter nu {}.", d.name)),
        "nytt-omrade" => org
            .area_name(kod)
            .map(|n| format!("Sparat: bostadsområdet {n} är tillagt.")),
        "ny-enhet" => org
            .unit(kod)
            .map(|u| format!("Sparat: enheten {} är tillagd.", u.name)),
        "avveckla-enhet" => org.unit(kod).and_then(|u| {
            u.retired_on.map(|d| {
                format!(
                    "Sparat: enheten {} är avvecklad från {}. Den kan inte väljas för aktiviteter från det datumet; det som redan registrerats finns kvar.",
                    u.name,
                    format_date(d)
                )
            })
        }),
        "ny-programort" => org
            .programme_sites
            .iter()
            .find(|(c, _)| c == kod)
            .map(|(_, n)| format!("Sparat: programorten {n} är tillagd.")),
        "sla-samman" => org.district(kod).and_then(|d| {
            d.merger.as_ref().map(|m| {
                let into = district_label(cfg, &m.into);
                format!(
                    "Sparat: {} är sammanslagen med {into} från {}. Historiken finns kvar och redovisas under {into} från det datumet.",
                    d.name,
                    format_date(m.on)
                )
            })
        }),
        _ => None,
    }
}

pub async fn organisation(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let notice = organisation_notice(&cfg, &q);
    Ok(render(&organisation_page(
        &p,
        &cfg,
        notice,
        Kept::default(),
    )))
}

/// A form's fields by name (each form sends every field once).
type Fields = BTreeMap<String, String>;

/// A form read into a change and the item it is about (for the notice
/// after saving), or a message that says what to fix.
type Parsed = Result<(Change, String), String>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(|s| s.trim()).unwrap_or("")
}

fn chosen(f: &Fields, name: &str, what: &str) -> Result<String, String> {
    match field(f, name) {
        "" => Err(format!("Välj {what}.")),
        v => Ok(v.to_string()),
    }
}

fn date_field(f: &Fields, name: &str) -> Result<foljupp_core::Date, String> {
    let s = field(f, name);
    parse_date(s).ok_or_else(|| {
        if s.is_empty() {
            "Ange ett datum (ÅÅÅÅ-MM-DD).".to_string()
        } else {
            format!("{s:?} är inget datum. Skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-01-01.")
        }
    })
}

/// The organisation form `action` as a change, and the item it is about
/// (for the notice after saving).
fn organisation_change(action: &str, f: &Fields) -> Option<Parsed> {
    let code = || field(f, "code").to_string();
    let name = || field(f, "name").to_string();
    let r = match action {
        "ny-stadsdel" => Ok((
            Change::AddDistrict {
                code: code(),
                name: name(),
            },
            code(),
        )),
        "byt-namn" => chosen(
            f,
            "district",
            "vilken stadsdelsförvaltning som ska byta namn",
        )
        .map(|d| {
            (
                Change::RenameDistrict {
                    code: d.clone(),
                    name: name(),
                },
                d,
            )
        }),
        "nytt-omrade" => Ok((
            Change::AddArea {
                district: Some(field(f, "district").to_string()).filter(|d| !d.is_empty()),
                code: code(),
                name: name(),
            },
            code(),
        )),
        "ny-enhet" => (|| -> Parsed {
            let district = chosen(
                f,
                "district",
                "vilken stadsdelsförvaltning enheten hör till",
            )?;
            let kind = unit_kind(field(f, "kind")).ok_or_else(|| {
                "Välj vilket slags enhet det är: familjecentral, föräldrarådgivning eller öppen förskola.".to_string()
            })?;
            Ok((
                Change::AddUnit {
                    code: code(),
                    name: name(),
                    district,
                    kind,
                },
                code(),
            ))
        })(),
        "avveckla-enhet" => (|| -> Parsed {
            let unit = chosen(f, "unit", "vilken enhet som avvecklas")?;
            let on = date_field(f, "on")?;
            Ok((
                Change::RetireUnit {
                    code: unit.clone(),
                    on,
                },
                unit,
            ))
        })(),
        "ny-programort" => Ok((
            Change::AddProgrammeSite {
                code: code(),
                name: name(),
            },
            code(),
        )),
        "sla-samman" => (|| -> Parsed {
            let from = chosen(
                f,
                "from",
                "vilken stadsdelsförvaltning som går upp i en annan",
            )?;
            let into = chosen(f, "into", "vilken stadsdelsförvaltning som finns kvar")?;
            let on = date_field(f, "on")?;
            Ok((
                Change::MergeDistricts {
                    from: from.clone(),
                    into,
                    on,
                },
                from,
            ))
        })(),
        _ => return None,
    };
    Some(r)
}

pub async fn organisation_post(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(action): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f: Fields = form.into_iter().collect();
    let parsed = organisation_change(&action, &f).ok_or(AppError::NotFound)?;
    let refused = |message: String| {
        let kept = Kept {
            failed: Some((action.clone(), String::new())),
            message,
            values: f.clone(),
        };
        let cfg = state.config_of(&p)?;
        Ok::<_, AppError>(with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&organisation_page(&p, &cfg, None, kept)),
        ))
    };
    let (change, item) = match parsed {
        Ok(c) => c,
        Err(m) => return refused(m),
    };
    match configuration::apply(&state, &p, &change).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "{ORGANISATION}?{}#{}",
            saved_query(&action, "", &item),
            organisation_anchor(&action)
        ))
        .into_response()),
        Err(Refusal::Invalid(m)) => refused(m),
        Err(Refusal::Conflict(m)) => conflict(&state, &p, m, ORGANISATION).await,
        Err(Refusal::Failed(e)) => Err(e),
    }
}

fn organisation_anchor(action: &str) -> &'static str {
    match action {
        "ny-enhet" | "avveckla-enhet" => "enheter",
        "ny-programort" => "programorter",
        "nytt-omrade" => "omraden",
        _ => "stadsdelar",
    }
}

fn saved_query(action: &str, key: &str, item: &str) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("sparad", action);
    if !key.is_empty() {
        s.append_pair("i", key);
    }
    s.append_pair("kod", item);
    s.finish()
}

#[derive(Template)]
#[template(path = "admin_config_conflict.html")]
struct ConflictPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    section: &'static str,
    message: String,
    back: &'static str,
}

impl ConflictPage {
    fn t(&self, key: &str) -> String {
        self.ui.t(key)
    }
}

/// Another admin (or `foljupp config import`) saved meanwhile: nothing was
/// changed. The newest configuration is read at once, so that reloading
/// the page shows it and the change can be made again on top of it.
async fn conflict(
    state: &SharedState,
    p: &Principal,
    message: String,
    back: &'static str,
) -> Result<Response, AppError> {
    state.reload_configs().await?;
    Ok(with_status(
        StatusCode::CONFLICT,
        render(&ConflictPage {
            ui: Lang::Sv,
            title: "Ändringen sparades inte".into(),
            nav: Nav::of(p),
            section: if back == FORMS {
                "formular"
            } else {
                "organisation"
            },
            message,
            back,
        }),
    ))
}

// ---------------------------------------------------------------- forms

pub struct OptionRow {
    code: String,
    label_sv: String,
    label_en: String,
    retired: bool,
}

pub struct ListView {
    code: String,
    label_sv: String,
    used_by: String,
    options: Vec<OptionRow>,
    /// Options that may be retired (not yet retired).
    active: Vec<(String, String)>,
    open: bool,
}

pub struct QuestionRow {
    code: String,
    label_sv: String,
    ty: &'static str,
    list: String,
    retired: bool,
    /// Optional, not generated, not retired: may be removed.
    removable: bool,
}

pub struct MappingRow {
    from: String,
    to: String,
    values: String,
}

pub struct KindView {
    code: String,
    label_sv: String,
    version: u32,
    questions: Vec<QuestionRow>,
    mappings: Vec<MappingRow>,
    /// Every question, retired ones included (a mapping's old question).
    all_questions: Vec<(String, String)>,
    /// The questions asked now (a mapping's new question).
    current_questions: Vec<(String, String)>,
    open: bool,
}

#[derive(Template)]
#[template(path = "admin_forms.html")]
struct FormsPage {
    ui: Lang,
    title: String,
    nav: Option<Nav>,
    section: &'static str,
    csrf: String,
    lists: Vec<ListView>,
    kinds: Vec<KindView>,
    list_choices: Vec<(String, String)>,
    types: Vec<(String, String)>,
    notice: Option<String>,
    kept: Kept,
}

impl FormsPage {
    fn t(&self, key: &str) -> String {
        self.ui.t(key)
    }
}

/// The kinds whose forms draw on a value list (as `foljupp_core::config`
/// versions them: a field's list, the participants' roles and genders,
/// the answer counts' answers).
fn kinds_using(cfg: &MunicipalConfig, list: &str) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| {
            let def = cfg.forms.kind(*k);
            def.fields.iter().any(|f| {
                f.list.as_deref() == Some(list)
                    || (f.ty == FieldType::Participants
                        && (list == "participant_role" || list == "gender"))
            }) || (list == "answer" && !def.answer_counts.is_empty())
        })
        .collect()
}

fn forms_page(
    p: &Principal,
    cfg: &MunicipalConfig,
    notice: Option<String>,
    open: (&str, &str),
    kept: Kept,
) -> FormsPage {
    // The section holding the refused form, or the one just saved, is
    // shown open.
    let failed = kept.failed.as_ref().map(|(a, k)| {
        let section = if is_list_action(a) { "list" } else { "kind" };
        (section, k.clone())
    });
    let is_open = |code: &str, section: &str| {
        (open.0 == section && open.1 == code)
            || failed
                .as_ref()
                .is_some_and(|(s, k)| *s == section && k == code)
    };
    let lists = cfg
        .forms
        .lists
        .iter()
        .filter(|(code, _)| !ORGANISATION_LISTS.contains(&code.as_str()))
        .map(|(code, l)| ListView {
            code: code.clone(),
            label_sv: l.label_sv.clone(),
            used_by: kinds_using(cfg, code)
                .into_iter()
                .map(|k| {
                    let def = cfg.forms.kind(k);
                    format!("{} (version {})", def.label_sv, def.version)
                })
                .collect::<Vec<_>>()
                .join(", "),
            options: l
                .options
                .iter()
                .map(|o| OptionRow {
                    code: o.code.clone(),
                    label_sv: o.label_sv.clone(),
                    label_en: o.label_en.clone(),
                    retired: o.retired,
                })
                .collect(),
            active: l
                .active()
                .map(|o| (o.code.clone(), format!("{} ({})", o.label_sv, o.code)))
                .collect(),
            open: is_open(code, "list"),
        })
        .collect();
    let kinds = Kind::ALL
        .into_iter()
        .map(|k| {
            let def = cfg.forms.kind(k);
            let label = |name: &str, text: &str| format!("{text} ({name})");
            KindView {
                code: k.code().to_string(),
                label_sv: def.label_sv.clone(),
                version: def.version,
                questions: def
                    .fields
                    .iter()
                    .map(|f| QuestionRow {
                        code: f.name.clone(),
                        label_sv: f.label_sv.clone(),
                        ty: type_label(f.ty),
                        list: f
                            .list
                            .as_deref()
                            .map(|l| {
                                cfg.forms
                                    .list(l)
                                    .map(|v| v.label_sv.clone())
                                    .unwrap_or_else(|| format!("{l} (ur organisationen)"))
                            })
                            .unwrap_or_default(),
                        retired: f.retired,
                        removable: !f.required() && !f.generated && !f.retired,
                    })
                    .collect(),
                mappings: cfg
                    .forms
                    .mappings
                    .iter()
                    .filter(|m| m.kind == k)
                    .map(|m| MappingRow {
                        from: m.from.clone(),
                        to: m.to.clone(),
                        values: m
                            .values
                            .iter()
                            .map(|(a, b)| format!("{a} → {b}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                    .collect(),
                all_questions: def
                    .fields
                    .iter()
                    .filter(|f| !f.required() && !f.generated)
                    .map(|f| (f.name.clone(), label(&f.name, &f.label_sv)))
                    .collect(),
                current_questions: def
                    .current_fields()
                    .filter(|f| !f.required() && !f.generated)
                    .map(|f| (f.name.clone(), label(&f.name, &f.label_sv)))
                    .collect(),
                open: is_open(k.code(), "kind"),
            }
        })
        .collect();
    FormsPage {
        ui: Lang::Sv,
        title: "Formulär och värdelistor".into(),
        nav: Nav::of(p),
        section: "formular",
        csrf: p.csrf_token().to_string(),
        lists,
        kinds,
        list_choices: cfg
            .forms
            .lists
            .iter()
            .filter(|(code, _)| !ORGANISATION_LISTS.contains(&code.as_str()))
            .map(|(code, l)| (code.clone(), format!("{} ({code})", l.label_sv)))
            .collect(),
        types: ADDABLE_TYPES
            .iter()
            .map(|(c, l)| (c.to_string(), l.to_string()))
            .collect(),
        notice,
        kept,
    }
}

/// Whether a forms action is about a value list (else about a kind).
fn is_list_action(action: &str) -> bool {
    matches!(action, "nytt-alternativ" | "ny-text" | "ta-bort-alternativ")
}

fn kind_of(cfg: &MunicipalConfig, code: &str) -> Option<Kind> {
    let k: Kind = code.parse().ok()?;
    cfg.forms.kinds.contains_key(&k).then_some(k)
}

/// What a saved forms change did, from the configuration now in force.
fn forms_notice(cfg: &MunicipalConfig, q: &SavedQuery) -> Option<String> {
    let (i, kod) = (q.i.as_str(), q.kod.as_str());
    let versions = |kinds: Vec<Kind>| {
        kinds
            .into_iter()
            .map(|k| {
                let d = cfg.forms.kind(k);
                format!("{} version {}", d.label_sv, d.version)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if is_list_action(&q.sparad) {
        let list = cfg.forms.list(i)?;
        let option = list.options.iter().find(|o| o.code == kod)?;
        let forms = versions(kinds_using(cfg, i));
        let what = match q.sparad.as_str() {
            "nytt-alternativ" => format!(
                "alternativet {} ({kod}) är tillagt i {}",
                option.label_sv, list.label_sv
            ),
            "ny-text" => format!(
                "alternativet {kod} i {} heter nu {}",
                list.label_sv, option.label_sv
            ),
            _ if option.retired => format!(
                "alternativet {} i {} är borttaget; det erbjuds inte längre, men registreringar som redan har det behåller det",
                option.label_sv, list.label_sv
            ),
            _ => return None,
        };
        return Some(if forms.is_empty() {
            format!("Sparat: {what}.")
        } else {
            format!("Sparat: {what}. Nya formulärversioner: {forms}.")
        });
    }
    let kind = kind_of(cfg, i)?;
    let def = cfg.forms.kind(kind);
    match q.sparad.as_str() {
        "ny-fraga" => def.field(kod).filter(|f| !f.retired).map(|f| {
            format!(
                "Sparat: frågan {} är tillagd i {}, som nu har version {}.",
                f.label_sv, def.label_sv, def.version
            )
        }),
        "ta-bort-fraga" => def.field(kod).filter(|f| f.retired).map(|f| {
            format!(
                "Sparat: frågan {} är borttagen ur {}, som nu har version {}. Svar som redan registrerats finns kvar.",
                f.label_sv, def.label_sv, def.version
            )
        }),
        "ny-koppling" => {
            let (from, to) = kod.split_once('>')?;
            cfg.forms
                .mappings
                .iter()
                .any(|m| m.kind == kind && m.from == from && m.to == to)
                .then(|| {
                    format!(
                        "Sparat: i rapporterna räknas svaren på {from} nu också som svar på {to} ({}).",
                        def.label_sv
                    )
                })
        }
        _ => None,
    }
}

pub async fn forms(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let cfg = state.config_of(&p)?;
    let notice = forms_notice(&cfg, &q);
    let section = if is_list_action(&q.sparad) {
        "list"
    } else {
        "kind"
    };
    let page = forms_page(
        &p,
        &cfg,
        notice.clone(),
        if notice.is_some() {
            (section, q.i.as_str())
        } else {
            ("", "")
        },
        Kept::default(),
    );
    Ok(render(&page))
}

/// `gammalt=nytt` lines into a mapping's values.
fn mapping_values(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((old, new)) = line.split_once('=') else {
            return Err(format!(
                "Rad {} ({line:?}) saknar likhetstecken. Skriv en översättning per rad som gammalt=nytt, till exempel true=sv.",
                n + 1
            ));
        };
        let (old, new) = (old.trim(), new.trim());
        if old.is_empty() {
            return Err(format!(
                "Rad {} saknar det gamla svaret före likhetstecknet.",
                n + 1
            ));
        }
        if out.insert(old.to_string(), new.to_string()).is_some() {
            return Err(format!(
                "Det gamla svaret {old:?} står på flera rader. Ange det en gång."
            ));
        }
    }
    Ok(out)
}

/// The forms page's `action` as a change, with the list or kind it is
/// about and the item (for the notice).
fn forms_change(cfg: &MunicipalConfig, action: &str, f: &Fields) -> Option<Parsed> {
    let list = || field(f, "list").to_string();
    let kind = || {
        kind_of(cfg, field(f, "kind"))
            .ok_or_else(|| "Välj vilket formulär ändringen gäller.".to_string())
    };
    let label_sv = || field(f, "label_sv").to_string();
    let label_en = || field(f, "label_en").to_string();
    let r = match action {
        "nytt-alternativ" => {
            let code = field(f, "code").to_string();
            Ok((
                Change::AddOption {
                    list: list(),
                    code: code.clone(),
                    label_sv: label_sv(),
                    label_en: label_en(),
                },
                code,
            ))
        }
        "ny-text" => chosen(f, "code", "vilket alternativ som ska få ny text").map(|code| {
            (
                Change::RelabelOption {
                    list: list(),
                    code: code.clone(),
                    label_sv: label_sv(),
                    label_en: label_en(),
                },
                code,
            )
        }),
        "ta-bort-alternativ" => {
            chosen(f, "code", "vilket alternativ som ska tas bort").map(|code| {
                (
                    Change::RetireOption {
                        list: list(),
                        code: code.clone(),
                    },
                    code,
                )
            })
        }
        "ny-fraga" => (|| -> Parsed {
            let kind = kind()?;
            let ty = field_type(field(f, "type")).ok_or_else(|| {
                "Välj frågans typ: val ur lista, flera val, heltal eller ja/nej.".to_string()
            })?;
            let name = field(f, "name").to_string();
            Ok((
                Change::AddQuestion {
                    kind,
                    name: name.clone(),
                    ty,
                    list: Some(list()).filter(|l| !l.is_empty()),
                    label_sv: label_sv(),
                    label_en: label_en(),
                },
                name,
            ))
        })(),
        "ta-bort-fraga" => (|| -> Parsed {
            let kind = kind()?;
            let name = chosen(f, "name", "vilken fråga som ska tas bort")?;
            Ok((
                Change::RetireQuestion {
                    kind,
                    name: name.clone(),
                },
                name,
            ))
        })(),
        "ny-koppling" => (|| -> Parsed {
            let kind = kind()?;
            let from = chosen(f, "from", "den gamla frågan")?;
            let to = chosen(f, "to", "den nya frågan")?;
            if from == to {
                return Err("Välj två olika frågor: den gamla och den som ersätter den.".into());
            }
            let values = mapping_values(f.get("values").map(String::as_str).unwrap_or(""))?;
            Ok((
                Change::AddMapping {
                    kind,
                    from: from.clone(),
                    to: to.clone(),
                    values,
                },
                format!("{from}>{to}"),
            ))
        })(),
        _ => return None,
    };
    Some(r)
}

pub async fn forms_post(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(action): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f: Fields = form.into_iter().collect();
    let cfg = state.config_of(&p)?;
    let parsed = forms_change(&cfg, &action, &f).ok_or(AppError::NotFound)?;
    // The list's or kind's code names the form that was sent.
    let key = field(
        &f,
        if is_list_action(&action) {
            "list"
        } else {
            "kind"
        },
    )
    .to_string();
    let refused = |message: String| {
        let kept = Kept {
            failed: Some((action.clone(), key.clone())),
            message,
            values: f.clone(),
        };
        let cfg = state.config_of(&p)?;
        Ok::<_, AppError>(with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&forms_page(&p, &cfg, None, ("", ""), kept)),
        ))
    };
    let (change, item) = match parsed {
        Ok(c) => c,
        Err(m) => return refused(m),
    };
    match configuration::apply(&state, &p, &change).await {
        Ok(_) => {
            let anchor = if is_list_action(&action) {
                format!("lista-{key}")
            } else {
                format!("formular-{key}")
            };
            Ok(Redirect::to(&format!(
                "{FORMS}?{}#{anchor}",
                saved_query(&action, &key, &item)
            ))
            .into_response())
        }
        Err(Refusal::Invalid(m)) => refused(m),
        Err(Refusal::Conflict(m)) => conflict(&state, &p, m, FORMS).await,
        Err(Refusal::Failed(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_values_read_one_pair_per_line() {
        let v = mapping_values("true = sv\n\n false=\n").unwrap();
        assert_eq!(v.get("true").map(String::as_str), Some("sv"));
        assert_eq!(v.get("false").map(String::as_str), Some(""));
        assert!(mapping_values("true sv").unwrap_err().contains("Rad 1"));
        assert!(mapping_values("a=b\na=c").is_err());
    }

    #[test]
    fn a_notice_names_only_what_exists() {
        let cfg = MunicipalConfig::stockholm();
        let q = |sparad: &str, i: &str, kod: &str| SavedQuery {
            sparad: sparad.into(),
            i: i.into(),
            kod: kod.into(),
        };
        assert!(organisation_notice(&cfg, &q("ny-stadsdel", "", "farsta")).is_some());
        assert!(organisation_notice(&cfg, &q("ny-stadsdel", "", "betala-nu")).is_none());
        assert!(organisation_notice(&cfg, &q("hittepa", "", "farsta")).is_none());
        // A unit that is not retired gives no "retired" notice.
        let unit = cfg.organisation.units[0].code.clone();
        assert!(organisation_notice(&cfg, &q("avveckla-enhet", "", &unit)).is_none());
        assert!(forms_notice(&cfg, &q("nytt-alternativ", "how_found", "bvc")).is_some());
        assert!(forms_notice(&cfg, &q("nytt-alternativ", "how_found", "nope")).is_none());
    }
}
