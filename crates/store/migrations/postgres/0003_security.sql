-- The audit trail of staff actions (logins, account and token changes,
-- exports). It never records a registration: registering writes no row
-- here, so nothing connects a registration to the account that made it.
-- `at` is unix seconds; `account_id` is NULL for failed logins and for
-- changes made from the command line.
CREATE TABLE audit_event (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    account_id BIGINT,
    account_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    ip TEXT
);
CREATE INDEX audit_event_at ON audit_event (at);

-- A token's purpose, as the admin wrote it ("Skolans statistiksystem").
ALTER TABLE api_token ADD COLUMN label TEXT NOT NULL DEFAULT '';

-- The OpenID Connect identity ("issuer subject") of an account created by
-- the city's single sign-on; such accounts have no password.
ALTER TABLE account ADD COLUMN sso_subject TEXT;
CREATE UNIQUE INDEX account_sso_subject ON account (sso_subject);
