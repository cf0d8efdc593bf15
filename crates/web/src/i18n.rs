//! User-interface texts in Fluent files (`locales/<lang>/main.ftl`), Swedish
//! first. Value-list labels are data (the form definitions), not here.

use fluent_templates::{static_loader, LanguageIdentifier, Loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "sv",
        // Bidi isolation marks would end up in attribute values and CSV
        // cells; our messages interpolate no right-to-left text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A user-interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn from_code(s: &str) -> Option<Lang> {
        match s {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn id(self) -> LanguageIdentifier {
        self.code().parse().unwrap_or_default()
    }

    /// The text of `key` in this language.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(&self.id(), key)
    }

    /// The text of `key`, or `None` when no language has it.
    pub fn t_opt(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.id(), key)
    }
}

impl Lang {
    /// The text of `key` with Fluent variables given as text; a value that
    /// is a whole number is passed as a number, so that plural variants work.
    pub fn t_args(self, key: &str, args: &[(&'static str, &str)]) -> String {
        let args: Vec<(&'static str, FluentArg)> = args
            .iter()
            .map(|(k, v)| {
                let arg = match v.parse::<i64>() {
                    Ok(n) => FluentArg::Num(n),
                    Err(_) => FluentArg::Str(v.to_string()),
                };
                (*k, arg)
            })
            .collect();
        self.t_with(key, &args)
    }

    /// The text of `key` with Fluent arguments (numbers or strings).
    pub fn t_with(self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        let args: std::collections::HashMap<std::borrow::Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    FluentArg::Num(n) => FluentValue::from(*n),
                    FluentArg::Str(s) => FluentValue::from(s.clone()),
                };
                (std::borrow::Cow::Borrowed(*k), v)
            })
            .collect();
        LOCALES.lookup_with_args(&self.id(), key, &args)
    }
}

/// A Fluent argument.
pub enum FluentArg {
    Num(i64),
    Str(String),
}

use fluent_templates::fluent_bundle::FluentValue;

/// The languages of the parents' pages: every locale folder with a
/// `parent.ftl` (recognised by its `parent-language-code`, which must be
/// the folder's name). Swedish and English first, then the shipped
/// languages in the order the programme named them, then any other added
/// later, by code. Adding a language is adding `locales/<code>/parent.ftl`.
pub fn parent_languages() -> &'static [ParentLanguage] {
    static LANGS: std::sync::OnceLock<Vec<ParentLanguage>> = std::sync::OnceLock::new();
    LANGS.get_or_init(|| {
        const ORDER: [&str; 6] = ["sv", "en", "ar", "so", "ti", "fa"];
        let mut out: Vec<ParentLanguage> = LOCALES
            .locales()
            .filter_map(|id| {
                let code = id.to_string();
                let own = |key: &str| LOCALES.lookup_single_language::<&str>(id, key, None).ok();
                (own("parent-language-code").as_deref() == Some(code.as_str())).then(|| {
                    ParentLanguage {
                        name: own("parent-language-name").unwrap_or_else(|| code.clone()),
                        rtl: own("parent-dir").as_deref() == Some("rtl"),
                        id: id.clone(),
                        code,
                    }
                })
            })
            .collect();
        out.sort_by_key(|l| {
            (
                ORDER
                    .iter()
                    .position(|c| *c == l.code)
                    .unwrap_or(ORDER.len()),
                l.code.clone(),
            )
        });
        out
    })
}

/// One language of the parents' pages.
#[derive(Debug, Clone)]
pub struct ParentLanguage {
    pub code: String,
    /// The language's name in itself ("العربية").
    pub name: String,
    pub rtl: bool,
    id: LanguageIdentifier,
}

impl ParentLanguage {
    /// `code` if it is a language of the parents' pages.
    pub fn by_code(code: &str) -> Option<&'static ParentLanguage> {
        parent_languages()
            .iter()
            .find(|l| l.code.eq_ignore_ascii_case(code.trim()))
    }

    pub fn dir(&self) -> &'static str {
        if self.rtl {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The text of `key` in this language, or `None` when this language's
    /// file lacks it (the caller decides the fallback).
    pub fn try_t(&self, key: &str) -> Option<String> {
        LOCALES
            .lookup_single_language::<&str>(&self.id, key, None)
            .ok()
    }

    /// The text of `key` in this language, else in Swedish.
    pub fn t(&self, key: &str) -> String {
        self.try_t(key).unwrap_or_else(|| Lang::Sv.t(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key() {
        let sv = include_str!("../locales/sv/main.ftl");
        let en = include_str!("../locales/en/main.ftl");
        let keys = |s: &str| {
            s.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(keys(sv), keys(en));
        assert_eq!(Lang::Sv.t("login-submit"), "Logga in");
        assert_eq!(Lang::En.t("login-submit"), "Log in");
        assert_eq!(Lang::Sv.t_args("catalogue-weeks", &[("n", "1")]), "1 vecka");
        assert_eq!(Lang::En.t_args("catalogue-weeks", &[("n", "3")]), "3 weeks");
    }
}

#[cfg(test)]
mod parent_tests {
    use super::*;

    fn keys(s: &str) -> std::collections::BTreeSet<String> {
        s.lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    /// Every language folder with a parent.ftl has every key of the Swedish
    /// one, and its own code: a language added later is checked too.
    #[test]
    fn every_parent_language_has_every_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let sv = keys(&std::fs::read_to_string(dir.join("sv/parent.ftl")).unwrap_or_default());
        assert!(sv.len() > 20, "sv/parent.ftl has the parents' texts");
        let mut found = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path().join("parent.ftl");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            found += 1;
            let code = entry.file_name().to_string_lossy().to_string();
            let k = keys(&text);
            let missing: Vec<_> = sv.difference(&k).collect();
            assert!(missing.is_empty(), "{code}/parent.ftl lacks {missing:?}");
            let lang = ParentLanguage::by_code(&code)
                .unwrap_or_else(|| panic!("{code}: parent-language-code must be {code}"));
            for key in &sv {
                assert!(lang.try_t(key).is_some(), "{code}: {key} does not parse");
            }
        }
        assert!(found >= 6);
        let codes: Vec<&str> = parent_languages().iter().map(|l| l.code.as_str()).collect();
        assert_eq!(&codes[..6], ["sv", "en", "ar", "so", "ti", "fa"]);
        assert!(ParentLanguage::by_code("ar").is_some_and(|l| l.rtl));
        assert!(ParentLanguage::by_code("fa").is_some_and(|l| l.rtl));
        assert!(ParentLanguage::by_code("so").is_some_and(|l| !l.rtl));
        assert_ne!(
            ParentLanguage::by_code("ar").map(|l| l.t("parent-submit")),
            ParentLanguage::by_code("sv").map(|l| l.t("parent-submit"))
        );
    }
}
