-- Links through which a parent answers the parents' questions about one
-- registration, on the advisor's device or on their own phone. Only the
-- SHA-256 hash of the short code is kept. No column names or derives from
-- an account: a link, and so an answer, cannot be traced to the advisor.
-- expires_at (unix seconds) is rounded up to the hour, so the row tells at
-- most within the hour when the registration was made; registration_id is
-- cleared when a single-use link is used or any link expires, and the row
-- is deleted a week after expiry (see crates/store/src/parent_links.rs).
-- WITHOUT ROWID: no hidden insertion order.

CREATE TABLE parent_link (
    code_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    registration_id TEXT NOT NULL,
    questions TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used INTEGER NOT NULL DEFAULT FALSE,
    multi INTEGER NOT NULL DEFAULT FALSE
) WITHOUT ROWID;
CREATE INDEX parent_link_expires ON parent_link (expires_at);
