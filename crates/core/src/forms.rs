//! Forms as data: each activity kind's fields and the value lists they draw
//! from, loaded from a definition file (the shipped defaults are
//! `defaults/forms.toml`), and the one decoder that turns raw input into a
//! [`Registration`].

use crate::organisation::{Organisation, UnitKind};
use crate::registration::{FieldError, Input, Kind, Participant, Registration, Value};
use crate::{parse_date, Date};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Lists whose options come from the organisation, not from a value list.
pub const ORGANISATION_LISTS: [&str; 4] = ["district", "unit", "resident_area", "programme_site"];

/// The earliest activity date accepted: the follow-up began in 2019, and
/// anything before 2000 is a typing error.
pub const EARLIEST_DATE: Date = time::macros::date!(2000 - 01 - 01);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Date,
    Code,
    Codes,
    Int,
    Bool,
    Participants,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    pub label_sv: String,
    pub label_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_sv: Option<String>,
    /// A retired question is no longer asked or accepted; registrations
    /// that answered it keep their answers.
    #[serde(default, skip_serializing_if = "is_false")]
    pub retired: bool,
    /// Generated from the kind's `answer_counts` (not written back to a
    /// configuration file).
    #[serde(skip)]
    pub generated: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl FieldDef {
    /// Date, district: every other field may be left empty.
    pub fn required(&self) -> bool {
        self.name == "date" || self.name == "district"
    }

    pub fn multi(&self) -> bool {
        matches!(self.ty, FieldType::Codes | FieldType::Participants)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueOption {
    pub code: String,
    pub label_sv: String,
    pub label_en: String,
    /// A retired option stays valid for old registrations' labels but is no
    /// longer offered or accepted.
    #[serde(default)]
    pub retired: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueList {
    pub label_sv: String,
    pub label_en: String,
    pub options: Vec<ValueOption>,
}

impl ValueList {
    pub fn active(&self) -> impl Iterator<Item = &ValueOption> {
        self.options.iter().filter(|o| !o.retired)
    }

    pub fn label(&self, code: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.label_sv.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindDef {
    pub kind: Kind,
    pub version: u32,
    pub label_sv: String,
    pub label_en: String,
    pub fields: Vec<FieldDef>,
    /// Questions whose answers this kind records as counts per answer.
    pub answer_counts: Vec<String>,
}

impl KindDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The questions asked now (retired ones left out).
    pub fn current_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(|f| !f.retired)
    }
}

/// A declared bridge between an old and a new question of one kind, e.g.
/// "interpreter used" replaced by "language needed": a registration that
/// answered `from` but not `to` is counted in the report as if it had
/// answered `to` with the mapped value, so the series carries across the
/// change. Nothing stored is rewritten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionMapping {
    pub kind: Kind,
    pub from: String,
    pub to: String,
    /// Old answer → new answer (`true`/`false` for yes/no questions). An
    /// answer without an entry is carried over unchanged.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
}

/// The complete set of forms and value lists of one municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormSet {
    pub lists: BTreeMap<String, ValueList>,
    pub kinds: BTreeMap<Kind, KindDef>,
    /// Question code → (Swedish, English) text, for questions asked as counts.
    pub questions: BTreeMap<String, (String, String)>,
    /// Bridges between replaced questions, applied by reports.
    pub mappings: Vec<QuestionMapping>,
}

/// The form definitions as written in a file (`defaults/forms.toml`, or the
/// `forms` part of an exported configuration).
#[derive(Serialize, Deserialize)]
pub struct FormFile {
    /// The version of every kind that names none of its own.
    #[serde(default = "first_version")]
    version: u32,
    lists: BTreeMap<String, ListFile>,
    kinds: BTreeMap<String, KindFile>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    questions: BTreeMap<String, (String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    mappings: Vec<QuestionMapping>,
}

fn first_version() -> u32 {
    1
}

#[derive(Serialize, Deserialize)]
struct ListFile {
    label_sv: String,
    label_en: String,
    options: Vec<OptionEntry>,
}

/// An option as `[code, Swedish, English]`, or as a table when retired.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum OptionEntry {
    Short((String, String, String)),
    Full(ValueOption),
}

#[derive(Serialize, Deserialize)]
struct KindFile {
    label_sv: String,
    label_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    answer_counts: Vec<String>,
    fields: Vec<FieldDef>,
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("formulärfilen kunde inte läsas: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("{0}")]
    Invalid(String),
}

/// What decoding needs to know beyond the input.
pub struct DecodeContext<'a> {
    pub organisation: &'a Organisation,
    /// Dates after this day are rejected as typing errors.
    pub today: Date,
}

/// Raw input of one registration as the decoder reads it: the fields of a
/// submitted form ([`Input`]) or the cells of a CSV row, without first
/// copying them into a map.
pub(crate) trait RawInput {
    /// Calls `f` with the name of every field given, in name order: a name
    /// the form does not ask (any longer) is an error.
    fn for_each_name<'s>(&'s self, f: &mut dyn FnMut(&'s str));
    /// Calls `f` with every raw value given for `field`, the kind's field
    /// number `index`.
    fn for_each_value<'s>(&'s self, index: usize, field: &FieldDef, f: &mut dyn FnMut(&'s str));
}

impl RawInput for Input {
    fn for_each_name<'s>(&'s self, f: &mut dyn FnMut(&'s str)) {
        self.keys().for_each(|k| f(k));
    }

    fn for_each_value<'s>(&'s self, _: usize, field: &FieldDef, f: &mut dyn FnMut(&'s str)) {
        if let Some(vs) = self.get(&field.name) {
            vs.iter().for_each(|v| f(v));
        }
    }
}

impl FormSet {
    /// The shipped defaults (CODES.md).
    pub fn defaults() -> FormSet {
        match FormSet::from_toml(include_str!("../defaults/forms.toml")) {
            Ok(f) => f,
            Err(e) => panic!("shipped forms.toml is invalid: {e}"),
        }
    }

    pub fn from_toml(text: &str) -> Result<FormSet, FormError> {
        FormSet::from_file(toml::from_str(text)?)
    }

    /// The file form of this set, for a configuration export.
    pub fn to_file(&self) -> FormFile {
        FormFile {
            version: 1,
            lists: self
                .lists
                .iter()
                .map(|(name, l)| {
                    (
                        name.clone(),
                        ListFile {
                            label_sv: l.label_sv.clone(),
                            label_en: l.label_en.clone(),
                            options: l
                                .options
                                .iter()
                                .map(|o| {
                                    if o.retired {
                                        OptionEntry::Full(o.clone())
                                    } else {
                                        OptionEntry::Short((
                                            o.code.clone(),
                                            o.label_sv.clone(),
                                            o.label_en.clone(),
                                        ))
                                    }
                                })
                                .collect(),
                        },
                    )
                })
                .collect(),
            kinds: self
                .kinds
                .iter()
                .map(|(kind, k)| {
                    (
                        kind.code().to_string(),
                        KindFile {
                            label_sv: k.label_sv.clone(),
                            label_en: k.label_en.clone(),
                            version: Some(k.version),
                            answer_counts: k.answer_counts.clone(),
                            fields: k.fields.iter().filter(|f| !f.generated).cloned().collect(),
                        },
                    )
                })
                .collect(),
            questions: self.questions.clone(),
            mappings: self.mappings.clone(),
        }
    }

    /// Builds and checks a set from its file form.
    pub fn from_file(file: FormFile) -> Result<FormSet, FormError> {
        let lists: BTreeMap<String, ValueList> = file
            .lists
            .into_iter()
            .map(|(name, l)| {
                let options = l
                    .options
                    .into_iter()
                    .map(|o| match o {
                        OptionEntry::Short((code, label_sv, label_en)) => ValueOption {
                            code,
                            label_sv,
                            label_en,
                            retired: false,
                        },
                        OptionEntry::Full(o) => o,
                    })
                    .collect();
                (
                    name,
                    ValueList {
                        label_sv: l.label_sv,
                        label_en: l.label_en,
                        options,
                    },
                )
            })
            .collect();
        let answers: Vec<ValueOption> = lists
            .get("answer")
            .map(|l| l.options.clone())
            .ok_or_else(|| FormError::Invalid("värdelistan answer saknas".into()))?;
        let mut kinds = BTreeMap::new();
        for (code, k) in file.kinds {
            let kind: Kind = code.parse().map_err(FormError::Invalid)?;
            let mut fields = k.fields;
            for q in &k.answer_counts {
                let (q_sv, q_en) = file
                    .questions
                    .get(q)
                    .cloned()
                    .ok_or_else(|| FormError::Invalid(format!("frågan {q} saknar text")))?;
                for a in &answers {
                    fields.push(FieldDef {
                        name: format!("{q}_{}", a.code),
                        ty: FieldType::Int,
                        list: None,
                        min: Some(0),
                        max: Some(10_000),
                        label_sv: format!("{q_sv} – {}", a.label_sv),
                        label_en: format!("{q_en} – {}", a.label_en),
                        help_sv: None,
                        retired: false,
                        generated: true,
                    });
                }
            }
            for f in &fields {
                if let Some(list) = &f.list {
                    if !lists.contains_key(list) && !ORGANISATION_LISTS.contains(&list.as_str()) {
                        return Err(FormError::Invalid(format!(
                            "fältet {} i {code} hänvisar till den okända listan {list}",
                            f.name
                        )));
                    }
                }
            }
            if fields.first().map(|f| f.name.as_str()) != Some("date")
                || fields.iter().all(|f| f.name != "district")
            {
                return Err(FormError::Invalid(format!(
                    "{code} måste börja med fältet date och ha fältet district"
                )));
            }
            kinds.insert(
                kind,
                KindDef {
                    kind,
                    version: k.version.unwrap_or(file.version),
                    label_sv: k.label_sv,
                    label_en: k.label_en,
                    fields,
                    answer_counts: k.answer_counts,
                },
            );
        }
        for kind in Kind::ALL {
            if !kinds.contains_key(&kind) {
                return Err(FormError::Invalid(format!("formuläret för {kind} saknas")));
            }
        }
        let set = FormSet {
            lists,
            kinds,
            questions: file.questions,
            mappings: file.mappings,
        };
        set.validate()?;
        Ok(set)
    }

    /// Checks codes, duplicates and mappings (the parts a hand-edited file
    /// can get wrong that parsing does not catch).
    pub fn validate(&self) -> Result<(), FormError> {
        let invalid = |m: String| Err(FormError::Invalid(m));
        for (name, list) in &self.lists {
            let mut seen = std::collections::HashSet::new();
            for o in &list.options {
                if !crate::organisation::is_code(&o.code) {
                    return invalid(format!(
                        "Koden {:?} i listan {name} är ogiltig: använd små bokstäver a–z, siffror, bindestreck och understreck.",
                        o.code
                    ));
                }
                if !seen.insert(&o.code) {
                    return invalid(format!(
                        "Koden {:?} förekommer två gånger i listan {name}.",
                        o.code
                    ));
                }
                if o.label_sv.trim().is_empty() {
                    return invalid(format!(
                        "Koden {:?} i listan {name} saknar svensk text.",
                        o.code
                    ));
                }
            }
        }
        for (kind, def) in &self.kinds {
            let mut seen = std::collections::HashSet::new();
            for f in &def.fields {
                if !seen.insert(&f.name) {
                    return invalid(format!(
                        "Frågan {} förekommer två gånger i formuläret för {kind}.",
                        f.name
                    ));
                }
                if f.retired && f.required() {
                    return invalid(format!(
                        "Fältet {} i {kind} kan inte tas bort: datum och stadsdelsförvaltning krävs.",
                        f.name
                    ));
                }
                if matches!(f.ty, FieldType::Code | FieldType::Codes) && f.list.is_none() {
                    return invalid(format!("Frågan {} i {kind} saknar värdelista.", f.name));
                }
            }
        }
        for m in &self.mappings {
            let def = self.kind(m.kind);
            for name in [&m.from, &m.to] {
                if def.field(name).is_none() {
                    return invalid(format!(
                        "Kopplingen {} → {} i {}: frågan {name} finns inte i formuläret.",
                        m.from, m.to, m.kind
                    ));
                }
            }
            if m.from == m.to {
                return invalid(format!(
                    "Kopplingen {} → {} i {} pekar på samma fråga.",
                    m.from, m.to, m.kind
                ));
            }
        }
        Ok(())
    }

    /// Applies the declared question mappings to a stored registration
    /// before it is counted: a registration that answered an old question
    /// and not its replacement gets the replacement's mapped answer.
    pub fn apply_mappings(&self, r: &mut Registration) {
        for m in self.mappings.iter().filter(|m| m.kind == r.kind) {
            if r.values.contains_key(&m.to) {
                continue;
            }
            let Some(old) = r.values.get(&m.from) else {
                continue;
            };
            let Some(target) = self.kind(m.kind).field(&m.to) else {
                continue;
            };
            let map = |code: String| m.values.get(&code).cloned().unwrap_or(code);
            let mapped = match old {
                Value::Code(c) => Some(map(c.clone())),
                Value::Bool(b) => Some(map(b.to_string())),
                Value::Int(n) => Some(map(n.to_string())),
                Value::Codes(cs) => match target.ty {
                    FieldType::Codes => {
                        let v: Vec<String> = cs.iter().cloned().map(map).collect();
                        r.values.insert(m.to.clone(), Value::Codes(v));
                        None
                    }
                    _ => cs.first().cloned().map(map),
                },
                _ => None,
            };
            let Some(mapped) = mapped else { continue };
            let value = match target.ty {
                FieldType::Code => Some(Value::Code(mapped)),
                FieldType::Codes => Some(Value::Codes(vec![mapped])),
                FieldType::Bool => match mapped.as_str() {
                    "true" | "yes" => Some(Value::Bool(true)),
                    "false" | "no" => Some(Value::Bool(false)),
                    _ => None,
                },
                FieldType::Int => mapped.parse().ok().map(Value::Int),
                _ => None,
            };
            // An answer the mapping maps to nothing (e.g. "no interpreter"
            // → empty language) is left unanswered, as the new form would.
            if let Some(v) = value.filter(|v| !matches!(v, Value::Code(c) if c.is_empty())) {
                r.values.insert(m.to.clone(), v);
            }
        }
    }

    pub fn kind(&self, kind: Kind) -> &KindDef {
        // Every kind is present: from_toml refuses a set without one.
        &self.kinds[&kind]
    }

    pub fn list(&self, name: &str) -> Option<&ValueList> {
        self.lists.get(name)
    }

    /// The Swedish label of a code in a list, or the code itself.
    pub fn label<'a>(&'a self, list: &str, code: &'a str) -> &'a str {
        self.lists
            .get(list)
            .and_then(|l| l.label(code))
            .unwrap_or(code)
    }

    /// The options a field offers now, as (code, Swedish label).
    pub fn options(&self, field: &FieldDef, org: &Organisation) -> Vec<(String, String)> {
        let pairs = |v: &[(String, String)]| v.to_vec();
        match field.list.as_deref() {
            // Offered: districts not merged away, units not retired (old
            // registrations keep theirs; see cross_field_rules).
            Some("district") => org
                .current_districts()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect(),
            Some("unit") => org
                .units
                .iter()
                .filter(|u| u.retired_on.is_none())
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
            Some("resident_area") => org
                .areas()
                .map(|(c, n)| (c.to_string(), n.to_string()))
                .collect(),
            Some("programme_site") => pairs(&org.programme_sites),
            Some(list) => self
                .lists
                .get(list)
                .map(|l| {
                    l.active()
                        .map(|o| (o.code.clone(), o.label_sv.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Decodes and validates raw input into a registration of `kind`.
    /// Either every field is valid and a registration comes back, or every
    /// problem is reported, one Swedish message per field.
    pub fn decode(
        &self,
        kind: Kind,
        input: &Input,
        ctx: &DecodeContext<'_>,
    ) -> Result<Registration, Vec<FieldError>> {
        self.decode_raw(kind, input, ctx)
    }

    /// [`FormSet::decode`] for any raw input (a form's fields, a CSV row).
    pub(crate) fn decode_raw<'i>(
        &self,
        kind: Kind,
        input: &'i impl RawInput,
        ctx: &DecodeContext<'_>,
    ) -> Result<Registration, Vec<FieldError>> {
        let def = self.kind(kind);
        let mut errors = Vec::new();
        input.for_each_name(&mut |name| {
            if let Some(f) = def.field(name).filter(|f| f.retired) {
                errors.push(FieldError::new(
                    name,
                    format!(
                        "Frågan {:?} är borttagen ur formuläret för {} (version {}). Lämna den tom.",
                        f.label_sv,
                        def.label_sv.to_lowercase(),
                        def.version
                    ),
                ));
            } else if def.field(name).is_none() {
                errors.push(FieldError::new(
                    name,
                    format!(
                        "Fältet {name:?} finns inte i formuläret för {}. Ta bort det eller kontrollera stavningen.",
                        def.label_sv.to_lowercase()
                    ),
                ));
            }
        });
        let mut values = BTreeMap::new();
        // One buffer for the given values of every field of this input.
        let mut given: Vec<&'i str> = Vec::new();
        for (index, field) in def.fields.iter().enumerate() {
            if field.retired {
                continue;
            }
            given.clear();
            let multi = field.multi();
            input.for_each_value(index, field, &mut |v| {
                if multi {
                    given.extend(v.split(';').map(str::trim).filter(|v| !v.is_empty()));
                } else {
                    let v = v.trim();
                    if !v.is_empty() {
                        given.push(v);
                    }
                }
            });
            if given.is_empty() {
                if field.required() {
                    errors.push(FieldError::new(
                        field.name.as_str(),
                        format!("Fyll i {}.", field.label_sv.to_lowercase()),
                    ));
                }
                continue;
            }
            if !multi && given.len() > 1 {
                errors.push(FieldError::new(
                    field.name.as_str(),
                    format!("Ange bara ett värde för {}.", field.label_sv.to_lowercase()),
                ));
                continue;
            }
            match self.decode_field(field, &given, ctx) {
                Ok(v) => {
                    values.insert(field.name.clone(), v);
                }
                Err(msg) => errors.push(FieldError::new(field.name.as_str(), msg)),
            }
        }
        let date = match values.get("date") {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        };
        let district = match values.get("district") {
            Some(Value::Code(c)) => Some(c.clone()),
            _ => None,
        };
        if let (Some(date), Some(district)) = (date, district.as_deref()) {
            cross_field_rules(kind, date, district, &mut values, ctx, &mut errors);
        }
        match (date, district) {
            (Some(date), Some(district)) if errors.is_empty() => Ok(Registration {
                kind,
                form_version: def.version,
                date,
                district,
                values,
            }),
            _ => {
                errors.sort_by_key(|e| {
                    def.fields
                        .iter()
                        .position(|f| f.name == e.field)
                        .unwrap_or(usize::MAX)
                });
                Err(errors)
            }
        }
    }

    fn decode_field(
        &self,
        field: &FieldDef,
        given: &[&str],
        ctx: &DecodeContext<'_>,
    ) -> Result<Value, String> {
        // Only an error message needs the label (lowercased on demand: this
        // runs for every field of every row of an import).
        let label = || field.label_sv.to_lowercase();
        match field.ty {
            FieldType::Date => {
                let d = parse_date(given[0]).ok_or_else(|| {
                    format!(
                        "{:?} är inget giltigt datum. Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-05.",
                        given[0]
                    )
                })?;
                if d < EARLIEST_DATE {
                    return Err(format!(
                        "Datumet {} är för tidigt. Ange ett datum från år 2000 och framåt.",
                        crate::format_date(d)
                    ));
                }
                if field.name == "date" && d > ctx.today {
                    return Err(format!(
                        "Datumet {} ligger i framtiden. Registrera aktiviteten när den har ägt rum.",
                        crate::format_date(d)
                    ));
                }
                Ok(Value::Date(d))
            }
            FieldType::Code => self.check_code(field, given[0], ctx).map(Value::Code),
            FieldType::Codes => {
                let mut out: Vec<String> = Vec::new();
                for g in given {
                    let c = self.check_code(field, g, ctx)?;
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
                Ok(Value::Codes(out))
            }
            FieldType::Int => {
                let (min, max) = (field.min.unwrap_or(0), field.max.unwrap_or(i64::MAX));
                let n: i64 = given[0].parse().map_err(|_| {
                    format!(
                        "{:?} är inget heltal. Ange {label} som ett heltal mellan {min} och {max}.",
                        given[0],
                        label = label()
                    )
                })?;
                if n < min || n > max {
                    return Err(format!(
                        "{n} ligger utanför det tillåtna. Ange {label} som ett heltal mellan {min} och {max}.",
                        label = label()
                    ));
                }
                Ok(Value::Int(n))
            }
            FieldType::Bool => {
                // ASCII case folding accepts exactly what full lowercasing
                // would (no other character lowercases to a letter of these
                // words), without a new string per answer.
                let is = |words: [&str; 4]| words.iter().any(|w| given[0].eq_ignore_ascii_case(w));
                if is(["yes", "ja", "true", "1"]) {
                    Ok(Value::Bool(true))
                } else if is(["no", "nej", "false", "0"]) {
                    Ok(Value::Bool(false))
                } else {
                    let other = given[0].to_lowercase();
                    Err(format!(
                        "{other:?} är inget ja/nej-svar. Ange yes eller no för {label}.",
                        label = label()
                    ))
                }
            }
            FieldType::Participants => {
                if given.len() > 20 {
                    return Err("Högst 20 deltagare kan registreras i ett samtal.".into());
                }
                let mut out = Vec::new();
                for g in given {
                    let (role, gender) = g.split_once(':').ok_or_else(|| {
                        format!(
                            "{g:?} är ingen deltagare. Ange varje deltagare som roll:kön, till exempel parent:woman."
                        )
                    })?;
                    let (role, gender) = (role.trim(), gender.trim());
                    if !self.list_has("participant_role", role) {
                        return Err(format!(
                            "Rollen {role:?} finns inte. Välj en av: {}.",
                            self.codes_of("participant_role")
                        ));
                    }
                    if !self.list_has("gender", gender) {
                        return Err(format!(
                            "Könet {gender:?} finns inte. Välj en av: {}.",
                            self.codes_of("gender")
                        ));
                    }
                    out.push(Participant {
                        role: role.to_string(),
                        gender: gender.to_string(),
                    });
                }
                Ok(Value::Participants(out))
            }
        }
    }

    fn list_has(&self, list: &str, code: &str) -> bool {
        self.lists
            .get(list)
            .is_some_and(|l| l.active().any(|o| o.code == code))
    }

    fn codes_of(&self, list: &str) -> String {
        self.lists
            .get(list)
            .map(|l| {
                l.active()
                    .map(|o| o.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    fn check_code(
        &self,
        field: &FieldDef,
        code: &str,
        ctx: &DecodeContext<'_>,
    ) -> Result<String, String> {
        let list = field.list.as_deref().unwrap_or_default();
        let org = ctx.organisation;
        let known = match list {
            "district" => org.district(code).is_some(),
            "unit" => org.unit(code).is_some(),
            "resident_area" => org.area_name(code).is_some(),
            "programme_site" => org.programme_sites.iter().any(|(c, _)| c == code),
            _ => self.list_has(list, code),
        };
        if known {
            return Ok(code.to_string());
        }
        let what = field.label_sv.trim_end_matches('?').to_lowercase();
        let options = self.options(field, org);
        if options.len() <= 15 {
            Err(format!(
                "{code:?} är inget giltigt värde för {what}. Välj en av: {}.",
                options
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        } else {
            Err(format!(
                "{code:?} är inget giltigt värde för {what}. Välj ett värde ur listan (koderna finns i CODES.md och i formuläret)."
            ))
        }
    }
}

/// Rules that span fields. They run only when date and district are valid.
fn cross_field_rules(
    kind: Kind,
    date: Date,
    district: &str,
    values: &mut BTreeMap<String, Value>,
    ctx: &DecodeContext<'_>,
    errors: &mut Vec<FieldError>,
) {
    let int = |values: &BTreeMap<String, Value>, f: &str| match values.get(f) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    };
    if let Some(m) = ctx
        .organisation
        .district(district)
        .and_then(|d| d.merger.as_ref())
        .filter(|m| date >= m.on)
    {
        errors.push(FieldError::new(
            "district",
            format!(
                "{} är sedan {} sammanslagen med {}. Registrera aktiviteten där.",
                ctx.organisation.district_name(district),
                crate::format_date(m.on),
                ctx.organisation.district_name(&m.into)
            ),
        ));
    }
    if let Some(Value::Code(unit)) = values.get("unit") {
        if let Some(u) = ctx.organisation.unit(unit) {
            if let Some(r) = u.retired_on.filter(|r| date >= *r) {
                errors.push(FieldError::new(
                    "unit",
                    format!(
                        "{} är avvecklad sedan {}. Välj en enhet som är i drift.",
                        u.name,
                        crate::format_date(r)
                    ),
                ));
            } else if !ctx.organisation.unit_serves(u, district) {
                errors.push(FieldError::new(
                    "unit",
                    format!(
                        "Enheten {} hör till {}, inte till {}. Välj en enhet i den valda stadsdelsförvaltningen.",
                        u.name,
                        ctx.organisation.district_name(&u.district),
                        ctx.organisation.district_name(district)
                    ),
                ));
            } else if kind == Kind::OpenPreschoolReport && u.kind != UnitKind::OpenPreschool {
                errors.push(FieldError::new(
                    "unit",
                    format!(
                        "{} är ingen öppen förskola. Välj den öppna förskola som rapporten gäller.",
                        u.name
                    ),
                ));
            }
        }
    }
    match kind {
        Kind::Conversation => match int(values, "conversation_no") {
            Some(1) if values.contains_key("q_recommend") => errors.push(FieldError::new(
                "q_recommend",
                "Frågan om att rekommendera oss ställs inte vid första samtalet. Lämna den tom eller ändra samtalsnumret.",
            )),
            Some(n) if n > 1 && values.contains_key("q_easy_reach") => errors.push(FieldError::new(
                "q_easy_reach",
                "Frågan om det var lätt att nå oss ställs bara vid första samtalet. Lämna den tom eller ändra samtalsnumret.",
            )),
            _ => {}
        },
        Kind::HomeVisit => {
            if let Some(n) = int(values, "visit_no") {
                if n < 5 && values.contains_key("programme_helpful") {
                    errors.push(FieldError::new(
                        "programme_helpful",
                        "Frågan om programmet har varit till hjälp ställs vid besök 5 eller 6. Lämna den tom eller ändra besöksnumret.",
                    ));
                }
            }
            let has_targets = matches!(values.get("further_contacts_to"), Some(Value::Codes(c)) if !c.is_empty());
            match values.get("further_contacts") {
                Some(Value::Bool(false)) if has_targets => errors.push(FieldError::new(
                    "further_contacts_to",
                    "Du har svarat nej på ytterligare kontakter men valt vart. Ändra svaret till ja eller ta bort valen.",
                )),
                None if has_targets => {
                    values.insert("further_contacts".into(), Value::Bool(true));
                }
                _ => {}
            }
        }
        Kind::ProgrammeGroup => {
            if let Some(Value::Date(end)) = values.get("end_date") {
                if *end < date {
                    errors.push(FieldError::new(
                        "end_date",
                        "Slutdatumet ligger före startdatumet. Rätta ett av dem.",
                    ));
                }
            }
            for g in ["women", "men", "other_gender"] {
                if let (Some(s), Some(c)) = (
                    int(values, &format!("started_{g}")),
                    int(values, &format!("completed_{g}")),
                ) {
                    if c > s {
                        errors.push(FieldError::new(
                            format!("completed_{g}"),
                            format!("Fler har fullföljt ({c}) än som började ({s}). Rätta antalen."),
                        ));
                    }
                }
            }
        }
        Kind::OpenPreschoolReport => {
            let t = crate::Tertial::of(date);
            values
                .entry("year".into())
                .or_insert(Value::Int(i64::from(t.year)));
            values
                .entry("tertial".into())
                .or_insert(Value::Int(i64::from(t.number)));
        }
        Kind::GroupMeeting | Kind::Collaboration => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ctx(org: &Organisation) -> DecodeContext<'_> {
        DecodeContext {
            organisation: org,
            today: date!(2024 - 06 - 01),
        }
    }

    fn input(pairs: &[(&str, &str)]) -> Input {
        let mut m = Input::new();
        for (k, v) in pairs {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn decodes_the_codes_md_example_row() {
        let forms = FormSet::defaults();
        let org = Organisation::stockholm();
        let r = forms
            .decode(
                Kind::Conversation,
                &input(&[
                    ("date", "2020-03-04"),
                    ("district", "rinkeby-kista"),
                    ("resident_area", "husby"),
                    ("participants", "parent:woman;parent:man"),
                    ("language", "so"),
                    ("children", "2"),
                    ("age_groups", "0-6"),
                    ("how_found", "bvc"),
                    ("conversation_no", "1"),
                    ("form", "in_person"),
                    ("next_step", "new_conversation"),
                    ("q_right_topics", "yes_really"),
                    ("q_helpful", "yes_really"),
                    ("q_recommend", ""),
                    ("q_easy_reach", "yes"),
                ]),
                &ctx(&org),
            )
            .unwrap();
        assert_eq!(r.district, "rinkeby-kista");
        assert_eq!(r.participants().len(), 2);
        assert_eq!(r.participants()[1].gender, "man");
        assert_eq!(r.int("children"), Some(2));
        assert_eq!(r.code("q_recommend"), None);
        assert_eq!(r.form_version, 1);
    }

    #[test]
    fn every_problem_is_reported_in_swedish() {
        let forms = FormSet::defaults();
        let org = Organisation::stockholm();
        let errs = forms
            .decode(
                Kind::Conversation,
                &input(&[
                    ("date", "2020-13-04"),
                    ("children", "many"),
                    ("form", "telepathy"),
                    ("participants", "parent"),
                    ("shoe_size", "42"),
                ]),
                &ctx(&org),
            )
            .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "date",
                "district",
                "participants",
                "children",
                "form",
                "shoe_size"
            ]
        );
        assert!(errs[0].message.contains("ÅÅÅÅ-MM-DD"));
        assert!(errs[1].message.starts_with("Fyll i"));
        assert!(errs[4].message.contains("in_person"));
    }

    #[test]
    fn question_rules_follow_the_conversation_number() {
        let forms = FormSet::defaults();
        let org = Organisation::stockholm();
        let errs = forms
            .decode(
                Kind::Conversation,
                &input(&[
                    ("date", "2020-03-04"),
                    ("district", "farsta"),
                    ("conversation_no", "1"),
                    ("q_recommend", "yes"),
                ]),
                &ctx(&org),
            )
            .unwrap_err();
        assert_eq!(errs[0].field, "q_recommend");
        let errs = forms
            .decode(
                Kind::Conversation,
                &input(&[
                    ("date", "2020-03-04"),
                    ("district", "farsta"),
                    ("unit", "bromma-familjecentral"),
                ]),
                &ctx(&org),
            )
            .unwrap_err();
        assert_eq!(errs[0].field, "unit");
    }

    #[test]
    fn future_and_ancient_dates_are_rejected() {
        let forms = FormSet::defaults();
        let org = Organisation::stockholm();
        for d in ["2024-06-02", "1999-12-31"] {
            let errs = forms
                .decode(
                    Kind::Collaboration,
                    &input(&[("date", d), ("district", "farsta")]),
                    &ctx(&org),
                )
                .unwrap_err();
            assert_eq!(errs[0].field, "date", "{d}");
        }
    }

    #[test]
    fn group_answer_counts_expand_into_fields() {
        let forms = FormSet::defaults();
        let def = forms.kind(Kind::GroupMeeting);
        assert!(def.field("q_helpful_yes_really").is_some());
        assert!(def.field("q_recommend_no_answer").is_some());
        let org = Organisation::stockholm();
        let r = forms
            .decode(
                Kind::OpenPreschoolReport,
                &input(&[("date", "2024-05-02"), ("district", "farsta")]),
                &ctx(&org),
            )
            .unwrap();
        assert_eq!(r.int("tertial"), Some(2));
        assert_eq!(r.int("year"), Some(2024));
    }

    #[test]
    fn completed_cannot_exceed_started() {
        let forms = FormSet::defaults();
        let org = Organisation::stockholm();
        let errs = forms
            .decode(
                Kind::ProgrammeGroup,
                &input(&[
                    ("date", "2024-01-02"),
                    ("end_date", "2023-01-02"),
                    ("district", "farsta"),
                    ("started_women", "3"),
                    ("completed_women", "4"),
                ]),
                &ctx(&org),
            )
            .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["end_date", "completed_women"]);
    }
}
