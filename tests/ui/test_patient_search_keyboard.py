"""The patient list by keyboard (type, then Enter or Down) and at its default width."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.ui.patient_list import PatientListPane
from tests.conftest import make_patient


@pytest.fixture
def pane(qtbot, service):
    for mrn, family, given in [
        ("R-1", "Okafor", "Samir"),
        ("R-2", "Okafor", "Priya"),
        ("R-3", "Lindqvist", "Elena"),
    ]:
        service.create_patient(make_patient(mrn=mrn, family_name=family, given_name=given))
    pane = PatientListPane(service)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitExposed(pane)
    pane.refresh()
    return pane


def test_enter_in_the_search_box_opens_the_first_match(qtbot, pane):
    opened = []
    pane.patient_selected.connect(opened.append)
    pane.search.setFocus()
    qtbot.keyClicks(pane.search, "lindq")
    qtbot.keyClick(pane.search, Qt.Key_Return)
    assert [pane.model.patient_at(0).mrn] == ["R-3"]
    assert opened and opened[-1] == pane.model.patient_at(0).id
    assert pane.table.hasFocus()


def test_down_in_the_search_box_moves_into_the_list(qtbot, pane):
    pane.search.setFocus()
    qtbot.keyClicks(pane.search, "okafor")
    qtbot.keyClick(pane.search, Qt.Key_Down)
    assert pane.table.hasFocus()
    assert pane.selected_patient_id() == pane.model.patient_at(0).id
    qtbot.keyClick(pane.table, Qt.Key_Down)
    assert pane.selected_patient_id() == pane.model.patient_at(1).id


def test_enter_with_no_match_changes_nothing(qtbot, pane):
    opened = []
    pane.patient_selected.connect(opened.append)
    pane.search.setFocus()
    qtbot.keyClicks(pane.search, "nobody-here")
    qtbot.keyClick(pane.search, Qt.Key_Return)
    assert opened == []
    assert pane.search.hasFocus()


def test_the_list_fits_its_default_width_without_a_horizontal_scroll_bar(qtbot, pane):
    # The main window gives the list pane 420 px; the Sex column kept a 100 px minimum
    # there, so the four columns overran the pane by a few pixels and a scroll bar showed.
    pane.resize(420, 600)
    qtbot.wait(10)
    table = pane.table
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0
    assert header.sectionSize(3) >= table.fontMetrics().horizontalAdvance("female") + 8
