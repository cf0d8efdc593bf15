-- The steering group's instruments: Spindeln measurement rounds and the
-- districts' status reports (DOMAIN.md sections 7 and 8).

-- A measurement round. Districts and parties are codes joined by ';';
-- items is a JSON array of {"code", "text"} in the fixed item order. Days
-- are ISO text (only compared and ordered). Times are unix seconds.
CREATE TABLE spindeln_round (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality TEXT NOT NULL,
    name TEXT NOT NULL,
    day TEXT NOT NULL,
    districts TEXT NOT NULL,
    parties TEXT NOT NULL,
    items TEXT NOT NULL,
    scale_max INTEGER NOT NULL,
    previous_round BIGINT REFERENCES spindeln_round (id),
    closed INTEGER NOT NULL DEFAULT FALSE,
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
-- belong. No respondent, no link code, no time; a random id and no rowid,
-- so not even the insertion order is kept.
CREATE TABLE spindeln_answer (
    id TEXT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES spindeln_round (id),
    district TEXT NOT NULL,
    party TEXT NOT NULL,
    r1 INTEGER, r2 INTEGER, r3 INTEGER, r4 INTEGER, r5 INTEGER,
    r6 INTEGER, r7 INTEGER, r8 INTEGER, r9 INTEGER
) WITHOUT ROWID;
CREATE INDEX spindeln_answer_round ON spindeln_answer (round_id);

-- A district's status report for one tertial, one row per version: a
-- submitted version is never changed again; reopening adds version n+1 as a
-- draft. strategies is a JSON object {code: {"status", "comment"}}.
CREATE TABLE status_report (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality TEXT NOT NULL,
    district TEXT NOT NULL,
    year INTEGER NOT NULL,
    tertial INTEGER NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    strategies TEXT NOT NULL,
    works TEXT NOT NULL,
    challenges TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    UNIQUE (municipality, district, year, tertial, version)
);
