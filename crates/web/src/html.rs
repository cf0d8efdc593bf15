//! Rendering a registration form from its definition. The form is data, so
//! its HTML is generated field by field; every value the user entered is
//! written back, and each error sits next to its field.

use crate::i18n::Lang;
use foljupp_core::{FieldDef, FieldType, FormSet, Input, KindDef, Organisation};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escapes text for HTML content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Prefix of the participant counter inputs: `participants.ROLE.GENDER`.
pub const PARTICIPANT_PREFIX: &str = "participants.";

/// Participant combinations shown first; the rest sit behind "more".
const COMMON_PARTICIPANTS: [(&str, &str); 4] = [
    ("parent", "woman"),
    ("parent", "man"),
    ("expecting", "woman"),
    ("expecting", "man"),
];

pub struct FormView<'a> {
    pub forms: &'a FormSet,
    pub org: &'a Organisation,
    pub kind: &'a KindDef,
    pub lang: Lang,
    /// The raw values to show (what the user entered, or defaults).
    pub values: &'a Input,
    pub errors: &'a BTreeMap<String, String>,
    /// A district-bound user sees only their own district.
    pub only_district: Option<&'a str>,
}

impl FormView<'_> {
    fn label<'b>(&self, f: &'b FieldDef) -> &'b str {
        match self.lang {
            Lang::Sv => &f.label_sv,
            Lang::En => &f.label_en,
        }
    }

    fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    fn has(&self, name: &str, code: &str) -> bool {
        self.values.get(name).is_some_and(|vs| {
            vs.iter()
                .flat_map(|v| v.split(';'))
                .any(|v| v.trim() == code)
        })
    }

    fn error(&self, out: &mut String, name: &str) {
        if let Some(msg) = self.errors.get(name) {
            let _ = write!(
                out,
                r#"<p class="field-error" id="e-{n}"><strong>Fel:</strong> {m}</p>"#,
                n = esc(name),
                m = esc(msg)
            );
        }
    }

    fn aria(&self, name: &str) -> String {
        if self.errors.contains_key(name) {
            format!(r#" aria-invalid="true" aria-describedby="e-{}""#, esc(name))
        } else {
            String::new()
        }
    }

    fn help(&self, out: &mut String, f: &FieldDef) {
        if let (Some(h), Lang::Sv) = (&f.help_sv, self.lang) {
            let _ = write!(out, r#"<p class="help">{}</p>"#, esc(h));
        }
    }

    /// The whole form body (fields only; the caller adds the form element,
    /// the CSRF field and the buttons).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut answers_open = false;
        let mut counts_done = false;
        for f in self.kind.current_fields() {
            let is_question = f.name.starts_with("q_") || f.name == "programme_helpful";
            if is_question
                && !answers_open
                && !self
                    .kind
                    .answer_counts
                    .iter()
                    .any(|q| f.name.starts_with(q.as_str()))
            {
                let _ = write!(
                    out,
                    r#"<fieldset class="answers"><legend>{}</legend>"#,
                    esc(&self.lang.t("register-answers"))
                );
                answers_open = true;
            }
            if self
                .kind
                .answer_counts
                .iter()
                .any(|q| f.name.starts_with(&format!("{q}_")))
            {
                if !counts_done {
                    self.answer_counts(&mut out);
                    counts_done = true;
                }
                continue;
            }
            self.field(&mut out, f);
        }
        if answers_open {
            out.push_str("</fieldset>");
        }
        out
    }

    fn field(&self, out: &mut String, f: &FieldDef) {
        let name = f.name.as_str();
        let label = esc(self.label(f));
        let req = if f.required() { " required" } else { "" };
        let star = if f.required() {
            r#" <span class="req" aria-hidden="true">*</span>"#
        } else {
            ""
        };
        match (f.ty, f.list.as_deref()) {
            (FieldType::Date, _) => {
                let _ = write!(
                    out,
                    r#"<div class="field"><label for="f-{name}">{label}{star}</label>"#
                );
                self.help(out, f);
                self.error(out, name);
                let _ = write!(
                    out,
                    r#"<input type="date" id="f-{name}" name="{name}" value="{v}"{req}{a}></div>"#,
                    v = esc(self.value(name)),
                    a = self.aria(name)
                );
            }
            (FieldType::Participants, _) => self.participants(out, f),
            (FieldType::Code, Some(list)) => {
                let options = self.options(f);
                if options.len() <= 6 && !matches!(list, "district" | "unit") {
                    self.radios(out, f, &options);
                } else {
                    let _ = write!(
                        out,
                        r#"<div class="field"><label for="f-{name}">{label}{star}</label>"#
                    );
                    self.help(out, f);
                    self.error(out, name);
                    let _ = write!(
                        out,
                        r#"<select id="f-{name}" name="{name}"{req}{a}>"#,
                        a = self.aria(name)
                    );
                    if !(f.required() && options.len() == 1) {
                        let _ = write!(
                            out,
                            r#"<option value="">{}</option>"#,
                            esc(&self.lang.t(if f.required() {
                                "register-choose"
                            } else {
                                "register-not-recorded"
                            }))
                        );
                    }
                    let current = self.value(name);
                    let mut group: Option<String> = None;
                    for (code, text, grp) in &options {
                        if grp.as_ref() != group.as_ref() {
                            if group.is_some() {
                                out.push_str("</optgroup>");
                            }
                            if let Some(g) = grp {
                                let _ = write!(out, r#"<optgroup label="{}">"#, esc(g));
                            }
                            group = grp.clone();
                        }
                        let sel = if code == current || (f.required() && options.len() == 1) {
                            " selected"
                        } else {
                            ""
                        };
                        let _ = write!(
                            out,
                            r#"<option value="{}"{sel}>{}</option>"#,
                            esc(code),
                            esc(text)
                        );
                    }
                    if group.is_some() {
                        out.push_str("</optgroup>");
                    }
                    out.push_str("</select></div>");
                }
            }
            (FieldType::Codes, Some(_)) => {
                let _ = write!(
                    out,
                    r#"<fieldset class="field choices"><legend>{label}</legend>"#
                );
                self.help(out, f);
                self.error(out, name);
                for (i, (code, text, _)) in self.options(f).iter().enumerate() {
                    let checked = if self.has(name, code) { " checked" } else { "" };
                    let _ = write!(
                        out,
                        r#"<label class="choice" for="f-{name}-{i}"><input type="checkbox" id="f-{name}-{i}" name="{name}" value="{c}"{checked}> {t}</label>"#,
                        c = esc(code),
                        t = esc(text)
                    );
                }
                out.push_str("</fieldset>");
            }
            (FieldType::Int, _) if f.max.unwrap_or(0) - f.min.unwrap_or(0) <= 6 => {
                let options: Vec<(String, String, Option<String>)> = (f.min.unwrap_or(0)
                    ..=f.max.unwrap_or(0))
                    .map(|n| {
                        let text = if name == "conversation_no" && n == 6 {
                            "6+".to_string()
                        } else {
                            n.to_string()
                        };
                        (n.to_string(), text, None)
                    })
                    .collect();
                self.radios(out, f, &options);
            }
            (FieldType::Int, _) => {
                let _ = write!(
                    out,
                    r#"<div class="field"><label for="f-{name}">{label}</label>"#
                );
                self.help(out, f);
                self.error(out, name);
                let _ = write!(
                    out,
                    r#"<input type="number" inputmode="numeric" id="f-{name}" name="{name}" min="{min}" max="{max}" value="{v}"{a}></div>"#,
                    min = f.min.unwrap_or(0),
                    max = f.max.unwrap_or(i64::MAX),
                    v = esc(self.value(name)),
                    a = self.aria(name)
                );
            }
            (FieldType::Bool, _) => {
                let options = vec![
                    ("yes".to_string(), self.lang.t("yes"), None),
                    ("no".to_string(), self.lang.t("no"), None),
                ];
                self.radios(out, f, &options);
            }
            (FieldType::Code | FieldType::Codes, None) => {}
        }
    }

    /// Options as (code, label, optgroup).
    fn options(&self, f: &FieldDef) -> Vec<(String, String, Option<String>)> {
        let org = self.org;
        match f.list.as_deref() {
            // Districts merged into another and retired units are no longer
            // offered (registrations made before keep them).
            Some("district") => org
                .current_districts()
                .filter(|d| self.only_district.is_none_or(|o| o == d.code))
                .map(|d| (d.code.clone(), d.name.clone(), None))
                .collect(),
            Some("unit") => org
                .units
                .iter()
                .filter(|u| u.retired_on.is_none())
                .filter(|u| self.only_district.is_none_or(|o| org.unit_serves(u, o)))
                .filter(|u| {
                    self.kind.kind != foljupp_core::Kind::OpenPreschoolReport
                        || u.kind == foljupp_core::UnitKind::OpenPreschool
                })
                .map(|u| {
                    (
                        u.code.clone(),
                        u.name.clone(),
                        Some(org.district_name(&u.district).to_string()),
                    )
                })
                .collect(),
            Some("resident_area") => {
                let mut v: Vec<_> = org
                    .districts
                    .iter()
                    .flat_map(|d| {
                        d.areas
                            .iter()
                            .map(move |(c, n)| (c.clone(), n.clone(), Some(d.name.clone())))
                    })
                    .collect();
                v.extend(
                    org.common_areas
                        .iter()
                        .map(|(c, n)| (c.clone(), n.clone(), Some("Övrigt".to_string()))),
                );
                v
            }
            _ => {
                let english = self.lang == Lang::En;
                match f.list.as_deref().and_then(|l| self.forms.list(l)) {
                    Some(list) => list
                        .active()
                        .map(|o| {
                            (
                                o.code.clone(),
                                if english {
                                    o.label_en.clone()
                                } else {
                                    o.label_sv.clone()
                                },
                                None,
                            )
                        })
                        .collect(),
                    None => self
                        .forms
                        .options(f, org)
                        .into_iter()
                        .map(|(c, n)| (c, n, None))
                        .collect(),
                }
            }
        }
    }

    fn radios(&self, out: &mut String, f: &FieldDef, options: &[(String, String, Option<String>)]) {
        let name = f.name.as_str();
        let _ = write!(
            out,
            r#"<fieldset class="field choices radios"{a}><legend>{l}</legend>"#,
            a = self.aria(name),
            l = esc(self.label(f))
        );
        self.help(out, f);
        self.error(out, name);
        let current = self.value(name);
        if !f.required() {
            let checked = if current.is_empty() { " checked" } else { "" };
            let _ = write!(
                out,
                r#"<label class="choice none" for="f-{name}-none"><input type="radio" id="f-{name}-none" name="{name}" value=""{checked}> {t}</label>"#,
                t = esc(&self.lang.t("register-not-recorded"))
            );
        }
        for (i, (code, text, _)) in options.iter().enumerate() {
            let checked = if current == code { " checked" } else { "" };
            let _ = write!(
                out,
                r#"<label class="choice" for="f-{name}-{i}"><input type="radio" id="f-{name}-{i}" name="{name}" value="{c}"{checked}> {t}</label>"#,
                c = esc(code),
                t = esc(text)
            );
        }
        out.push_str("</fieldset>");
    }

    fn participants(&self, out: &mut String, f: &FieldDef) {
        let roles = self.forms.list("participant_role");
        let genders = self.forms.list("gender");
        let (Some(roles), Some(genders)) = (roles, genders) else {
            return;
        };
        let _ = write!(
            out,
            r#"<fieldset class="field participants"><legend>{}</legend><p class="help">Antal deltagare per roll och kön.</p>"#,
            esc(self.label(f))
        );
        self.error(out, &f.name);
        let mut rest = String::new();
        for r in roles.active() {
            for g in genders.active() {
                let key = format!("{PARTICIPANT_PREFIX}{}.{}", r.code, g.code);
                let id = format!("f-p-{}-{}", r.code, g.code);
                let target = if COMMON_PARTICIPANTS.contains(&(r.code.as_str(), g.code.as_str())) {
                    &mut *out
                } else {
                    &mut rest
                };
                let _ = write!(
                    target,
                    r#"<div class="count"><label for="{id}">{r} – {g}</label><input type="number" inputmode="numeric" min="0" max="20" id="{id}" name="{k}" value="{v}"></div>"#,
                    r = esc(&r.label_sv),
                    g = esc(&g.label_sv.to_lowercase()),
                    k = esc(&key),
                    v = esc(self.value(&key))
                );
            }
        }
        let _ = write!(
            out,
            r#"<details><summary>{}</summary>{rest}</details></fieldset>"#,
            esc(&self.lang.t("register-participants-more"))
        );
    }

    fn answer_counts(&self, out: &mut String) {
        let _ = write!(
            out,
            r#"<fieldset class="answers"><legend>{}</legend><p class="help">Antal svar per svarsalternativ.</p>"#,
            esc(&self.lang.t("register-answers"))
        );
        let Some(answers) = self.forms.list("answer") else {
            return;
        };
        for q in &self.kind.answer_counts {
            let text = self
                .forms
                .questions
                .get(q)
                .map(|(sv, en)| {
                    if self.lang == Lang::En {
                        en.clone()
                    } else {
                        sv.clone()
                    }
                })
                .unwrap_or_else(|| q.clone());
            let _ = write!(
                out,
                r#"<fieldset class="field counts"><legend>{}</legend>"#,
                esc(&text)
            );
            for a in answers.active() {
                let name = format!("{q}_{}", a.code);
                self.error(out, &name);
                let _ = write!(
                    out,
                    r#"<div class="count"><label for="f-{n}">{l}</label><input type="number" inputmode="numeric" min="0" max="10000" id="f-{n}" name="{n}" value="{v}"{ar}></div>"#,
                    n = esc(&name),
                    l = esc(&a.label_sv),
                    v = esc(self.value(&name)),
                    ar = self.aria(&name)
                );
            }
            out.push_str("</fieldset>");
        }
        out.push_str("</fieldset>");
    }
}

/// Turns the posted form pairs into decoder input: drops the technical
/// fields and folds the participant counters into `role:gender` items.
/// Returns the input, the raw pairs to show again on error, and an error
/// found in the participant counters.
pub fn form_input(pairs: Vec<(String, String)>) -> (Input, Input, Option<(String, String)>) {
    let mut input = Input::new();
    let mut raw = Input::new();
    let mut participants: Vec<String> = Vec::new();
    let mut error = None;
    for (k, v) in pairs {
        if k == "csrf" || k == "action" {
            continue;
        }
        raw.entry(k.clone()).or_default().push(v.clone());
        if let Some(rest) = k.strip_prefix(PARTICIPANT_PREFIX) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let n: usize = match v.parse() {
                Ok(n) if n <= 20 => n,
                _ => {
                    error = Some((
                        "participants".to_string(),
                        format!("{v:?} är inget giltigt antal deltagare. Ange ett heltal mellan 0 och 20."),
                    ));
                    continue;
                }
            };
            let Some((role, gender)) = rest.split_once('.') else {
                continue;
            };
            for _ in 0..n {
                participants.push(format!("{role}:{gender}"));
            }
            continue;
        }
        input.entry(k).or_default().push(v);
    }
    if !participants.is_empty() {
        input.insert("participants".into(), participants);
    }
    (input, raw, error)
}
