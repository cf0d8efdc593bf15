//! Short Swedish labels for KPI codes and breakdown codes. The full
//! definitions live in `foljupp_stats::DEFINITIONS`; these are the names
//! printed beside a figure. Long compounds carry soft hyphens (U+00AD) so
//! that they break well on a phone; files (CSV, XLSX, PDF) drop them.

use foljupp_core::{FormSet, Organisation};

/// The parents' questions with a short Swedish name.
pub const QUESTIONS: [(&str, &str); 5] = [
    ("q_right_topics", "Pratat om rätt saker"),
    ("q_helpful", "Till hjälp som förälder"),
    ("q_recommend", "Skulle rekommendera oss"),
    ("q_easy_reach", "Lätt att nå oss"),
    ("programme_helpful", "Hembesöks\u{ad}programmet till hjälp"),
];

/// The answer codes in scale order, with `no_answer` last.
pub const ANSWERS: [&str; 5] = ["yes_really", "yes", "not_really", "not_at_all", "no_answer"];

pub fn kpi(code: &str) -> String {
    let fixed = match code {
        "conversations" => "Råd- och stödsamtal",
        "conversations_target_group" => "Samtal med målgruppen (väntar barn eller 0–6 år)",
        "new_contacts" => "Nya kontakter (samtal nummer 1)",
        "share_series_le5" => "Andel samtal i kontakter om högst fem samtal",
        "share_mother" => "Andel samtal där en mamma deltog",
        "share_father" => "Andel samtal där en pappa deltog",
        "single_share_mother" => "Av samtal med en deltagare: andel med en mamma",
        "single_share_father" => "Av samtal med en deltagare: andel med en pappa",
        "conversations_other_adult" => "Samtal där en annan vuxen deltog",
        "conversations_other_language" => "Samtal som behövde annat språk",
        "projection_full_year" => "Prognos samtal helår",
        "change_conversations" => "Förändring samtal mot året innan",
        "change_new_contacts" => "Förändring nya kontakter mot året innan",
        "home_visits" => "Hembesök",
        "families_started" => "Familjer som började (besök 1)",
        "families_completed" => "Familjer som fullföljde (besök 6)",
        "share_mother_present" => "Andel hembesök med mamman närvarande",
        "share_father_present" => "Andel hembesök med pappan närvarande",
        "change_home_visits" => "Förändring hembesök mot året innan",
        "group_meetings" => "Tematräffar, dialogcaféer och föreläsningar",
        "group_meeting_participants" => "Deltagare i gruppträffar",
        "group_meeting_share_women" => "Andel kvinnor i gruppträffar",
        "change_group_meetings" => "Förändring gruppträffar mot året innan",
        "programme_groups" => "Grupper i föräldraskaps\u{ad}stöds\u{ad}program",
        "programme_started" => "Började i programgrupp",
        "programme_completed" => "Fullföljde programgrupp",
        "programme_completion" => "Andel som fullföljde programgrupp",
        "change_programme_groups" => "Förändring program\u{ad}grupper mot året innan",
        "parents_reached" => "Föräldrar som nåtts",
        "collaborations" => "Samverkans\u{ad}aktiviteter",
        "open_preschool_reports" => "Tertial\u{ad}rapporter från öppna förskolan",
        "group_meeting_women" => "Kvinnor i gruppträffar",
        "group_meeting_men" => "Män i gruppträffar",
        "programme_started_women" => "Kvinnor som började i programgrupp",
        "programme_started_men" => "Män som började i programgrupp",
        "programme_completion_women" => "Andel kvinnor som fullföljde",
        "programme_completion_men" => "Andel män som fullföljde",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    for (q, name) in QUESTIONS {
        if let Some(rest) = code.strip_prefix(q).and_then(|r| r.strip_prefix('_')) {
            let what = match rest {
                "answered" => "antal svar".to_string(),
                "top_share" => "andel ”Ja, verkligen”".to_string(),
                "positive_share" => "andel ”Ja, verkligen” eller ”Ja”".to_string(),
                "answered_single_mother" => "antal svar, ensam mamma".to_string(),
                "answered_single_father" => "antal svar, ensam pappa".to_string(),
                "positive_share_single_mother" => "andel positiva svar, ensam mamma".to_string(),
                "positive_share_single_father" => "andel positiva svar, ensam pappa".to_string(),
                other => other.to_string(),
            };
            return format!("{name}: {what}");
        }
    }
    code.to_string()
}

/// The Swedish definition of a KPI or breakdown.
pub fn definition(code: &str) -> String {
    foljupp_stats::definition(code)
        .map(|(sv, _)| sv.to_string())
        .unwrap_or_default()
}

pub fn breakdown(name: &str) -> &'static str {
    match name {
        "how_found" => "Hur föräldrarna hittade till stödet",
        "languages" => "Språk utöver svenska och engelska",
        "resident_areas" => "Bostadsområde",
        "next_step" => "Nästa steg",
        "form" => "Samtalsform",
        "answers_q_right_topics" => "Svar: pratat om rätt saker",
        "answers_q_helpful" => "Svar: till hjälp som förälder",
        "answers_q_recommend" => "Svar: skulle rekommendera oss",
        "answers_q_easy_reach" => "Svar: lätt att nå oss",
        "answers_programme_helpful" => "Svar: hembesöksprogrammet till hjälp",
        "participants" => "Deltagare efter roll och kön",
        "age_groups" => "Barnens åldersgrupper",
        _ => "Fördelning",
    }
}

/// The label of `code` in breakdown `name`.
pub fn code(forms: &FormSet, org: &Organisation, name: &str, code: &str) -> String {
    let list = match name {
        "how_found" => "how_found",
        "languages" => "language",
        "next_step" => "next_step",
        "form" => "conversation_form",
        "age_groups" => "age_group",
        n if n.starts_with("answers_") => "answer",
        "resident_areas" => {
            return org.area_name(code).unwrap_or(code).to_string();
        }
        "participants" => {
            let (role, gender) = code.split_once(':').unwrap_or((code, ""));
            return format!(
                "{}, {}",
                forms.label("participant_role", role),
                forms.label("gender", gender).to_lowercase()
            );
        }
        _ => return code.to_string(),
    };
    forms.label(list, code).to_string()
}
