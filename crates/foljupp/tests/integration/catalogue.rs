//! The public catalogue of support: pages and API in both languages, the
//! filters in the URL, the "starts sooner in …" ordering, district leads'
//! entries with their permissions, stale flags, trends and the admins'
//! editing of interventions. Every test runs on both backends.

use crate::common::*;
use foljupp_core::catalogue::{Contact, Offer};
use foljupp_core::Role;
use reqwest::StatusCode;
use serde_json::Value;
use time::{Date, Duration};

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn offer(
    intervention: &str,
    district: &str,
    offered: bool,
    waiting: Option<u32>,
    start_in_days: Option<i64>,
    updated_days_ago: i64,
) -> Offer {
    Offer {
        intervention: intervention.into(),
        district: district.into(),
        offered,
        contact: Contact {
            unit: format!("Familjecentralen {district}"),
            phone: "08-465 004 00".into(),
            email: format!("familjecentralen.{district}@demo.invalid"),
        },
        waiting_weeks: waiting,
        next_start: start_in_days.map(|d| today() + Duration::days(d)),
        free_places: offered.then_some(4),
        updated_on: today() - Duration::days(updated_days_ago),
    }
}

impl App {
    async fn get_text(&self, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
        let mut req = self.http.get(self.url(path));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let resp = req.send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.http.get(self.url(path)).send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    /// Logs in any role (the shared helper needs a registering role) and
    /// returns the session cookie and the CSRF token from the page's
    /// logout form.
    async fn session(&self, name: &str) -> Session {
        let page = self.http.get(self.url("/login")).send().await.unwrap();
        let pre = cookie_of(&page, "foljupp_login_csrf").unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "csrf");
        let resp = self
            .http
            .post(self.url("/login"))
            .header("cookie", format!("foljupp_login_csrf={pre}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", name),
                ("password", PASSWORD),
                ("next", "/katalog"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login of {name}");
        let cookie = format!(
            "foljupp_session={}",
            cookie_of(&resp, "foljupp_session").unwrap()
        );
        let (_, html) = self.get_text("/katalog", Some(&cookie)).await;
        Session {
            csrf: hidden(&html, "csrf"),
            cookie,
        }
    }

    async fn post_form(
        &self,
        path: &str,
        s: &Session,
        pairs: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header("cookie", &s.cookie)
            .form(pairs)
            .send()
            .await
            .unwrap()
    }
}

/// Whether the catalogue page lists the intervention (its link).
fn lists(html: &str, code: &str) -> bool {
    html.contains(&format!("href=\"/katalog/{code}\""))
        || html.contains(&format!("href=\"/katalog/{code}?"))
}

fn codes(v: &Value) -> Vec<String> {
    v["interventions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

const SEEDED: [&str; 16] = [
    "advice_conversation",
    "home_visit_programme",
    "open_preschool",
    "group_meetings",
    "abc",
    "cos_p",
    "icdp",
    "active_parenting",
    "fos",
    "komet",
    "ikomet",
    "ungdomskomet",
    "familjeverkstan",
    "connect",
    "skilda_varldar",
    "trappan",
];

#[tokio::test]
async fn the_catalogue_is_public_in_both_languages_and_filters_through_the_url() {
    for app in App::all().await {
        let b = app.backend;
        // Loaded once on first start, never twice.
        assert_eq!(
            app.store
                .interventions("stockholm", true)
                .await
                .unwrap()
                .len(),
            16,
            "{b}"
        );
        assert_eq!(
            app.store
                .ensure_catalogue(
                    "stockholm",
                    &foljupp_core::catalogue::default_interventions()
                )
                .await
                .unwrap(),
            0
        );
        app.store
            .save_offer(
                "stockholm",
                &offer("komet", "farsta", true, Some(0), Some(14), 1),
            )
            .await
            .unwrap();
        app.store
            .save_offer(
                "stockholm",
                &offer("connect", "farsta", false, None, None, 1),
            )
            .await
            .unwrap();

        // Anyone, without logging in, in Swedish…
        let (status, sv) = app.get_text("/katalog", None).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(sv.contains(r#"<html lang="sv">"#));
        assert!(sv.contains("Stöd för föräldrar och barn"));
        for code in SEEDED {
            assert!(lists(&sv, code), "{b}: {code} missing");
        }
        for name in [
            "Råd- och stödsamtal",
            "Trygghetscirkeln",
            "Vägledande samspel",
            "Skilda världar",
        ] {
            assert!(sv.contains(name), "{b}: {name}");
        }
        assert!(sv.contains("Universell prevention") && sv.contains("Indikerad prevention"));
        assert!(sv.contains("Serviceinsats – ingen ansökan"));
        assert!(
            sv.contains(r#"href="/katalog?lang=en" lang="en""#),
            "{b}: language switch"
        );
        // …and in English.
        let (status, en) = app.get_text("/katalog?lang=en", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(en.contains(r#"<html lang="en">"#));
        assert!(en.contains("Support for parents and children"));
        assert!(en.contains("Advice and support conversations"));
        assert!(en.contains("Universal prevention"));
        assert!(
            !en.contains("Råd- och stödsamtal"),
            "{b}: Swedish name on the English page"
        );

        // Filters: the child's age and the kind of support.
        let (_, teen) = app
            .get_text("/katalog?age=14&category=parenting_programme", None)
            .await;
        for code in ["ungdomskomet", "connect", "icdp"] {
            assert!(lists(&teen, code), "{b}: {code} for a 14-year-old");
        }
        for code in [
            "komet",
            "ikomet",
            "cos_p",
            "skilda_varldar",
            "advice_conversation",
        ] {
            assert!(!lists(&teen, code), "{b}: {code} must be filtered out");
        }
        // The filter stays in the form, so the URL can be shared and refined.
        assert!(teen.contains(r#"<option value="14" selected>"#));
        assert!(teen.contains(r#"<option value="parenting_programme" selected>"#));
        assert!(teen.contains("Visar 5 av 16 insatser."));
        // Language.
        let (_, somali) = app.get_text("/katalog?language=so", None).await;
        assert!(lists(&somali, "fos") && lists(&somali, "icdp"));
        assert!(!lists(&somali, "komet"), "{b}");
        // Expecting parents.
        let (_, expecting) = app.get_text("/katalog?age=expecting", None).await;
        assert!(lists(&expecting, "advice_conversation") && !lists(&expecting, "abc"));
        // District: only what the district offers, with its status there.
        let (_, farsta) = app.get_text("/katalog?district=farsta&lang=en", None).await;
        assert!(lists(&farsta, "komet"), "{b}");
        assert!(!lists(&farsta, "connect"), "{b}: not offered in Farsta");
        assert!(
            !lists(&farsta, "abc"),
            "{b}: nothing said about ABC in Farsta"
        );
        assert!(farsta.contains("In Farsta") && farsta.contains("No queue"));
        assert!(farsta.contains(r#"href="/katalog/komet?district=farsta&#38;lang=en""#));
        // Nothing matches: an empty state that says what to do.
        let (_, none) = app
            .get_text("/katalog?district=farsta&category=childrens_group", None)
            .await;
        assert!(none.contains("Inget stöd passar alla dina val"), "{b}");
        // A tampered value is named and ignored, not an error.
        let (status, odd) = app
            .get_text("/katalog?age=99&district=atlantis", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(odd.contains("age=99") && odd.contains("district=atlantis"));
        assert!(lists(&odd, "komet") && lists(&odd, "abc"));

        // The detail page in both languages.
        let (status, detail) = app.get_text("/katalog/cos_p", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(detail.contains("<h1>Circle of Security Parenting (Trygghetscirkeln)</h1>"));
        assert!(detail.contains("I stadsdelarna"));
        assert!(detail.contains("Har inte lämnat uppgifter"));
        let (_, detail_en) = app
            .get_text("/katalog/komet?lang=en&district=farsta", None)
            .await;
        assert!(detail_en.contains("Familjecentralen farsta"));
        assert!(detail_en.contains(r#"<a href="tel:0846500400">08-465 004 00</a>"#));
        assert_eq!(
            app.get_text("/katalog/teleportation", None).await.0,
            StatusCode::NOT_FOUND
        );

        // The JSON API: public, the same filters.
        let (status, all) = app.get_json("/api/v1/catalogue").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert_eq!(codes(&all), SEEDED);
        let komet = &all["interventions"][9];
        assert_eq!(komet["code"], "komet");
        assert_eq!(komet["level"], "selective");
        assert_eq!(komet["form"], "service");
        assert_eq!(komet["category"], "parenting_programme");
        assert_eq!(komet["ages"]["min"], 3);
        assert_eq!(komet["name"]["en"], "Komet");
        assert_eq!(komet["offers"][0]["district"], "farsta");
        assert_eq!(komet["offers"][0]["waiting_weeks"], 0);
        assert_eq!(komet["offers"][0]["contact"]["phone"], "08-465 004 00");
        assert_eq!(all["interventions"][15]["level"], "indicated");
        assert_eq!(all["interventions"][15]["form"], "assessed");
        assert_eq!(all["levels"].as_array().unwrap().len(), 3);
        let (_, teen) = app
            .get_json("/api/v1/catalogue?age=14&category=parenting_programme")
            .await;
        assert_eq!(
            codes(&teen),
            ["icdp", "active_parenting", "fos", "ungdomskomet", "connect"],
            "{b}"
        );
        let (_, farsta) = app.get_json("/api/v1/catalogue?district=farsta").await;
        assert_eq!(codes(&farsta), ["komet"]);
        let (status, bad) = app.get_json("/api/v1/catalogue?category=spa").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(bad["message"].as_str().unwrap().contains("category=spa"));
    }
}

#[tokio::test]
async fn a_parent_facing_a_queue_sees_where_a_group_starts_sooner_nearest_first() {
    for app in App::all().await {
        let b = app.backend;
        let mut past = offer("komet", "sodermalm", true, Some(0), None, 200);
        past.next_start = Some(today() - Duration::days(3));
        for o in [
            offer("komet", "farsta", true, Some(6), Some(70), 2),
            offer("komet", "skarholmen", true, Some(2), Some(20), 2),
            offer("komet", "bromma", true, Some(2), Some(20), 2),
            offer("komet", "kungsholmen", true, Some(0), Some(20), 2),
            offer("komet", "norrmalm", true, None, Some(10), 2),
            offer("komet", "ostermalm", false, None, None, 2),
            offer("komet", "skarpnack", true, Some(0), None, 2),
            past,
        ] {
            app.store.save_offer("stockholm", &o).await.unwrap();
        }
        let (status, v) = app
            .get_json("/api/v1/catalogue/komet/alternatives?district=farsta")
            .await;
        assert_eq!(status, StatusCode::OK, "{b}");
        let order: Vec<&str> = v["alternatives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["district"].as_str().unwrap())
            .collect();
        // Nearest start first; on the same day the shorter wait, then the name.
        assert_eq!(
            order,
            ["norrmalm", "kungsholmen", "bromma", "skarholmen"],
            "{b}"
        );
        assert_eq!(v["needs_alternatives"], true);
        assert_eq!(v["own"]["waiting_weeks"], 6);
        assert_eq!(v["alternatives"][1]["waiting_weeks"], 0);
        assert_eq!(v["alternatives"][1]["free_places"], 4);
        assert_eq!(
            v["alternatives"][0]["next_start"],
            foljupp_core::format_date(today() + Duration::days(10))
        );
        // Kungsholmen has no queue and a group within 8 weeks.
        let (_, k) = app
            .get_json("/api/v1/catalogue/komet/alternatives?district=kungsholmen")
            .await;
        assert_eq!(k["needs_alternatives"], false, "{b}");
        // A district that does not offer it, or said nothing, gets them too.
        let (_, o) = app
            .get_json("/api/v1/catalogue/komet/alternatives?district=ostermalm")
            .await;
        assert_eq!(o["needs_alternatives"], true);
        assert_eq!(o["alternatives"].as_array().unwrap().len(), 5);
        let (_, n) = app
            .get_json("/api/v1/catalogue/komet/alternatives?district=rinkeby-kista")
            .await;
        assert_eq!(n["own"], Value::Null);
        assert_eq!(n["needs_alternatives"], true);
        // Bad requests say what to send.
        let (status, e) = app.get_json("/api/v1/catalogue/komet/alternatives").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(e["message"].as_str().unwrap().contains("?district="));
        let (status, _) = app
            .get_json("/api/v1/catalogue/komet/alternatives?district=atlantis")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = app
            .get_json("/api/v1/catalogue/teleportation/alternatives?district=farsta")
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The page: "starts sooner in …", in the same order.
        let (_, page) = app.get_text("/katalog/komet?district=farsta", None).await;
        assert!(page.contains("Startar tidigare i …"), "{b}");
        assert!(page.contains("I Farsta är väntetiden 6 veckor."));
        let ol = page
            .split(r#"<ol class="alternatives">"#)
            .nth(1)
            .and_then(|s| s.split("</ol>").next())
            .unwrap();
        let at = |name: &str| ol.find(&format!(">{name}</a></h4>")).unwrap_or(usize::MAX);
        assert!(
            at("Norrmalm") < at("Kungsholmen")
                && at("Kungsholmen") < at("Bromma")
                && at("Bromma") < at("Skärholmen")
                && at("Skärholmen") < usize::MAX,
            "{b}: {ol}"
        );
        assert!(
            !ol.contains("Södermalm") && !ol.contains("Östermalm") && !ol.contains("Skarpnäck")
        );
        let (_, page_en) = app
            .get_text("/katalog/komet?district=farsta&lang=en", None)
            .await;
        assert!(page_en.contains("Starts sooner in …"));
        assert!(page_en.contains("In Farsta the waiting time is 6 weeks."));
        // The list points at the nearest one.
        let (_, list) = app.get_text("/katalog?district=farsta", None).await;
        let soon = format!(
            "Startar tidigare i Norrmalm ({}).",
            long_sv(today() + Duration::days(10))
        );
        assert!(list.contains(&soon), "{b}: {soon}");
        // No queue and a group soon: no pointer elsewhere.
        let (_, k) = app
            .get_text("/katalog/komet?district=kungsholmen", None)
            .await;
        assert!(!k.contains("Startar tidigare i"), "{b}");
        // No queue but a later group: only the districts that start before it.
        app.store
            .save_offer(
                "stockholm",
                &offer("komet", "farsta", true, Some(0), Some(15), 0),
            )
            .await
            .unwrap();
        let (_, page) = app.get_text("/katalog/komet?district=farsta", None).await;
        assert!(!page.contains("startar ingen grupp"), "{b}");
        assert!(
            !page.contains("Startar tidigare i …"),
            "{b}: a group in 15 days is soon"
        );
        app.store
            .save_offer(
                "stockholm",
                &offer("komet", "farsta", true, Some(0), Some(90), 0),
            )
            .await
            .unwrap();
        let (_, page) = app.get_text("/katalog/komet?district=farsta", None).await;
        assert!(
            page.contains("I Farsta startar ingen grupp inom 8 veckor."),
            "{b}"
        );
        let ol = page
            .split(r#"<ol class="alternatives">"#)
            .nth(1)
            .and_then(|s| s.split("</ol>").next())
            .unwrap();
        assert_eq!(ol.matches("<li>").count(), 4, "{b}");

        // Support without group starts: shorter waiting times instead.
        for o in [
            offer("advice_conversation", "farsta", true, Some(3), None, 1),
            offer("advice_conversation", "bromma", true, Some(1), None, 1),
            offer("advice_conversation", "norrmalm", true, Some(0), None, 1),
            offer("advice_conversation", "kungsholmen", true, Some(5), None, 1),
        ] {
            app.store.save_offer("stockholm", &o).await.unwrap();
        }
        let (_, page) = app
            .get_text("/katalog/advice_conversation?district=farsta", None)
            .await;
        assert!(page.contains("Kortare väntetid i …"), "{b}");
        let ol = page
            .split(r#"<ol class="alternatives">"#)
            .nth(1)
            .and_then(|s| s.split("</ol>").next())
            .unwrap();
        let at = |name: &str| ol.find(&format!(">{name}</a></h4>")).unwrap_or(usize::MAX);
        assert!(
            at("Norrmalm") < at("Bromma") && at("Bromma") < usize::MAX,
            "{b}"
        );
        assert_eq!(
            at("Kungsholmen"),
            usize::MAX,
            "{b}: a longer wait is no alternative"
        );
    }
}

fn long_sv(d: Date) -> String {
    let months = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ];
    format!(
        "{} {} {}",
        d.day(),
        months[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

#[tokio::test]
async fn district_leads_keep_their_own_entries_current_and_stale_ones_are_flagged() {
    for app in App::all().await {
        let b = app.backend;
        app.user("lead-farsta", Role::DistrictLead, Some("farsta"))
            .await;
        app.user("lead-bromma", Role::DistrictLead, Some("bromma"))
            .await;
        app.user("analytiker", Role::Analyst, None).await;
        app.user("forvaltare", Role::Admin, None).await;
        app.user("radgivare", Role::Registrant, Some("farsta"))
            .await;

        // Anonymous: sent to the login page, for viewing and for saving.
        let resp = app
            .http
            .get(app.url("/katalog/redigera"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        assert!(resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Fkatalog%2Fredigera"));
        let resp = app
            .http
            .post(app.url("/katalog/redigera"))
            .form(&[
                ("intervention", "komet"),
                ("district", "farsta"),
                ("offered", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert!(resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login"));
        for path in [
            "/katalog/inaktuella",
            "/katalog/vantetider",
            "/admin/katalog",
        ] {
            let resp = app.http.get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b} {path}");
        }

        let lead = app.session("lead-farsta").await;
        let (status, page) = app.get_text("/katalog/redigera", Some(&lead.cookie)).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(page.contains("Uppdatera katalogen: Farsta"));
        assert!(page.contains("Skriv aldrig en enskild medarbetares namn"));
        assert!(page.contains("16 av 16 insatser saknar uppgifter"));
        // Another district's entries: 403, for viewing and for saving.
        let (status, _) = app
            .get_text("/katalog/redigera?district=bromma", Some(&lead.cookie))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
        let valid = [
            ("csrf", lead.csrf.as_str()),
            ("intervention", "komet"),
            ("district", "bromma"),
            ("offered", "yes"),
            ("contact_unit", "Familjecentralen Bromma"),
            ("contact_phone", "08-465 004 10"),
            ("contact_email", ""),
            ("waiting_weeks", "2"),
            ("next_start", ""),
            ("free_places", ""),
        ];
        let resp = app.post_form("/katalog/redigera", &lead, &valid).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{b}");
        assert!(app
            .store
            .offers("stockholm", None)
            .await
            .unwrap()
            .is_empty());
        // Without the CSRF token: 403.
        let mut no_csrf = valid;
        no_csrf[0] = ("csrf", "forged");
        no_csrf[2] = ("district", "farsta");
        let resp = app.post_form("/katalog/redigera", &lead, &no_csrf).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        // Invalid: every message, every value kept, nothing stored.
        let start = foljupp_core::format_date(today() + Duration::days(21));
        let bad = [
            ("csrf", lead.csrf.as_str()),
            ("intervention", "komet"),
            ("district", "farsta"),
            ("offered", "yes"),
            ("contact_unit", "Anna Andersson 070-123 45 67"),
            ("contact_phone", ""),
            ("contact_email", "anna@"),
            ("waiting_weeks", "-1"),
            ("next_start", start.as_str()),
            ("free_places", "3"),
        ];
        let resp = app.post_form("/katalog/redigera", &lead, &bad).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("Inte sparat."));
        assert!(html.contains(r#"id="komet-contact_unit-error""#));
        assert!(html.contains("Telefon och e-post har egna fält"));
        assert!(html.contains(r#"id="komet-contact_email-error""#));
        assert!(html.contains(r#"id="komet-waiting_weeks-error""#));
        assert!(html.contains(r#"value="Anna Andersson 070-123 45 67""#));
        assert!(html.contains(&format!(r#"value="{start}""#)));
        assert!(html.contains(r#"<details class="entry" id="komet" open>"#));
        assert!(app
            .store
            .offers("stockholm", None)
            .await
            .unwrap()
            .is_empty());
        // Valid: stored as of today, recorded in the history, shown publicly.
        let good = [
            ("csrf", lead.csrf.as_str()),
            ("intervention", "komet"),
            ("district", "farsta"),
            ("offered", "yes"),
            ("contact_unit", "Familjecentralen Farsta"),
            ("contact_phone", "08-465 004 41"),
            ("contact_email", "familjecentralen.farsta@demo.invalid"),
            ("waiting_weeks", "4"),
            ("next_start", start.as_str()),
            ("free_places", "3"),
        ];
        let resp = app.post_form("/katalog/redigera", &lead, &good).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            resp.headers()["location"],
            "/katalog/redigera?district=farsta&sparat=komet#komet"
        );
        let stored = app.store.offers("stockholm", Some("komet")).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].waiting_weeks, Some(4));
        assert_eq!(stored[0].updated_on, today());
        let (_, page) = app
            .get_text("/katalog/redigera?sparat=komet", Some(&lead.cookie))
            .await;
        assert!(page.contains("Sparat: Komet."), "{b}");
        let (_, public) = app.get_text("/katalog/komet?district=farsta", None).await;
        assert!(public.contains("4 veckor") && public.contains("3</dd>"));
        // Saving again the same day keeps one history point for the day.
        let mut again = good;
        again[7] = ("waiting_weeks", "5");
        let resp = app.post_form("/katalog/redigera", &lead, &again).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let history = app
            .store
            .offer_history("stockholm", Some("komet"))
            .await
            .unwrap();
        assert_eq!(history.len(), 1, "{b}");
        assert_eq!(history[0].waiting_weeks, Some(5));

        // Other roles: a registrant and an analyst do not edit; an admin
        // edits any district.
        let registrant = app.session("radgivare").await;
        let (status, _) = app
            .get_text("/katalog/redigera", Some(&registrant.cookie))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .get_text("/katalog/inaktuella", Some(&registrant.cookie))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let analyst = app.session("analytiker").await;
        let (status, _) = app
            .get_text("/katalog/redigera", Some(&analyst.cookie))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
        let admin = app.session("forvaltare").await;
        let mut for_bromma = good;
        for_bromma[0] = ("csrf", admin.csrf.as_str());
        for_bromma[2] = ("district", "bromma");
        for_bromma[4] = ("contact_unit", "Familjecentralen Bromma");
        let resp = app
            .post_form("/katalog/redigera", &admin, &for_bromma)
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        let (status, page) = app
            .get_text("/katalog/redigera?district=bromma", Some(&admin.cookie))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Uppdatera katalogen: Bromma"));

        // Staleness: more than 90 days without an update, set in the past
        // through the store.
        app.store
            .save_offer(
                "stockholm",
                &offer("abc", "farsta", true, Some(1), Some(30), 91),
            )
            .await
            .unwrap();
        app.store
            .save_offer(
                "stockholm",
                &offer("cos_p", "farsta", true, Some(1), Some(30), 90),
            )
            .await
            .unwrap();
        app.store
            .save_offer(
                "stockholm",
                &offer("abc", "bromma", true, Some(1), Some(30), 120),
            )
            .await
            .unwrap();
        let (_, page) = app.get_text("/katalog/redigera", Some(&lead.cookie)).await;
        assert!(
            page.contains("1 av 16 uppgifter har inte uppdaterats på över 90 dagar"),
            "{b}"
        );
        let abc = page
            .split(r#"id="abc""#)
            .nth(1)
            .unwrap()
            .split("</summary>")
            .next()
            .unwrap();
        assert!(abc.contains("Inaktuell"), "{b}: {abc}");
        let cos = page
            .split(r#"id="cos_p""#)
            .nth(1)
            .unwrap()
            .split("</summary>")
            .next()
            .unwrap();
        assert!(!cos.contains("Inaktuell"), "{b}: 90 days is not yet stale");
        // The analyst sees every district; the lead only their own.
        let (status, stale) = app
            .get_text("/katalog/inaktuella", Some(&analyst.cookie))
            .await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(stale.contains("2 uppgifter har inte uppdaterats på över 90 dagar"));
        assert!(stale.contains("<strong>Bromma</strong>: ABC – Alla Barn i Centrum, uppdaterad"));
        assert!(stale.contains("<strong>Farsta</strong>: ABC – Alla Barn i Centrum, uppdaterad"));
        assert!(
            !stale.contains("Uppdatera</a>"),
            "{b}: an analyst cannot edit"
        );
        let (_, own) = app
            .get_text("/katalog/inaktuella", Some(&lead.cookie))
            .await;
        assert!(own.contains("<strong>Farsta</strong>: ABC"));
        assert!(!own.contains("<strong>Bromma</strong>"), "{b}");
        assert!(own.contains(r#"<a href="/katalog/redigera?district=farsta#abc">Uppdatera</a>"#));
        // Parents see it too.
        let (_, public) = app.get_text("/katalog/abc", None).await;
        assert!(public.contains("Kan vara inaktuell"));
        let (_, v) = app.get_json("/api/v1/catalogue?district=farsta").await;
        let stale_of = |code: &str| {
            v["interventions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["code"] == code)
                .unwrap()["offers"][0]["stale"]
                .clone()
        };
        assert_eq!(stale_of("abc"), true, "{b}");
        assert_eq!(stale_of("cos_p"), false);
        assert_eq!(stale_of("komet"), false);

        // Waiting times are kept over time for the trend.
        for (days_ago, weeks) in [(200, 9), (100, 7)] {
            app.store
                .save_offer(
                    "stockholm",
                    &offer("komet", "farsta", true, Some(weeks), None, days_ago),
                )
                .await
                .unwrap();
        }
        // Saving old states through the store also replaced the current
        // entry; the lead's form brings today's back.
        let resp = app.post_form("/katalog/redigera", &lead, &again).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let history = app
            .store
            .offer_history("stockholm", Some("komet"))
            .await
            .unwrap();
        let farsta: Vec<Option<u32>> = history
            .iter()
            .filter(|s| s.district == "farsta")
            .map(|s| s.waiting_weeks)
            .collect();
        assert_eq!(farsta, [Some(9), Some(7), Some(5)], "{b}: oldest first");
        let (status, trend) = app
            .get_text(
                "/katalog/vantetider?intervention=komet",
                Some(&analyst.cookie),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(trend.contains("Väntetider över tid: Komet"));
        let row = trend
            .split(r#"<th scope="row">Farsta</th>"#)
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        assert!(row.contains("<svg class=\"spark\""));
        // The last month shows today's 5 weeks.
        assert!(
            row.trim_end().ends_with(r#"<td class="num">5</td>"#),
            "{b}: {row}"
        );
        assert!(row.contains(r#"<td class="num">7</td>"#));
        let (status, _) = app
            .get_text(
                "/katalog/vantetider?intervention=nope",
                Some(&analyst.cookie),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn admins_edit_the_interventions_themselves() {
    for app in App::all().await {
        let b = app.backend;
        app.user("forvaltare", Role::Admin, None).await;
        app.user("lead", Role::DistrictLead, Some("farsta")).await;
        let lead = app.session("lead").await;
        let (status, _) = app.get_text("/admin/katalog", Some(&lead.cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
        let resp = app
            .post_form(
                "/admin/katalog/ny",
                &lead,
                &[("csrf", &lead.csrf), ("code", "x")],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);

        let admin = app.session("forvaltare").await;
        let (status, list) = app.get_text("/admin/katalog", Some(&admin.cookie)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            list.matches(r#"<a href="/admin/katalog/"#).count(),
            16,
            "{b}"
        );
        let (status, form) = app
            .get_text("/admin/katalog/komet", Some(&admin.cookie))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains(r#"value="selective" checked"#));

        // A new intervention: wrong values come back with messages.
        let bad = [
            ("csrf", admin.csrf.as_str()),
            ("code", "Baby Sim"),
            ("name_sv", "Babysim"),
            ("name_en", ""),
            ("description_sv", "Simning för föräldrar och bebisar."),
            ("description_en", "Swimming for parents and babies."),
            ("level", "universal"),
            ("form", "service"),
            ("category", "open_activity"),
            ("age_min", "0"),
            ("age_max", "99"),
            ("languages", "sv, xx"),
        ];
        let resp = app.post_form("/admin/katalog/ny", &admin, &bad).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = resp.text().await.unwrap();
        for id in [
            "code-error",
            "name_en-error",
            "age_max-error",
            "languages-error",
        ] {
            assert!(html.contains(&format!(r#"id="{id}""#)), "{b}: {id}");
        }
        assert!(html.contains(r#"value="Baby Sim""#) && html.contains(r#"value="sv, xx""#));
        // Reserved and taken codes.
        let mut taken = bad;
        taken[1] = ("code", "komet");
        taken[3] = ("name_en", "Baby swimming");
        taken[10] = ("age_max", "1");
        taken[11] = ("languages", "sv");
        let resp = app.post_form("/admin/katalog/ny", &admin, &taken).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(resp
            .text()
            .await
            .unwrap()
            .contains("Det finns redan en insats med koden"));
        let mut reserved = taken;
        reserved[1] = ("code", "redigera");
        let resp = app.post_form("/admin/katalog/ny", &admin, &reserved).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let mut good = taken;
        good[1] = ("code", "babysim");
        let resp = app.post_form("/admin/katalog/ny", &admin, &good).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        let (_, public) = app.get_text("/katalog?age=expecting", None).await;
        assert!(!lists(&public, "babysim"), "{b}: not for expecting parents");
        let (_, public) = app.get_text("/katalog?age=1&lang=en", None).await;
        assert!(
            lists(&public, "babysim") && public.contains("Baby swimming"),
            "{b}"
        );
        let (_, v) = app.get_json("/api/v1/catalogue").await;
        assert_eq!(
            codes(&v).last().unwrap(),
            "babysim",
            "{b}: added at the end"
        );

        // Editing: the name and level change, the code does not.
        let (_, form) = app
            .get_text("/admin/katalog/komet", Some(&admin.cookie))
            .await;
        assert!(form.contains("Kod: <code>komet</code>"));
        let edit = [
            ("csrf", admin.csrf.as_str()),
            ("code", "hijack"),
            ("name_sv", "Komet – föräldraträning"),
            ("name_en", "Komet"),
            ("description_sv", "Ny beskrivning."),
            ("description_en", "New description."),
            ("level", "indicated"),
            ("form", "assessed"),
            ("category", "parenting_programme"),
            ("age_min", "3"),
            ("age_max", "12"),
            ("languages", "sv;ar"),
        ];
        let resp = app.post_form("/admin/katalog/komet", &admin, &edit).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{b}");
        let (_, v) = app.get_json("/api/v1/catalogue").await;
        let komet = v["interventions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "komet")
            .unwrap()
            .clone();
        assert_eq!(komet["name"]["sv"], "Komet – föräldraträning");
        assert_eq!(komet["level"], "indicated");
        assert_eq!(komet["ages"]["max"], 12);
        assert_eq!(komet["languages"], serde_json::json!(["sv", "ar"]));
        assert!(!codes(&v).contains(&"hijack".to_string()));
        // Retiring hides it from the public, keeps it for the admin.
        let mut retire = edit;
        retire[1] = ("retired", "1");
        let resp = app.post_form("/admin/katalog/komet", &admin, &retire).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let (_, v) = app.get_json("/api/v1/catalogue").await;
        assert!(!codes(&v).contains(&"komet".to_string()), "{b}");
        assert_eq!(
            app.get_text("/katalog/komet", None).await.0,
            StatusCode::NOT_FOUND
        );
        let (_, list) = app.get_text("/admin/katalog", Some(&admin.cookie)).await;
        assert!(list.contains("Nej, avslutad"));
        let (status, _) = app
            .get_text("/admin/katalog/nope", Some(&admin.cookie))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
