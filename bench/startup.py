"""Cold start to an interactive main window, against a bare Qt window's cold start.

Both run as fresh processes (a cold interpreter each time), timed from spawn to
the moment the window has been shown and its first events processed. The app
opens the clinic the way the real start does: the integrity check runs on a
worker thread after the window is up (writes wait for it).

Both start from compiled bytecode, as an installed app does (pip compiles it, and
so does a first run). Development shells that set ``PYTHONDONTWRITEBYTECODE``
would otherwise make every timed start compile the app's few hundred modules from
source again, which no user's start does and the floor (Qt's own compiled modules)
never pays; the bytecode is kept under ``bench/out/pycache`` instead, written by
the warm-up runs.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench.common import OUT, demo_clinic, median, print_table

FLOOR = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1400, 860); w.show(); app.processEvents()
w.close()
"""

APP = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from app.services import ClinicService
from app.ui.main_window import MainWindow
app = QApplication(sys.argv)
service = ClinicService.open_demo(Path(sys.argv[1]), verify_now=False)
w = MainWindow(service); w.show(); app.processEvents()
w.close(); service.close()
"""


def _spawn(code: str, *args: str) -> float:
    import time

    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module docstring
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True, env=env)
    return time.perf_counter() - started


def run(repeat: int = 5) -> dict:
    clinic = demo_clinic(10_000, max_draws=2)
    _spawn(FLOOR), _spawn(APP, str(clinic))  # warm the OS file cache and write bytecode
    floor, app = [], []
    for _ in range(repeat):  # taking turns, so a change in the machine's load hits both
        floor.append(_spawn(FLOOR))
        app.append(_spawn(APP, str(clinic)))
    result = {"floor_s": median(floor), "app_s": median(app)}
    result["ratio"] = result["app_s"] / result["floor_s"]
    print_table(
        f"Cold start, 10,000-patient clinic (median of {repeat} fresh processes)",
        [
            ("floor: bare QApplication + QMainWindow", f"{result['floor_s'] * 1000:.0f} ms"),
            ("Cofactor main window, clinic open", f"{result['app_s'] * 1000:.0f} ms"),
            ("ratio (target <= 3x)", f"{result['ratio']:.2f}x"),
        ],
    )
    return result
