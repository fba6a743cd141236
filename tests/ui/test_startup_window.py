"""The main window at start: what the user sees is there, what waits for use is not built yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from app.ui.main_window import MainWindow
from tests.conftest import make_patient

# Imported on first use, not at start: the patient page's panels and their dialogs,
# the backup machinery, the chart and report code, the engine.
LATER = (
    "app.ui.patient_page",
    "app.ui.findings_panel",
    "app.ui.labs_panel",
    "app.ui.regimen_panel",
    "app.ui.patient_form",
    "app.ui.backup_actions",
    "app.services.admin",
    "app.ui.trends_panel",
    "app.ui.reports_panel",
    "pyqtgraph",
    "numpy",
    "reportlab",
    "app.core.evaluation.engine",
)

_START = f"""
import json, sys
from PySide6.QtWidgets import QApplication
from app.services import ClinicService
from app.ui.main_window import MainWindow
app = QApplication(sys.argv)
service = ClinicService.create(None, name="Start-up test")
window = MainWindow(service)
window.show()
app.processEvents()
print(json.dumps(sorted(m for m in {list(LATER)!r} if m in sys.modules)))
window.close()
service.close()
"""


@pytest.fixture
def window(qtbot, service):
    service.create_patient(make_patient())
    service.create_patient(
        make_patient(mrn="MRN-2002", family_name="Silva", given_name="Rosa",
                     date_of_birth=date(1964, 2, 9), sex_at_birth="female")
    )  # fmt: skip
    win = MainWindow(service)
    qtbot.addWidget(win)
    win.show()
    return win


def test_a_fresh_start_imports_only_what_the_first_window_shows():
    result = subprocess.run(
        [sys.executable, "-c", _START],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_window_opens_on_the_list_and_the_hint(window):
    assert window.patient_list.model.rowCount() == 2
    assert window.patient_list.count.text() == "2 patients"
    assert window.status_label.text().startswith("2 active patients")
    view = window.patient_view
    assert view.stack.currentIndex() == 0  # "Choose a patient on the left…"
    assert view._page is None  # the patient page is built when a patient is shown
    assert window._backup_actions is None  # and the backup commands when first used
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Clinic", "&Administration", "&Help"]


def test_the_patient_page_is_built_by_the_first_patient_shown(window):
    window.patient_list.table.selectRow(1)
    view = window.patient_view
    assert view.stack.currentWidget() is view.page
    assert "Silva, Rosa" in view.title.text()
    assert [view.tabs.tabText(i) for i in range(view.tabs.count())] == [
        "Findings",
        "Trends",
        "Regimen",
        "Results",
        "Reports",
    ]
    assert view.tabs.currentWidget() is view.findings
    assert view.findings.evaluation.patient_id == view.patient.id

    window.patient_view.show_patient(None)  # no one chosen again: the hint comes back
    assert view.stack.currentIndex() == 0
    page = view.page
    window.patient_list.table.selectRow(0)
    assert view.page is page  # built once
    assert view.stack.currentWidget() is page


def test_no_patient_shown_on_a_fresh_view_builds_nothing(window):
    window.patient_view.show_patient(None)
    assert window.patient_view._page is None
    assert window.patient_view.stack.currentIndex() == 0
