//! The steering group's two instruments (DOMAIN.md sections 7 and 8):
//! the "Spindeln" measurement of the conditions for collaboration, and each
//! district's status report on the programme's strategies.
//!
//! Spindeln: staff of four parties rate nine items on a fixed scale
//! (seven from the instrument along its three dimensions, two local ones;
//! seed 003, "Mätinstrumentet Spindeln"). The seed names the dimensions and
//! the two local items but gives neither the seven items' wording nor the
//! scale: the default texts below are our paraphrase along the dimensions,
//! editable per round, and the default scale is 1–5 ("instämmer inte
//! alls" … "instämmer helt") plus "vet ej", which is stored as no rating.
//!
//! Status report: for each strategy of the programme (seed 003,
//! "Tillgängliggörande strategier") a status and a short comment, plus what
//! works, challenges and next steps. Organisational text, never about a
//! family: [`personal_data_hint`] catches the most obvious slips.

use serde::{Deserialize, Serialize};

/// The four parties whose staff answer Spindeln.
pub const PARTIES: [(&str, &str, &str); 4] = [
    ("social_services", "Socialtjänst", "Social services"),
    ("open_preschool", "Öppen förskola", "Open preschool"),
    ("child_health", "Barnhälsovård (BVC)", "Child health"),
    ("maternal_health", "Mödrahälsovård (BMM)", "Maternal health"),
];

pub fn party_label(code: &str) -> &str {
    PARTIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, sv, _)| *sv)
        .unwrap_or(code)
}

pub fn is_party(code: &str) -> bool {
    PARTIES.iter().any(|(c, _, _)| *c == code)
}

/// One of Spindeln's nine items: a stable code (answers are stored by the
/// item's position, which follows this order), its dimension, a short label
/// for the radar's axis, and the default question text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpindelnItem {
    pub code: &'static str,
    pub dimension: Dimension,
    pub short_sv: &'static str,
    pub default_text_sv: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Regelverk: external and internal rules and laws, norms and routines.
    Rules,
    /// Organisering: how the collaboration and the parties are organised.
    Organisation,
    /// Synsätt och kunskap: the parties' views and knowledge.
    ViewsKnowledge,
    /// The two items added for this programme.
    Local,
}

impl Dimension {
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Rules => "rules",
            Dimension::Organisation => "organisation",
            Dimension::ViewsKnowledge => "views_knowledge",
            Dimension::Local => "local",
        }
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Dimension::Rules => "Regelverk",
            Dimension::Organisation => "Organisering",
            Dimension::ViewsKnowledge => "Synsätt och kunskap",
            Dimension::Local => "Lokal fråga",
        }
    }
}

/// Number of Spindeln items; an answer is a row of this many ratings.
pub const ITEM_COUNT: usize = 9;

pub const SPINDELN_ITEMS: [SpindelnItem; ITEM_COUNT] = [
    SpindelnItem {
        code: "rules_laws",
        dimension: Dimension::Rules,
        short_sv: "Lagar och regler",
        default_text_sv: "Lagar, regler och sekretess gör det möjligt för oss att samverka.",
    },
    SpindelnItem {
        code: "rules_routines",
        dimension: Dimension::Rules,
        short_sv: "Rutiner",
        default_text_sv: "Vi har gemensamma rutiner och överenskommelser för samverkan.",
    },
    SpindelnItem {
        code: "org_structure",
        dimension: Dimension::Organisation,
        short_sv: "Organisering",
        default_text_sv: "Samverkan är organiserad med tydliga mötesplatser och ansvar.",
    },
    SpindelnItem {
        code: "org_resources",
        dimension: Dimension::Organisation,
        short_sv: "Tid och resurser",
        default_text_sv: "Vi har tid och resurser avsatta för samverkan.",
    },
    SpindelnItem {
        code: "org_leadership",
        dimension: Dimension::Organisation,
        short_sv: "Ledningens stöd",
        default_text_sv: "Våra chefer ger stöd och mandat för samverkan.",
    },
    SpindelnItem {
        code: "views_goal",
        dimension: Dimension::ViewsKnowledge,
        short_sv: "Gemensamt mål",
        default_text_sv: "Vi har en gemensam bild av målgruppen och målet med samverkan.",
    },
    SpindelnItem {
        code: "views_knowledge",
        dimension: Dimension::ViewsKnowledge,
        short_sv: "Känner varandra",
        default_text_sv: "Vi känner till varandras uppdrag, kompetens och arbetssätt.",
    },
    SpindelnItem {
        code: "local_early_support",
        dimension: Dimension::Local,
        short_sv: "Tidigt stöd i dag",
        default_text_sv: "Det tidiga stödet till barn och föräldrar fungerar i samverkan i dag.",
    },
    SpindelnItem {
        code: "local_influence",
        dimension: Dimension::Local,
        short_sv: "Brukarinflytande",
        default_text_sv: "Föräldrarna har möjlighet att påverka det stöd de får.",
    },
];

/// The default scale: 1 to 5.
pub const DEFAULT_SCALE_MAX: u8 = 5;
/// Scales a round may use: from 1 to 4 … 10.
pub const SCALE_MAX_RANGE: std::ops::RangeInclusive<u8> = 4..=10;
pub const SCALE_LOW_LABEL_SV: &str = "Instämmer inte alls";
pub const SCALE_HIGH_LABEL_SV: &str = "Instämmer helt";
pub const DONT_KNOW_SV: &str = "Vet ej";

/// One anonymous Spindeln answer as stored: where it belongs and nine
/// ratings (`None` = "vet ej"). Nothing else: no respondent, no time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpindelnAnswer {
    pub district: String,
    pub party: String,
    pub ratings: [Option<u8>; ITEM_COUNT],
}

/// The only columns the answer table may have (checked against the live
/// schema of both backends by the integration tests).
pub const SPINDELN_ANSWER_COLUMNS: [&str; 13] = [
    "id", "round_id", "district", "party", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9",
];

/// The strategies a status report covers (seed 003, "Tillgängliggörande
/// strategier"): code, Swedish label, English label.
pub const STRATEGIES: [(&str, &str, &str); 8] = [
    (
        "advisors_open_preschool",
        "Föräldrarådgivare finns på öppna förskolan",
        "Parent advisors present at open preschools",
    ),
    (
        "advisors_child_health",
        "Föräldrarådgivare har fasta tider hos barn- och mödrahälsovården",
        "Advisor hours at child and maternal health centres",
    ),
    (
        "joint_parent_groups",
        "Gemensamma föräldragrupper med barnmorskor och BVC-sköterskor",
        "Joint parent groups with midwives and nurses",
    ),
    (
        "theme_meetings",
        "Tematräffar tillsammans med förskolepedagoger",
        "Theme meetings with preschool teachers",
    ),
    (
        "authority_units",
        "Kontakt med mottagningsgrupp, försörjningsstöd och missbruks- och beroendeenhet",
        "Contact with the reception, income-support and addiction units",
    ),
    (
        "open_preschool_sfi",
        "Öppna förskolan samarbetar med SFI",
        "Open preschool with SFI",
    ),
    (
        "parent_guides",
        "Lokalt förankrade föräldralotsar",
        "Local parent guides",
    ),
    (
        "local_associations",
        "Samarbete med lokala föreningar",
        "Local associations",
    ),
];

pub fn strategy_label(code: &str) -> &str {
    STRATEGIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, sv, _)| *sv)
        .unwrap_or(code)
}

/// How far a district has come with a strategy.
pub const STRATEGY_STATUSES: [(&str, &str); 4] = [
    ("not_started", "Ej påbörjad"),
    ("planned", "Planerad"),
    ("ongoing", "Pågående"),
    ("established", "Etablerad"),
];

pub fn status_label(code: &str) -> &str {
    STRATEGY_STATUSES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, sv)| *sv)
        .unwrap_or(code)
}

/// Longest comment on one strategy, and longest narrative text, in
/// characters: a status report is a short summary, not a document.
pub const COMMENT_MAX: usize = 500;
pub const TEXT_MAX: usize = 4000;

/// A strategy's status and comment in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyEntry {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub comment: String,
}

/// Why a text looks like it holds data about a person: a Swedish personal
/// identity number, an e-mail address or a phone number. A heuristic to
/// stop the obvious slips; the form's warning is the real safeguard.
pub fn personal_data_hint(text: &str) -> Option<&'static str> {
    let chars: Vec<char> = text.chars().collect();
    // Runs of digits, allowing one '-' or '+' or space inside (personnummer
    // "YYMMDD-NNNN", phone "070-123 45 67").
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            let mut digits = 0;
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || (matches!(chars[j], '-' | '+' | ' ')
                        && j + 1 < chars.len()
                        && chars[j + 1].is_ascii_digit()
                        && j > start))
            {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                }
                j += 1;
            }
            // Eight digits or more in one run: no count or year in a status
            // report looks like that, but a phone or identity number does.
            if digits >= 8 {
                return Some("något som liknar ett personnummer eller telefonnummer");
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    for word in text.split_whitespace() {
        if let Some((local, domain)) = word.split_once('@') {
            if !local.is_empty() && domain.contains('.') {
                return Some("en e-postadress");
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_items_seven_from_the_instrument_two_local() {
        assert_eq!(SPINDELN_ITEMS.len(), 9);
        let local = SPINDELN_ITEMS
            .iter()
            .filter(|i| i.dimension == Dimension::Local)
            .count();
        assert_eq!(local, 2);
        let codes: std::collections::BTreeSet<_> = SPINDELN_ITEMS.iter().map(|i| i.code).collect();
        assert_eq!(codes.len(), 9, "item codes are unique");
    }

    #[test]
    fn personal_data_hints() {
        assert!(personal_data_hint("Familjen 850101-1234 kom").is_some());
        assert!(personal_data_hint("ring 070-123 45 67").is_some());
        assert!(personal_data_hint("skriv till a.b@example.se").is_some());
        assert!(personal_data_hint("198501011234").is_some());
        assert!(personal_data_hint("Vi träffades 12 gånger under 2023, 40 deltagare.").is_none());
        assert!(personal_data_hint("Tertial 2 2024: 3-4 grupper").is_none());
        assert!(personal_data_hint("").is_none());
    }
}
