//! The configuration's admin pages (issue 6): an admin changes the
//! organisation at /admin/organisation and the forms at /admin/formular
//! through the server-rendered forms (with the session's CSRF token); every
//! saved change shows on the page and in the configuration API, a refused
//! one answers 422 beside its form with the input kept and changes nothing,
//! and a change made on an outdated revision answers 409. Both backends.

use crate::common::*;
use foljupp_core::{Change, Role};
use reqwest::StatusCode;
use serde_json::Value;

struct Admin<'a> {
    app: &'a App,
    s: Session,
}

impl<'a> Admin<'a> {
    async fn new(app: &'a App) -> Admin<'a> {
        app.user("config-admin", Role::Admin, None).await;
        let s = app.login("config-admin").await;
        Admin { app, s }
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .app
            .http
            .get(self.app.url(path))
            .header("cookie", &self.s.cookie)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Posts a form with the session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = fields.to_vec();
        form.push(("csrf", self.s.csrf.as_str()));
        self.app
            .http
            .post(self.app.url(path))
            .header("cookie", &self.s.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form that must be saved: 303 back to the page; returns the
    /// page the browser is sent to.
    async fn saved(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let b = self.app.backend;
        let resp = self.post(path, fields).await;
        let status = resp.status();
        let to = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{b} POST {path} {fields:?}: {}",
            resp.text().await.unwrap()
        );
        let page = path.rsplit_once('/').unwrap().0;
        assert!(to.starts_with(&format!("{page}?sparad=")), "{b}: to {to}");
        let (st, html) = self.get(to.split('#').next().unwrap()).await;
        assert_eq!(st, StatusCode::OK, "{b} GET {to}");
        html
    }

    /// Posts a form that must be refused: 422 with `message` on the page.
    async fn refused(&self, path: &str, fields: &[(&str, &str)], message: &str) -> String {
        let b = self.app.backend;
        let resp = self.post(path, fields).await;
        let status = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b} POST {path} {fields:?}"
        );
        assert!(
            html.contains(message),
            "{b} POST {path}: no {message:?} in the page"
        );
        assert!(html.contains("Inte sparat"), "{b} POST {path}");
        html
    }

    async fn config(&self) -> Value {
        let resp = self
            .app
            .http
            .get(self.app.url("/api/v1/admin/config"))
            .header("cookie", &self.s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{}", self.app.backend);
        resp.json().await.unwrap()
    }

    async fn revision(&self) -> i64 {
        self.config().await["revision"].as_i64().unwrap()
    }
}

#[tokio::test]
async fn an_admin_changes_the_organisation_through_the_page() {
    for app in App::all().await {
        let b = app.backend;
        let admin = Admin::new(&app).await;
        let (st, html) = admin.get("/admin/organisation").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert!(
            html.contains("Farsta") && html.contains("Lägg till en enhet"),
            "{b}"
        );
        let start = admin.revision().await;

        // A unit.
        let html = admin
            .saved(
                "/admin/organisation/ny-enhet",
                &[
                    ("code", "farsta-testgarden"),
                    ("name", "Testgårdens öppna förskola"),
                    ("district", "farsta"),
                    ("kind", "open_preschool"),
                ],
            )
            .await;
        assert!(
            html.contains("Sparat: enheten Testgårdens öppna förskola är tillagd."),
            "{b}"
        );
        assert!(html.contains("<code>farsta-testgarden</code>"), "{b}");
        assert_eq!(admin.revision().await, start + 1, "{b}");
        let unit = |c: &Value| {
            c["organisation"]["units"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["code"] == "farsta-testgarden")
                .cloned()
        };
        let u = unit(&admin.config().await).expect("the unit in the configuration");
        assert_eq!(u["kind"], "open_preschool", "{b}");
        assert_eq!(u["district"], "farsta", "{b}");

        // Retired on a date.
        let html = admin
            .saved(
                "/admin/organisation/avveckla-enhet",
                &[("unit", "farsta-testgarden"), ("on", "2026-01-01")],
            )
            .await;
        assert!(html.contains("är avvecklad från 2026-01-01"), "{b}");
        assert!(html.contains("Avvecklad från 2026-01-01"), "{b}");
        let u = unit(&admin.config().await).unwrap();
        assert_eq!(u["retired_on"], "2026-01-01", "{b}");

        // A district, an area in it, a programme site, a new name, and the
        // district merged into another.
        admin
            .saved(
                "/admin/organisation/ny-stadsdel",
                &[("code", "teststaden"), ("name", "Teststaden")],
            )
            .await;
        admin
            .saved(
                "/admin/organisation/nytt-omrade",
                &[
                    ("district", "teststaden"),
                    ("code", "testbacken"),
                    ("name", "Testbacken"),
                ],
            )
            .await;
        let html = admin
            .saved(
                "/admin/organisation/ny-programort",
                &[("code", "testorten"), ("name", "Testorten")],
            )
            .await;
        assert!(
            html.contains("Sparat: programorten Testorten är tillagd."),
            "{b}"
        );
        let html = admin
            .saved(
                "/admin/organisation/byt-namn",
                &[("district", "teststaden"), ("name", "Nya Teststaden")],
            )
            .await;
        assert!(html.contains("heter nu Nya Teststaden"), "{b}");
        let html = admin
            .saved(
                "/admin/organisation/sla-samman",
                &[
                    ("from", "teststaden"),
                    ("into", "farsta"),
                    ("on", "2025-01-01"),
                ],
            )
            .await;
        assert!(
            html.contains("Sammanslagen med Farsta från 2025-01-01"),
            "{b}: the merger is listed"
        );
        assert!(html.contains("Historiken finns kvar"), "{b}");
        let c = admin.config().await;
        let d = c["organisation"]["districts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "teststaden")
            .unwrap()
            .clone();
        assert_eq!(d["name"], "Nya Teststaden", "{b}");
        assert_eq!(d["merger"]["into"], "farsta", "{b}");
        assert_eq!(d["merger"]["on"], "2025-01-01", "{b}");
        assert_eq!(c["revision"].as_i64().unwrap(), start + 7, "{b}");
        // Every change is in the audit log.
        let audited = app
            .store
            .audit_events(&foljupp_store::AuditFilter {
                action: Some("config_changed".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(audited.len(), 7, "{b}: {audited:?}");
        assert!(
            audited
                .iter()
                .any(|e| e.detail.contains("teststaden sammanslagen med farsta")),
            "{b}"
        );
    }
}

#[tokio::test]
async fn refused_organisation_changes_keep_the_input_and_change_nothing() {
    for app in App::all().await {
        let b = app.backend;
        let admin = Admin::new(&app).await;
        let start = admin.revision().await;
        let html = admin
            .refused(
                "/admin/organisation/ny-enhet",
                &[
                    ("code", "Fel Kod"),
                    ("name", "Behållna namnet"),
                    ("district", "farsta"),
                    ("kind", "family_centre"),
                ],
                "är ogiltig",
            )
            .await;
        // What was typed is still in the form, the district still chosen.
        assert!(html.contains(r#"value="Fel Kod""#), "{b}");
        assert!(html.contains(r#"value="Behållna namnet""#), "{b}");
        assert!(
            html.contains(r#"<option value="farsta" selected>"#),
            "{b}: the chosen district is kept"
        );
        admin
            .refused(
                "/admin/organisation/avveckla-enhet",
                &[("unit", "farsta-familjecentral"), ("on", "31/12")],
                "ÅÅÅÅ-MM-DD",
            )
            .await;
        admin
            .refused(
                "/admin/organisation/ny-enhet",
                &[
                    ("code", "ny-enhet-utan-stadsdel"),
                    ("name", "Enhet"),
                    ("district", ""),
                    ("kind", "family_centre"),
                ],
                "Välj vilken stadsdelsförvaltning enheten hör till.",
            )
            .await;
        admin
            .refused(
                "/admin/organisation/sla-samman",
                &[("from", "farsta"), ("into", "farsta"), ("on", "2025-01-01")],
                "Välj två olika stadsdelsförvaltningar",
            )
            .await;
        admin
            .refused(
                "/admin/organisation/ny-stadsdel",
                &[("code", "farsta"), ("name", "Farsta igen")],
                "används redan",
            )
            .await;
        assert_eq!(admin.revision().await, start, "{b}: nothing was saved");
        // An action that does not exist is not a form.
        let resp = admin
            .post("/admin/organisation/radera-allt", &[("code", "farsta")])
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{b}");
        // Without the session's CSRF token nothing happens.
        let resp = app
            .http
            .post(app.url("/admin/organisation/ny-stadsdel"))
            .header("cookie", &admin.s.cookie)
            .form(&[("code", "utan-token"), ("name", "Utan token")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");
        assert_eq!(admin.revision().await, start, "{b}: nothing was saved");
    }
}

#[tokio::test]
async fn an_admin_changes_value_lists_questions_and_mappings_through_the_page() {
    for app in App::all().await {
        let b = app.backend;
        let admin = Admin::new(&app).await;
        let (st, html) = admin.get("/admin/formular").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert!(html.contains("Råd- och stödsamtal"), "{b}");
        assert!(html.contains("version 1"), "{b}");
        let start = admin.revision().await;

        // An option: conversations use how_found, so their form gets v2.
        let html = admin
            .saved(
                "/admin/formular/nytt-alternativ",
                &[
                    ("list", "how_found"),
                    ("code", "social_media"),
                    ("label_sv", "Sociala medier"),
                    ("label_en", "Social media"),
                ],
            )
            .await;
        assert!(
            html.contains("Sparat: alternativet Sociala medier (social_media) är tillagt"),
            "{b}"
        );
        assert!(html.contains("Råd- och stödsamtal version 2"), "{b}");
        assert!(html.contains("<code>social_media</code>"), "{b}");
        // Registrations may use it now.
        let token = app
            .token("reg", Role::Registrant, Some("rinkeby-kista"))
            .await;
        let mut reg = example_conversation();
        reg["how_found"] = "social_media".into();
        let resp = app
            .http
            .post(app.url("/api/v1/registrations/conversation"))
            .bearer_auth(&token)
            .json(&reg)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{b}");

        // Relabelled, then retired.
        let html = admin
            .saved(
                "/admin/formular/ny-text",
                &[
                    ("list", "how_found"),
                    ("code", "social_media"),
                    ("label_sv", "Sociala medier och nätet"),
                    ("label_en", "Social media and the web"),
                ],
            )
            .await;
        assert!(html.contains("heter nu Sociala medier och nätet"), "{b}");
        let html = admin
            .saved(
                "/admin/formular/ta-bort-alternativ",
                &[("list", "how_found"), ("code", "social_media")],
            )
            .await;
        assert!(
            html.contains("alternativet Sociala medier och nätet i "),
            "{b}"
        );
        assert!(html.contains("Borttaget"), "{b}");

        // A question, a mapping onto the shipped language question, and
        // the question removed again.
        let html = admin
            .saved(
                "/admin/formular/ny-fraga",
                &[
                    ("kind", "conversation"),
                    ("name", "interpreter_used"),
                    ("type", "bool"),
                    ("list", ""),
                    ("label_sv", "Användes tolk?"),
                    ("label_en", "Was an interpreter used?"),
                ],
            )
            .await;
        assert!(
            html.contains(
                "frågan Användes tolk? är tillagd i Råd- och stödsamtal, som nu har version 5"
            ),
            "{b}"
        );
        assert!(html.contains("<code>interpreter_used</code>"), "{b}");
        let html = admin
            .saved(
                "/admin/formular/ny-koppling",
                &[
                    ("kind", "conversation"),
                    ("from", "interpreter_used"),
                    ("to", "language"),
                    ("values", "true=ar\r\nfalse=\r\n"),
                ],
            )
            .await;
        assert!(
            html.contains("svaren på interpreter_used nu också som svar på language"),
            "{b}"
        );
        assert!(html.contains("true → ar"), "{b}");
        let html = admin
            .saved(
                "/admin/formular/ta-bort-fraga",
                &[("kind", "conversation"), ("name", "interpreter_used")],
            )
            .await;
        assert!(
            html.contains("Sparat: frågan Användes tolk? är borttagen"),
            "{b}"
        );
        let c = admin.config().await;
        let conv = &c["forms"]["kinds"]["conversation"];
        assert_eq!(conv["version"], 6, "{b}: {conv}");
        let q = conv["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "interpreter_used")
            .unwrap();
        assert_eq!(q["retired"], true, "{b}");
        assert_eq!(c["forms"]["mappings"][0]["values"]["true"], "ar", "{b}");
        assert_eq!(c["revision"].as_i64().unwrap(), start + 6, "{b}");
    }
}

#[tokio::test]
async fn refused_form_changes_keep_the_input_and_change_nothing() {
    for app in App::all().await {
        let b = app.backend;
        let admin = Admin::new(&app).await;
        let start = admin.revision().await;
        let html = admin
            .refused(
                "/admin/formular/nytt-alternativ",
                &[
                    ("list", "how_found"),
                    ("code", "bvc"),
                    ("label_sv", "Behållen text"),
                    ("label_en", "Kept"),
                ],
                "finns redan i listan",
            )
            .await;
        assert!(html.contains(r#"value="Behållen text""#), "{b}");
        // The list's section is open, so the message is seen.
        assert!(html.contains(r#"id="lista-how_found" open"#), "{b}");
        admin
            .refused(
                "/admin/formular/ny-fraga",
                &[
                    ("kind", "conversation"),
                    ("name", "birth_year"),
                    ("type", "int"),
                    ("list", ""),
                    ("label_sv", "Telefon"),
                    ("label_en", "Phone"),
                ],
                "ser ut att gälla en person",
            )
            .await;
        admin
            .refused(
                "/admin/formular/ny-fraga",
                &[
                    ("kind", "conversation"),
                    ("name", "extra_list"),
                    ("type", "code"),
                    ("list", ""),
                    ("label_sv", "Lista"),
                    ("label_en", "List"),
                ],
                "Välj vilken värdelista",
            )
            .await;
        admin
            .refused(
                "/admin/formular/ta-bort-fraga",
                &[("kind", "conversation"), ("name", "date")],
                "kan inte tas bort",
            )
            .await;
        let html = admin
            .refused(
                "/admin/formular/ny-koppling",
                &[
                    ("kind", "conversation"),
                    ("from", "how_found"),
                    ("to", "language"),
                    ("values", "bvc ar"),
                ],
                "saknar likhetstecken",
            )
            .await;
        assert!(
            html.contains(">bvc ar</textarea>"),
            "{b}: the lines are kept"
        );
        admin
            .refused(
                "/admin/formular/ny-koppling",
                &[
                    ("kind", "conversation"),
                    ("from", "how_found"),
                    ("to", "language"),
                    ("values", "bvc=klingonska"),
                ],
                "finns inte i listan language",
            )
            .await;
        assert_eq!(admin.revision().await, start, "{b}: nothing was saved");
    }
}

#[tokio::test]
async fn a_change_on_an_outdated_configuration_answers_409_and_the_newest_is_shown() {
    for app in App::all().await {
        let b = app.backend;
        let admin = Admin::new(&app).await;
        // Another process saves a change the server has not read yet. (The
        // server reads new revisions every few seconds; should it read this
        // one before the form arrives, the form is saved on top of it and
        // the attempt is repeated.)
        let mut refused = None;
        for attempt in 0..3 {
            let revision = app.store.config_revision("stockholm").await.unwrap();
            let current = app
                .store
                .config_at("stockholm", revision)
                .await
                .unwrap()
                .unwrap();
            let code = format!("annanstans-{attempt}");
            let other = current
                .apply(
                    &Change::AddDistrict {
                        code: code.clone(),
                        name: format!("Annanstans {attempt}"),
                    },
                    time::OffsetDateTime::now_utc().date(),
                )
                .unwrap();
            app.store
                .save_config(&other, revision, time::OffsetDateTime::now_utc().date())
                .await
                .unwrap();
            let mine = format!("min-{attempt}");
            let resp = admin
                .post(
                    "/admin/organisation/ny-stadsdel",
                    &[("code", mine.as_str()), ("name", "Min")],
                )
                .await;
            if resp.status() == StatusCode::CONFLICT {
                refused = Some((revision + 1, code, resp.text().await.unwrap()));
                break;
            }
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        }
        let (revision, code, html) = refused.expect("a 409 in three attempts");
        assert!(html.contains("Ändringen sparades inte"), "{b}");
        assert!(html.contains(r#"href="/admin/organisation""#), "{b}");
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            revision,
            "{b}: the refused change saved nothing"
        );
        // The page shows the other change at once.
        let (_, page) = admin.get("/admin/organisation").await;
        assert!(page.contains(&format!("<code>{code}</code>")), "{b}");
        assert_eq!(admin.revision().await, revision, "{b}");
    }
}

#[tokio::test]
async fn only_admins_open_the_configuration_pages() {
    for app in App::all().await {
        let b = app.backend;
        app.user("lead", Role::DistrictLead, Some("farsta")).await;
        let lead = app.login("lead").await;
        for path in ["/admin/organisation", "/admin/formular"] {
            let resp = app
                .http
                .get(app.url(path))
                .header("cookie", &lead.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b} {path}");
            let resp = app.http.get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b} anon {path}");
        }
        let resp = app
            .http
            .post(app.url("/admin/formular/nytt-alternativ"))
            .header("cookie", &lead.cookie)
            .form(&[
                ("csrf", lead.csrf.as_str()),
                ("list", "how_found"),
                ("code", "lead_option"),
                ("label_sv", "Enhetschefens"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");
        let revisions = app.store.config_revision("stockholm").await.unwrap();
        assert_eq!(revisions, 1, "{b}: only the seeded revision");
    }
}

#[tokio::test]
async fn another_municipalitys_admin_changes_only_their_own_configuration() {
    use crate::municipalities::{start_two, OTHER};
    for (backend, url) in foljupp_store::testing::fresh_databases().await {
        let app = start_two(backend, url).await;
        let b = app.backend;
        app.user_in(OTHER, "testadmin", Role::Admin, None).await;
        let s = fresh_session(&app.store, "testadmin").await;
        let admin = Admin { app: &app, s };
        let stockholm = app.store.config_revision("stockholm").await.unwrap();
        let (st, html) = admin.get("/admin/organisation").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert!(html.contains("Familjecentralen Centrum"), "{b}");
        assert!(
            !html.contains("Farsta"),
            "{b}: Stockholm's organisation shown"
        );
        // Stockholm's district is not theirs to rename or to add units to.
        admin
            .refused(
                "/admin/organisation/byt-namn",
                &[("district", "farsta"), ("name", "Kapat namn")],
                "finns inte",
            )
            .await;
        admin
            .refused(
                "/admin/organisation/ny-enhet",
                &[
                    ("code", "kapad-enhet"),
                    ("name", "Kapad enhet"),
                    ("district", "farsta"),
                    ("kind", "family_centre"),
                ],
                "finns inte",
            )
            .await;
        // Their own value list changes; Stockholm's stays as it was.
        admin
            .saved(
                "/admin/formular/nytt-alternativ",
                &[
                    ("list", "how_found"),
                    ("code", "lokaltidningen"),
                    ("label_sv", "Lokaltidningen"),
                    ("label_en", "The local paper"),
                ],
            )
            .await;
        let own = admin.config().await;
        assert_eq!(own["municipality"], OTHER, "{b}");
        let codes = |c: &foljupp_core::MunicipalConfig| {
            c.forms
                .list("how_found")
                .unwrap()
                .options
                .iter()
                .any(|o| o.code == "lokaltidningen")
        };
        let other_rev = own["revision"].as_i64().unwrap();
        let theirs = app
            .store
            .config_at(OTHER, other_rev)
            .await
            .unwrap()
            .unwrap();
        assert!(codes(&theirs), "{b}");
        assert_eq!(
            app.store.config_revision("stockholm").await.unwrap(),
            stockholm,
            "{b}: Stockholm's configuration unchanged"
        );
        let st = app
            .store
            .config_at("stockholm", stockholm)
            .await
            .unwrap()
            .unwrap();
        assert!(!codes(&st), "{b}");
    }
}
