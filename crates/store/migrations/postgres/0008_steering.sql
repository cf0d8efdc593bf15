-- The steering group's instruments: Spindeln measurement rounds and the
-- districts' status reports (DOMAIN.md sections 7 and 8).

-- A measurement round. Districts and parties are codes joined by ';';
-- items is a JSON array of {"code", "text"} in the fixed item order. Days
-- are ISO text (only compared and ordered). Times are unix seconds.
CREATE TABLE spindeln_round (
    id BIGSERIAL PRIMARY KEY,
    municipality TEXT NOT NULL,
    name TEXT NOT NULL,
    day TEXT NOT NULL,
    districts TEXT NOT NULL,
    parties TEXT NOT NULL,
    items TEXT NOT NULL,
    scale_max BIGINT NOT NULL,
    previous_round BIGINT REFERENCES spindeln_round (id),
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

-- A respondent link per round, district and party: only the hash of its
-- capability code is kept.
CREATE TABLE spindeln_link (
    code_hash TEXT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES spindeln_round (id),
    district TEXT NOT NULL,
    party TEXT NOT NULL,
    UNIQUE (round_id, district, party)
);

-- An anonymous answer: nine ratings (NULL = "vet ej") and where they
-- belong. No respondent, no link code, no time; a random id.
CREATE TABLE spindeln_answer (
    id TEXT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES spindeln_round (id),
    district TEXT NOT NULL,
    party TEXT NOT NULL,
    r1 SMALLINT, r2 SMALLINT, r3 SMALLINT, r4 SMALLINT, r5 SMALLINT,
    r6 SMALLINT, r7 SMALLINT, r8 SMALLINT, r9 SMALLINT
);
CREATE INDEX spindeln_answer_round ON spindeln_answer (round_id);

-- A district's status report for one tertial, one row per version: a
-- submitted version is never changed again; reopening adds version n+1 as a
-- draft. strategies is a JSON object {code: {"status", "comment"}}.
CREATE TABLE status_report (
    id BIGSERIAL PRIMARY KEY,
    municipality TEXT NOT NULL,
    district TEXT NOT NULL,
    year BIGINT NOT NULL,
    tertial BIGINT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    strategies TEXT NOT NULL,
    works TEXT NOT NULL,
    challenges TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    UNIQUE (municipality, district, year, tertial, version)
);
