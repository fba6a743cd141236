"""Typing in the patient search box finds names with digits and still lists MRNs in order."""

from __future__ import annotations

import pytest

from app.ui.patient_list import PatientListPane
from tests.conftest import make_patient


@pytest.fixture
def pane(qtbot, service):
    for mrn, family, given in [
        ("SYN-002", "Brekke496", "Aaron697"),
        ("SYN-001", "Okafor", "Samir"),
        ("K2-001", "Lindqvist", "Elena"),
        ("B-9", "K2ller", "Ada"),
    ]:
        service.create_patient(make_patient(mrn=mrn, family_name=family, given_name=given))
    pane = PatientListPane(service)
    qtbot.addWidget(pane)
    return pane


def _shown(pane) -> list[str]:
    return [pane.model.patient_at(row).mrn for row in range(pane.model.rowCount())]


def test_typing_a_synthea_given_name_shows_that_patient(pane):
    pane.search.setText("Aaron697")
    assert _shown(pane) == ["SYN-002"]
    assert pane.count.text() == "1 patient"


def test_typing_a_partial_mrn_lists_mrn_matches_in_mrn_order(pane):
    pane.search.setText("SYN-00")
    assert _shown(pane) == ["SYN-001", "SYN-002"]


def test_typing_a_word_that_is_an_mrn_and_a_name_shows_both(pane):
    pane.search.setText("K2")
    assert _shown(pane) == ["K2-001", "B-9"]  # the MRN match first, then the name
