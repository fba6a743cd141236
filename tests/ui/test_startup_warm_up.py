"""The start-up warm-up: the engine off the GUI thread, the charts on it once idle.

Each check runs in a fresh interpreter: in the test process other tests have
imported the engine and pyqtgraph already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_WARM = """
import json, sys, threading, time
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
bootstrap.CHARTS_IDLE_MS = 20
bootstrap._warm_up_in_background(service)
out = {"charts_at_once": "pyqtgraph" in sys.modules}
for thread in threading.enumerate():
    if thread.name == "warm-up":
        thread.join(60)
out["engine"] = "app.core.evaluation.engine" in sys.modules
out["charts_before_idle"] = "app.ui.trends_panel" in sys.modules
deadline = time.monotonic() + 30
while "app.ui.trends_panel" not in sys.modules and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
out["charts_when_idle"] = "pyqtgraph" in sys.modules and "app.ui.trends_panel" in sys.modules
before = set(sys.modules)
FindingsService(service).evaluate(patient.id)
out["imported_by_first_evaluation"] = sorted(
    m for m in set(sys.modules) - before if m.startswith("app.core")
)
print(json.dumps(out))
window.close()
service.close()
"""


def test_warm_up_loads_what_the_first_evaluation_needs_and_the_charts_later():
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
        "charts_at_once": False,  # start-up to the window does not wait for them
        "engine": True,  # loaded by the worker, before any patient is opened
        "charts_before_idle": False,  # Qt widget modules: never on the worker
        "charts_when_idle": True,
        "imported_by_first_evaluation": [],
    }
