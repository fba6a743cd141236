"""The start-up warm-up: the engine, off the GUI thread, with what the first evaluation needs.

Each check runs in a fresh interpreter: in the test process other tests have
imported the engine and pyqtgraph already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_WARM = """
import json, sys, threading
from PySide6.QtWidgets import QApplication
import app.bootstrap as bootstrap
from app.services import ClinicService
from app.services.findings import FindingsService
from app.ui.main_window import MainWindow
from tests.conftest import make_patient
app = QApplication(sys.argv)
service = ClinicService.create(None, name="Warm-up test")
patient = service.create_patient(make_patient())
window = MainWindow(service)
window.show()
app.processEvents()
bootstrap._warm_up_in_background(service)
out = {}
for thread in threading.enumerate():
    if thread.name == "warm-up":
        thread.join(60)
out["engine"] = "app.core.evaluation.engine" in sys.modules
before = set(sys.modules)
FindingsService(service).evaluate(patient.id)
out["imported_by_first_evaluation"] = sorted(
    m for m in set(sys.modules) - before if m.startswith("app.core")
)
print(json.dumps(out))
window.close()
service.close()
"""


def test_warm_up_loads_what_the_first_evaluation_needs():
    result = subprocess.run(
        [sys.executable, "-c", _WARM],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "engine": True,  # loaded by the worker, before any patient is opened
        "imported_by_first_evaluation": [],
    }
