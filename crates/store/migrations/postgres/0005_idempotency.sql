-- Idempotency keys of API requests and one-time form submissions: a retry
-- with the same key returns the first result and stores nothing new.
-- Written in the same transaction as the registrations, so a key exists if
-- and only if its registrations were stored. No account, no time finer than
-- a day: the row says only which registrations one request made, and goes
-- after expires_on.
CREATE TABLE idempotency_key (
    key_hash TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    registration_ids TEXT NOT NULL,
    expires_on DATE NOT NULL
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_on);

-- A token that changes with every write to registrations (new rows, parents'
-- answers), so that a server's in-memory report rollup knows when it is out
-- of date, whichever process wrote. One row for the installation.
CREATE TABLE data_version (
    scope TEXT PRIMARY KEY,
    token TEXT NOT NULL
);
