-- Registration tables, one per activity kind, generated from the shipped
-- form definitions (crates/core/defaults/forms.toml). The privacy rule holds
-- by construction: no column names or derives from a user or a person, no
-- free text, and the activity's day is the only time. A test checks the
-- live schema of both backends against the form definitions.
-- WITHOUT ROWID: no hidden insertion-ordered rowid that could be matched
-- against login times. The key (municipality, date, random id) clusters rows
-- by day, which is how reports read them and keeps inserts local.

CREATE TABLE reg_conversation (
    id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    date TEXT NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    resident_area TEXT,
    participants TEXT,
    language TEXT,
    children INTEGER,
    age_groups TEXT,
    how_found TEXT,
    conversation_no INTEGER,
    form TEXT,
    next_step TEXT,
    q_right_topics TEXT,
    q_helpful TEXT,
    q_recommend TEXT,
    q_easy_reach TEXT,
    PRIMARY KEY (municipality, date, id)
) WITHOUT ROWID;

CREATE TABLE reg_home_visit (
    id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    date TEXT NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    programme_site TEXT,
    visit_no INTEGER,
    present TEXT,
    language TEXT,
    form TEXT,
    further_contacts INTEGER,
    further_contacts_to TEXT,
    nc_health INTEGER,
    nc_nutrition INTEGER,
    nc_responsive_care INTEGER,
    nc_early_learning INTEGER,
    nc_safety INTEGER,
    programme_helpful TEXT,
    PRIMARY KEY (municipality, date, id)
) WITHOUT ROWID;

CREATE TABLE reg_group_meeting (
    id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    date TEXT NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    meeting_kind TEXT,
    theme TEXT,
    partners TEXT,
    target_group TEXT,
    women INTEGER,
    men INTEGER,
    other_gender INTEGER,
    q_right_topics_yes_really INTEGER,
    q_right_topics_yes INTEGER,
    q_right_topics_not_really INTEGER,
    q_right_topics_not_at_all INTEGER,
    q_right_topics_no_answer INTEGER,
    q_helpful_yes_really INTEGER,
    q_helpful_yes INTEGER,
    q_helpful_not_really INTEGER,
    q_helpful_not_at_all INTEGER,
    q_helpful_no_answer INTEGER,
    q_recommend_yes_really INTEGER,
    q_recommend_yes INTEGER,
    q_recommend_not_really INTEGER,
    q_recommend_not_at_all INTEGER,
    q_recommend_no_answer INTEGER,
    PRIMARY KEY (municipality, date, id)
) WITHOUT ROWID;

CREATE TABLE reg_programme_group (
    id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    date TEXT NOT NULL,
    end_date TEXT,
    district TEXT NOT NULL,
    unit TEXT,
    programme TEXT,
    partners TEXT,
    language TEXT,
    form TEXT,
    sessions_planned INTEGER,
    sessions_held INTEGER,
    started_women INTEGER,
    started_men INTEGER,
    started_other_gender INTEGER,
    completed_women INTEGER,
    completed_men INTEGER,
    completed_other_gender INTEGER,
    q_right_topics_yes_really INTEGER,
    q_right_topics_yes INTEGER,
    q_right_topics_not_really INTEGER,
    q_right_topics_not_at_all INTEGER,
    q_right_topics_no_answer INTEGER,
    q_helpful_yes_really INTEGER,
    q_helpful_yes INTEGER,
    q_helpful_not_really INTEGER,
    q_helpful_not_at_all INTEGER,
    q_helpful_no_answer INTEGER,
    q_recommend_yes_really INTEGER,
    q_recommend_yes INTEGER,
    q_recommend_not_really INTEGER,
    q_recommend_not_at_all INTEGER,
    q_recommend_no_answer INTEGER,
    PRIMARY KEY (municipality, date, id)
) WITHOUT ROWID;

CREATE TABLE reg_collaboration (
    id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    date TEXT NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    partners TEXT,
    activity_kind TEXT,
    PRIMARY KEY (municipality, date, id)
) WITHOUT ROWID;

CREATE TABLE reg_open_preschool_report (
    id TEXT NOT NULL,
    municipality TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    date TEXT NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    year INTEGER,
    tertial INTEGER,
    opening_hours INTEGER,
    visits_adults INTEGER,
    visits_children INTEGER,
    q_welcome_yes_really INTEGER,
    q_welcome_yes INTEGER,
    q_welcome_not_really INTEGER,
    q_welcome_not_at_all INTEGER,
    q_welcome_no_answer INTEGER,
    q_parent_support_yes_really INTEGER,
    q_parent_support_yes INTEGER,
    q_parent_support_not_really INTEGER,
    q_parent_support_not_at_all INTEGER,
    q_parent_support_no_answer INTEGER,
    PRIMARY KEY (municipality, date, id)
) WITHOUT ROWID;
