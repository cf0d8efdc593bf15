//! The parents' own answers: which questions a parent may answer about a
//! registration themselves (on the advisor's device or on their own phone),
//! and the decoding of what they send.
//!
//! A parent's answer goes into the same columns as an answer the advisor
//! records on the form (`q_*` of a conversation, `programme_helpful` of a
//! home visit, the `QUESTION_ANSWER` counts of a group), so the report
//! counts both alike. Nothing here knows who the parent is.

use crate::{FieldError, FormSet, Input, Kind, Registration};

/// The value list every parents' question draws its answers from.
pub const ANSWER_LIST: &str = "answer";

/// What a parent may answer about one registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentSurvey {
    /// Question codes (field names of conversations and home visits, the
    /// question prefix of a group's count fields), in the order asked.
    pub questions: Vec<String>,
    /// Groups collect any number of answers through one link, each one
    /// added to the counts; a conversation or a home visit takes one.
    pub multi: bool,
}

/// The questions a parent may still answer about `reg`, or `None` when
/// there is nothing to ask:
///
/// - a conversation: "right topics" and "helpful" always, "easy to reach"
///   at the first conversation only and "recommend" at later ones only
///   (DOMAIN.md); when the conversation number was not recorded neither of
///   the two is asked, since either might be the wrong one. Questions the
///   advisor already answered on the form are not asked again.
/// - a home visit: "has the programme helped you" at visit 5 or 6, unless
///   already answered.
/// - a group meeting or programme group: every question counted for the
///   kind; answers add up, so nothing is "already answered".
pub fn parent_survey(forms: &FormSet, reg: &Registration) -> Option<ParentSurvey> {
    let unanswered = |q: &&str| reg.get(q).is_none();
    let (questions, multi): (Vec<String>, bool) = match reg.kind {
        Kind::Conversation => {
            let mut qs = vec!["q_right_topics", "q_helpful"];
            match reg.int("conversation_no") {
                Some(1) => qs.push("q_easy_reach"),
                Some(_) => qs.push("q_recommend"),
                None => {}
            }
            (
                qs.into_iter()
                    .filter(unanswered)
                    .map(str::to_string)
                    .collect(),
                false,
            )
        }
        Kind::HomeVisit => match reg.int("visit_no") {
            Some(5 | 6) => (
                ["programme_helpful"]
                    .into_iter()
                    .filter(unanswered)
                    .map(str::to_string)
                    .collect(),
                false,
            ),
            _ => (Vec::new(), false),
        },
        Kind::GroupMeeting | Kind::ProgrammeGroup => {
            (forms.kind(reg.kind).answer_counts.clone(), true)
        }
        Kind::Collaboration | Kind::OpenPreschoolReport => (Vec::new(), false),
    };
    (!questions.is_empty()).then_some(ParentSurvey { questions, multi })
}

/// Whether `question` is one a parent may be asked about `kind` at all: the
/// store checks a link's questions against this before it names a column.
pub fn is_parent_question(forms: &FormSet, kind: Kind, question: &str) -> bool {
    match kind {
        Kind::Conversation => matches!(
            question,
            "q_right_topics" | "q_helpful" | "q_recommend" | "q_easy_reach"
        ),
        Kind::HomeVisit => question == "programme_helpful",
        Kind::GroupMeeting | Kind::ProgrammeGroup => {
            forms.kind(kind).answer_counts.iter().any(|q| q == question)
        }
        Kind::Collaboration | Kind::OpenPreschoolReport => false,
    }
}

/// Whether `code` is an answer a parent may give (an active option of the
/// answer list, "prefer not to answer" included).
pub fn is_answer(forms: &FormSet, code: &str) -> bool {
    forms
        .list(ANSWER_LIST)
        .is_some_and(|l| l.active().any(|o| o.code == code))
}

/// Decodes what a parent sent: for each question of `questions` that was
/// answered, `(question, answer code)`. A question left blank is simply
/// not answered; other input fields (the page's language) are ignored. An
/// answer that is not a code of the answer list is an error.
pub fn decode_parent_answers(
    forms: &FormSet,
    questions: &[String],
    input: &Input,
) -> Result<Vec<(String, String)>, Vec<FieldError>> {
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for q in questions {
        let given: Vec<&str> = input
            .get(q)
            .map(|vs| {
                vs.iter()
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        match given.as_slice() {
            [] => {}
            [one] if is_answer(forms, one) => answers.push((q.clone(), one.to_string())),
            _ => errors.push(FieldError::new(
                q.as_str(),
                "Välj ett av svaren på frågan.".to_string(),
            )),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::DecodeContext;
    use crate::Organisation;

    fn reg(kind: Kind, pairs: &[(&str, &str)]) -> Registration {
        let org = Organisation::stockholm();
        let ctx = DecodeContext {
            organisation: &org,
            today: time::macros::date!(2030 - 01 - 01),
        };
        let mut input = Input::new();
        for (k, v) in pairs {
            input.insert(k.to_string(), vec![v.to_string()]);
        }
        FormSet::defaults()
            .decode(kind, &input, &ctx)
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn qs(kind: Kind, pairs: &[(&str, &str)]) -> Option<(Vec<String>, bool)> {
        let mut all = vec![("date", "2024-03-04"), ("district", "farsta")];
        all.extend_from_slice(pairs);
        parent_survey(&FormSet::defaults(), &reg(kind, &all)).map(|s| (s.questions, s.multi))
    }

    #[test]
    fn questions_follow_the_conversation_number_and_skip_answered_ones() {
        let first = qs(Kind::Conversation, &[("conversation_no", "1")]);
        assert_eq!(
            first,
            Some((
                vec![
                    "q_right_topics".into(),
                    "q_helpful".into(),
                    "q_easy_reach".into()
                ],
                false
            ))
        );
        let later = qs(Kind::Conversation, &[("conversation_no", "3")]).unwrap();
        assert_eq!(later.0, ["q_right_topics", "q_helpful", "q_recommend"]);
        let unknown = qs(Kind::Conversation, &[]).unwrap();
        assert_eq!(unknown.0, ["q_right_topics", "q_helpful"]);
        let partly = qs(
            Kind::Conversation,
            &[("conversation_no", "2"), ("q_helpful", "yes")],
        )
        .unwrap();
        assert_eq!(partly.0, ["q_right_topics", "q_recommend"]);
        let all = qs(
            Kind::Conversation,
            &[
                ("conversation_no", "2"),
                ("q_helpful", "yes"),
                ("q_right_topics", "yes"),
                ("q_recommend", "no_answer"),
            ],
        );
        assert_eq!(all, None);
    }

    #[test]
    fn home_visits_ask_at_visit_five_or_six_and_groups_take_many_answers() {
        assert_eq!(qs(Kind::HomeVisit, &[("visit_no", "4")]), None);
        assert_eq!(qs(Kind::HomeVisit, &[]), None);
        assert_eq!(
            qs(Kind::HomeVisit, &[("visit_no", "5")]),
            Some((vec!["programme_helpful".into()], false))
        );
        assert_eq!(
            qs(
                Kind::HomeVisit,
                &[("visit_no", "6"), ("programme_helpful", "yes")]
            ),
            None
        );
        let group = qs(Kind::GroupMeeting, &[]).unwrap();
        assert_eq!(
            group,
            (
                vec![
                    "q_right_topics".into(),
                    "q_helpful".into(),
                    "q_recommend".into()
                ],
                true
            )
        );
        assert!(qs(Kind::ProgrammeGroup, &[]).unwrap().1);
        assert_eq!(qs(Kind::Collaboration, &[]), None);
    }

    #[test]
    fn answers_decode_to_codes_of_the_answer_list_only() {
        let forms = FormSet::defaults();
        let questions = vec!["q_helpful".to_string(), "q_right_topics".to_string()];
        let mut input = Input::new();
        input.insert("q_helpful".into(), vec!["yes_really".into()]);
        input.insert("q_right_topics".into(), vec!["".into()]);
        input.insert("lang".into(), vec!["ar".into()]);
        input.insert("q_recommend".into(), vec!["yes".into()]);
        assert_eq!(
            decode_parent_answers(&forms, &questions, &input).unwrap(),
            vec![("q_helpful".to_string(), "yes_really".to_string())]
        );
        input.insert("q_right_topics".into(), vec!["maybe".into()]);
        let errs = decode_parent_answers(&forms, &questions, &input).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "q_right_topics");
        input.insert(
            "q_right_topics".into(),
            vec!["yes".into(), "no_answer".into()],
        );
        assert!(decode_parent_answers(&forms, &questions, &input).is_err());
        assert!(is_parent_question(&forms, Kind::GroupMeeting, "q_helpful"));
        assert!(!is_parent_question(
            &forms,
            Kind::GroupMeeting,
            "q_easy_reach"
        ));
        assert!(!is_parent_question(&forms, Kind::Conversation, "date"));
    }
}
