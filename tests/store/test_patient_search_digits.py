"""Search for names with digits in them (Synthea's "Aaron697", de-duplicated "Smith2").

A word of letters and digits is also how an MRN is typed; these tests keep both:
the name is found, and a partial MRN still lists its MRN matches in MRN order.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.core.models import Patient
from app.store.database import open_database
from app.store.patients import PatientRepository


@pytest.fixture
def repo():
    db = open_database(None, create=True)
    yield PatientRepository(db)
    db.close()


def _add(repo, mrn, family, given, born=date(1970, 1, 2)) -> Patient:
    return repo.add(
        Patient(
            id=None,
            mrn=mrn,
            family_name=family,
            given_name=given,
            date_of_birth=born,
            sex_at_birth="female",
        )
    )


def _names(found) -> list[str]:
    return [f"{p.given_name} {p.family_name}" for p in found]


@pytest.mark.parametrize("typed", ["Aaron697", "aaron6", "Brekke496", "BREKKE4", "Aaron697 Brek"])
def test_a_synthea_name_is_found_by_its_words(repo, typed):
    _add(repo, "SYN-0001", "Brekke496", "Aaron697")
    _add(repo, "SYN-0002", "Lindqvist", "Elena")
    assert _names(repo.search(typed)) == ["Aaron697 Brekke496"]


def test_a_deduplicated_name_like_smith2_is_found(repo):
    _add(repo, "E-100", "Smith", "Jo")
    _add(repo, "E-101", "Smith2", "Jo")
    assert _names(repo.search("smith2")) == ["Jo Smith2"]
    assert _names(repo.search("Smith")) == ["Jo Smith", "Jo Smith2"]


def test_a_partial_mrn_lists_its_matches_in_mrn_order(repo):
    for mrn, family in [("AB300", "Abbott"), ("AB100", "Young"), ("AB200", "Baker")]:
        _add(repo, mrn, family, "Kim")
    _add(repo, "ZZ900", "Ab1ers", "Kim", born=date(1980, 5, 6))  # a name, not an MRN
    found = repo.search("ab")  # letters only: a name search, in name order
    assert [p.family_name for p in found] == ["Ab1ers", "Abbott", "Baker", "Young"]
    assert [p.mrn for p in repo.search("AB2")] == ["AB200"]
    assert [p.mrn for p in repo.search("ab1")] == ["AB100", "ZZ900"]  # MRN first, then name


def test_a_hyphenated_partial_mrn_lists_mrn_matches_only(repo):
    # "DEMO-04" must not also list everyone born in April (the "04" of their birth
    # date) whose MRN starts with DEMO: the list stays the MRN matches, in MRN order.
    _add(repo, "DEMO-0420", "Young", "Ana", born=date(1970, 4, 4))
    _add(repo, "DEMO-0410", "Abbott", "Ben", born=date(1971, 1, 1))
    _add(repo, "DEMO-1000", "Baker", "Cy", born=date(1972, 4, 4))
    assert [p.mrn for p in repo.search("demo-04")] == ["DEMO-0410", "DEMO-0420"]
    assert [p.mrn for p in repo.search("DEMO-042")] == ["DEMO-0420"]


def test_a_word_that_is_both_an_mrn_and_a_name_finds_both(repo):
    _add(repo, "K2-002", "Lindqvist", "Elena")
    _add(repo, "K2-001", "Okafor", "Sam")
    _add(repo, "B-77", "K2ller", "Mo")  # a name starting with the same word
    _add(repo, "B-78", "Kessler", "Jo")
    found = repo.search("K2")
    assert [p.mrn for p in found] == ["K2-001", "K2-002", "B-77"]
    assert _names(found)[-1] == "Mo K2ller"


def test_name_matches_are_not_pushed_out_by_many_mrn_matches(repo):
    for n in range(8):
        _add(repo, f"A1{n:03d}", "Patient", f"N{n}")
    _add(repo, "Q-1", "A1exander", "Pat")
    found = repo.search("a1", limit=5)
    assert len(found) == 5
    assert [p.mrn for p in found] == ["A1000", "A1001", "A1002", "A1003", "Q-1"]


def test_archived_name_matches_follow_show_archived(repo):
    saved = _add(repo, "SYN-9", "Brekke496", "Aaron697")
    repo.set_archived(saved.id, True)
    assert repo.search("aaron697") == []
    assert _names(repo.search("aaron697", include_archived=True)) == ["Aaron697 Brekke496"]


def test_a_word_most_of_the_clinic_matches_still_lists_mrns_then_names(repo, monkeypatch):
    import app.store.patients as patients

    for n in range(6):
        _add(repo, f"X1{n}", "Smith", f"K{n}")  # MRNs with no separator: one word each
    _add(repo, "Y-1", "X1ao", "Li")
    monkeypatch.setattr(patients, "BROAD_MATCH", 7)  # "x1" now counts as matching most
    found = repo.search("x1")
    assert [p.mrn for p in found] == ["X10", "X11", "X12", "X13", "X14", "X15", "Y-1"]
    # Four shown: the first MRN matches, and the name among the first broad matches.
    assert [p.mrn for p in repo.search("x1", limit=4)] == ["X10", "X11", "X12", "Y-1"]
