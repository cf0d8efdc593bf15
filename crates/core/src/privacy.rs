//! The privacy rule of DOMAIN.md as checkable facts about the schema.
//!
//! A registration table may hold only: a random identifier, the
//! municipality, the form version, the activity's day, and the form's own
//! coded fields. The store's schema test feeds the real column list of both
//! databases to [`check_registration_columns`].

use crate::forms::{FieldType, KindDef};

/// Column names that would name or derive from a person or an account, or
/// carry a finer time than the day. None may appear in a registration table.
pub const FORBIDDEN_COLUMN_WORDS: [&str; 16] = [
    "user",
    "account",
    "creator",
    "created",
    "author",
    "staff",
    "person",
    "name",
    "email",
    "phone_no",
    "personnummer",
    "birth",
    "comment",
    "note",
    "time",
    "ip",
];

/// Bookkeeping columns every registration table has besides the form's
/// fields; `extra` holds the coded answers of questions admins added.
pub const BOOKKEEPING_COLUMNS: [&str; 4] = ["id", "municipality", "form_version", "extra"];

/// Whether a name (a column, or a question an admin adds) looks personal
/// or timestamped; returns the word it trips on.
pub fn personal_word(name: &str) -> Option<&'static str> {
    personal_words(name).into_iter().next()
}

/// Every forbidden word a name contains.
pub fn personal_words(name: &str) -> Vec<&'static str> {
    let lname = name.to_lowercase();
    FORBIDDEN_COLUMN_WORDS
        .into_iter()
        .filter(|word| {
            lname == *word
                || lname.starts_with(&format!("{word}_"))
                || lname.ends_with(&format!("_{word}"))
                || lname.contains(&format!("_{word}_"))
        })
        .collect()
}

/// Checks one registration table's columns (name, SQL type lowercased)
/// against its form definition. Returns the problems found.
pub fn check_registration_columns(def: &KindDef, columns: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, sql_type) in columns {
        for word in personal_words(name) {
            problems.push(format!(
                "column {name} looks personal or timestamped ({word})"
            ));
        }
        if sql_type.contains("timestamp") || sql_type.contains("datetime") || sql_type == "time" {
            problems.push(format!("column {name} has a time type {sql_type}"));
        }
        if name == "extra" && !(sql_type.contains("text") || sql_type.contains("json")) {
            problems.push(format!("column extra has type {sql_type}"));
        }
        if BOOKKEEPING_COLUMNS.contains(&name.as_str()) {
            continue;
        }
        match def.field(name) {
            None => problems.push(format!(
                "column {name} is not a field of the {} form",
                def.kind
            )),
            Some(f) => {
                let text_ok = matches!(
                    f.ty,
                    FieldType::Code | FieldType::Codes | FieldType::Participants
                ) || (f.ty == FieldType::Date && sql_type == "text");
                if sql_type.contains("text") || sql_type.contains("char") {
                    if !text_ok {
                        problems.push(format!("column {name} is text but not a coded field"));
                    }
                } else if matches!(f.ty, FieldType::Code | FieldType::Codes) {
                    problems.push(format!("coded column {name} has type {sql_type}"));
                }
            }
        }
    }
    for f in def.fields.iter().filter(|f| !f.retired) {
        if !columns.iter().any(|(n, _)| n == &f.name) {
            problems.push(format!("field {} of {} has no column", f.name, def.kind));
        }
    }
    problems
}

/// The only columns of the `parent_link` table (a parent's answer link):
/// the hash of the code, the registration it answers (its primary key: id,
/// municipality, day), which questions, until
/// when, whether used, whether it takes many answers. In particular no
/// account: a link, and so an answer, cannot be traced to the advisor who
/// made the registration.
pub const PARENT_LINK_COLUMNS: [&str; 9] = [
    "code_hash",
    "kind",
    "registration_id",
    "municipality",
    "registration_date",
    "questions",
    "expires_at",
    "used",
    "multi",
];

/// Checks the live columns of `parent_link` against
/// [`PARENT_LINK_COLUMNS`] and the forbidden words. Returns the problems.
pub fn check_parent_link_columns(columns: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, _) in columns {
        let lname = name.to_lowercase();
        if !PARENT_LINK_COLUMNS.contains(&lname.as_str()) {
            problems.push(format!("parent_link has an unexpected column {name}"));
        }
        for word in FORBIDDEN_COLUMN_WORDS {
            if lname == word || lname.split('_').any(|part| part == word) {
                problems.push(format!(
                    "parent_link column {name} looks personal or timestamped ({word})"
                ));
            }
        }
    }
    for want in PARENT_LINK_COLUMNS {
        if !columns.iter().any(|(n, _)| n == want) {
            problems.push(format!("parent_link lacks column {want}"));
        }
    }
    problems
}
