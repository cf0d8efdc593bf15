//! The OpenAPI 3.0 description of `/api/v1`, served at
//! `/api/v1/openapi.json`. The registration bodies are generated from the
//! form definitions (the same data the decoder validates against), so the
//! document cannot drift from what the API accepts; the rest is written out
//! here. `scripts/schemathesis` tests the running server against it.

use crate::SharedState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use foljupp_core::forms::FieldType;
use foljupp_core::{FormSet, Kind, Organisation};
use serde_json::{json, Map, Value};

fn field_schema(forms: &FormSet, org: &Organisation, f: &foljupp_core::forms::FieldDef) -> Value {
    let codes = |f: &foljupp_core::forms::FieldDef| -> Value {
        let opts: Vec<String> = forms.options(f, org).into_iter().map(|(c, _)| c).collect();
        if opts.is_empty() {
            json!({"type": "string"})
        } else {
            json!({"type": "string", "enum": opts})
        }
    };
    let mut s = match f.ty {
        FieldType::Date => json!({"type": "string", "format": "date", "example": "2024-03-04"}),
        FieldType::Code => codes(f),
        FieldType::Codes => json!({"type": "array", "items": codes(f), "uniqueItems": true}),
        FieldType::Int => {
            let mut m = json!({"type": "integer"});
            if let Some(min) = f.min {
                m["minimum"] = json!(min);
            }
            if let Some(max) = f.max {
                m["maximum"] = json!(max);
            }
            m
        }
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Participants => {
            let list = |name: &str| -> Value {
                forms
                    .list(name)
                    .map(|l| l.active().map(|o| o.code.clone()).collect::<Vec<_>>())
                    .map(|v| json!({"type": "string", "enum": v}))
                    .unwrap_or_else(|| json!({"type": "string"}))
            };
            json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["role", "gender"],
                    "additionalProperties": false,
                    "properties": {"role": list("participant_role"), "gender": list("gender")}
                }
            })
        }
    };
    s["description"] = json!(f.label_sv);
    s
}

fn registration_schema(forms: &FormSet, org: &Organisation, kind: Kind) -> Value {
    let def = forms.kind(kind);
    let props: Map<String, Value> = def
        .current_fields()
        .map(|f| (f.name.clone(), field_schema(forms, org, f)))
        .collect();
    json!({
        "type": "object",
        "description": def.label_sv,
        "required": ["date", "district"],
        "additionalProperties": false,
        "properties": props,
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// The document for an installation (its organisation's codes appear in
/// the enums).
pub fn document(forms: &FormSet, org: &Organisation) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string", "description": "A stable code: unauthorized, forbidden, not_found, bad_request, validation, server_error …"},
                "message": {"type": "string", "description": "What to fix, in Swedish."}
            }
        }),
    );
    schemas.insert(
        "ValidationError".into(),
        json!({
            "type": "object",
            "required": ["error", "message", "errors"],
            "properties": {
                "error": {"type": "string", "enum": ["validation"]},
                "message": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}}
                    }
                }
            }
        }),
    );
    schemas.insert(
        "Created".into(),
        json!({
            "type": "object",
            "required": ["status", "kind", "form_version", "date", "district"],
            "properties": {
                "status": {"type": "string", "enum": ["created"]},
                "kind": {"type": "string"},
                "form_version": {"type": "integer"},
                "date": {"type": "string", "format": "date"},
                "district": {"type": "string"}
            }
        }),
    );
    let common_errors = |extra: &[(&str, Value)]| -> Value {
        let mut m = Map::new();
        m.insert(
            "401".into(),
            error_response("No valid token (or session): send Authorization: Bearer TOKEN."),
        );
        m.insert(
            "403".into(),
            error_response("The token's role or district does not allow this."),
        );
        for (k, v) in extra {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    };
    for kind in Kind::ALL {
        let name = format!("Registration_{}", kind.code());
        schemas.insert(name.clone(), registration_schema(forms, org, kind));
        let mut responses = common_errors(&[
            ("400", error_response("The body is not JSON.")),
            (
                "413",
                json!({"description": "The body is larger than 256 KiB."}),
            ),
            (
                "422",
                json!({
                    "description": "Invalid fields; nothing was stored.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}}
                }),
            ),
        ]);
        responses["201"] = json!({
            "description": "Stored.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}
        });
        paths.insert(
            format!("/api/v1/registrations/{}", kind.code()),
            json!({"post": {
                "operationId": format!("register_{}", kind.code()),
                "summary": format!("Register one {} (registrant, district_lead, admin)", forms.kind(kind).label_en.to_lowercase()),
                "description": "Field names as in the CSV format; multi-valued fields are arrays. A district-bound token registers only for its own district (403 otherwise).",
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}
                },
                "responses": responses,
            }}),
        );
    }
    let q = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema});
    let mut report_responses = common_errors(&[(
        "400",
        error_response("The period or district is not valid."),
    )]);
    report_responses["200"] = json!({
        "description": "The report (REPORT.md's JSON shape): aggregates only, small counts suppressed.",
        "content": {"application/json": {"schema": {"type": "object"}}}
    });
    paths.insert(
        "/api/v1/report".into(),
        json!({"get": {
            "operationId": "report",
            "summary": "The report for a period (every role; district-bound roles see their district)",
            "parameters": [
                q("year", "Calendar year, e.g. 2024.", json!({"type": "string", "example": "2024"})),
                q("tertial", "1, 2 or 3, with year.", json!({"type": "string", "enum": ["1", "2", "3"]})),
                q("from", "First day (ÅÅÅÅ-MM-DD), with to.", json!({"type": "string", "format": "date"})),
                q("to", "Last day (ÅÅÅÅ-MM-DD), with from.", json!({"type": "string", "format": "date"})),
                q("district", "A district code; default the whole municipality (or the token's district).", json!({"type": "string"})),
                q("as_of", "For a running year: the day of the projection.", json!({"type": "string", "format": "date"})),
                q("compare", "1: compare with the same period a year earlier.", json!({"type": "string", "enum": ["0", "1"]})),
            ],
            "responses": report_responses,
        }}),
    );
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
    let mut form_responses = common_errors(&[
        ("400", error_response("version is not a number.")),
        ("404", error_response("No such kind, or no such version.")),
    ]);
    form_responses["200"] = json!({
        "description": "The form definition: fields, value lists and version.",
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["kind", "version", "fields", "lists"],
            "properties": {
                "kind": {"type": "string"},
                "version": {"type": "integer"},
                "label_sv": {"type": "string"},
                "label_en": {"type": "string"},
                "fields": {"type": "array", "items": {"type": "object"}},
                "lists": {"type": "object"}
            }
        }}}
    });
    paths.insert(
        "/api/v1/forms/{kind}".into(),
        json!({"get": {
            "operationId": "form_definition",
            "summary": "A kind's form definition",
            "parameters": [
                {"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": kinds}},
                q("version", "An earlier version of the form (default the current one).", json!({"type": "string", "example": "1"}))
            ],
            "responses": form_responses,
        }}),
    );
    let public_json = |summary: &str| {
        json!({
            "description": summary,
            "content": {"application/json": {"schema": {"type": "object"}}}
        })
    };
    paths.insert(
        "/api/v1/catalogue".into(),
        json!({"get": {
            "operationId": "catalogue",
            "summary": "The public catalogue of support: every intervention and where it is offered (no login)",
            "security": [],
            "parameters": [
                q("lang", "sv or en.", json!({"type": "string", "enum": ["sv", "en"]})),
                q("age", "The child's age in years.", json!({"type": "string"})),
                q("language", "A language code.", json!({"type": "string"})),
                q("district", "A district code.", json!({"type": "string"})),
                q("category", "A category code.", json!({"type": "string"})),
            ],
            "responses": {"200": public_json("The catalogue."), "400": error_response("A filter is not valid.")},
        }}),
    );
    paths.insert(
        "/api/v1/catalogue/{code}/alternatives".into(),
        json!({"get": {
            "operationId": "catalogue_alternatives",
            "summary": "Other districts where an intervention starts, nearest start first (no login)",
            "security": [],
            "parameters": [
                {"name": "code", "in": "path", "required": true, "schema": {"type": "string"}},
                q("district", "The parent's district.", json!({"type": "string"})),
            ],
            "responses": {"200": public_json("The alternatives."), "400": error_response("The district is not valid."), "404": error_response("No such intervention.")},
        }}),
    );
    // The common error answers plus one success answer.
    let answers = |errors: &[(&str, Value)], ok: &str, description: &str| {
        let mut r = common_errors(errors);
        r[ok] = public_json(description);
        r
    };
    paths.insert(
        "/api/v1/spindeln/rounds".into(),
        json!({
            "get": {
                "operationId": "spindeln_rounds",
                "summary": "Spindeln measurement rounds (district leads, analysts, admins)",
                "responses": answers(&[], "200", "The rounds."),
            },
            "post": {
                "operationId": "spindeln_create_round",
                "summary": "Create a measurement round; returns its anonymous respondent links, shown only now (analysts, admins)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["name", "date", "districts"],
                    "properties": {
                        "name": {"type": "string"},
                        "date": {"type": "string", "format": "date"},
                        "districts": {"type": "array", "items": {"type": "string"}},
                        "parties": {"type": "array", "items": {"type": "string", "enum": ["social_services", "open_preschool", "child_health", "maternal_health"]}},
                        "items": {"type": "array", "items": {"type": "string"}, "description": "The nine item texts; default the shipped ones."},
                        "scale_max": {"type": "integer"},
                        "previous_round": {"type": "integer"}
                    }
                }}}},
                "responses": answers(
                    &[("400", error_response("Not a JSON object.")), ("422", error_response("A field is not valid."))],
                    "201",
                    "The round and its respondent links.",
                ),
            }
        }),
    );
    paths.insert(
        "/api/v1/spindeln/rounds/{id}/results".into(),
        json!({"get": {
            "operationId": "spindeln_results",
            "summary": "Per district and item: n, mean, min, max, sd (parties with too few respondents only pooled)",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": answers(&[("404", error_response("No such round."))], "200", "The results."),
        }}),
    );
    // Configuration (issue 6): admins only.
    let admin_answers = |ok: &str, description: &str| -> Value {
        let mut r = common_errors(&[
            ("400", error_response("The body is not the JSON object described.")),
            ("409", error_response("Another admin changed the configuration meanwhile: load it again and repeat the change.")),
            (
                "413",
                json!({"description": "The body is larger than 256 KiB."}),
            ),
            ("422", error_response("The change is not valid; the message says what to fix. Nothing changed.")),
        ]);
        r[ok] = public_json(description);
        r
    };
    paths.insert(
        "/api/v1/admin/config".into(),
        json!({"get": {
            "operationId": "admin_config",
            "summary": "The municipality's configuration in force: organisation, forms, value lists, mappings, revision (admins)",
            "responses": answers(&[], "200", "The configuration."),
        }}),
    );
    paths.insert(
        "/api/v1/admin/config/changes".into(),
        json!({"post": {
            "operationId": "admin_config_change",
            "summary": "Make one change to the configuration (admins); a change to a form's questions or lists gives it a new version",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["change"],
                "description": "`change` names the change; the other members are its fields, e.g. {\"change\": \"add_unit\", \"code\": \"…\", \"name\": \"…\", \"district\": \"…\", \"kind\": \"family_centre\"}; {\"change\": \"merge_districts\", \"from\": \"…\", \"into\": \"…\", \"on\": \"2020-01-01\"}; {\"change\": \"retire_unit\", \"code\": \"…\", \"on\": \"…\"}; {\"change\": \"add_question\", \"kind\": \"conversation\", \"name\": \"…\", \"type\": \"code|codes|int|bool\", \"list\": \"…\", \"label_sv\": \"…\"}; {\"change\": \"add_mapping\", \"kind\": \"…\", \"from\": \"…\", \"to\": \"…\", \"values\": {\"true\": \"…\"}}.",
                "properties": {"change": {"type": "string", "enum": [
                    "add_district", "rename_district", "add_area", "add_unit", "retire_unit",
                    "add_programme_site", "merge_districts", "add_option", "relabel_option",
                    "retire_option", "add_question", "retire_question", "add_mapping"
                ]}}
            }}}},
            "responses": admin_answers("201", "The change is in force: the new revision and every form's version."),
        }}),
    );
    paths.insert(
        "/api/v1/admin/value-lists/{list}".into(),
        json!({"post": {
            "operationId": "admin_add_option",
            "summary": "Add an option to a value list (admins); the forms using the list get a new version",
            "parameters": [{"name": "list", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["code", "label_sv"],
                "additionalProperties": false,
                "properties": {
                    "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
                    "label_sv": {"type": "string"},
                    "label_en": {"type": "string"}
                }
            }}}},
            "responses": admin_answers("201", "The option was added: every form's version."),
        }}),
    );
    paths.insert(
        "/api/v1/national/report".into(),
        json!({"get": {
            "operationId": "national_report",
            "summary": "The year's key figures of every municipality of the installation and their sum (national analysts only; aggregates only)",
            "parameters": [q("year", "Calendar year, e.g. 2025; default this year.", json!({"type": "string", "example": "2025"}))],
            "responses": answers(&[("400", error_response("year is not a year."))], "200", "Per municipality: code, name and key figures; the total of the counts."),
        }}),
    );
    paths.insert(
        "/api/v1/openapi.json".into(),
        json!({"get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.0", "content": {"application/json": {"schema": {"type": "object"}}}}},
        }}),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "foljupp API",
            "version": "1",
            "description": "Register activities and read aggregated reports of municipal preventive parenting support. Tokens are created by admins (Förvaltning → API-nycklar) and carry a role and, for registrants and district leads, a district.",
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn serve(State(state): State<SharedState>) -> Response {
    match state.public_config(None) {
        Ok(cfg) => Json(document(&cfg.forms, &cfg.organisation)).into_response(),
        Err(e) => e.into_response(),
    }
}
