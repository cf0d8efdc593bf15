//! Many municipalities in one installation (issue 6): each has its own
//! organisation, forms, accounts and data, and an account of one sees
//! nothing of another's, on every route.

use crate::common::*;
use foljupp_core::organisation::UnitKind;
use foljupp_core::{Change, FormSet, MunicipalConfig, Role};
use foljupp_store::{testing, AuditFilter, Store};
use foljupp_web::routes::{Access, RULES};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const OTHER: &str = "testkommun";

/// A second municipality, "Testkommun", with one district and one unit.
pub fn other_municipality() -> MunicipalConfig {
    let today = time::OffsetDateTime::now_utc().date();
    let c = MunicipalConfig::new_municipality(OTHER, "Testkommun").unwrap();
    let c = c
        .apply(
            &Change::AddDistrict {
                code: "centrum".into(),
                name: "Centrum".into(),
            },
            today,
        )
        .unwrap();
    c.apply(
        &Change::AddUnit {
            code: "centrum-familjecentral".into(),
            name: "Familjecentralen Centrum".into(),
            district: "centrum".into(),
            kind: UnitKind::FamilyCentre,
        },
        today,
    )
    .unwrap()
}

/// The app on a database holding Stockholm and Testkommun.
pub async fn start_two(backend: &'static str, url: String) -> App {
    let store = Store::open(&url, FormSet::defaults()).await.unwrap();
    foljupp_web::ensure_default_config(&store, "stockholm")
        .await
        .unwrap();
    store
        .save_config(
            &other_municipality(),
            0,
            time::OffsetDateTime::now_utc().date(),
        )
        .await
        .unwrap();
    App::start(backend, url).await
}

/// Texts that only Stockholm's data and organisation can put on a page.
const STOCKHOLM_MARKERS: [&str; 8] = [
    "Stockholms hemliga program",
    "Farsta",
    "Rinkeby",
    "Stockholms stad",
    "stockholmsadmin",
    "stockholmsregistrerare",
    "Stockholmsrundan",
    "Hemlig lägesbild",
];

const ROLES: [Role; 4] = [
    Role::Registrant,
    Role::DistrictLead,
    Role::Analyst,
    Role::Admin,
];

#[tokio::test]
async fn an_account_of_one_municipality_sees_and_changes_nothing_of_another_on_any_route() {
    for (backend, url) in testing::fresh_databases().await {
        let app = start_two(backend, url).await;
        let b = app.backend;

        // Stockholm's data: registrations, a parent link, a Spindeln round,
        // a status report, accounts, tokens and audit rows.
        let st_admin = app.token("stockholmsadmin", Role::Admin, None).await;
        let st_reg = app
            .token("stockholmsregistrerare", Role::Registrant, Some("farsta"))
            .await;
        let mut parent_code = String::new();
        for day in ["2025-02-03", "2025-03-04", "2025-05-06"] {
            let resp = app
                .http
                .post(app.url("/api/v1/registrations/conversation"))
                .bearer_auth(&st_reg)
                .json(&json!({"date": day, "district": "farsta", "conversation_no": 1, "language": "so"}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::CREATED, "{b}");
            let v: Value = resp.json().await.unwrap();
            if let Some(l) = v["parent_link"].as_str() {
                parent_code = l.trim_start_matches("/p/").to_string();
            }
        }
        let round = foljupp_store::NewRound {
            name: "Stockholmsrundan".into(),
            day: "2025-03-01".into(),
            districts: vec!["farsta".into()],
            parties: vec!["social_services".into()],
            items: foljupp_core::steering::SPINDELN_ITEMS
                .iter()
                .map(|i| i.default_text_sv.to_string())
                .collect(),
            scale_max: 5,
            previous_round: None,
        };
        let spindeln_code = "stockholmskod1";
        let round_id = app
            .store
            .create_spindeln_round(
                "stockholm",
                &round,
                &[foljupp_store::LinkHash {
                    district: "farsta".into(),
                    party: "social_services".into(),
                    code_hash: foljupp_web::sha256_hex(spindeln_code),
                }],
            )
            .await
            .unwrap();
        let content = foljupp_store::StatusContent {
            works: "Hemlig lägesbild".into(),
            ..Default::default()
        };
        app.store
            .save_status_report("stockholm", "farsta", 2025, 1, &content, true)
            .await
            .unwrap();
        // Stockholm's own wording of a catalogue entry (both municipalities
        // start from the same shipped interventions).
        let first = foljupp_core::catalogue::default_interventions()[0]
            .code
            .clone();
        let mut own = app
            .store
            .intervention("stockholm", &first)
            .await
            .unwrap()
            .unwrap();
        own.name_sv = "Stockholms hemliga program".into();
        assert!(app
            .store
            .update_intervention("stockholm", &own)
            .await
            .unwrap());
        let st_admin_acc = app
            .store
            .account_by_name("stockholmsadmin")
            .await
            .unwrap()
            .unwrap();
        let st_token_id = app
            .store
            .api_token(&foljupp_web::sha256_hex(&st_admin))
            .await
            .unwrap()
            .unwrap()
            .id;
        let st_session = fresh_session(&app.store, "stockholmsadmin").await;
        let resp = app
            .http
            .get(app.url("/admin/logg"))
            .header("cookie", &st_session.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b}");

        let before = Snapshot::take(&app, &st_admin).await;
        assert!(before.conversations >= 3, "{b}: {before:?}");

        // Testkommun's accounts, one per role, by session and by token.
        let mut tokens = Vec::new();
        for role in ROLES {
            let district = role.is_district_bound().then_some("centrum");
            tokens.push(
                app.token_in(OTHER, &format!("test-{role}"), role, district)
                    .await,
            );
        }

        let mut checked = 0;
        for (method, pattern, access) in RULES {
            let id = if pattern.contains("spindeln") {
                round_id
            } else if pattern.contains("nycklar") {
                st_token_id
            } else {
                st_admin_acc.id
            };
            let code = if pattern.starts_with("/p/") {
                parent_code.clone()
            } else if pattern.starts_with("/s/") {
                spindeln_code.to_string()
            } else if pattern.contains("spindeln") {
                "farsta".to_string()
            } else {
                foljupp_core::catalogue::default_interventions()[0]
                    .code
                    .clone()
            };
            let path = pattern
                .replace("{kind}", "conversation")
                .replace("/admin/formular/{action}", "/admin/formular/ny-text")
                .replace("{action}", "byt-namn")
                .replace("{district}", "farsta")
                .replace("{file}", "oversikt-kpis.csv")
                .replace("{year}", "2025")
                .replace("{tertial}", "1")
                .replace("{list}", "how_found")
                .replace("{id}", &id.to_string())
                .replace("{code}", &code);
            let path = if pattern == &"/static/{file}" {
                "/static/app.css".to_string()
            } else {
                path
            };
            // A capability link (a parent's, a Spindeln respondent's) is
            // public by design: whoever holds the code sees its page.
            let capability = pattern.starts_with("/p/") || pattern.starts_with("/s/");
            for (i, role) in ROLES.iter().enumerate() {
                let is_api = matches!(access, Access::Api(_));
                let session = fresh_session(&app.store, &format!("test-{role}")).await;
                let mut r = match *method {
                    "GET" => app.http.get(app.url(&path)),
                    _ => app.http.post(app.url(&path)),
                };
                if is_api {
                    r = r.bearer_auth(&tokens[i]);
                } else {
                    r = r.header("cookie", &session.cookie);
                }
                if *method == "POST" {
                    r = if is_api {
                        // Stockholm's district in a registration; a valid
                        // option for a value list (Testkommun's own).
                        r.json(&json!({
                            "date": "2025-03-04",
                            "district": "farsta",
                            "code": format!("ny-{i}"),
                            "label_sv": "Nytt alternativ",
                        }))
                    } else {
                        r.form(&[
                            ("csrf", session.csrf.as_str()),
                            ("district", "farsta"),
                            ("name", "Kapat namn"),
                            ("date", "2025-03-04"),
                        ])
                    };
                }
                let resp = r.send().await.unwrap();
                let st = resp.status();
                assert!(st.as_u16() < 500, "{b} {role} {method} {path}: {st}");
                let body = resp.text().await.unwrap_or_default();
                if !capability {
                    for marker in STOCKHOLM_MARKERS {
                        assert!(
                            !body.contains(marker),
                            "{b} {role} {method} {path} ({st}) shows {marker:?} of Stockholm"
                        );
                    }
                }
                checked += 1;
            }
        }
        assert_eq!(checked, RULES.len() * ROLES.len(), "{b}");

        // Nothing of Stockholm's changed.
        let after = Snapshot::take(&app, &st_admin).await;
        assert_eq!(before, after, "{b}");
        // Testkommun's own report has none of Stockholm's registrations.
        let report: Value = app
            .http
            .get(app.url("/api/v1/report?year=2025"))
            .bearer_auth(&tokens[2])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["scope"]["municipality"], OTHER, "{b}");
        assert_eq!(report["kpis"]["conversations"], 0, "{b}");
        assert!(report["districts"].get("farsta").is_none(), "{b}");
        // Each admin's audit log holds only its own municipality's events.
        let theirs = app
            .store
            .audit_events(&AuditFilter {
                municipality: Some(OTHER.into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            theirs
                .iter()
                .all(|e| e.account_name.starts_with("test-") || e.account_name.is_empty()),
            "{b}: {theirs:?}"
        );
    }
}

/// What a Testkommun account could have changed of Stockholm's.
#[derive(Debug, PartialEq)]
struct Snapshot {
    conversations: i64,
    stored: i64,
    config_revision: i64,
    accounts: Vec<(String, bool)>,
    tokens: Vec<(i64, bool)>,
    rounds: Vec<(String, bool, Vec<String>)>,
    spindeln_link: bool,
    status_versions: usize,
    audit_rows: usize,
    interventions: usize,
}

impl Snapshot {
    async fn take(app: &App, token: &str) -> Snapshot {
        let s = &app.store;
        Snapshot {
            conversations: app.conversations(token, 2025).await,
            stored: app.stored().await,
            config_revision: s.config_revision("stockholm").await.unwrap(),
            accounts: s
                .list_accounts("stockholm")
                .await
                .unwrap()
                .into_iter()
                .map(|a| (a.name, a.disabled))
                .collect(),
            tokens: s
                .list_api_tokens("stockholm")
                .await
                .unwrap()
                .into_iter()
                .map(|t| (t.id, t.revoked))
                .collect(),
            rounds: s
                .spindeln_rounds("stockholm")
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.name, r.closed, r.districts))
                .collect(),
            spindeln_link: s
                .spindeln_link(&foljupp_web::sha256_hex("stockholmskod1"))
                .await
                .unwrap()
                .is_some(),
            status_versions: s
                .status_report_versions("stockholm", "farsta", 2025, 1)
                .await
                .unwrap()
                .len(),
            // The snapshot's own report call is audited; nothing else may be.
            audit_rows: s
                .audit_events(&AuditFilter {
                    municipality: Some("stockholm".into()),
                    ..Default::default()
                })
                .await
                .unwrap()
                .iter()
                .filter(|e| e.action != "report_download")
                .count(),
            interventions: s.interventions("stockholm", true).await.unwrap().len(),
        }
    }
}

#[tokio::test]
async fn the_national_view_shows_every_municipality_in_aggregate_and_nothing_else() {
    for (backend, url) in testing::fresh_databases().await {
        let app = start_two(backend, url).await;
        let b = app.backend;
        let st = app
            .token("stockholmsregistrerare", Role::Registrant, Some("farsta"))
            .await;
        let other = app
            .token_in(OTHER, "testregistrerare", Role::Registrant, Some("centrum"))
            .await;
        for (token, district, n) in [(&st, "farsta", 3), (&other, "centrum", 2)] {
            for i in 0..n {
                let resp = app
                    .http
                    .post(app.url("/api/v1/registrations/conversation"))
                    .bearer_auth(token)
                    .json(&json!({"date": format!("2025-02-0{}", i + 1), "district": district, "conversation_no": 1}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED, "{b}");
            }
        }
        let national = app
            .token("riksanalytiker", Role::NationalAnalyst, None)
            .await;
        let r: Value = app
            .http
            .get(app.url("/api/v1/national/report?year=2025"))
            .bearer_auth(&national)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = r["municipalities"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{b}: {r}");
        let of = |code: &str| {
            rows.iter()
                .find(|m| m["municipality"] == code)
                .map(|m| m["kpis"]["conversations"].clone())
        };
        assert_eq!(of("stockholm"), Some(json!(3)), "{b}: {r}");
        assert_eq!(of(OTHER), Some(json!(2)), "{b}: {r}");
        assert_eq!(r["total"]["conversations"], 5, "{b}: {r}");
        assert!(
            r.get("breakdowns").is_none() && !r.to_string().contains("farsta"),
            "{b}: {r}"
        );

        // The national role opens nothing of a municipality…
        for path in ["/api/v1/report?year=2025", "/api/v1/forms/conversation"] {
            let st = app
                .http
                .get(app.url(path))
                .bearer_auth(&national)
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(st, StatusCode::FORBIDDEN, "{b} {path}");
        }
        let s = fresh_session(&app.store, "riksanalytiker").await;
        for (path, want) in [
            ("/oversikt", 403),
            ("/admin/konton", 403),
            ("/nationellt?year=2025", 200),
            ("/konto/losenord", 200),
        ] {
            let resp = app
                .http
                .get(app.url(path))
                .header("cookie", &s.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), want, "{b} {path}");
            if path.starts_with("/nationellt") {
                let html = resp.text().await.unwrap();
                assert!(
                    html.contains("Testkommun") && html.contains("Stockholms stad"),
                    "{b}"
                );
                assert!(!html.contains("Farsta"), "{b}");
            }
        }
        let resp = app
            .http
            .get(app.url("/nationellt?year=tjugo"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{b}");
        // …and no municipality's account opens the national view, nor can
        // a municipality's admin grant the role.
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        let st = app
            .http
            .get(app.url("/api/v1/national/report"))
            .bearer_auth(&analyst)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        app.user("stockholmsadmin", Role::Admin, None).await;
        let admin = fresh_session(&app.store, "stockholmsadmin").await;
        let resp = app
            .http
            .post(app.url("/admin/konton"))
            .header("cookie", &admin.cookie)
            .form(&[
                ("csrf", admin.csrf.as_str()),
                ("name", "smygnationell"),
                ("role", "national_analyst"),
                ("district", ""),
                ("password", "ett långt och bra lösenord 42"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            app.store
                .account_by_name("smygnationell")
                .await
                .unwrap()
                .is_none(),
            "{b}"
        );
        // (The same form with a municipal role is accepted.)
        let resp = app
            .http
            .post(app.url("/admin/konton"))
            .header("cookie", &admin.cookie)
            .form(&[
                ("csrf", admin.csrf.as_str()),
                ("name", "vanliganalytiker"),
                ("role", "analyst"),
                ("district", ""),
                ("password", "ett långt och bra lösenord 42"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_redirection() || resp.status().is_success(),
            "{b}: {}",
            resp.status()
        );
        assert!(
            app.store
                .account_by_name("vanliganalytiker")
                .await
                .unwrap()
                .is_some(),
            "{b}"
        );
    }
}
