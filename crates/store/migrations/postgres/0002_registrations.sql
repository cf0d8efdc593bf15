-- Registration tables, one per activity kind, generated from the shipped
-- form definitions (crates/core/defaults/forms.toml). The privacy rule holds
-- by construction: no column names or derives from a user or a person, no
-- free text, and the activity's day is the only time. A test checks the
-- live schema of both backends against the form definitions.

CREATE TABLE reg_conversation (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    date DATE NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    resident_area TEXT,
    participants TEXT,
    language TEXT,
    children BIGINT,
    age_groups TEXT,
    how_found TEXT,
    conversation_no BIGINT,
    form TEXT,
    next_step TEXT,
    q_right_topics TEXT,
    q_helpful TEXT,
    q_recommend TEXT,
    q_easy_reach TEXT
);
CREATE INDEX reg_conversation_date ON reg_conversation (municipality, date);

CREATE TABLE reg_home_visit (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    date DATE NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    programme_site TEXT,
    visit_no BIGINT,
    present TEXT,
    language TEXT,
    form TEXT,
    further_contacts BOOLEAN,
    further_contacts_to TEXT,
    nc_health BIGINT,
    nc_nutrition BIGINT,
    nc_responsive_care BIGINT,
    nc_early_learning BIGINT,
    nc_safety BIGINT,
    programme_helpful TEXT
);
CREATE INDEX reg_home_visit_date ON reg_home_visit (municipality, date);

CREATE TABLE reg_group_meeting (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    date DATE NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    meeting_kind TEXT,
    theme TEXT,
    partners TEXT,
    target_group TEXT,
    women BIGINT,
    men BIGINT,
    other_gender BIGINT,
    q_right_topics_yes_really BIGINT,
    q_right_topics_yes BIGINT,
    q_right_topics_not_really BIGINT,
    q_right_topics_not_at_all BIGINT,
    q_right_topics_no_answer BIGINT,
    q_helpful_yes_really BIGINT,
    q_helpful_yes BIGINT,
    q_helpful_not_really BIGINT,
    q_helpful_not_at_all BIGINT,
    q_helpful_no_answer BIGINT,
    q_recommend_yes_really BIGINT,
    q_recommend_yes BIGINT,
    q_recommend_not_really BIGINT,
    q_recommend_not_at_all BIGINT,
    q_recommend_no_answer BIGINT
);
CREATE INDEX reg_group_meeting_date ON reg_group_meeting (municipality, date);

CREATE TABLE reg_programme_group (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    date DATE NOT NULL,
    end_date DATE,
    district TEXT NOT NULL,
    unit TEXT,
    programme TEXT,
    partners TEXT,
    language TEXT,
    form TEXT,
    sessions_planned BIGINT,
    sessions_held BIGINT,
    started_women BIGINT,
    started_men BIGINT,
    started_other_gender BIGINT,
    completed_women BIGINT,
    completed_men BIGINT,
    completed_other_gender BIGINT,
    q_right_topics_yes_really BIGINT,
    q_right_topics_yes BIGINT,
    q_right_topics_not_really BIGINT,
    q_right_topics_not_at_all BIGINT,
    q_right_topics_no_answer BIGINT,
    q_helpful_yes_really BIGINT,
    q_helpful_yes BIGINT,
    q_helpful_not_really BIGINT,
    q_helpful_not_at_all BIGINT,
    q_helpful_no_answer BIGINT,
    q_recommend_yes_really BIGINT,
    q_recommend_yes BIGINT,
    q_recommend_not_really BIGINT,
    q_recommend_not_at_all BIGINT,
    q_recommend_no_answer BIGINT
);
CREATE INDEX reg_programme_group_date ON reg_programme_group (municipality, date);

CREATE TABLE reg_collaboration (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    date DATE NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    partners TEXT,
    activity_kind TEXT
);
CREATE INDEX reg_collaboration_date ON reg_collaboration (municipality, date);

CREATE TABLE reg_open_preschool_report (
    id TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    date DATE NOT NULL,
    district TEXT NOT NULL,
    unit TEXT,
    year BIGINT,
    tertial BIGINT,
    opening_hours BIGINT,
    visits_adults BIGINT,
    visits_children BIGINT,
    q_welcome_yes_really BIGINT,
    q_welcome_yes BIGINT,
    q_welcome_not_really BIGINT,
    q_welcome_not_at_all BIGINT,
    q_welcome_no_answer BIGINT,
    q_parent_support_yes_really BIGINT,
    q_parent_support_yes BIGINT,
    q_parent_support_not_really BIGINT,
    q_parent_support_not_at_all BIGINT,
    q_parent_support_no_answer BIGINT
);
CREATE INDEX reg_open_preschool_report_date ON reg_open_preschool_report (municipality, date);
