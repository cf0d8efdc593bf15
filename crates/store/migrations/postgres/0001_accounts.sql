-- Staff accounts, their sessions and API tokens. Nothing here refers to a
-- registration, and no registration refers to anything here.

CREATE TABLE account (
    id BIGSERIAL PRIMARY KEY,
    municipality TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    district TEXT,
    password_hash TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

-- Only a hash of the session token is kept: a leaked database does not
-- yield live sessions. Times are unix seconds.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX session_account ON session (account_id);

CREATE TABLE api_token (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES account (id),
    role TEXT NOT NULL,
    district TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
