//! Domain types of foljupp: the organisation, periods, the form definitions
//! (fields and value lists) and the decoding of raw input into a validated
//! [`Registration`].
//!
//! Architecture invariant: this crate does no I/O and knows neither HTTP nor
//! SQL. Every way into the system (HTML form, JSON API, CSV import) ends in
//! [`forms::FormSet::decode`], so there is one set of rules for what a valid
//! registration is.

pub mod catalogue;
pub mod config;
pub mod csv_import;
pub mod forms;
pub mod input;
pub mod organisation;
pub mod parents;
pub mod period;
pub mod privacy;
pub mod registration;
pub mod role;
pub mod steering;

pub use config::{Change, MunicipalConfig};
pub use forms::{FieldDef, FieldType, FormSet, KindDef, QuestionMapping, ValueList};
pub use organisation::{District, Organisation, Unit, UnitKind};
pub use period::{Period, Tertial};
pub use registration::{
    Codes, FieldError, FieldsView, Input, Kind, Participant, Participants, Registration,
    RegistrationView, Value, ValueRef,
};
pub use role::Role;

/// A date in the proleptic Gregorian calendar; only the day of an activity is
/// ever stored (DOMAIN.md, privacy rule 2).
pub type Date = time::Date;

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

/// Formats as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
