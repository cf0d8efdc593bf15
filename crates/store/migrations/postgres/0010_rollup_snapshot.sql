-- The report rollup of a municipality as counted at one data version
-- (stats::snapshot): a cache, so that a restarted server or the next import
-- takes up the counts instead of reading every registration again. It is
-- used only while `token` is still the data version's token (every write to
-- registrations sets a new one); otherwise it is rebuilt and replaced. It
-- holds counts per district and day, which the registration tables hold in
-- finer form already: nothing in it names a person or an account.
CREATE TABLE rollup_snapshot (
    municipality TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    body BYTEA NOT NULL
);
