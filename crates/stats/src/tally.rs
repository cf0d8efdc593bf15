//! The accumulator behind every report: one [`Tally`] per district (and,
//! later, per district and day), filled in one pass over the registrations
//! and merged for larger scopes. Every indicator of REPORT.md is computed
//! from tallies alone, so they hold counts, never registrations.

use foljupp_core::{Codes, Kind, Participants, Registration, RegistrationView, ValueRef};
use std::collections::BTreeMap;

/// The breakdowns of a report, in the order they are listed in REPORT.md
/// (and then the extras the brief asks for). Each is a map code → count.
pub const BREAKDOWNS: [&str; 12] = [
    "how_found",
    "languages",
    "resident_areas",
    "next_step",
    "form",
    "answers_q_right_topics",
    "answers_q_helpful",
    "answers_q_recommend",
    "answers_q_easy_reach",
    "answers_programme_helpful",
    "participants",
    "age_groups",
];

const HOW_FOUND: usize = 0;
const LANGUAGES: usize = 1;
const RESIDENT_AREAS: usize = 2;
const NEXT_STEP: usize = 3;
const FORM: usize = 4;
const ANSWERS_PROGRAMME_HELPFUL: usize = 9;
const PARTICIPANTS: usize = 10;
const AGE_GROUPS: usize = 11;

/// The parents' questions asked at conversations (as one answer each) and
/// at group meetings and programme groups (as counts per answer, in fields
/// named `QUESTION_ANSWER`), with the index of their answers breakdown.
pub(crate) const QUESTIONS: [(&str, usize); 4] = [
    ("q_right_topics", 5),
    ("q_helpful", 6),
    ("q_recommend", 7),
    ("q_easy_reach", 8),
];

/// The question asked at home visits 5 and 6.
pub(crate) const PROGRAMME_HELPFUL: (&str, usize) =
    ("programme_helpful", ANSWERS_PROGRAMME_HELPFUL);

/// Counts of one slice of registrations (typically one district over one
/// period). `Tally::default()` is empty; [`Tally::add`] counts one
/// registration; [`Tally::merge`] adds another tally, so tallies can be kept
/// per district and day and combined for any scope and period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    // Conversations.
    pub(crate) conversations: u64,
    pub(crate) target_group: u64,
    pub(crate) new_contacts: u64,
    pub(crate) series_le5: u64,
    pub(crate) with_participants: u64,
    pub(crate) with_mother: u64,
    pub(crate) with_father: u64,
    pub(crate) single: u64,
    pub(crate) single_mother: u64,
    pub(crate) single_father: u64,
    pub(crate) with_other_adult: u64,
    pub(crate) other_language: u64,
    pub(crate) new_contact_participants: u64,
    // Home visits.
    pub(crate) home_visits: u64,
    pub(crate) families_started: u64,
    pub(crate) families_completed: u64,
    pub(crate) mother_present: u64,
    pub(crate) father_present: u64,
    pub(crate) adults_at_first_visit: u64,
    // Group meetings.
    pub(crate) group_meetings: u64,
    pub(crate) meeting_women: u64,
    pub(crate) meeting_men: u64,
    pub(crate) meeting_other_gender: u64,
    // Programme groups.
    pub(crate) programme_groups: u64,
    pub(crate) programme_started: u64,
    pub(crate) programme_completed: u64,
    // Gender-equality analysis (jämställdhetsanalys).
    pub(crate) programme_started_women: u64,
    pub(crate) programme_started_men: u64,
    pub(crate) programme_completed_women: u64,
    pub(crate) programme_completed_men: u64,
    /// Per question of [`QUESTIONS`]: answers (other than `no_answer`) in
    /// conversations whose one participant is a mother / a father, and how
    /// many of them were positive (`yes_really` or `yes`). A conversation's
    /// answer can be attributed to a parent's gender only when that parent
    /// was alone.
    pub(crate) single_mother_answered: [u64; 4],
    pub(crate) single_mother_positive: [u64; 4],
    pub(crate) single_father_answered: [u64; 4],
    pub(crate) single_father_positive: [u64; 4],
    // Extras.
    pub(crate) collaborations: u64,
    pub(crate) open_preschool_reports: u64,
    /// Indexed like [`BREAKDOWNS`]; the `participants` slot stays empty
    /// (see `participants`).
    pub(crate) breakdowns: [BTreeMap<String, u64>; BREAKDOWNS.len()],
    /// role → gender → participants. Nested so that counting needs no
    /// allocation of a `role:gender` key per participant.
    pub(crate) participants: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Adds `n` to `map[key]`, allocating the key only the first time it is seen.
fn bump(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    match map.get_mut(key) {
        Some(v) => *v += n,
        None => {
            map.insert(key.to_string(), n);
        }
    }
}

fn merge_map(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        bump(into, k, *v);
    }
}

/// A count field; negative values cannot pass the decoder, but a
/// registration built by hand could carry one, and it must not wrap.
fn count<R: RegistrationView + ?Sized>(r: &R, field: &str) -> u64 {
    match r.get(field) {
        Some(ValueRef::Int(n)) => u64::try_from(n).unwrap_or(0),
        _ => 0,
    }
}

fn is_parent_role(role: &str) -> bool {
    role == "parent" || role == "expecting"
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// A tally of all of `registrations`, whatever their date and district.
    pub fn of<'a>(registrations: impl IntoIterator<Item = &'a Registration>) -> Tally {
        let mut t = Tally::default();
        for r in registrations {
            t.add(r);
        }
        t
    }

    /// Whether nothing has been counted.
    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }

    pub fn conversations(&self) -> u64 {
        self.conversations
    }

    /// Counts one registration (a [`Registration`] or a stored row read in
    /// place). The caller decides which tally a registration belongs to
    /// (district, period); this only counts.
    pub fn add<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        match r.kind() {
            Kind::Conversation => self.add_conversation(r),
            Kind::HomeVisit => self.add_home_visit(r),
            Kind::GroupMeeting => {
                self.group_meetings += 1;
                self.meeting_women += count(r, "women");
                self.meeting_men += count(r, "men");
                self.meeting_other_gender += count(r, "other_gender");
                self.add_answer_counts(r);
            }
            Kind::ProgrammeGroup => {
                self.programme_groups += 1;
                self.programme_started_women += count(r, "started_women");
                self.programme_started_men += count(r, "started_men");
                self.programme_completed_women += count(r, "completed_women");
                self.programme_completed_men += count(r, "completed_men");
                self.programme_started += count(r, "started_women")
                    + count(r, "started_men")
                    + count(r, "started_other_gender");
                self.programme_completed += count(r, "completed_women")
                    + count(r, "completed_men")
                    + count(r, "completed_other_gender");
                self.add_answer_counts(r);
            }
            Kind::Collaboration => self.collaborations += 1,
            Kind::OpenPreschoolReport => self.open_preschool_reports += 1,
        }
    }

    fn add_conversation<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        self.conversations += 1;

        // One walk over the recorded fields instead of a map lookup per
        // field: this is the hot loop of every report.
        let mut participants: Option<Participants<'_>> = None;
        let mut conversation_no = None;
        let mut answers: [Option<&str>; 4] = [None; 4];
        for (name, value) in r.values() {
            match (name, value) {
                ("participants", ValueRef::Participants(p)) => participants = Some(p),
                ("conversation_no", ValueRef::Int(n)) => conversation_no = Some(n),
                ("age_groups", ValueRef::Codes(ages)) => {
                    if ages.iter().any(|a| a == "expecting" || a == "0-6") {
                        self.target_group += 1;
                    }
                    for a in ages.iter() {
                        bump(&mut self.breakdowns[AGE_GROUPS], a, 1);
                    }
                }
                ("language", ValueRef::Code(lang)) => {
                    self.other_language += 1;
                    bump(&mut self.breakdowns[LANGUAGES], lang, 1);
                }
                ("how_found", ValueRef::Code(c)) => bump(&mut self.breakdowns[HOW_FOUND], c, 1),
                ("resident_area", ValueRef::Code(c)) => {
                    bump(&mut self.breakdowns[RESIDENT_AREAS], c, 1)
                }
                ("next_step", ValueRef::Code(c)) => bump(&mut self.breakdowns[NEXT_STEP], c, 1),
                ("form", ValueRef::Code(c)) => bump(&mut self.breakdowns[FORM], c, 1),
                (field, ValueRef::Code(answer)) if field.starts_with("q_") => {
                    if let Some(i) = QUESTIONS.iter().position(|(q, _)| *q == field) {
                        bump(&mut self.breakdowns[QUESTIONS[i].1], answer, 1);
                        answers[i] = Some(answer);
                    }
                }
                _ => {}
            }
        }
        let n_participants = participants.map_or(0, Participants::len);

        match conversation_no {
            Some(1) => {
                self.new_contacts += 1;
                self.series_le5 += 1;
                self.new_contact_participants += n_participants as u64;
            }
            Some(2..=5) => self.series_le5 += 1,
            _ => {}
        }

        if let Some(participants) = participants.filter(|_| n_participants > 0) {
            self.with_participants += 1;
            let mother = participants
                .iter()
                .any(|(role, gender)| gender == "woman" && is_parent_role(role));
            let father = participants
                .iter()
                .any(|(role, gender)| gender == "man" && is_parent_role(role));
            self.with_mother += u64::from(mother);
            self.with_father += u64::from(father);
            if n_participants == 1 {
                self.single += 1;
                self.single_mother += u64::from(mother);
                self.single_father += u64::from(father);
                let target = if mother {
                    Some((
                        &mut self.single_mother_answered,
                        &mut self.single_mother_positive,
                    ))
                } else if father {
                    Some((
                        &mut self.single_father_answered,
                        &mut self.single_father_positive,
                    ))
                } else {
                    None
                };
                if let Some((answered, positive)) = target {
                    for (i, a) in answers.iter().enumerate() {
                        match a {
                            Some("no_answer") | None => {}
                            Some(a) => {
                                answered[i] += 1;
                                positive[i] += u64::from(*a == "yes_really" || *a == "yes");
                            }
                        }
                    }
                }
            }
            if participants.iter().any(|(role, _)| role == "other_adult") {
                self.with_other_adult += 1;
            }
            for (role, gender) in participants.iter() {
                let genders = match self.participants.get_mut(role) {
                    Some(g) => g,
                    None => self.participants.entry(role.to_string()).or_default(),
                };
                bump(genders, gender, 1);
            }
        }
    }

    fn add_home_visit<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        self.home_visits += 1;
        let visit = match r.get("visit_no") {
            Some(ValueRef::Int(n)) => Some(n),
            _ => None,
        };
        match visit {
            Some(1) => self.families_started += 1,
            Some(6) => self.families_completed += 1,
            _ => {}
        }
        let present = match r.get("present") {
            Some(ValueRef::Codes(c)) => Some(c),
            _ => None,
        };
        let present = || present.into_iter().flat_map(Codes::iter);
        if present().any(|p| p == "mother") {
            self.mother_present += 1;
        }
        if present().any(|p| p == "father") {
            self.father_present += 1;
        }
        if visit == Some(1) {
            // Each adult present at the first visit is one parent reached;
            // siblings and interpreters are not parents.
            self.adults_at_first_visit += present()
                .filter(|p| matches!(*p, "mother" | "father" | "other_adult"))
                .count() as u64;
        }
        let (q, idx) = PROGRAMME_HELPFUL;
        if let Some(ValueRef::Code(a)) = r.get(q) {
            bump(&mut self.breakdowns[idx], a, 1);
        }
    }

    /// Groups record the same questions as counts per answer
    /// (`q_helpful_yes_really` = 12); they go into the same answer totals
    /// as the conversations' single answers. Any answer code is taken, so
    /// an answer added to the list later is counted without a code change.
    fn add_answer_counts<R: RegistrationView + ?Sized>(&mut self, r: &R) {
        for (name, value) in r.values() {
            let ValueRef::Int(n) = value else { continue };
            let Ok(n) = u64::try_from(n) else { continue };
            if n == 0 {
                continue;
            }
            for (q, idx) in QUESTIONS {
                if let Some(answer) = name.strip_prefix(q).and_then(|rest| rest.strip_prefix('_')) {
                    bump(&mut self.breakdowns[idx], answer, n);
                    break;
                }
            }
        }
    }

    /// Adds every count of `other` to this tally.
    pub fn merge(&mut self, other: &Tally) {
        let Tally {
            conversations,
            target_group,
            new_contacts,
            series_le5,
            with_participants,
            with_mother,
            with_father,
            single,
            single_mother,
            single_father,
            with_other_adult,
            other_language,
            new_contact_participants,
            home_visits,
            families_started,
            families_completed,
            mother_present,
            father_present,
            adults_at_first_visit,
            group_meetings,
            meeting_women,
            meeting_men,
            meeting_other_gender,
            programme_groups,
            programme_started,
            programme_completed,
            programme_started_women,
            programme_started_men,
            programme_completed_women,
            programme_completed_men,
            single_mother_answered,
            single_mother_positive,
            single_father_answered,
            single_father_positive,
            collaborations,
            open_preschool_reports,
            breakdowns,
            participants,
        } = other;
        // Destructuring (rather than field access) makes the compiler
        // reject a new field that is forgotten here.
        self.conversations += conversations;
        self.target_group += target_group;
        self.new_contacts += new_contacts;
        self.series_le5 += series_le5;
        self.with_participants += with_participants;
        self.with_mother += with_mother;
        self.with_father += with_father;
        self.single += single;
        self.single_mother += single_mother;
        self.single_father += single_father;
        self.with_other_adult += with_other_adult;
        self.other_language += other_language;
        self.new_contact_participants += new_contact_participants;
        self.home_visits += home_visits;
        self.families_started += families_started;
        self.families_completed += families_completed;
        self.mother_present += mother_present;
        self.father_present += father_present;
        self.adults_at_first_visit += adults_at_first_visit;
        self.group_meetings += group_meetings;
        self.meeting_women += meeting_women;
        self.meeting_men += meeting_men;
        self.meeting_other_gender += meeting_other_gender;
        self.programme_groups += programme_groups;
        self.programme_started += programme_started;
        self.programme_completed += programme_completed;
        self.programme_started_women += programme_started_women;
        self.programme_started_men += programme_started_men;
        self.programme_completed_women += programme_completed_women;
        self.programme_completed_men += programme_completed_men;
        for (into, from) in [
            (&mut self.single_mother_answered, single_mother_answered),
            (&mut self.single_mother_positive, single_mother_positive),
            (&mut self.single_father_answered, single_father_answered),
            (&mut self.single_father_positive, single_father_positive),
        ] {
            for (a, b) in into.iter_mut().zip(from) {
                *a += b;
            }
        }
        self.collaborations += collaborations;
        self.open_preschool_reports += open_preschool_reports;
        for (into, from) in self.breakdowns.iter_mut().zip(breakdowns) {
            merge_map(into, from);
        }
        for (role, genders) in participants {
            merge_map(self.participants.entry(role.clone()).or_default(), genders);
        }
    }

    /// The counts of breakdown `index` of [`BREAKDOWNS`]; `participants`
    /// is flattened to `role:gender` keys.
    pub(crate) fn breakdown(&self, index: usize) -> BTreeMap<String, u64> {
        if index == PARTICIPANTS {
            self.participants
                .iter()
                .flat_map(|(role, genders)| {
                    genders
                        .iter()
                        .map(move |(g, n)| (format!("{role}:{g}"), *n))
                })
                .collect()
        } else {
            self.breakdowns.get(index).cloned().unwrap_or_default()
        }
    }

    /// The counts of the breakdown called `name` (one of [`BREAKDOWNS`]),
    /// before any suppression.
    pub fn breakdown_counts(&self, name: &str) -> Option<BTreeMap<String, u64>> {
        BREAKDOWNS
            .iter()
            .position(|b| *b == name)
            .map(|i| self.breakdown(i))
    }
}
