//! Configuration as versioned data (issue 6): value lists and questions
//! change in versions that reports span, districts merge, units retire, and
//! the whole configuration round-trips through a TOML file.

use crate::cli::foljupp;
use crate::common::*;
use foljupp_core::{Kind, Role};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn post(app: &App, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let st = resp.status();
    (st, resp.json().await.unwrap_or(Value::Null))
}

async fn get(app: &App, token: &str, path: &str) -> Value {
    let resp = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

async fn conversation(app: &App, token: &str, body: Value) -> (StatusCode, Value) {
    post(app, token, "/api/v1/registrations/conversation", body).await
}

#[tokio::test]
async fn forms_change_in_versions_and_a_report_spanning_them_counts_each_registration_once() {
    for app in App::all().await {
        let b = app.backend;
        let admin = app.token("forvaltare", Role::Admin, None).await;
        let reg = app
            .token("radgivare", Role::Registrant, Some("farsta"))
            .await;
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        let form = get(&app, &reg, "/api/v1/forms/conversation").await;
        assert_eq!(form["version"], 1, "{b}");

        // A code the list does not have yet is refused…
        let social =
            json!({"date": "2025-02-03", "district": "farsta", "how_found": "social_media"});
        let (st, _) = conversation(&app, &reg, social.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (st, v1) = conversation(
            &app,
            &reg,
            json!({"date": "2025-02-03", "district": "farsta", "language": "so"}),
        )
        .await;
        assert_eq!(
            (st, v1["form_version"].clone()),
            (StatusCode::CREATED, json!(1)),
            "{b}"
        );

        // …until an admin adds it: the forms using the list get version 2.
        let (st, added) = post(
            &app,
            &admin,
            "/api/v1/admin/value-lists/how_found",
            json!({"code": "social_media", "label_sv": "Sociala medier", "label_en": "Social media"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {added}");
        assert_eq!(added["versions"]["conversation"], 2, "{b}");
        assert_eq!(added["versions"]["collaboration"], 1, "{b}");
        let (st, v2) = conversation(&app, &reg, social).await;
        assert_eq!(
            (st, v2["form_version"].clone()),
            (StatusCode::CREATED, json!(2)),
            "{b}"
        );
        // Adding it twice, a bad code, a list from the organisation, or
        // anyone but an admin: refused, nothing changes.
        let revision = app.store.config_revision("stockholm").await.unwrap();
        for (body, list, want) in [
            (
                json!({"code": "social_media", "label_sv": "X"}),
                "how_found",
                422,
            ),
            (
                json!({"code": "Sociala Medier!", "label_sv": "X"}),
                "how_found",
                422,
            ),
            (json!({"code": "x", "label_sv": "X"}), "district", 422),
            (json!({"code": "x", "label_sv": "X"}), "no_such_list", 422),
            (json!({"code": "x"}), "how_found", 400),
            (
                json!({"code": "x", "label_sv": "X", "extra": 1}),
                "how_found",
                400,
            ),
        ] {
            let (st, v) = post(
                &app,
                &admin,
                &format!("/api/v1/admin/value-lists/{list}"),
                body,
            )
            .await;
            assert_eq!(st.as_u16(), want, "{b} {list}: {v}");
            assert!(
                v["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{b}: {v}"
            );
        }
        let (st, _) = post(
            &app,
            &analyst,
            "/api/v1/admin/value-lists/how_found",
            json!({"code": "y", "label_sv": "Y"}),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            revision,
            "{b}"
        );

        // The old question "interpreter used" is replaced by the language
        // question: added, answered, then retired with a mapping.
        let (st, v) = post(
            &app,
            &admin,
            "/api/v1/admin/config/changes",
            json!({"change": "add_question", "kind": "conversation", "name": "interpreter_used",
                   "type": "bool", "label_sv": "Användes tolk?", "label_en": "Interpreter used?"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {v}");
        assert_eq!(v["versions"]["conversation"], 3, "{b}");
        let (st, v3) = conversation(
            &app,
            &reg,
            json!({"date": "2025-03-04", "district": "farsta", "interpreter_used": true}),
        )
        .await;
        assert_eq!(
            (st, v3["form_version"].clone()),
            (StatusCode::CREATED, json!(3)),
            "{b}: {v3}"
        );
        let (st, _) = conversation(
            &app,
            &reg,
            json!({"date": "2025-03-05", "district": "farsta", "interpreter_used": false}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        for change in [
            json!({"change": "add_option", "list": "language", "code": "und", "label_sv": "Annat språk (okänt vilket)"}),
            json!({"change": "add_mapping", "kind": "conversation", "from": "interpreter_used", "to": "language",
                   "values": {"true": "und", "false": ""}}),
            json!({"change": "retire_question", "kind": "conversation", "name": "interpreter_used"}),
        ] {
            let (st, v) = post(&app, &admin, "/api/v1/admin/config/changes", change).await;
            assert_eq!(st, StatusCode::CREATED, "{b}: {v}");
        }
        let (st, v) = conversation(
            &app,
            &reg,
            json!({"date": "2025-03-06", "district": "farsta", "interpreter_used": true}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {v}");
        assert!(v.to_string().contains("borttagen"), "{b}: {v}");

        // Every stored registration kept its version; the form's history
        // is readable.
        let stored = app
            .store
            .load_registrations(
                "stockholm",
                foljupp_core::Period::year(2025).unwrap(),
                None,
                Some(Kind::Conversation),
            )
            .await
            .unwrap();
        let mut versions: Vec<u32> = stored.iter().map(|r| r.form_version).collect();
        versions.sort_unstable();
        assert_eq!(versions, [1, 2, 3, 3], "{b}");
        let old = get(&app, &reg, "/api/v1/forms/conversation?version=1").await;
        assert_eq!(old["version"], 1, "{b}");
        assert!(
            old["fields"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["name"] != "interpreter_used"),
            "{b}"
        );
        let now = get(&app, &reg, "/api/v1/forms/conversation").await;
        let current = now["version"].as_i64().unwrap();
        assert!(current >= 5, "{b}: {now}");
        assert_eq!(now["mappings"][0]["from"], "interpreter_used", "{b}");

        // The report over the whole year counts each registration once, and
        // the interpreter answer is carried into the language series.
        let r = get(&app, &analyst, "/api/v1/report?year=2025").await;
        assert_eq!(r["kpis"]["conversations"], 4, "{b}: {}", r["kpis"]);
        assert_eq!(
            r["kpis"]["conversations_other_language"], 2,
            "{b}: {}",
            r["kpis"]
        );
    }
}

#[tokio::test]
async fn merged_districts_report_together_from_their_day_and_retired_units_take_no_new_registrations(
) {
    for app in App::all().await {
        let b = app.backend;
        let admin = app.token("forvaltare", Role::Admin, None).await;
        let analyst = app.token("analytiker", Role::Analyst, None).await;
        let skarholmen = app
            .token("skarholmen", Role::Registrant, Some("skarholmen"))
            .await;
        let hagersten = app
            .token("hagersten", Role::Registrant, Some("hagersten-alvsjo"))
            .await;
        for (token, district, day) in [
            (&skarholmen, "skarholmen", "2024-05-05"),
            (&skarholmen, "skarholmen", "2025-03-03"),
            (&hagersten, "hagersten-alvsjo", "2025-03-03"),
            (&hagersten, "hagersten-alvsjo", "2024-03-03"),
        ] {
            let (st, v) =
                conversation(&app, token, json!({"date": day, "district": district})).await;
            assert_eq!(st, StatusCode::CREATED, "{b}: {v}");
        }
        let revision = app.store.config_revision("stockholm").await.unwrap();
        for bad in [
            json!({"change": "merge_districts", "from": "skarholmen", "into": "skarholmen", "on": "2025-01-01"}),
            json!({"change": "merge_districts", "from": "skarholmen", "into": "atlantis", "on": "2025-01-01"}),
            json!({"change": "merge_districts", "from": "skarholmen", "into": "hagersten-alvsjo", "on": "1999-01-01"}),
            json!({"change": "retire_unit", "code": "no-such-unit", "on": "2025-06-01"}),
        ] {
            let (st, v) = post(&app, &admin, "/api/v1/admin/config/changes", bad.clone()).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b} {bad}: {v}");
        }
        let (st, _) = post(&app, &admin, "/api/v1/admin/config/changes", json!({"change": "merge_districts", "from": "skarholmen", "into": "hagersten-alvsjo", "on": "not a day"})).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            revision,
            "{b}"
        );

        let (st, v) = post(
            &app,
            &admin,
            "/api/v1/admin/config/changes",
            json!({"change": "merge_districts", "from": "skarholmen", "into": "hagersten-alvsjo", "on": "2025-01-01"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {v}");
        // After the merger, the merged district takes no new registrations;
        // history before it can still be added.
        let (st, v) = conversation(
            &app,
            &skarholmen,
            json!({"date": "2025-04-04", "district": "skarholmen"}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {v}");
        assert!(v.to_string().contains("sammanslagen"), "{b}: {v}");
        let (st, _) = conversation(
            &app,
            &skarholmen,
            json!({"date": "2024-06-06", "district": "skarholmen"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");

        // 2025 is reported under the merged district, the year before it
        // too when compared; 2024 on its own shows both as they were.
        let r = get(&app, &analyst, "/api/v1/report?year=2025&compare=1").await;
        assert!(
            r["districts"].get("skarholmen").is_none(),
            "{b}: {}",
            r["districts"]
        );
        let h = &r["districts"]["hagersten-alvsjo"]["kpis"];
        assert_eq!(h["conversations"], 2, "{b}: {h}");
        assert_eq!(r["kpis"]["conversations"], 2, "{b}");
        let r = get(&app, &analyst, "/api/v1/report?year=2024").await;
        assert_eq!(
            r["districts"]["skarholmen"]["kpis"]["conversations"], 2,
            "{b}"
        );
        assert_eq!(
            r["districts"]["hagersten-alvsjo"]["kpis"]["conversations"], 1,
            "{b}"
        );
        assert_eq!(r["kpis"]["conversations"], 3, "{b}");

        // A retired unit takes activities up to its last day only.
        let (st, v) = post(
            &app,
            &admin,
            "/api/v1/admin/config/changes",
            json!({"change": "retire_unit", "code": "hagersten-alvsjo-familjecentral", "on": "2025-06-01"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {v}");
        let (st, v) = conversation(&app, &hagersten, json!({"date": "2025-06-02", "district": "hagersten-alvsjo", "unit": "hagersten-alvsjo-familjecentral"})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {v}");
        assert!(v.to_string().contains("avvecklad"), "{b}: {v}");
        let (st, _) = conversation(&app, &hagersten, json!({"date": "2025-05-30", "district": "hagersten-alvsjo", "unit": "hagersten-alvsjo-familjecentral"})).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        // The retired unit is no longer offered on the form.
        let form = get(&app, &hagersten, "/api/v1/forms/conversation").await;
        assert_eq!(
            form["version"], 1,
            "{b}: organisation changes leave the forms' versions"
        );
        let s = fresh_session(&app.store, "hagersten").await;
        let page = app
            .http
            .get(app.url("/registrera/conversation"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("hagersten-alvsjo-foraldraradgivning"), "{b}");
        assert!(
            !page.contains("value=\"hagersten-alvsjo-familjecentral\""),
            "{b}"
        );
        // An admin may register for any district: the merged one is no
        // longer among them (its name stays as a residential area).
        app.user("registrerande-admin", Role::Admin, None).await;
        let s = fresh_session(&app.store, "registrerande-admin").await;
        let page = app
            .http
            .get(app.url("/registrera/conversation"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("value=\"hagersten-alvsjo\""), "{b}");
        assert_eq!(
            page.matches("value=\"skarholmen\"").count(),
            1,
            "{b}: the merged district is offered"
        );
    }
}

#[tokio::test]
async fn the_configuration_round_trips_through_a_toml_file_checked_before_anything_changes() {
    for app in App::all().await {
        let b = app.backend;
        let db = app.store_url();
        let reg = app
            .token("radgivare", Role::Registrant, Some("farsta"))
            .await;
        let dir =
            std::env::temp_dir().join(format!("foljupp-config-{}", foljupp_store::random_token()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("konfiguration.toml");
        let out = foljupp(
            &db,
            &["config", "export", "-o", file.to_str().unwrap()],
            None,
        );
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("[[municipality]]") && text.contains("code = \"stockholm\""),
            "{b}"
        );

        // An invalid file changes nothing and says what is wrong.
        let bad = dir.join("fel.toml");
        std::fs::write(
            &bad,
            text.replacen(
                "[\"web\", \"Webben\", \"The web\"]",
                "[\"bvc\", \"Webben\", \"The web\"]",
                1,
            ),
        )
        .unwrap();
        let revision = app.store.config_revision("stockholm").await.unwrap();
        let out = foljupp(&db, &["config", "import", bad.to_str().unwrap()], None);
        assert!(!out.status.success(), "{b}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bvc") && err.contains("ingenting ändrades"),
            "{b}: {err}"
        );
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            revision,
            "{b}"
        );

        // An edited file: the changed form gets the next version, the
        // others keep theirs.
        let edited = text.replacen(
            "[\"web\", \"Webben\", \"The web\"],",
            "[\"web\", \"Webben\", \"The web\"],\n    [\"podcast\", \"Podd\", \"Podcast\"],",
            1,
        );
        assert_ne!(
            edited, text,
            "{b}: the export's format changed; update this test"
        );
        std::fs::write(&file, &edited).unwrap();
        let dry = foljupp(
            &db,
            &["config", "import", "--dry-run", file.to_str().unwrap()],
            None,
        );
        assert!(dry.status.success(), "{b}");
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            revision,
            "{b}: dry run saved"
        );
        let out = foljupp(&db, &["config", "import", file.to_str().unwrap()], None);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(said.contains("conversation får version 2"), "{b}: {said}");
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            revision + 1,
            "{b}"
        );

        // The running server takes the new configuration up by itself.
        let mut accepted = false;
        for _ in 0..40 {
            let (st, _) = conversation(
                &app,
                &reg,
                json!({"date": "2025-02-03", "district": "farsta", "how_found": "podcast"}),
            )
            .await;
            if st == StatusCode::CREATED {
                accepted = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert!(
            accepted,
            "{b}: the server did not take up the imported configuration"
        );

        // Export again: the same file as imported (with the new version),
        // and importing it again changes nothing.
        let again = dir.join("igen.toml");
        let out = foljupp(
            &db,
            &["config", "export", "-o", again.to_str().unwrap()],
            None,
        );
        assert!(out.status.success(), "{b}");
        let exported = std::fs::read_to_string(&again).unwrap();
        assert!(
            exported.contains("[\"podcast\", \"Podd\", \"Podcast\"]"),
            "{b}"
        );
        let out = foljupp(&db, &["config", "import", again.to_str().unwrap()], None);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("oförändrad"),
            "{b}"
        );
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            revision + 1,
            "{b}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
