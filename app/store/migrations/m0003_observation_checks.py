"""Schema version 3: the same rules on results, written so an insert does not pay for them.

SQLite evaluates ``x IN ('a', 'b', 'c')`` in a CHECK constraint by building a small
temporary index for every row inserted: a million-row import spent about 3 s on the
two IN lists of ``observations``. The same rules written as OR chains cost nothing
measurable, and accept and refuse exactly the same values (a NULL still passes, as a
CHECK passes on NULL either way).

SQLite cannot change a CHECK in place, so the table is rebuilt: copy, drop, rename,
index again, all inside the migration's one transaction. ``observation_revisions`` is
rebuilt with it because its foreign key must follow the new table (renaming a parent
with foreign keys on rewrites the children's REFERENCES to the new name); dropping
the child first means no row ever points at a missing result.
"""

VERSION = 3

_OBSERVATION_COLUMNS = (
    "id, patient_id, analyte_key, collected_at, raw_value, value, comparator, unit, "
    "value_canonical, unit_canonical, lab, source, loinc, ref_low, ref_high, ref_text, flag, "
    "batch_id, note, excluded_reason, dedupe_key, created_at, created_by"
)
_REVISION_COLUMNS = "id, observation_id, changed_at, changed_by, change, reason, previous"

STATEMENTS = [
    """
    CREATE TABLE observations_v3 (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id),
        analyte_key TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        raw_value TEXT NOT NULL,
        value REAL,
        comparator TEXT CHECK (comparator IS NULL OR comparator = '<' OR comparator = '<='
            OR comparator = '>' OR comparator = '>='),
        unit TEXT NOT NULL DEFAULT '',
        value_canonical REAL,
        unit_canonical TEXT NOT NULL DEFAULT '',
        lab TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'manual'
            CHECK (source = 'manual' OR source = 'csv' OR source = 'hl7' OR source = 'fhir'
                OR source = 'demo'),
        loinc TEXT NOT NULL DEFAULT '',
        ref_low REAL,
        ref_high REAL,
        ref_text TEXT NOT NULL DEFAULT '',
        flag TEXT NOT NULL DEFAULT '',
        batch_id INTEGER REFERENCES import_batches (id),
        note TEXT NOT NULL DEFAULT '',
        excluded_reason TEXT NOT NULL DEFAULT '',
        dedupe_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users (id),
        CHECK (comparator IS NULL OR value IS NOT NULL)
    ) STRICT
    """,
    f"INSERT INTO observations_v3 ({_OBSERVATION_COLUMNS}) "
    f"SELECT {_OBSERVATION_COLUMNS} FROM observations",
    """
    CREATE TABLE observation_revisions_v3 (
        id INTEGER PRIMARY KEY,
        observation_id INTEGER NOT NULL REFERENCES observations_v3 (id),
        changed_at TEXT NOT NULL,
        changed_by INTEGER REFERENCES users (id),
        change TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        previous TEXT NOT NULL
    ) STRICT
    """,
    f"INSERT INTO observation_revisions_v3 ({_REVISION_COLUMNS}) "
    f"SELECT {_REVISION_COLUMNS} FROM observation_revisions",
    "DROP TABLE observation_revisions",
    "DROP TABLE observations",
    "ALTER TABLE observations_v3 RENAME TO observations",
    "ALTER TABLE observation_revisions_v3 RENAME TO observation_revisions",
    "CREATE UNIQUE INDEX observations_dedupe ON observations (patient_id, dedupe_key)",
    "CREATE INDEX observations_by_patient ON observations (patient_id, analyte_key, collected_at)",
    "CREATE INDEX observations_by_batch ON observations (batch_id)",
    "CREATE INDEX observation_revisions_by_observation ON observation_revisions (observation_id)",
]
