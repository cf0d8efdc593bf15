-- Configuration as versioned data (issue 6): every change an admin makes to a
-- municipality's organisation or forms is stored as a new revision holding
-- the whole configuration as TOML (the format of `foljupp config export`).
-- The newest revision is the one in force; older ones keep the definition of
-- every form version that registrations were made with. A municipality
-- exists in the installation when it has a revision.
CREATE TABLE config_revision (
    municipality TEXT NOT NULL,
    revision BIGINT NOT NULL,
    saved_on TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (municipality, revision)
);

-- Questions an admin adds after the shipped ones have no column of their
-- own: their coded answers are kept here as a JSON object (codes, numbers,
-- yes/no; never free text, which no form field accepts).
ALTER TABLE reg_conversation ADD COLUMN extra TEXT;
ALTER TABLE reg_home_visit ADD COLUMN extra TEXT;
ALTER TABLE reg_group_meeting ADD COLUMN extra TEXT;
ALTER TABLE reg_programme_group ADD COLUMN extra TEXT;
ALTER TABLE reg_collaboration ADD COLUMN extra TEXT;
ALTER TABLE reg_open_preschool_report ADD COLUMN extra TEXT;

-- The audit log per municipality: an admin reads only their own. Events
-- written before this release belong to the only municipality there was.
ALTER TABLE audit_event ADD COLUMN municipality TEXT NOT NULL DEFAULT 'stockholm';
