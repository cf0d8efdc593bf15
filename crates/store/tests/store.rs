//! The store on both backends: migrations, the privacy rule on the live
//! schema, and registrations written and read back unchanged.

#![allow(clippy::unwrap_used)]

use foljupp_core::forms::DecodeContext;
use foljupp_core::{FormSet, Input, Kind, Organisation, Period};
use foljupp_store::{testing, RegistrationKey, Store, StoreError, StreamItem};
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
        // Parents' answer links carry no account and nothing else personal.
        let link_cols = store.table_columns("parent_link").await.unwrap();
        let problems = foljupp_core::privacy::check_parent_link_columns(&link_cols);
        assert!(problems.is_empty(), "{backend} parent_link: {problems:?}");
        let mut bad = link_cols.clone();
        bad.push(("account_id".into(), "bigint".into()));
        let problems = foljupp_core::privacy::check_parent_link_columns(&bad);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}

/// Stockholm's registrations of `period`, in kind order.
async fn stored_in(store: &Store, period: Period) -> Vec<foljupp_core::Registration> {
    let mut back = store
        .load_registrations("stockholm", period, None, None)
        .await
        .unwrap();
    back.sort_by_key(|r| r.kind);
    back
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
        let back = stored_in(&store, year).await;
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

        // An import's stream: rows written as they come are rolled back
        // when the stream closes without its end (a bad row further on).
        let version = store.data_version().await.unwrap();
        let (send, mut rows) = tokio::sync::mpsc::channel(8);
        send.send(StreamItem::Rows(vec![conv.clone(), visit.clone()]))
            .await
            .unwrap();
        send.send(StreamItem::Rows(vec![group.clone()]))
            .await
            .unwrap();
        drop(send);
        let mut written = 0;
        let aborted = store
            .insert_stream("stockholm", &mut rows, &mut |n| written = n)
            .await;
        assert!(
            matches!(aborted, Err(StoreError::Aborted)),
            "{backend}: {aborted:?}"
        );
        assert_eq!(written, 3, "{backend}: the rows were written, then undone");
        assert_eq!(
            store.count_registrations("stockholm").await.unwrap(),
            counts
        );
        assert_eq!(store.data_version().await.unwrap(), version, "{backend}");
        // With its end it is stored, and says which version it followed.
        let (send, mut rows) = tokio::sync::mpsc::channel(8);
        for item in [
            StreamItem::Rows(vec![conv.clone(), visit.clone()]),
            StreamItem::Rows(vec![group.clone()]),
            StreamItem::End,
        ] {
            send.send(item).await.unwrap();
        }
        let (stored, step) = store
            .insert_stream("stockholm", &mut rows, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(stored, 3, "{backend}");
        assert_eq!(step.before, version, "{backend}");
        assert_eq!(step.after, store.data_version().await.unwrap());
        assert_ne!(step.after, step.before);
        let back = stored_in(&store, year).await;
        assert_eq!(
            back,
            vec![
                conv.clone(),
                conv.clone(),
                visit.clone(),
                visit.clone(),
                group.clone(),
                group.clone()
            ],
            "{backend}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn parent_links_record_answers_once_or_many_times_on_both_backends() {
    use foljupp_core::parents::parent_survey;
    use foljupp_store::{AnswerOutcome, LinkState};
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
                ("district", "farsta"),
                ("conversation_no", "2"),
                ("q_helpful", "yes"),
            ]),
            &ctx,
        )
        .unwrap();
    let group = forms
        .decode(
            Kind::GroupMeeting,
            &input(&[
                ("date", "2020-03-05"),
                ("district", "farsta"),
                ("q_helpful_yes", "2"),
            ]),
            &ctx,
        )
        .unwrap();
    let pair = |q: &str, a: &str| (q.to_string(), a.to_string());
    for (backend, url) in testing::fresh_databases().await {
        let store = Store::open(&url, forms.clone()).await.unwrap();
        let ids = store
            .insert_registrations("stockholm", &[conv.clone(), group.clone()], &mut |_| {})
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1]);
        let now = foljupp_store::now_unix();
        let survey = parent_survey(&forms, &conv).unwrap();
        assert_eq!(survey.questions, ["q_right_topics", "q_recommend"]);
        let exp = store
            .create_parent_link(
                "h-conv",
                Kind::Conversation,
                RegistrationKey {
                    municipality: "stockholm",
                    date: conv.date,
                    id: &ids[0],
                },
                &survey,
                now,
                24 * 3600,
            )
            .await
            .unwrap();
        assert!(
            exp >= now + 24 * 3600 && exp <= now + 25 * 3600,
            "{backend}"
        );
        assert_eq!(exp % 3600, 0, "{backend}: expiry rounded to the hour");
        let LinkState::Open(link) = store.parent_link("h-conv", now).await.unwrap() else {
            panic!("{backend}: link not open")
        };
        assert!(!link.multi);
        assert_eq!(
            store.parent_link("nope", now).await.unwrap(),
            LinkState::Unknown
        );
        // An answer to a question the link does not ask is refused whole.
        assert!(store
            .record_parent_answers("h-conv", now, &[pair("q_helpful", "not_at_all")])
            .await
            .is_err());
        assert!(
            matches!(
                store.parent_link("h-conv", now).await.unwrap(),
                LinkState::Open(_)
            ),
            "{backend}: a refused answer must not use the link"
        );
        assert_eq!(
            store
                .record_parent_answers(
                    "h-conv",
                    now,
                    &[
                        pair("q_right_topics", "yes_really"),
                        pair("q_recommend", "no_answer")
                    ]
                )
                .await
                .unwrap(),
            AnswerOutcome::Recorded,
            "{backend}"
        );
        assert_eq!(
            store
                .record_parent_answers("h-conv", now, &[pair("q_right_topics", "not_at_all")])
                .await
                .unwrap(),
            AnswerOutcome::Refused(LinkState::Used),
            "{backend}: a single-use link answers once"
        );
        assert_eq!(
            testing::parent_link_registration(&store, "h-conv")
                .await
                .unwrap()
                .as_deref(),
            Some(""),
            "{backend}: a used link forgets its registration"
        );

        // A group link adds up any number of answers.
        let survey = parent_survey(&forms, &group).unwrap();
        store
            .create_parent_link(
                "h-group",
                Kind::GroupMeeting,
                RegistrationKey {
                    municipality: "stockholm",
                    date: group.date,
                    id: &ids[1],
                },
                &survey,
                now,
                7 * 24 * 3600,
            )
            .await
            .unwrap();
        for a in ["yes", "yes", "yes_really"] {
            assert_eq!(
                store
                    .record_parent_answers("h-group", now, &[pair("q_helpful", a)])
                    .await
                    .unwrap(),
                AnswerOutcome::Recorded
            );
        }
        let back = store
            .load_registrations("stockholm", Period::year(2020).unwrap(), None, None)
            .await
            .unwrap();
        let c = back.iter().find(|r| r.kind == Kind::Conversation).unwrap();
        assert_eq!(c.code("q_right_topics"), Some("yes_really"), "{backend}");
        assert_eq!(c.code("q_recommend"), Some("no_answer"));
        assert_eq!(
            c.code("q_helpful"),
            Some("yes"),
            "{backend}: the advisor's answer stays"
        );
        let g = back.iter().find(|r| r.kind == Kind::GroupMeeting).unwrap();
        assert_eq!(g.int("q_helpful_yes"), Some(4), "{backend}: 2 + 2");
        assert_eq!(g.int("q_helpful_yes_really"), Some(1), "{backend}");

        // Expired: refused, and the link forgets its registration.
        assert!(testing::expire_parent_link(&store, "h-group")
            .await
            .unwrap());
        let now = foljupp_store::now_unix();
        assert_eq!(
            store
                .record_parent_answers("h-group", now, &[pair("q_helpful", "yes")])
                .await
                .unwrap(),
            AnswerOutcome::Refused(LinkState::Expired),
            "{backend}"
        );
        store.tidy_parent_links(now).await.unwrap();
        assert_eq!(
            testing::parent_link_registration(&store, "h-group")
                .await
                .unwrap()
                .as_deref(),
            Some("")
        );
        store.tidy_parent_links(now + 8 * 24 * 3600).await.unwrap();
        assert_eq!(
            store.parent_link("h-group", now).await.unwrap(),
            LinkState::Unknown
        );

        // The tidying finds expired links by reading the table (no index
        // on the expiry) and changes them a few hundred at a time: more
        // links than one statement takes, expiring in a day, are kept
        // while open, forgotten once expired, deleted a week later.
        let survey = parent_survey(&forms, &conv).unwrap();
        let key = RegistrationKey {
            municipality: "stockholm",
            date: conv.date,
            id: &ids[0],
        };
        let many = 1_100;
        for i in 0..many {
            store
                .create_parent_link(
                    &format!("h-tidy-{i}"),
                    Kind::Conversation,
                    key,
                    &survey,
                    now,
                    24 * 3600,
                )
                .await
                .unwrap();
        }
        async fn holding(store: &Store, i: usize) -> Option<String> {
            testing::parent_link_registration(store, &format!("h-tidy-{i}"))
                .await
                .unwrap()
        }
        store.tidy_parent_links(now).await.unwrap();
        let held = format!("{}{}", ids[0], foljupp_core::format_date(conv.date));
        assert_eq!(holding(&store, 0).await, Some(held.clone()), "{backend}");
        assert_eq!(holding(&store, many - 1).await, Some(held), "{backend}");
        let later = now + 26 * 3600;
        store.tidy_parent_links(later).await.unwrap();
        for i in [0, 499, 500, 999, 1000, many - 1] {
            assert_eq!(
                holding(&store, i).await.as_deref(),
                Some(""),
                "{backend}: link {i} forgets its registration once expired"
            );
        }
        assert_eq!(
            store.parent_link("h-tidy-7", later).await.unwrap(),
            LinkState::Expired
        );
        store
            .tidy_parent_links(later + 8 * 24 * 3600)
            .await
            .unwrap();
        for i in [0, 500, many - 1] {
            assert_eq!(
                holding(&store, i).await,
                None,
                "{backend}: link {i} deleted"
            );
        }
    }
}

/// API tokens are remembered for a few seconds (every API request carries
/// one): a change this store makes is seen at once, one made by another
/// process (here a second store on the same database, as the CLI would
/// be) only after `TOKEN_TRUST_SECS`; the remembered account carries no
/// password hash.
#[tokio::test]
async fn tokens_are_remembered_briefly_and_forgotten_on_this_stores_changes() {
    use foljupp_core::Role;
    for (backend, url) in testing::fresh_databases().await {
        let store = Store::open(&url, FormSet::defaults()).await.unwrap();
        let other = Store::open(&url, FormSet::defaults()).await.unwrap();
        let account = store
            .create_account("stockholm", "bo", Role::Analyst, None, "argon2-hash")
            .await
            .unwrap();
        let token = store
            .create_api_token("hash-1", account, Role::Analyst, None, None)
            .await
            .unwrap();
        let (t, a) = lookup(&store).await;
        assert!(!t.revoked, "{backend}");
        assert_eq!(a.password_hash, None, "{backend}: no hash in memory");
        assert!(store
            .api_token_with_account("unknown")
            .await
            .unwrap()
            .is_none());

        // Another process revokes it: this store still trusts what it read.
        assert!(other.revoke_api_token(token).await.unwrap());
        let (t, _) = lookup(&store).await;
        assert!(!t.revoked, "{backend}: read again before its time");
        // The other store's own change is seen by itself at once.
        let (t, _) = lookup(&other).await;
        assert!(t.revoked, "{backend}");

        // A change through this store forgets what it remembered.
        store.set_disabled(account, false).await.unwrap();
        let (t, a) = lookup(&store).await;
        assert!(t.revoked, "{backend}");
        assert!(!a.disabled, "{backend}");
        other.set_disabled(account, true).await.unwrap();
        assert!(!lookup(&store).await.1.disabled);
        store.revoke_api_token(token).await.unwrap();
        assert!(lookup(&store).await.1.disabled);

        // And after its time, what another process changed is read.
        other.set_disabled(account, false).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(
            foljupp_store::TOKEN_TRUST_SECS + 1,
        ))
        .await;
        assert!(!lookup(&store).await.1.disabled);
        other.close().await;
        store.close().await;
    }
}

/// The test token's row as `store` sees it now.
async fn lookup(store: &Store) -> (foljupp_store::ApiToken, foljupp_store::Account) {
    store
        .api_token_with_account("hash-1")
        .await
        .unwrap()
        .expect("the token exists")
}

#[tokio::test]
async fn an_import_leaves_postgresql_tables_vacuumed_and_analysed() {
    for (backend, url) in testing::fresh_databases().await {
        let store = Store::open(&url, FormSet::defaults()).await.unwrap();
        let vacuumed = |table: &'static str| testing::vacuumed_by_hand(&store, table);
        // SQLite keeps no record of vacuuming: None there.
        let on_postgres = |v: bool| (backend == "postgres").then_some(v);
        assert_eq!(
            vacuumed("reg_home_visit").await.unwrap(),
            on_postgres(false),
            "{backend}: a fresh table"
        );
        let settled = store.settle_after_import(Kind::HomeVisit).await.unwrap();
        assert_eq!(settled, backend == "postgres", "{backend}");
        assert_eq!(
            vacuumed("reg_home_visit").await.unwrap(),
            on_postgres(true),
            "{backend}: after the import's settling"
        );
        // Only the imported kind's table.
        assert_eq!(
            vacuumed("reg_conversation").await.unwrap(),
            on_postgres(false),
            "{backend}"
        );
        store.close().await;
    }
}
