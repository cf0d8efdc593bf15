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
    expires_on TEXT NOT NULL
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_on);
