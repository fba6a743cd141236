"""What an assistant's main window offers: demographics, no clinical panels or actions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QWidget

from app.ui.findings_panel import FindingsPanel
from app.ui.labs_panel import LabsPanel
from app.ui.main_window import MainWindow
from app.ui.regimen_panel import RegimenPanel
from tests.conftest import create_encrypted_clinic, sign_in

ASSISTANT_PASSWORD = "front desk phrase 2024 ok"


@pytest.fixture
def assistant(tmp_path, kb):
    from app.services.admin import AdminService

    path = tmp_path / "clinic.db"
    admin = create_encrypted_clinic(path, kb)
    AdminService(admin).add_user("desk1", "assistant", ASSISTANT_PASSWORD)
    admin.close()
    service = sign_in(path, kb, "desk1", ASSISTANT_PASSWORD)
    yield service
    service.close()


@pytest.fixture
def window(qtbot, assistant):
    win = MainWindow(assistant)
    qtbot.addWidget(win)
    win.resize(1200, 700)
    win.show()
    qtbot.waitExposed(win)
    win.patient_list.table.selectRow(0)
    qtbot.wait(20)
    return win


def _in_page(widget: QWidget, page: QWidget) -> QRect:
    return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())


def test_nothing_paints_over_an_assistants_patient_header(window):
    """The trial's stray 3 px buttons and scrollbars at the top left of the page: gone."""
    page = window.patient_view.page
    assert window.patient_view.title.text().startswith("Okafor, Samir")
    header = (window.patient_view.title, window.patient_view.details)
    stray = [
        w
        for w in page.findChildren(QWidget)
        if w.isVisible()
        and not any(w is h or h.isAncestorOf(w) or w.isAncestorOf(h) for h in header)
        and not window.patient_view.tabs.isAncestorOf(w)
        and w is not window.patient_view.tabs
        and any(_in_page(w, page).intersects(_in_page(h, page)) for h in header)
    ]
    assert stray == []


def test_an_assistant_gets_no_clinical_panels_built(window):
    page = window.patient_view.page
    for panel in (RegimenPanel, LabsPanel, FindingsPanel):
        assert page.findChildren(panel) == []
    assert window.patient_view.regimen is None and window.patient_view.labs is None
    tabs = window.patient_view.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Clinical"]


def test_an_assistant_is_not_offered_the_worklist(qtbot, window):
    """No Clinic ▸ Worklist to run for seconds and then refuse; Ctrl+L does nothing."""
    menus = [a.text() for a in window.menuBar().actions() if a.isVisible()]
    assert "&Clinic" not in menus and "&File" in menus
    assert not window.worklist_action.isVisible()
    assert not window.worklist_action.isEnabled()
    qtbot.keyClick(window, "L", modifier=Qt.ControlModifier)
    assert getattr(window, "_worklist", None) is None


def test_a_clinician_is_offered_the_worklist(qtbot, service):
    win = MainWindow(service)
    qtbot.addWidget(win)
    assert "&Clinic" in [a.text() for a in win.menuBar().actions() if a.isVisible()]
    assert win.worklist_action.isVisible() and win.worklist_action.isEnabled()
