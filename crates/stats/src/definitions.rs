//! The definition shown beside each figure (REPORT.md: the "common
//! terminology" that seed 004 found missing), in Swedish and English.
//! A test checks that every KPI of a report has exactly one entry here.

/// (code, Swedish definition, English definition) of every KPI, in the
/// order a report lists them.
pub const DEFINITIONS: &[(&str, &str, &str)] = &[
    // Conversations.
    (
        "conversations",
        "Råd- och stödsamtal under perioden.",
        "Advice and support conversations in the period.",
    ),
    (
        "conversations_target_group",
        "Samtal där barnens åldersgrupper omfattar väntar barn eller 0–6 år (projektets målgrupp).",
        "Conversations whose children's age groups include expecting or 0–6 (the project's target group).",
    ),
    (
        "new_contacts",
        "Samtal med samtalsnummer 1, det vill säga nya kontakter.",
        "Conversations with conversation number 1, i.e. new contacts.",
    ),
    (
        "share_series_le5",
        "Andel samtal med samtalsnummer 1–5, av alla samtal (samtal utan samtalsnummer räknas i nämnaren).",
        "Conversations with conversation number 1–5, over all conversations (conversations without a number count in the denominator).",
    ),
    (
        "share_mother",
        "Andel samtal där en kvinna deltog som förälder eller blivande förälder, av samtal med minst en registrerad deltagare.",
        "Conversations with a woman taking part as parent or expecting parent, over conversations with at least one participant recorded.",
    ),
    (
        "share_father",
        "Andel samtal där en man deltog som förälder eller blivande förälder, av samtal med minst en registrerad deltagare.",
        "Conversations with a man taking part as parent or expecting parent, over conversations with at least one participant recorded.",
    ),
    (
        "single_share_mother",
        "Av samtal med exakt en deltagare: andelen där deltagaren var en kvinna som förälder eller blivande förälder.",
        "Of conversations with exactly one participant: the share where that one was a woman parent or expecting parent.",
    ),
    (
        "single_share_father",
        "Av samtal med exakt en deltagare: andelen där deltagaren var en man som förälder eller blivande förälder.",
        "Of conversations with exactly one participant: the share where that one was a man parent or expecting parent.",
    ),
    (
        "conversations_other_adult",
        "Samtal där en annan vuxen med föräldraroll deltog, till exempel en släkting.",
        "Conversations with another adult in a parenting role taking part, e.g. a relative.",
    ),
    (
        "conversations_other_language",
        "Samtal där ett annat språk än svenska eller engelska behövdes (ett språk är registrerat).",
        "Conversations that needed a language other than Swedish or English (a language is recorded).",
    ),
    (
        "projection_full_year",
        "Prognos för helåret under ett pågående år: samtal till och med det senast avslutade tertialet ÷ antal avslutade tertial × 3, avrundat till helt tal.",
        "Full-year projection for a year still running: conversations up to the last completed tertial ÷ tertials completed × 3, rounded to a whole number.",
    ),
    (
        "change_conversations",
        "Förändring av antalet samtal i procent jämfört med samma period ett år tidigare (en decimal).",
        "Percent change of conversations against the same period one year earlier (one decimal).",
    ),
    (
        "change_new_contacts",
        "Förändring av antalet nya kontakter i procent jämfört med samma period ett år tidigare.",
        "Percent change of new contacts against the same period one year earlier.",
    ),
    // Parents' answers.
    (
        "q_right_topics_answered",
        "Svar på frågan ”Har vi pratat om rätt saker?” utom ”Vill inte svara”, från samtal och gruppträffar.",
        "Answers to \"Did we talk about the right things?\" other than \"prefer not to answer\", from conversations and groups.",
    ),
    (
        "q_right_topics_top_share",
        "Andel ”Ja, verkligen” av de besvarade på frågan om rätt saker.",
        "\"Yes, really\" over answered, right-topics question.",
    ),
    (
        "q_right_topics_positive_share",
        "Andel ”Ja, verkligen” eller ”Ja” av de besvarade på frågan om rätt saker.",
        "\"Yes, really\" or \"Yes\" over answered, right-topics question.",
    ),
    (
        "q_helpful_answered",
        "Svar på frågan ”Har samtalet/träffen varit till hjälp för dig som förälder?” utom ”Vill inte svara”, från samtal och gruppträffar.",
        "Answers to \"Has it helped you as a parent?\" other than \"prefer not to answer\", from conversations and groups.",
    ),
    (
        "q_helpful_top_share",
        "Andel ”Ja, verkligen” av de besvarade på frågan om stödet varit till hjälp.",
        "\"Yes, really\" over answered, helpful question.",
    ),
    (
        "q_helpful_positive_share",
        "Andel ”Ja, verkligen” eller ”Ja” av de besvarade på frågan om stödet varit till hjälp.",
        "\"Yes, really\" or \"Yes\" over answered, helpful question.",
    ),
    (
        "q_recommend_answered",
        "Svar på frågan ”Skulle du rekommendera andra att ha kontakt med oss?” utom ”Vill inte svara”, från samtal och gruppträffar.",
        "Answers to \"Would you recommend others to contact us?\" other than \"prefer not to answer\", from conversations and groups.",
    ),
    (
        "q_recommend_top_share",
        "Andel ”Ja, verkligen” av de besvarade på frågan om att rekommendera.",
        "\"Yes, really\" over answered, recommend question.",
    ),
    (
        "q_recommend_positive_share",
        "Andel ”Ja, verkligen” eller ”Ja” av de besvarade på frågan om att rekommendera.",
        "\"Yes, really\" or \"Yes\" over answered, recommend question.",
    ),
    (
        "q_easy_reach_answered",
        "Svar på frågan ”Var det lätt att nå oss?” (första samtalet) utom ”Vill inte svara”.",
        "Answers to \"Was it easy to reach us?\" (first conversation) other than \"prefer not to answer\".",
    ),
    (
        "q_easy_reach_top_share",
        "Andel ”Ja, verkligen” av de besvarade på frågan om det var lätt att nå oss.",
        "\"Yes, really\" over answered, easy-to-reach question.",
    ),
    (
        "q_easy_reach_positive_share",
        "Andel ”Ja, verkligen” eller ”Ja” av de besvarade på frågan om det var lätt att nå oss.",
        "\"Yes, really\" or \"Yes\" over answered, easy-to-reach question.",
    ),
    (
        "programme_helpful_answered",
        "Svar vid hembesök 5 eller 6 på frågan ”Har programmet varit till hjälp för dig som förälder?” utom ”Vill inte svara”.",
        "Answers at home visit 5 or 6 to \"Has the programme helped you as a parent?\" other than \"prefer not to answer\".",
    ),
    (
        "programme_helpful_top_share",
        "Andel ”Ja, verkligen” av de besvarade på frågan om hembesöksprogrammet varit till hjälp.",
        "\"Yes, really\" over answered, home-visit programme question.",
    ),
    (
        "programme_helpful_positive_share",
        "Andel ”Ja, verkligen” eller ”Ja” av de besvarade på frågan om hembesöksprogrammet varit till hjälp.",
        "\"Yes, really\" or \"Yes\" over answered, home-visit programme question.",
    ),
    // Home visits.
    (
        "home_visits",
        "Hembesök i utökat hembesöksprogram under perioden.",
        "Visits in the extended home-visit programme in the period.",
    ),
    (
        "families_started",
        "Hembesök med besöksnummer 1 (familjer som börjat i programmet).",
        "Visits with visit number 1 (families starting the programme).",
    ),
    (
        "families_completed",
        "Hembesök med besöksnummer 6 (familjer som fullföljt programmet).",
        "Visits with visit number 6 (families completing the programme).",
    ),
    (
        "share_mother_present",
        "Andel hembesök där mamman var närvarande, av alla hembesök.",
        "Visits with the mother present, over visits.",
    ),
    (
        "share_father_present",
        "Andel hembesök där pappan var närvarande, av alla hembesök.",
        "Visits with the father present, over visits.",
    ),
    (
        "change_home_visits",
        "Förändring av antalet hembesök i procent jämfört med samma period ett år tidigare.",
        "Percent change of home visits against the same period one year earlier.",
    ),
    // Groups.
    (
        "group_meetings",
        "Tematräffar, dialogcaféer och öppna föreläsningar under perioden.",
        "Theme meetings, dialogue cafés and open lectures in the period.",
    ),
    (
        "group_meeting_participants",
        "Deltagare i gruppträffarna, alla kön (kvinnor, män och annat eller okänt kön).",
        "Participants of those meetings, all genders (women, men and other or unknown).",
    ),
    (
        "group_meeting_share_women",
        "Andel kvinnor av deltagarna med känt kön (kvinnor + män); annat eller okänt kön ingår inte i nämnaren.",
        "Women over participants with a known gender (women + men); other or unknown gender is left out of the denominator.",
    ),
    (
        "change_group_meetings",
        "Förändring av antalet gruppträffar i procent jämfört med samma period ett år tidigare.",
        "Percent change of group meetings against the same period one year earlier.",
    ),
    (
        "programme_groups",
        "Grupper i föräldraskapsstödsprogram med startdatum under perioden.",
        "Parenting-programme groups whose start date is in the period.",
    ),
    (
        "programme_started",
        "Deltagare som började i de grupperna, alla kön.",
        "Participants who started those groups, all genders.",
    ),
    (
        "programme_completed",
        "Deltagare som fullföljde de grupperna, alla kön.",
        "Participants who completed those groups, all genders.",
    ),
    (
        "programme_completion",
        "Andel som fullföljde av dem som började (programme_completed / programme_started).",
        "Completed over started (programme_completed / programme_started).",
    ),
    (
        "change_programme_groups",
        "Förändring av antalet programgrupper i procent jämfört med samma period ett år tidigare.",
        "Percent change of programme groups against the same period one year earlier.",
    ),
    // Reach.
    (
        "parents_reached",
        "Föräldrar som nåtts: deltagare i samtal med samtalsnummer 1, plus mamma, pappa och annan vuxen närvarande vid hembesök nummer 1.",
        "Parents reached: participants of conversations with conversation number 1, plus mother, father and other adults present at visits with visit number 1.",
    ),
    // Gender-equality analysis (extras beyond REPORT.md's tables, for the
    // jämställdhetsanalys that DOMAIN.md asks for in every report).
    (
        "group_meeting_women",
        "Kvinnor bland deltagarna i gruppträffarna.",
        "Women among the participants of group meetings.",
    ),
    (
        "group_meeting_men",
        "Män bland deltagarna i gruppträffarna.",
        "Men among the participants of group meetings.",
    ),
    (
        "programme_started_women",
        "Kvinnor som började i programgrupper med startdatum under perioden.",
        "Women who started programme groups whose start date is in the period.",
    ),
    (
        "programme_started_men",
        "Män som började i programgrupper med startdatum under perioden.",
        "Men who started programme groups whose start date is in the period.",
    ),
    (
        "programme_completion_women",
        "Andel kvinnor som fullföljde, av kvinnorna som började.",
        "Women who completed, over women who started.",
    ),
    (
        "programme_completion_men",
        "Andel män som fullföljde, av männen som började.",
        "Men who completed, over men who started.",
    ),
    (
        "q_right_topics_answered_single_mother",
        "Svar på frågan om rätt saker utom ”Vill inte svara”, i samtal där den enda deltagaren var en mamma (förälder eller blivande förälder).",
        "Answers to the right-topics question other than \"prefer not to answer\", in conversations whose one participant was a mother (parent or expecting).",
    ),
    (
        "q_right_topics_positive_share_single_mother",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om rätt saker där den enda deltagaren var en mamma.",
        "\"Yes, really\" or \"Yes\" over those answers to the right-topics question where the one participant was a mother.",
    ),
    (
        "q_right_topics_answered_single_father",
        "Svar på frågan om rätt saker utom ”Vill inte svara”, i samtal där den enda deltagaren var en pappa (förälder eller blivande förälder).",
        "Answers to the right-topics question other than \"prefer not to answer\", in conversations whose one participant was a father (parent or expecting).",
    ),
    (
        "q_right_topics_positive_share_single_father",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om rätt saker där den enda deltagaren var en pappa.",
        "\"Yes, really\" or \"Yes\" over those answers to the right-topics question where the one participant was a father.",
    ),
    (
        "q_helpful_answered_single_mother",
        "Svar på frågan om stödet varit till hjälp utom ”Vill inte svara”, i samtal där den enda deltagaren var en mamma (förälder eller blivande förälder).",
        "Answers to the helpful question other than \"prefer not to answer\", in conversations whose one participant was a mother (parent or expecting).",
    ),
    (
        "q_helpful_positive_share_single_mother",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om stödet varit till hjälp där den enda deltagaren var en mamma.",
        "\"Yes, really\" or \"Yes\" over those answers to the helpful question where the one participant was a mother.",
    ),
    (
        "q_helpful_answered_single_father",
        "Svar på frågan om stödet varit till hjälp utom ”Vill inte svara”, i samtal där den enda deltagaren var en pappa (förälder eller blivande förälder).",
        "Answers to the helpful question other than \"prefer not to answer\", in conversations whose one participant was a father (parent or expecting).",
    ),
    (
        "q_helpful_positive_share_single_father",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om stödet varit till hjälp där den enda deltagaren var en pappa.",
        "\"Yes, really\" or \"Yes\" over those answers to the helpful question where the one participant was a father.",
    ),
    (
        "q_recommend_answered_single_mother",
        "Svar på frågan om att rekommendera utom ”Vill inte svara”, i samtal där den enda deltagaren var en mamma (förälder eller blivande förälder).",
        "Answers to the recommend question other than \"prefer not to answer\", in conversations whose one participant was a mother (parent or expecting).",
    ),
    (
        "q_recommend_positive_share_single_mother",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om att rekommendera där den enda deltagaren var en mamma.",
        "\"Yes, really\" or \"Yes\" over those answers to the recommend question where the one participant was a mother.",
    ),
    (
        "q_recommend_answered_single_father",
        "Svar på frågan om att rekommendera utom ”Vill inte svara”, i samtal där den enda deltagaren var en pappa (förälder eller blivande förälder).",
        "Answers to the recommend question other than \"prefer not to answer\", in conversations whose one participant was a father (parent or expecting).",
    ),
    (
        "q_recommend_positive_share_single_father",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om att rekommendera där den enda deltagaren var en pappa.",
        "\"Yes, really\" or \"Yes\" over those answers to the recommend question where the one participant was a father.",
    ),
    (
        "q_easy_reach_answered_single_mother",
        "Svar på frågan om det var lätt att nå oss utom ”Vill inte svara”, i samtal där den enda deltagaren var en mamma (förälder eller blivande förälder).",
        "Answers to the easy-to-reach question other than \"prefer not to answer\", in conversations whose one participant was a mother (parent or expecting).",
    ),
    (
        "q_easy_reach_positive_share_single_mother",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om det var lätt att nå oss där den enda deltagaren var en mamma.",
        "\"Yes, really\" or \"Yes\" over those answers to the easy-to-reach question where the one participant was a mother.",
    ),
    (
        "q_easy_reach_answered_single_father",
        "Svar på frågan om det var lätt att nå oss utom ”Vill inte svara”, i samtal där den enda deltagaren var en pappa (förälder eller blivande förälder).",
        "Answers to the easy-to-reach question other than \"prefer not to answer\", in conversations whose one participant was a father (parent or expecting).",
    ),
    (
        "q_easy_reach_positive_share_single_father",
        "Andel ”Ja, verkligen” eller ”Ja” av de svaren på frågan om det var lätt att nå oss där den enda deltagaren var en pappa.",
        "\"Yes, really\" or \"Yes\" over those answers to the easy-to-reach question where the one participant was a father.",
    ),
    // Extras beyond REPORT.md.
    (
        "collaborations",
        "Samverkansaktiviteter under perioden (tillägg utöver rapportmallen).",
        "Collaboration activities in the period (an extra beyond the report template).",
    ),
    (
        "open_preschool_reports",
        "Tertialrapporter från öppna förskolan med rapportdatum under perioden (tillägg utöver rapportmallen).",
        "Open-preschool tertial reports dated in the period (an extra beyond the report template).",
    ),
];

/// (name, Swedish definition, English definition) of every breakdown.
pub const BREAKDOWN_DEFINITIONS: &[(&str, &str, &str)] = &[
    (
        "how_found",
        "Samtal efter hur föräldern hittade till stödet.",
        "Conversations by how the parent found the support.",
    ),
    (
        "languages",
        "Samtal efter språk som behövdes utöver svenska och engelska.",
        "Conversations by language needed beyond Swedish and English.",
    ),
    (
        "resident_areas",
        "Samtal efter förälderns bostadsområde.",
        "Conversations by the parent's residential area.",
    ),
    (
        "next_step",
        "Samtal efter nästa steg.",
        "Conversations by next step.",
    ),
    (
        "form",
        "Samtal efter samtalsform.",
        "Conversations by form of conversation.",
    ),
    (
        "answers_q_right_topics",
        "Svar per svarsalternativ på frågan om rätt saker (samtal och grupper).",
        "Answers per option, right-topics question (conversations and groups).",
    ),
    (
        "answers_q_helpful",
        "Svar per svarsalternativ på frågan om stödet varit till hjälp (samtal och grupper).",
        "Answers per option, helpful question (conversations and groups).",
    ),
    (
        "answers_q_recommend",
        "Svar per svarsalternativ på frågan om att rekommendera (samtal och grupper).",
        "Answers per option, recommend question (conversations and groups).",
    ),
    (
        "answers_q_easy_reach",
        "Svar per svarsalternativ på frågan om det var lätt att nå oss.",
        "Answers per option, easy-to-reach question.",
    ),
    (
        "answers_programme_helpful",
        "Svar per svarsalternativ på frågan om hembesöksprogrammet varit till hjälp.",
        "Answers per option, home-visit programme question.",
    ),
    (
        "participants",
        "Deltagare i samtal efter roll och kön (roll:kön).",
        "Conversation participants by role and gender (role:gender).",
    ),
    (
        "age_groups",
        "Samtal efter barnens åldersgrupp (ett samtal kan gälla flera).",
        "Conversations by children's age group (one conversation may concern several).",
    ),
];

/// The Swedish and English definition of a KPI or breakdown.
pub fn definition(code: &str) -> Option<(&'static str, &'static str)> {
    DEFINITIONS
        .iter()
        .chain(BREAKDOWN_DEFINITIONS)
        .find(|(c, _, _)| *c == code)
        .map(|(_, sv, en)| (*sv, *en))
}
