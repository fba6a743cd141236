"""Looking up many MRNs at once answers as one look-up per MRN would."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.models import Patient
from app.store.database import open_database
from app.store.patients import PatientRepository


@pytest.fixture
def repo():
    clinic = open_database(None, create=True)
    repo = PatientRepository(clinic)
    for n, mrn in enumerate(["DEMO-1", "demo-2", "Ärzte-3", "X 4"]):
        repo.add(Patient(None, mrn, f"Family{n}", "Given", date(1970, 1, n + 1), "female"))
    yield repo
    clinic.close()


def test_many_mrns_match_exactly_as_one_at_a_time(repo):
    asked = ["demo-1", "DEMO-1", " DEMO-2 ", "ärzte-3", "Ärzte-3", "X 4", "x 4", "missing", "DEMO"]
    asked += [f"N-{n}" for n in range(1200)]  # several queries' worth
    found = repo.by_mrns(asked)
    for mrn in asked:
        one = repo.by_mrn(mrn)
        assert (found.get(mrn.strip()) or None) == one, mrn
    assert found["demo-1"].mrn == "DEMO-1" and "missing" not in found
    assert "ärzte-3" not in found  # NOCASE folds ASCII letters only, as the column does
