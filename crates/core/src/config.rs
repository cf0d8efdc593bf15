//! A municipality's configuration as versioned data: its organisation and
//! its forms (value lists, questions, question mappings). Admins change it
//! one [`Change`] at a time, in the browser or through the API; every change
//! is checked here and gives a new configuration, and a change to a form
//! gives that form a new version. The whole configuration of an
//! installation round-trips through one readable TOML file
//! (`foljupp config export` / `foljupp config import`).

use crate::forms::{FieldDef, FieldType, FormError, FormFile, QuestionMapping, ValueOption};
use crate::organisation::{
    is_code, District, Merger, Organisation, OrganisationError, Unit, UnitKind,
};
use crate::registration::Kind;
use crate::{format_date, Date, FormSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Everything one municipality has configured.
#[derive(Debug, Clone, PartialEq)]
pub struct MunicipalConfig {
    pub organisation: Organisation,
    pub forms: FormSet,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("konfigurationsfilen kunde inte läsas: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("{0}")]
    Organisation(#[from] OrganisationError),
    #[error("{0}")]
    Forms(#[from] FormError),
    #[error("{0}")]
    Invalid(String),
}

fn invalid<T>(m: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError::Invalid(m.into()))
}

impl MunicipalConfig {
    /// Stockholm with the shipped forms: what a new installation starts with.
    pub fn stockholm() -> MunicipalConfig {
        MunicipalConfig {
            organisation: Organisation::stockholm(),
            forms: FormSet::defaults(),
        }
    }

    /// A new municipality: its own organisation (no districts yet) and the
    /// shipped forms at version 1.
    pub fn new_municipality(code: &str, name: &str) -> Result<MunicipalConfig, ConfigError> {
        let c = MunicipalConfig {
            organisation: Organisation {
                code: code.to_string(),
                name: name.trim().to_string(),
                districts: Vec::new(),
                units: Vec::new(),
                common_areas: vec![
                    ("outside".into(), "Utanför kommunen".into()),
                    ("unknown".into(), "Okänt".into()),
                ],
                programme_sites: Vec::new(),
            },
            forms: FormSet::defaults(),
        };
        c.validate()?;
        Ok(c)
    }

    pub fn code(&self) -> &str {
        &self.organisation.code
    }

    /// The organisation and forms each valid, and the forms still holding
    /// every shipped field with its type: registrations keep their shipped
    /// fields in columns of that type, so a configuration may retire such a
    /// field but not drop or retype it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.organisation.validate()?;
        self.forms.validate()?;
        let shipped = FormSet::defaults();
        for kind in Kind::ALL {
            let mine = self.forms.kind(kind);
            for base in &shipped.kind(kind).fields {
                match mine.field(&base.name) {
                    None => {
                        return invalid(format!(
                            "Fältet {} saknas i formuläret för {kind}. Levererade fält kan tas bort (retired = true) men inte strykas.",
                            base.name
                        ))
                    }
                    Some(f) if f.ty != base.ty => {
                        return invalid(format!(
                            "Fältet {} i {kind} har fel typ: det ska vara {:?}.",
                            base.name, base.ty
                        ))
                    }
                    Some(_) => {}
                }
            }
            for f in &mine.fields {
                if shipped.kind(kind).field(&f.name).is_none()
                    && !matches!(
                        f.ty,
                        FieldType::Code | FieldType::Codes | FieldType::Int | FieldType::Bool
                    )
                {
                    return invalid(format!(
                        "Den tillagda frågan {} i {kind} har en typ som inte kan läggas till: välj code, codes, int eller bool.",
                        f.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Applies one change, giving the new configuration (or a Swedish
    /// message that says what to fix, changing nothing). Every form whose
    /// questions or value lists change gets the next version.
    pub fn apply(&self, change: &Change, today: Date) -> Result<MunicipalConfig, ConfigError> {
        let mut next = self.clone();
        let org = &mut next.organisation;
        let check_new_code = |code: &str, what: &str| -> Result<(), ConfigError> {
            if is_code(code) {
                Ok(())
            } else {
                invalid(format!(
                    "Koden {code:?} för {what} är ogiltig: använd små bokstäver a–z, siffror, bindestreck och understreck (högst 64 tecken)."
                ))
            }
        };
        let check_name = |name: &str, what: &str| -> Result<(), ConfigError> {
            if name.trim().is_empty() || name.chars().count() > 200 {
                invalid(format!("Skriv ett namn för {what} (1–200 tecken)."))
            } else {
                Ok(())
            }
        };
        match change {
            Change::AddDistrict { code, name } => {
                check_new_code(code, "stadsdelsförvaltningen")?;
                check_name(name, "stadsdelsförvaltningen")?;
                if org.district(code).is_some() || org.unit(code).is_some() {
                    return invalid(format!("Koden {code:?} används redan. Välj en annan kod."));
                }
                org.districts.push(District {
                    code: code.clone(),
                    name: name.trim().to_string(),
                    areas: Vec::new(),
                    merger: None,
                });
            }
            Change::RenameDistrict { code, name } => {
                check_name(name, "stadsdelsförvaltningen")?;
                let d = district_mut(org, code)?;
                d.name = name.trim().to_string();
            }
            Change::AddArea {
                district,
                code,
                name,
            } => {
                check_new_code(code, "bostadsområdet")?;
                check_name(name, "bostadsområdet")?;
                if org.area_name(code).is_some() {
                    return invalid(format!("Bostadsområdet {code:?} finns redan."));
                }
                let pair = (code.clone(), name.trim().to_string());
                match district {
                    Some(d) => district_mut(org, d)?.areas.push(pair),
                    None => org.common_areas.push(pair),
                }
            }
            Change::AddUnit {
                code,
                name,
                district,
                kind,
            } => {
                check_new_code(code, "enheten")?;
                check_name(name, "enheten")?;
                if org.unit(code).is_some() || org.district(code).is_some() {
                    return invalid(format!("Koden {code:?} används redan. Välj en annan kod."));
                }
                match org.district(district) {
                    None => {
                        return invalid(format!("Stadsdelsförvaltningen {district:?} finns inte."))
                    }
                    Some(d) if d.merger.is_some() => {
                        return invalid(format!(
                        "{} är sammanslagen med en annan stadsdelsförvaltning. Lägg enheten där.",
                        d.name
                    ))
                    }
                    Some(_) => {}
                }
                org.units.push(Unit {
                    code: code.clone(),
                    name: name.trim().to_string(),
                    district: district.clone(),
                    kind: *kind,
                    retired_on: None,
                });
            }
            Change::RetireUnit { code, on } => {
                let u = org
                    .units
                    .iter_mut()
                    .find(|u| &u.code == code)
                    .ok_or_else(|| ConfigError::Invalid(format!("Enheten {code:?} finns inte.")))?;
                if u.retired_on.is_some() {
                    return invalid(format!("{} är redan avvecklad.", u.name));
                }
                u.retired_on = Some(*on);
            }
            Change::AddProgrammeSite { code, name } => {
                check_new_code(code, "programorten")?;
                check_name(name, "programorten")?;
                if org.programme_sites.iter().any(|(c, _)| c == code) {
                    return invalid(format!("Programorten {code:?} finns redan."));
                }
                org.programme_sites
                    .push((code.clone(), name.trim().to_string()));
            }
            Change::MergeDistricts { from, into, on } => {
                if from == into {
                    return invalid("Välj två olika stadsdelsförvaltningar att slå samman.");
                }
                let target = org.district(into).ok_or_else(|| {
                    ConfigError::Invalid(format!("Stadsdelsförvaltningen {into:?} finns inte."))
                })?;
                if target.merger.is_some() {
                    return invalid(format!(
                        "{} är själv sammanslagen med en annan. Välj den stadsdelsförvaltning som finns kvar.",
                        target.name
                    ));
                }
                if org
                    .districts
                    .iter()
                    .any(|d| d.merger.as_ref().is_some_and(|m| &m.into == from))
                {
                    return invalid(format!(
                        "Andra stadsdelsförvaltningar är redan sammanslagna med {from}. Slå samman dem med {into} först."
                    ));
                }
                let d = district_mut(org, from)?;
                if d.merger.is_some() {
                    return invalid(format!("{} är redan sammanslagen.", d.name));
                }
                d.merger = Some(Merger {
                    into: into.clone(),
                    on: *on,
                });
                // The areas follow the district; its units keep their
                // district (their history) and are accepted under the
                // merged one (see `Organisation::unit_serves`).
                let areas = std::mem::take(&mut d.areas);
                if let Some(t) = org.districts.iter_mut().find(|d| &d.code == into) {
                    t.areas.extend(areas);
                }
            }
            Change::AddOption {
                list,
                code,
                label_sv,
                label_en,
            } => {
                check_new_code(code, "svarsalternativet")?;
                check_name(label_sv, "svarsalternativet")?;
                let l = list_mut(&mut next.forms, list)?;
                if l.options.iter().any(|o| &o.code == code) {
                    return invalid(format!(
                        "Koden {code:?} finns redan i listan. Välj en annan kod eller ändra texten för den som finns."
                    ));
                }
                l.options.push(ValueOption {
                    code: code.clone(),
                    label_sv: label_sv.trim().to_string(),
                    label_en: label_en.trim().to_string(),
                    retired: false,
                });
                bump_kinds_using(&mut next.forms, self, list);
            }
            Change::RelabelOption {
                list,
                code,
                label_sv,
                label_en,
            } => {
                check_name(label_sv, "svarsalternativet")?;
                let l = list_mut(&mut next.forms, list)?;
                let o = l
                    .options
                    .iter_mut()
                    .find(|o| &o.code == code)
                    .ok_or_else(|| {
                        ConfigError::Invalid(format!("Koden {code:?} finns inte i listan {list}."))
                    })?;
                o.label_sv = label_sv.trim().to_string();
                o.label_en = label_en.trim().to_string();
                bump_kinds_using(&mut next.forms, self, list);
            }
            Change::RetireOption { list, code } => {
                let l = list_mut(&mut next.forms, list)?;
                let o = l
                    .options
                    .iter_mut()
                    .find(|o| &o.code == code)
                    .ok_or_else(|| {
                        ConfigError::Invalid(format!("Koden {code:?} finns inte i listan {list}."))
                    })?;
                if o.retired {
                    return invalid(format!("{} är redan borttaget.", o.label_sv));
                }
                o.retired = true;
                if l.active().next().is_none() {
                    return invalid(format!("Listan {list} måste ha minst ett alternativ kvar."));
                }
                bump_kinds_using(&mut next.forms, self, list);
            }
            Change::AddQuestion {
                kind,
                name,
                ty,
                list,
                label_sv,
                label_en,
            } => {
                if !is_code(name) || name.contains('-') {
                    return invalid(format!(
                        "Frågans kod {name:?} är ogiltig: använd små bokstäver a–z, siffror och understreck."
                    ));
                }
                if let Some(word) = crate::privacy::personal_word(name) {
                    return invalid(format!(
                        "Frågans kod {name:?} ser ut att gälla en person eller en tidpunkt ({word}). Registreringar får bara innehålla kodade uppgifter om aktiviteten: välj en annan kod."
                    ));
                }
                check_name(label_sv, "frågan")?;
                let def = next.forms.kind(*kind);
                if def.field(name).is_some() {
                    return invalid(format!(
                        "Frågan {name:?} finns redan i formuläret (även borttagna frågor behåller sin kod). Välj en annan kod."
                    ));
                }
                match ty {
                    FieldType::Code | FieldType::Codes => {
                        let Some(l) = list else {
                            return invalid("Välj vilken värdelista frågans svar kommer ur.");
                        };
                        if next.forms.list(l).is_none() {
                            return invalid(format!("Värdelistan {l:?} finns inte."));
                        }
                    }
                    FieldType::Int | FieldType::Bool => {}
                    _ => return invalid(
                        "En tillagd fråga kan vara ett val, flera val, ett heltal eller ja/nej.",
                    ),
                }
                let field = FieldDef {
                    name: name.clone(),
                    ty: *ty,
                    list: match ty {
                        FieldType::Code | FieldType::Codes => list.clone(),
                        _ => None,
                    },
                    min: matches!(ty, FieldType::Int).then_some(0),
                    max: matches!(ty, FieldType::Int).then_some(10_000),
                    label_sv: label_sv.trim().to_string(),
                    label_en: label_en.trim().to_string(),
                    help_sv: None,
                    retired: false,
                    generated: false,
                };
                if let Some(k) = next.forms.kinds.get_mut(kind) {
                    k.fields.push(field);
                    k.version = self.forms.kind(*kind).version + 1;
                }
            }
            Change::RetireQuestion { kind, name } => {
                let Some(k) = next.forms.kinds.get_mut(kind) else {
                    return invalid(format!("Formuläret {kind} finns inte."));
                };
                let Some(f) = k.fields.iter_mut().find(|f| &f.name == name) else {
                    return invalid(format!(
                        "Frågan {name:?} finns inte i formuläret för {kind}."
                    ));
                };
                if f.required() {
                    return invalid("Datum och stadsdelsförvaltning krävs i varje formulär och kan inte tas bort.");
                }
                if f.generated {
                    return invalid(format!(
                        "{} är en del av en svarsräkning och kan inte tas bort för sig.",
                        f.label_sv
                    ));
                }
                if f.retired {
                    return invalid(format!("Frågan {:?} är redan borttagen.", f.label_sv));
                }
                f.retired = true;
                k.version = self.forms.kind(*kind).version + 1;
            }
            Change::AddMapping {
                kind,
                from,
                to,
                values,
            } => {
                let m = QuestionMapping {
                    kind: *kind,
                    from: from.clone(),
                    to: to.clone(),
                    values: values.clone(),
                };
                if let Some(list) = next
                    .forms
                    .kind(*kind)
                    .field(to)
                    .and_then(|f| f.list.clone())
                {
                    for v in values.values().filter(|v| !v.is_empty()) {
                        if next.forms.list(&list).is_some_and(|l| l.label(v).is_none()) {
                            return invalid(format!(
                                "{v:?} finns inte i listan {list} som frågan {to} svarar ur. Lägg till alternativet först."
                            ));
                        }
                    }
                }
                if next
                    .forms
                    .mappings
                    .iter()
                    .any(|x| x.kind == m.kind && x.to == m.to && x.from == m.from)
                {
                    return invalid(format!("Kopplingen {} → {} finns redan.", m.from, m.to));
                }
                next.forms.mappings.push(m);
            }
        }
        if let Change::MergeDistricts { on, .. } | Change::RetireUnit { on, .. } = change {
            if on.year() < 2000 || *on > today + time::Duration::days(3660) {
                return invalid(format!(
                    "Datumet {} är orimligt. Ange ett datum från år 2000 och högst tio år fram.",
                    format_date(*on)
                ));
            }
        }
        // Rebuild through the file form: regenerates answer-count fields and
        // runs every check a hand-edited file gets.
        next.forms = FormSet::from_file(next.forms.to_file())?;
        next.validate()?;
        Ok(next)
    }

    /// For an imported configuration replacing `current`: every form whose
    /// definition changed without a higher version number gets the next
    /// one, so a stored registration's version always names one definition.
    pub fn renumber_against(&mut self, current: &MunicipalConfig) {
        for kind in Kind::ALL {
            let old = current.forms.kind(kind);
            let uses: BTreeSet<String> = lists_used(current, kind)
                .into_iter()
                .chain(lists_used(self, kind))
                .collect();
            let lists_changed = uses
                .iter()
                .any(|l| current.forms.list(l) != self.forms.list(l));
            let Some(new) = self.forms.kinds.get_mut(&kind) else {
                continue;
            };
            let changed = new.fields != old.fields
                || new.label_sv != old.label_sv
                || new.label_en != old.label_en
                || lists_changed;
            if changed && new.version <= old.version {
                new.version = old.version + 1;
            } else if !changed && new.version < old.version {
                new.version = old.version;
            }
        }
    }
}

fn district_mut<'a>(
    org: &'a mut Organisation,
    code: &str,
) -> Result<&'a mut District, ConfigError> {
    org.districts
        .iter_mut()
        .find(|d| d.code == code)
        .ok_or_else(|| ConfigError::Invalid(format!("Stadsdelsförvaltningen {code:?} finns inte.")))
}

fn list_mut<'a>(
    forms: &'a mut FormSet,
    list: &str,
) -> Result<&'a mut crate::forms::ValueList, ConfigError> {
    if crate::forms::ORGANISATION_LISTS.contains(&list) {
        return invalid(format!(
            "Listan {list} hämtas ur organisationen. Ändra den under Organisation."
        ));
    }
    forms
        .lists
        .get_mut(list)
        .ok_or_else(|| ConfigError::Invalid(format!("Värdelistan {list:?} finns inte.")))
}

/// The value lists a kind's current and retired questions draw from (the
/// participants field draws from `participant_role` and `gender`, answer
/// counts from `answer`).
fn lists_used(c: &MunicipalConfig, kind: Kind) -> BTreeSet<String> {
    let def = c.forms.kind(kind);
    let mut out: BTreeSet<String> = def.fields.iter().filter_map(|f| f.list.clone()).collect();
    if def.fields.iter().any(|f| f.ty == FieldType::Participants) {
        out.insert("participant_role".into());
        out.insert("gender".into());
    }
    if !def.answer_counts.is_empty() {
        out.insert("answer".into());
    }
    out
}

fn bump_kinds_using(forms: &mut FormSet, before: &MunicipalConfig, list: &str) {
    for kind in Kind::ALL {
        if lists_used(before, kind).contains(list) {
            if let Some(k) = forms.kinds.get_mut(&kind) {
                k.version = before.forms.kind(kind).version + 1;
            }
        }
    }
}

/// One change an admin makes to the configuration. As JSON (the API's
/// `POST /api/v1/admin/config/changes`) it is an object whose `change`
/// names the variant in snake case, e.g.
/// `{"change": "retire_unit", "code": "farsta-familjecentral", "on": "2026-01-01"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    AddDistrict {
        code: String,
        name: String,
    },
    RenameDistrict {
        code: String,
        name: String,
    },
    /// An area of a district, or (without one) a common area.
    AddArea {
        #[serde(default)]
        district: Option<String>,
        code: String,
        name: String,
    },
    AddUnit {
        code: String,
        name: String,
        district: String,
        kind: UnitKind,
    },
    RetireUnit {
        code: String,
        #[serde(with = "date_format")]
        on: Date,
    },
    AddProgrammeSite {
        code: String,
        name: String,
    },
    /// `from` is merged into `into`: from `on`, reports show `from`'s
    /// registrations under `into`.
    MergeDistricts {
        from: String,
        into: String,
        #[serde(with = "date_format")]
        on: Date,
    },
    AddOption {
        list: String,
        code: String,
        label_sv: String,
        #[serde(default)]
        label_en: String,
    },
    RelabelOption {
        list: String,
        code: String,
        label_sv: String,
        #[serde(default)]
        label_en: String,
    },
    RetireOption {
        list: String,
        code: String,
    },
    AddQuestion {
        kind: Kind,
        name: String,
        #[serde(rename = "type")]
        ty: FieldType,
        #[serde(default)]
        list: Option<String>,
        label_sv: String,
        #[serde(default)]
        label_en: String,
    },
    RetireQuestion {
        kind: Kind,
        name: String,
    },
    AddMapping {
        kind: Kind,
        from: String,
        to: String,
        #[serde(default)]
        values: std::collections::BTreeMap<String, String>,
    },
}

impl Change {
    /// A short description for the audit log (codes only, no content).
    pub fn describe(&self) -> String {
        match self {
            Change::AddDistrict { code, .. } => format!("ny stadsdelsförvaltning {code}"),
            Change::RenameDistrict { code, .. } => format!("nytt namn på {code}"),
            Change::AddArea { code, .. } => format!("nytt bostadsområde {code}"),
            Change::AddUnit { code, .. } => format!("ny enhet {code}"),
            Change::RetireUnit { code, on } => {
                format!("enheten {code} avvecklad {}", format_date(*on))
            }
            Change::AddProgrammeSite { code, .. } => format!("ny programort {code}"),
            Change::MergeDistricts { from, into, on } => {
                format!("{from} sammanslagen med {into} från {}", format_date(*on))
            }
            Change::AddOption { list, code, .. } => format!("nytt alternativ {code} i {list}"),
            Change::RelabelOption { list, code, .. } => format!("ny text för {code} i {list}"),
            Change::RetireOption { list, code } => {
                format!("alternativet {code} i {list} borttaget")
            }
            Change::AddQuestion { kind, name, .. } => format!("ny fråga {name} i {kind}"),
            Change::RetireQuestion { kind, name } => format!("frågan {name} i {kind} borttagen"),
            Change::AddMapping { kind, from, to, .. } => format!("koppling {from} → {to} i {kind}"),
        }
    }
}

/// The configuration file: every municipality of the installation.
#[derive(Serialize, Deserialize)]
struct ConfigFile {
    municipality: Vec<MunicipalityFile>,
}

#[derive(Serialize, Deserialize)]
struct MunicipalityFile {
    #[serde(flatten)]
    organisation: Organisation,
    forms: FormFile,
}

const FILE_HEADER: &str = "\
# foljupp configuration: every municipality's organisation and forms.
# Edit and load with `foljupp config import FILE`; the file is checked as a
# whole before anything changes. Codes are the contract of CODES.md: keep
# them stable. Retire (retired = true, retired_on = …) rather than delete;
# a form whose questions or lists change gets the next version on import.

";

/// The configuration of the given municipalities as one TOML text.
pub fn to_toml(configs: &[MunicipalConfig]) -> Result<String, ConfigError> {
    let file = ConfigFile {
        municipality: configs
            .iter()
            .map(|c| MunicipalityFile {
                organisation: c.organisation.clone(),
                forms: c.forms.to_file(),
            })
            .collect(),
    };
    let body = toml::to_string(&file)
        .map_err(|e| ConfigError::Invalid(format!("konfigurationen kunde inte skrivas: {e}")))?;
    Ok(format!("{FILE_HEADER}{body}"))
}

/// Reads and checks a whole configuration file; nothing is returned unless
/// every municipality in it is valid.
pub fn from_toml(text: &str) -> Result<Vec<MunicipalConfig>, ConfigError> {
    let file: ConfigFile = toml::from_str(text)?;
    if file.municipality.is_empty() {
        return invalid("Filen innehåller ingen kommun ([[municipality]]).");
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for m in file.municipality {
        let code = m.organisation.code.clone();
        if !seen.insert(code.clone()) {
            return invalid(format!("Kommunen {code} förekommer två gånger i filen."));
        }
        let config = MunicipalConfig {
            organisation: m.organisation,
            forms: FormSet::from_file(m.forms)
                .map_err(|e| ConfigError::Invalid(format!("Kommunen {code}, formulären: {e}")))?,
        };
        config
            .validate()
            .map_err(|e| ConfigError::Invalid(format!("Kommunen {code}: {e}")))?;
        out.push(config);
    }
    Ok(out)
}

/// One municipality's configuration as stored (same format, one entry).
pub fn one_to_toml(config: &MunicipalConfig) -> Result<String, ConfigError> {
    to_toml(std::slice::from_ref(config))
}

/// Reads a stored single-municipality configuration.
pub fn one_from_toml(text: &str) -> Result<MunicipalConfig, ConfigError> {
    let mut all = from_toml(text)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        n => invalid(format!("Väntade en kommun, fann {n}.")),
    }
}

/// Date (de)serialisation as `YYYY-MM-DD` strings in configuration files.
pub mod date_format {
    use crate::{format_date, parse_date, Date};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_date(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse_date(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("{s:?} är inget datum (skriv ÅÅÅÅ-MM-DD)"))
        })
    }

    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_str(&format_date(*d)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            let s: Option<String> = Option::deserialize(d)?;
            s.map(|s| {
                parse_date(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("{s:?} är inget datum (skriv ÅÅÅÅ-MM-DD)"))
                })
            })
            .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn the_shipped_configuration_round_trips_through_toml() {
        let c = MunicipalConfig::stockholm();
        let text = to_toml(std::slice::from_ref(&c)).unwrap();
        let back = from_toml(&text).unwrap();
        assert_eq!(back, vec![c]);
    }

    #[test]
    fn adding_an_option_versions_the_forms_that_use_the_list() {
        let c = MunicipalConfig::stockholm();
        let next = c
            .apply(
                &Change::AddOption {
                    list: "how_found".into(),
                    code: "social_media".into(),
                    label_sv: "Sociala medier".into(),
                    label_en: "Social media".into(),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(next.forms.kind(Kind::Conversation).version, 2);
        assert_eq!(next.forms.kind(Kind::HomeVisit).version, 1);
        assert!(next
            .forms
            .list("how_found")
            .unwrap()
            .label("social_media")
            .is_some());
        // The same code twice is refused and changes nothing.
        let again = next.apply(
            &Change::AddOption {
                list: "how_found".into(),
                code: "social_media".into(),
                label_sv: "X".into(),
                label_en: "X".into(),
            },
            TODAY,
        );
        assert!(again.unwrap_err().to_string().contains("finns redan"));
    }

    #[test]
    fn a_merger_maps_the_district_from_its_day() {
        let c = MunicipalConfig::stockholm();
        let next = c
            .apply(
                &Change::MergeDistricts {
                    from: "skarholmen".into(),
                    into: "hagersten-alvsjo".into(),
                    on: date!(2024 - 01 - 01),
                },
                TODAY,
            )
            .unwrap();
        let org = &next.organisation;
        assert_eq!(
            org.reporting_district("skarholmen", date!(2023 - 12 - 31)),
            "skarholmen"
        );
        assert_eq!(
            org.reporting_district("skarholmen", date!(2024 - 12 - 31)),
            "hagersten-alvsjo"
        );
        assert_eq!(org.reported_districts(date!(2024 - 12 - 31)).count(), 12);
        assert_eq!(org.reported_districts(date!(2023 - 12 - 31)).count(), 13);
        // Merging into a merged district, or a district twice, is refused.
        assert!(next
            .apply(
                &Change::MergeDistricts {
                    from: "farsta".into(),
                    into: "skarholmen".into(),
                    on: date!(2024 - 01 - 01),
                },
                TODAY
            )
            .is_err());
    }

    #[test]
    fn an_import_that_changes_a_form_without_a_new_version_gets_one() {
        let current = MunicipalConfig::stockholm();
        let mut edited = current.clone();
        if let Some(l) = edited.forms.lists.get_mut("how_found") {
            l.options[0].label_sv = "Barnavårdscentralen".into();
        }
        edited.renumber_against(&current);
        assert_eq!(edited.forms.kind(Kind::Conversation).version, 2);
        assert_eq!(edited.forms.kind(Kind::Collaboration).version, 1);
    }

    #[test]
    fn a_file_that_drops_a_shipped_field_is_refused() {
        let c = MunicipalConfig::stockholm();
        let text = to_toml(std::slice::from_ref(&c)).unwrap().replacen(
            "name = \"language\"",
            "name = \"tongue\"",
            1,
        );
        let err = from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("language"), "{err}");
    }
}
