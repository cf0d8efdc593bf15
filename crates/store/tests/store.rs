//! The store on both backends: migrations, the privacy rule on the live
//! schema, and registrations written and read back unchanged.

#![allow(clippy::unwrap_used)]

use foljupp_core::forms::DecodeContext;
use foljupp_core::{FormSet, Input, Kind, Organisation, Period};
use foljupp_store::{testing, Store};
use time::macros::date;

fn input(pairs: &[(&str, &str)]) -> Input {
    let mut m = Input::new();
    for (k, v) in pairs {
        m.entry(k.to_string()).or_default().push(v.to_string());
    }
    m
}

#[tokio::test]
async fn registration_tables_hold_nothing_personal_on_both_backends() {
    for (backend, url) in testing::fresh_databases().await {
        let store = Store::open(&url, FormSet::defaults()).await.unwrap();
        // Opening twice must not re-run migrations.
        let store2 = Store::open(&url, FormSet::defaults()).await.unwrap();
        store2.close().await;
        for kind in Kind::ALL {
            let cols = store
                .table_columns(&format!("reg_{}", kind.code()))
                .await
                .unwrap();
            assert!(!cols.is_empty(), "{backend}: no table for {kind}");
            let problems =
                foljupp_core::privacy::check_registration_columns(store.forms().kind(kind), &cols);
            assert!(problems.is_empty(), "{backend} {kind}: {problems:?}");
        }
        // The check itself must catch a personal column.
        let mut bad = store.table_columns("reg_conversation").await.unwrap();
        bad.push(("created_by_user".into(), "integer".into()));
        bad.push(("remark".into(), "text".into()));
        let problems = foljupp_core::privacy::check_registration_columns(
            store.forms().kind(Kind::Conversation),
            &bad,
        );
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("remark")));
    }
}

#[tokio::test]
async fn registrations_round_trip_on_both_backends() {
    let forms = FormSet::defaults();
    let org = Organisation::stockholm();
    let ctx = DecodeContext {
        organisation: &org,
        today: date!(2030 - 01 - 01),
    };
    let conv = forms
        .decode(
            Kind::Conversation,
            &input(&[
                ("date", "2020-03-04"),
                ("district", "rinkeby-kista"),
                ("resident_area", "husby"),
                ("participants", "parent:woman;parent:man"),
                ("language", "so"),
                ("children", "2"),
                ("age_groups", "expecting;0-6"),
                ("how_found", "bvc"),
                ("conversation_no", "1"),
                ("q_easy_reach", "yes"),
            ]),
            &ctx,
        )
        .unwrap();
    let visit = forms
        .decode(
            Kind::HomeVisit,
            &input(&[
                ("date", "2020-05-04"),
                ("district", "farsta"),
                ("visit_no", "6"),
                ("present", "mother;father"),
                ("further_contacts", "no"),
                ("nc_safety", "3"),
                ("programme_helpful", "yes_really"),
            ]),
            &ctx,
        )
        .unwrap();
    let group = forms
        .decode(
            Kind::ProgrammeGroup,
            &input(&[
                ("date", "2020-02-01"),
                ("end_date", "2020-04-01"),
                ("district", "farsta"),
                ("started_women", "7"),
                ("completed_women", "6"),
                ("q_helpful_yes", "4"),
            ]),
            &ctx,
        )
        .unwrap();
    for (backend, url) in testing::fresh_databases().await {
        let store = Store::open(&url, forms.clone()).await.unwrap();
        let mut seen = 0;
        store
            .insert_registrations(
                "stockholm",
                &[conv.clone(), visit.clone(), group.clone()],
                &mut |n| seen = n,
            )
            .await
            .unwrap();
        assert!(seen >= 1);
        let year = Period::year(2020).unwrap();
        let mut back = store
            .load_registrations("stockholm", year, None, None)
            .await
            .unwrap();
        back.sort_by_key(|r| r.kind);
        assert_eq!(
            back,
            vec![conv.clone(), visit.clone(), group.clone()],
            "{backend}"
        );
        let farsta = store
            .load_registrations("stockholm", year, Some("farsta"), Some(Kind::HomeVisit))
            .await
            .unwrap();
        assert_eq!(farsta, vec![visit.clone()], "{backend}");
        let other_year = store
            .load_registrations("stockholm", Period::year(2021).unwrap(), None, None)
            .await
            .unwrap();
        assert!(other_year.is_empty(), "{backend}");
        let other_municipality = store
            .load_registrations("goteborg", year, None, None)
            .await
            .unwrap();
        assert!(other_municipality.is_empty(), "{backend}");
        let counts = store.count_registrations("stockholm").await.unwrap();
        assert_eq!(counts[&Kind::Conversation], 1);
        assert_eq!(counts[&Kind::Collaboration], 0);
    }
}
