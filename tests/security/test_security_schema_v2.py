"""Schema version 2 (m0002_security) on new and upgraded clinics."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.store.database import LATEST_VERSION, open_database

FROZEN = Path(__file__).resolve().parents[1] / "data"


def _security_objects(conn) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'audit_events_%' OR name LIKE 'users_%'"
        )
    }


EXPECTED = {
    "audit_events_no_update",
    "audit_events_no_delete",
    "audit_events_need_user",
    "audit_events_in_sequence",
    "audit_events_by_patient",
    "audit_events_by_user",
    "audit_events_by_time",
    "users_no_delete",
}


def test_new_clinic_has_the_security_schema():
    clinic = open_database(None, create=True)
    assert LATEST_VERSION >= 2
    assert EXPECTED <= _security_objects(clinic.conn)
    assert "emergency_access" in {c.name for c in clinic.db["users"].columns}
    clinic.close()


def test_schema_v1_upgrades_to_the_security_schema(tmp_path):
    target = tmp_path / "v1.db"
    shutil.copyfile(FROZEN / "clinic-schema-v1.db", target)  # a closed file
    clinic = open_database(target)
    assert clinic.migrated_from == 1 and clinic.schema_version == LATEST_VERSION
    assert EXPECTED <= _security_objects(clinic.conn)
    clinic.close()
