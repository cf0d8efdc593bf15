//! A registration: one activity as registered, validated against its form.

use crate::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The six kinds of activity that are registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Conversation,
    HomeVisit,
    GroupMeeting,
    ProgrammeGroup,
    Collaboration,
    OpenPreschoolReport,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Conversation,
        Kind::HomeVisit,
        Kind::GroupMeeting,
        Kind::ProgrammeGroup,
        Kind::Collaboration,
        Kind::OpenPreschoolReport,
    ];

    /// The machine code, also the name of the kind's table.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Conversation => "conversation",
            Kind::HomeVisit => "home_visit",
            Kind::GroupMeeting => "group_meeting",
            Kind::ProgrammeGroup => "programme_group",
            Kind::Collaboration => "collaboration",
            Kind::OpenPreschoolReport => "open_preschool_report",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                format!(
                    "Okänd aktivitetstyp {s:?}. Välj en av: {}.",
                    Kind::ALL.map(Kind::code).join(", ")
                )
            })
    }
}

/// One participant of a conversation: a role and a gender, never a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Participant {
    pub role: String,
    pub gender: String,
}

impl Participant {
    /// `role:gender`, the CSV and storage form.
    pub fn code(&self) -> String {
        format!("{}:{}", self.role, self.gender)
    }
}

/// A validated field value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Date(#[serde(serialize_with = "ser_date")] Date),
    Code(String),
    Codes(Vec<String>),
    Int(i64),
    Bool(bool),
    Participants(Vec<Participant>),
}

fn ser_date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::format_date(*d))
}

impl Value {
    /// The text form used in CSV cells and storage (multi-values joined by `;`).
    pub fn to_text(&self) -> String {
        match self {
            Value::Date(d) => crate::format_date(*d),
            Value::Code(c) => c.clone(),
            Value::Codes(cs) => cs.join(";"),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
            Value::Participants(ps) => ps
                .iter()
                .map(Participant::code)
                .collect::<Vec<_>>()
                .join(";"),
        }
    }
}

/// A registration that passed validation. Values are keyed by field name;
/// absent fields were left empty ("uppgift saknas"). It carries no user,
/// no timestamp finer than the activity's day, no person key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registration {
    pub kind: Kind,
    pub form_version: u32,
    pub date: Date,
    pub district: String,
    pub values: BTreeMap<String, Value>,
}

impl Registration {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.values.get(field)
    }

    pub fn code(&self, field: &str) -> Option<&str> {
        match self.values.get(field) {
            Some(Value::Code(c)) => Some(c),
            _ => None,
        }
    }

    pub fn codes(&self, field: &str) -> &[String] {
        match self.values.get(field) {
            Some(Value::Codes(c)) => c,
            _ => &[],
        }
    }

    pub fn int(&self, field: &str) -> Option<i64> {
        match self.values.get(field) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn bool(&self, field: &str) -> Option<bool> {
        match self.values.get(field) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn participants(&self) -> &[Participant] {
        match self.values.get("participants") {
            Some(Value::Participants(p)) => p,
            _ => &[],
        }
    }
}

/// Raw input, whatever its origin: field name → the strings given for it
/// (several for a multi-valued field). Parsing it is the job of
/// [`crate::FormSet::decode`].
pub type Input = BTreeMap<String, Vec<String>>;

/// Why one field was rejected, as a Swedish sentence that says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A recorded value, borrowed: from a [`Registration`]'s own values or
/// straight from a stored row's text (multi-values still joined by `;`),
/// so that counting a stored row needs no allocation.
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    Date(Date),
    Code(&'a str),
    Codes(Codes<'a>),
    Int(i64),
    Bool(bool),
    Participants(Participants<'a>),
}

/// The codes of a multi-valued field.
#[derive(Debug, Clone, Copy)]
pub enum Codes<'a> {
    List(&'a [String]),
    /// The storage and CSV form: codes joined by `;`.
    Joined(&'a str),
}

impl<'a> Codes<'a> {
    pub fn iter(self) -> impl Iterator<Item = &'a str> {
        let (list, joined) = match self {
            Codes::List(l) => (Some(l), None),
            Codes::Joined(j) => (None, Some(j)),
        };
        list.into_iter()
            .flatten()
            .map(String::as_str)
            .chain(joined.into_iter().flat_map(split_joined))
    }
}

fn split_joined(s: &str) -> impl Iterator<Item = &str> {
    s.split(';').filter(|c| !c.is_empty())
}

/// The participants of a conversation, as (role, gender) pairs.
#[derive(Debug, Clone, Copy)]
pub enum Participants<'a> {
    List(&'a [Participant]),
    /// The storage form: `role:gender` items joined by `;` (an item without
    /// `:` has gender `unknown`, as when a stored row is decoded).
    Joined(&'a str),
}

impl<'a> Participants<'a> {
    pub fn iter(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let (list, joined) = match self {
            Participants::List(l) => (Some(l), None),
            Participants::Joined(j) => (None, Some(j)),
        };
        list.into_iter()
            .flatten()
            .map(|p| (p.role.as_str(), p.gender.as_str()))
            .chain(
                joined
                    .into_iter()
                    .flat_map(split_joined)
                    .map(|p| p.split_once(':').unwrap_or((p, "unknown"))),
            )
    }

    pub fn len(self) -> usize {
        match self {
            Participants::List(l) => l.len(),
            Participants::Joined(j) => split_joined(j).count(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl Value {
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Date(d) => ValueRef::Date(*d),
            Value::Code(c) => ValueRef::Code(c),
            Value::Codes(c) => ValueRef::Codes(Codes::List(c)),
            Value::Int(i) => ValueRef::Int(*i),
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Participants(p) => ValueRef::Participants(Participants::List(p)),
        }
    }
}

/// What counting needs of a registration: its kind, day, district and
/// recorded values. A [`Registration`] is one; so is a stored row read in
/// place ([`FieldsView`]), which lets the report rollup be rebuilt from a
/// scan without decoding every row into a `Registration`. Absent fields
/// ("uppgift saknas") are simply not listed.
pub trait RegistrationView {
    fn kind(&self) -> Kind;
    fn date(&self) -> Date;
    fn district(&self) -> &str;
    /// The recorded values, each field at most once, in any order.
    fn values(&self) -> impl Iterator<Item = (&str, ValueRef<'_>)>;
    fn get(&self, field: &str) -> Option<ValueRef<'_>> {
        self.values().find(|(n, _)| *n == field).map(|(_, v)| v)
    }
}

impl RegistrationView for Registration {
    fn kind(&self) -> Kind {
        self.kind
    }
    fn date(&self) -> Date {
        self.date
    }
    fn district(&self) -> &str {
        &self.district
    }
    fn values(&self) -> impl Iterator<Item = (&str, ValueRef<'_>)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }
    fn get(&self, field: &str) -> Option<ValueRef<'_>> {
        self.values.get(field).map(Value::as_ref)
    }
}

/// A registration as a list of borrowed values (a stored row read in place).
#[derive(Debug, Clone, Copy)]
pub struct FieldsView<'a> {
    pub kind: Kind,
    pub date: Date,
    pub district: &'a str,
    pub values: &'a [(&'a str, ValueRef<'a>)],
}

impl RegistrationView for FieldsView<'_> {
    fn kind(&self) -> Kind {
        self.kind
    }
    fn date(&self) -> Date {
        self.date
    }
    fn district(&self) -> &str {
        self.district
    }
    fn values(&self) -> impl Iterator<Item = (&str, ValueRef<'_>)> {
        self.values.iter().map(|(k, v)| (*k, *v))
    }
}
