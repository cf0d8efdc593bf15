-- The public catalogue of support (issue 8): interventions with a common
-- terminology, and per district what is offered. Organisational facts that a
-- district publishes; nothing here refers to a parent or to a registration.
-- A contact is a unit's public one (the form says so and checks its shape).

CREATE TABLE intervention (
    municipality TEXT NOT NULL,
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_sv TEXT NOT NULL,
    description_en TEXT NOT NULL,
    level TEXT NOT NULL,
    form TEXT NOT NULL,
    category TEXT NOT NULL,
    expecting INTEGER NOT NULL DEFAULT FALSE,
    age_min INTEGER NOT NULL,
    age_max INTEGER NOT NULL,
    -- ISO 639 codes joined by ';'
    languages TEXT NOT NULL,
    retired INTEGER NOT NULL DEFAULT FALSE,
    PRIMARY KEY (municipality, code)
);

-- The current state per (intervention, district); updated_on is the day the
-- district last confirmed or changed it (stale after 90 days).
CREATE TABLE offer (
    municipality TEXT NOT NULL,
    intervention TEXT NOT NULL,
    district TEXT NOT NULL,
    offered INTEGER NOT NULL,
    contact_unit TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    waiting_weeks INTEGER,
    next_start DATE,
    free_places INTEGER,
    updated_on DATE NOT NULL,
    PRIMARY KEY (municipality, intervention, district),
    FOREIGN KEY (municipality, intervention) REFERENCES intervention (municipality, code)
);

-- Every update appends (one row per day: the day's last state), so that
-- waiting times and free places can be followed over time per district.
CREATE TABLE offer_history (
    municipality TEXT NOT NULL,
    intervention TEXT NOT NULL,
    district TEXT NOT NULL,
    recorded_on DATE NOT NULL,
    offered INTEGER NOT NULL,
    waiting_weeks INTEGER,
    free_places INTEGER,
    PRIMARY KEY (municipality, intervention, district, recorded_on)
);
