//! Raw input of the two web ways in, before the one decoder: a JSON object
//! (the API) and posted form pairs (the HTML forms). Pure functions, here
//! rather than in the web crate so that the fuzz targets (fuzz/) reach
//! them without the web stack.

use crate::Input;
use serde_json::Value as Json;

/// The form fields of participant counters: `participants.ROLE.GENDER`.
pub const PARTICIPANT_PREFIX: &str = "participants.";

/// Turns a JSON object into decoder input. Field names are those of the CSV
/// format; multi-valued fields are arrays; `participants` is an array of
/// `{"role", "gender"}` (or of `"role:gender"` strings).
pub fn json_input(body: &Json) -> Result<Input, Vec<crate::FieldError>> {
    let Json::Object(map) = body else {
        return Err(vec![crate::FieldError::new(
            "",
            "Skicka registreringen som ett JSON-objekt med fältnamnen från CSV-formatet.",
        )]);
    };
    let mut input = Input::new();
    let mut errors = Vec::new();
    let scalar = |v: &Json| -> Option<String> {
        match v {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    for (k, v) in map {
        let values: Option<Vec<String>> = match v {
            Json::Null => continue,
            Json::Array(items) => items
                .iter()
                .map(|item| match item {
                    Json::Object(o) if k == "participants" => {
                        match (
                            o.get("role").and_then(Json::as_str),
                            o.get("gender").and_then(Json::as_str),
                        ) {
                            (Some(r), Some(g)) if o.len() == 2 => Some(format!("{r}:{g}")),
                            _ => None,
                        }
                    }
                    other => scalar(other),
                })
                .collect(),
            other => scalar(other).map(|s| vec![s]),
        };
        match values {
            Some(vs) => {
                input.insert(k.clone(), vs);
            }
            None => errors.push(crate::FieldError::new(
                k.as_str(),
                if k == "participants" {
                    "Ange deltagarna som en lista av objekt med role och gender, till exempel [{\"role\":\"parent\",\"gender\":\"woman\"}]."
                        .to_string()
                } else {
                    format!("Fältet {k:?} har fel typ. Ange en text, ett tal eller en lista av sådana.")
                },
            )),
        }
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
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
