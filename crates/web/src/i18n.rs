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

    /// The text of `key` with Fluent variables; a value that is a whole
    /// number is passed as a number, so that plural variants work.
    pub fn t_args(self, key: &str, args: &[(&str, &str)]) -> String {
        use fluent_templates::fluent_bundle::FluentValue;
        let map: std::collections::HashMap<std::borrow::Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| {
                let value = match v.parse::<i64>() {
                    Ok(n) => FluentValue::from(n),
                    Err(_) => FluentValue::from(v.to_string()),
                };
                (std::borrow::Cow::Owned(k.to_string()), value)
            })
            .collect();
        LOCALES.lookup_with_args(&self.id(), key, &map)
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
