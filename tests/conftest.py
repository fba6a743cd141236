"""Shared fixtures: a fixed 'today', the knowledge base, an in-memory clinic."""

from __future__ import annotations

import os
from datetime import date

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.core.models import Patient, RegimenItem  # noqa: E402

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def kb():
    from app.core.knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture
def service(kb):
    from app.services import ClinicService

    clinic = ClinicService.create(None, name="Test clinic", today=lambda: TODAY, knowledge=kb)
    yield clinic
    clinic.close()


def make_patient(**overrides) -> Patient:
    fields = dict(
        id=None,
        mrn="MRN-1001",
        family_name="Okafor",
        given_name="Samir",
        date_of_birth=date(1975, 6, 14),
        sex_at_birth="male",
    )
    fields.update(overrides)
    return Patient(**fields)


@pytest.fixture
def patient(service) -> Patient:
    return service.create_patient(make_patient())


def cypionate(patient_id: int, dose: float = 100.0, start: date = date(2026, 1, 5)) -> RegimenItem:
    """Testosterone cypionate IM every 7 days from ``start``: a patient on TRT."""
    return RegimenItem(
        None, patient_id, "hormone", "testosterone_cypionate", dose, "mg", "IM", 7.0, start
    )


# Encrypted clinics for tests: real key slots and argon2id, with parameters cheap enough
# to sign in many times per test (the production defaults take ~180 ms each).
def cheap_params():
    from app.security.kdf import Argon2Params

    return Argon2Params(time_cost=1, memory_cost=8, parallelism=1)


ADMIN_PASSWORD = "quiet harbour morning 1947"


def create_encrypted_clinic(path, kb, *, admin: str = "ana", password: str = ADMIN_PASSWORD):
    """Create an encrypted clinic at ``path`` with one patient; returns it signed in."""
    from app.services import ClinicService

    service = ClinicService.create(
        path,
        name="Riverside",
        admin=admin,
        password=password,
        params=cheap_params(),
        today=lambda: TODAY,
        knowledge=kb,
    )
    service.create_patient(make_patient())
    return service


def sign_in(path, kb, user: str = "ana", password: str = ADMIN_PASSWORD):
    from app.services import ClinicService

    return ClinicService.sign_in(
        path, user, password, params=cheap_params(), today=lambda: TODAY, knowledge=kb
    )
