"""Round trips through the repositories, as the services use them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from app.core.models import Observation, Patient, RegimenItem
from app.store.database import open_database
from app.store.observations import DuplicateObservation, ObservationRepository
from app.store.patients import DuplicateMrn, PatientRepository, fts_query
from app.store.regimen import RegimenRepository


@pytest.fixture
def clinic():
    db = open_database(None, create=True)
    yield db
    db.close()


def _patient(**kw) -> Patient:
    base = dict(
        id=None,
        mrn="A-1",
        family_name="Lindqvist",
        given_name="Elena",
        date_of_birth=date(1968, 3, 4),
        sex_at_birth="female",
    )
    base.update(kw)
    return Patient(**base)


def test_patient_round_trip_keeps_every_field(clinic):
    repo = PatientRepository(clinic)
    saved = repo.add(
        _patient(
            gender_identity="woman",
            phone="555-0100",
            email="e@example.org",
            address="1 Main St",
            notes="prefers mornings",
        )
    )
    assert saved.id is not None
    assert repo.get(saved.id) == saved
    assert repo.by_mrn("A-1") == saved


def test_duplicate_mrn_is_refused_case_insensitively(clinic):
    repo = PatientRepository(clinic)
    repo.add(_patient(mrn="abc-9"))
    with pytest.raises(DuplicateMrn):
        repo.add(_patient(mrn="ABC-9", family_name="Other"))
    assert repo.count() == 1


@pytest.mark.parametrize(
    "typed",
    [
        "lind",
        "LINDQ",
        "elena",
        "a-1",
        "1968-03",
        "03/04/1968",
        "04.03.1968",
        "elena lind",
        "Lindqvist Elena",
    ],
)
def test_search_finds_by_name_mrn_and_birth_date_words(clinic, typed):
    repo = PatientRepository(clinic)
    repo.add(_patient())
    repo.add(
        _patient(
            mrn="B-2",
            family_name="Nakamura",
            given_name="Kenji",
            date_of_birth=date(1980, 11, 30),
            sex_at_birth="male",
        )
    )
    names = [p.family_name for p in repo.search(typed)]
    assert names == ["Lindqvist"]


def test_search_ignores_accents_and_orders_by_name(clinic):
    repo = PatientRepository(clinic)
    repo.add(_patient(mrn="1", family_name="Dubois", given_name="José"))
    repo.add(_patient(mrn="2", family_name="Abbott", given_name="Jose"))
    assert [p.family_name for p in repo.search("jose")] == ["Abbott", "Dubois"]


def test_archived_patients_are_hidden_unless_asked_for(clinic):
    repo = PatientRepository(clinic)
    saved = repo.add(_patient())
    repo.set_archived(saved.id, True)
    assert repo.search("lind") == []
    assert [p.id for p in repo.search("lind", include_archived=True)] == [saved.id]


def test_a_search_most_of_the_clinic_matches_shows_matches_in_name_order(clinic, monkeypatch):
    import app.store.patients as patients

    repo = PatientRepository(clinic)
    names = ["Young", "Xu", "Ward", "Vance", "Abbott", "Baker"]
    for n, name in enumerate(names):
        repo.add(_patient(mrn=f"M-{n}", family_name=name, date_of_birth=date(1970 + n, 5, 6)))
    repo.add(_patient(mrn="M-9", family_name="Aalto", date_of_birth=date(2001, 5, 6)))
    exact = [p.family_name for p in repo.search("19", limit=3)]
    assert exact == ["Abbott", "Baker", "Vance"]  # the first three of all matches by name
    monkeypatch.setattr(patients, "BROAD_MATCH", 4)  # "19" now counts as matching most
    broad = [p.family_name for p in repo.search("19", limit=3)]
    assert broad == ["Ward", "Xu", "Young"]  # the first three matches, shown by name
    assert [p.family_name for p in repo.search("19")] == sorted(names)  # room for all
    assert [p.family_name for p in repo.search("197")] == sorted(names)


def test_search_query_syntax_cannot_be_injected():
    assert fts_query('lind" OR *') == '"lind"* AND "or"*'
    assert fts_query("   ") is None


def test_updating_a_patient_updates_search(clinic):
    repo = PatientRepository(clinic)
    saved = repo.add(_patient())
    repo.update(replace(saved, family_name="Haddad"))
    assert repo.search("lind") == []
    assert [p.family_name for p in repo.search("hadd")] == ["Haddad"]


def test_regimen_round_trip_and_stop(clinic):
    patient = PatientRepository(clinic).add(_patient())
    repo = RegimenRepository(clinic)
    item = repo.add(
        RegimenItem(
            None,
            patient.id,
            "hormone",
            "testosterone_cypionate",
            120.0,
            "mg",
            "IM",
            7.0,
            date(2025, 1, 6),
            note="glutes",
        )
    )
    assert repo.get(item.id) == item
    repo.stop(item.id, date(2025, 6, 1), "dose change")
    stopped = repo.get(item.id)
    assert stopped.stop_date == date(2025, 6, 1) and stopped.stop_reason == "dose change"


def _obs(patient_id: int, **kw) -> Observation:
    base = dict(
        id=None,
        patient_id=patient_id,
        analyte_key="estradiol",
        collected_at=datetime(2025, 3, 1, 8, 15),
        raw_value="<5",
        value=5.0,
        comparator="<",
        unit="pg/mL",
        value_canonical=5.0,
        unit_canonical="pg/mL",
        lab="Valley Diagnostics",
        source="manual",
        ref_low=10.0,
        ref_high=42.0,
        ref_text="10-42",
    )
    base.update(kw)
    return Observation(**base)


def test_observation_round_trip_keeps_censoring_and_range(clinic):
    patient = PatientRepository(clinic).add(_patient())
    repo = ObservationRepository(clinic)
    saved = repo.add(_obs(patient.id))
    assert repo.get(saved.id) == saved
    assert saved.censored


def test_the_same_result_twice_is_refused(clinic):
    patient = PatientRepository(clinic).add(_patient())
    repo = ObservationRepository(clinic)
    repo.add(_obs(patient.id))
    with pytest.raises(DuplicateObservation):
        repo.add(_obs(patient.id, lab="another lab"))
    assert repo.count() == 1
    repo.add(_obs(patient.id, raw_value="<2", value=2.0))  # a different value is a new result
    assert repo.count() == 2


def test_observation_for_unknown_patient_is_refused(clinic):
    from app.store.sqlite import IntegrityError

    with pytest.raises(IntegrityError):
        ObservationRepository(clinic).add(_obs(999))


def test_excluding_a_result_keeps_the_previous_version(clinic):
    patient = PatientRepository(clinic).add(_patient())
    repo = ObservationRepository(clinic)
    saved = repo.add(_obs(patient.id, raw_value="41", value=41.0, comparator=None))
    repo.revise(replace(saved, excluded_reason="haemolysed sample"), "exclude", "haemolysed sample")
    assert repo.get(saved.id).excluded
    history = repo.revisions(saved.id)
    assert len(history) == 1
    assert history[0]["previous"]["excluded_reason"] == ""
    assert history[0]["change"] == "exclude"
