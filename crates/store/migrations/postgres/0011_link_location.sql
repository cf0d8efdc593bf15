-- Every registration written dirtied about four pages spread over the
-- database: its table's leaf, the index on its id, the link's row and the
-- link's entry in the expiry index (random within the hour, since the
-- index orders by expiry and then code hash). Two of them go here:
--
-- * A link now names its registration by the registration's own key
--   (municipality, day, id) instead of by id alone, so no index on id is
--   needed to find it. PostgreSQL keeps its registrations' primary key on
--   id (the links' lookup by municipality, day and id uses it).
-- * Expired links are found by reading the table (the server tidies every
--   ten minutes, reading before it takes any lock; see
--   crates/store/src/parent_links.rs), not through an index written on
--   every registration.
--
-- registration_date is the registration's own day (ÅÅÅÅ-MM-DD, as the
-- exchange format writes it), cleared with registration_id when the link is
-- used or expires; municipality is the registration's municipality. Neither
-- says anything the registration does not.
ALTER TABLE parent_link ADD COLUMN municipality TEXT NOT NULL DEFAULT '';
ALTER TABLE parent_link ADD COLUMN registration_date TEXT NOT NULL DEFAULT '';
UPDATE parent_link SET municipality = r.municipality, registration_date = to_char(r.date, 'YYYY-MM-DD')
    FROM reg_conversation r
    WHERE parent_link.kind = 'conversation' AND parent_link.registration_id <> '' AND r.id = parent_link.registration_id;
UPDATE parent_link SET municipality = r.municipality, registration_date = to_char(r.date, 'YYYY-MM-DD')
    FROM reg_home_visit r
    WHERE parent_link.kind = 'home_visit' AND parent_link.registration_id <> '' AND r.id = parent_link.registration_id;
UPDATE parent_link SET municipality = r.municipality, registration_date = to_char(r.date, 'YYYY-MM-DD')
    FROM reg_group_meeting r
    WHERE parent_link.kind = 'group_meeting' AND parent_link.registration_id <> '' AND r.id = parent_link.registration_id;
UPDATE parent_link SET municipality = r.municipality, registration_date = to_char(r.date, 'YYYY-MM-DD')
    FROM reg_programme_group r
    WHERE parent_link.kind = 'programme_group' AND parent_link.registration_id <> '' AND r.id = parent_link.registration_id;
UPDATE parent_link SET municipality = r.municipality, registration_date = to_char(r.date, 'YYYY-MM-DD')
    FROM reg_collaboration r
    WHERE parent_link.kind = 'collaboration' AND parent_link.registration_id <> '' AND r.id = parent_link.registration_id;
UPDATE parent_link SET municipality = r.municipality, registration_date = to_char(r.date, 'YYYY-MM-DD')
    FROM reg_open_preschool_report r
    WHERE parent_link.kind = 'open_preschool_report' AND parent_link.registration_id <> '' AND r.id = parent_link.registration_id;
DROP INDEX parent_link_expires;
