"""Schema version 4: one unique index says which results are the same, and serves reads.

Until now a result's identity was a text key ``analyte|time|value|unit`` under a unique
index on (patient, key), beside a second index on (patient, analyte, time) for reads.
The key repeated the analyte and time the row already holds, and both indexes were
rebuilt after a large import (about 2.5 s of a million-row import, and a quarter of
the file). Now ``value_key`` holds only the value and unit as duplicates compare them
(``app.core.dedupe.value_key``), and one unique index on (patient, analyte, time, value
key) both refuses duplicates and serves every read by patient and analyte in time
order.

The same results count as duplicates as before: the old key was always written from
the row's own analyte key (which holds no ``|``) and its time text, so cutting that
prefix (``analyte|`` + 16-character time + ``|``) leaves exactly the new value key, and
two old keys are equal exactly when analyte, time and value key are.
"""

VERSION = 4

STATEMENTS = [
    "DROP INDEX observations_dedupe",
    "DROP INDEX observations_by_patient",
    "ALTER TABLE observations RENAME COLUMN dedupe_key TO value_key",
    # Cut by bytes, not characters: SQLite's length() and substr() of a text stop at a
    # NUL, which a FHIR valueString may carry into a value.
    "UPDATE observations SET value_key = CAST(substr(CAST(value_key AS BLOB), "
    "length(CAST(analyte_key AS BLOB)) + length(CAST(collected_at AS BLOB)) + 3) AS TEXT)",
    "CREATE UNIQUE INDEX observations_identity "
    "ON observations (patient_id, analyte_key, collected_at, value_key)",
]
