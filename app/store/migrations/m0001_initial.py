"""Schema version 1: everything the mission needs, so later work adds columns.

Tables are STRICT so a lab value can never be stored as text by accident; dates
are ISO-8601 text (``YYYY-MM-DD``; times ``YYYY-MM-DDTHH:MM:SS``).
"""

VERSION = 1

STATEMENTS = [
    """
    CREATE TABLE clinic_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT
    """,
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT
    """,
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL CHECK (role IN ('administrator', 'clinician', 'assistant')),
        password_hash TEXT NOT NULL DEFAULT '',
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT
    """,
    """
    CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        mrn TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(mrn)) > 0),
        family_name TEXT NOT NULL CHECK (length(trim(family_name)) > 0),
        given_name TEXT NOT NULL CHECK (length(trim(given_name)) > 0),
        date_of_birth TEXT NOT NULL,
        sex_at_birth TEXT NOT NULL
            CHECK (sex_at_birth IN ('female', 'male', 'intersex', 'unknown')),
        gender_identity TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
        search_text TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT
    """,
    "CREATE INDEX patients_by_name ON patients (family_name COLLATE NOCASE, given_name COLLATE NOCASE)",
    # Search-as-you-type: every word of name, MRN and date of birth (ISO, US and
    # European spellings, kept in search_text) is indexed for prefix queries.
    """
    CREATE VIRTUAL TABLE patients_fts USING fts5(
        search_text, content='patients', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    )
    """,
    """
    CREATE TRIGGER patients_fts_insert AFTER INSERT ON patients BEGIN
        INSERT INTO patients_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
    """
    CREATE TRIGGER patients_fts_delete AFTER DELETE ON patients BEGIN
        INSERT INTO patients_fts (patients_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END
    """,
    """
    CREATE TRIGGER patients_fts_update AFTER UPDATE OF search_text ON patients BEGIN
        INSERT INTO patients_fts (patients_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO patients_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
    """
    CREATE TABLE regimen_items (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id),
        kind TEXT NOT NULL CHECK (kind IN ('hormone', 'supplement', 'medication')),
        substance TEXT NOT NULL CHECK (length(trim(substance)) > 0),
        display_name TEXT NOT NULL DEFAULT '',
        dose REAL CHECK (dose IS NULL OR dose > 0),
        dose_unit TEXT NOT NULL DEFAULT '',
        route TEXT NOT NULL DEFAULT '',
        interval_days REAL CHECK (interval_days IS NULL OR interval_days > 0),
        start_date TEXT NOT NULL,
        stop_date TEXT CHECK (stop_date IS NULL OR stop_date >= start_date),
        stop_reason TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        previous_id INTEGER REFERENCES regimen_items (id),
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users (id)
    ) STRICT
    """,
    "CREATE INDEX regimen_by_patient ON regimen_items (patient_id, start_date)",
    """
    CREATE TABLE import_batches (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        format TEXT NOT NULL,
        profile_name TEXT NOT NULL DEFAULT '',
        rows_read INTEGER NOT NULL DEFAULT 0,
        rows_imported INTEGER NOT NULL DEFAULT 0,
        rows_duplicate INTEGER NOT NULL DEFAULT 0,
        rows_rejected INTEGER NOT NULL DEFAULT 0,
        stored_path TEXT NOT NULL DEFAULT '',
        report TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users (id),
        undone_at TEXT,
        undone_by INTEGER REFERENCES users (id)
    ) STRICT
    """,
    """
    CREATE TABLE import_profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        fingerprint TEXT NOT NULL DEFAULT '',
        settings TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT
    """,
    "CREATE INDEX import_profiles_by_fingerprint ON import_profiles (fingerprint)",
    """
    CREATE TABLE analyte_mappings (
        source_text TEXT PRIMARY KEY,
        analyte_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users (id)
    ) STRICT
    """,
    """
    CREATE TABLE observations (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id),
        analyte_key TEXT NOT NULL,
        collected_at TEXT NOT NULL,
        raw_value TEXT NOT NULL,
        value REAL,
        comparator TEXT CHECK (comparator IS NULL OR comparator IN ('<', '<=', '>', '>=')),
        unit TEXT NOT NULL DEFAULT '',
        value_canonical REAL,
        unit_canonical TEXT NOT NULL DEFAULT '',
        lab TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'manual'
            CHECK (source IN ('manual', 'csv', 'hl7', 'fhir', 'demo')),
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
    "CREATE UNIQUE INDEX observations_dedupe ON observations (patient_id, dedupe_key)",
    "CREATE INDEX observations_by_patient ON observations (patient_id, analyte_key, collected_at)",
    "CREATE INDEX observations_by_batch ON observations (batch_id)",
    """
    CREATE TABLE observation_revisions (
        id INTEGER PRIMARY KEY,
        observation_id INTEGER NOT NULL REFERENCES observations (id),
        changed_at TEXT NOT NULL,
        changed_by INTEGER REFERENCES users (id),
        change TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        previous TEXT NOT NULL
    ) STRICT
    """,
    "CREATE INDEX observation_revisions_by_observation ON observation_revisions (observation_id)",
    """
    CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id),
        as_of TEXT NOT NULL,
        kb_version TEXT NOT NULL,
        findings TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users (id)
    ) STRICT
    """,
    """
    CREATE TABLE finding_suppressions (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id),
        rule_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users (id),
        revoked_at TEXT
    ) STRICT
    """,
    "CREATE INDEX finding_suppressions_by_patient ON finding_suppressions (patient_id)",
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER REFERENCES patients (id),
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER REFERENCES users (id),
        sha256 TEXT NOT NULL,
        kb_version TEXT NOT NULL DEFAULT '',
        evaluation_id INTEGER REFERENCES evaluations (id),
        title TEXT NOT NULL DEFAULT '',
        pdf BLOB NOT NULL
    ) STRICT
    """,
    """
    CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        at_utc TEXT NOT NULL,
        user_id INTEGER REFERENCES users (id),
        username TEXT NOT NULL DEFAULT '',
        patient_id INTEGER,
        action TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL DEFAULT 'success',
        workstation TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        prev_mac TEXT NOT NULL DEFAULT '',
        mac TEXT NOT NULL DEFAULT ''
    ) STRICT
    """,
    """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END
    """,
    """
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END
    """,
]
