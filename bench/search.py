"""Patient search on 100,000 patients: keystroke to updated list, p50/p95.

Drives the real search box of the patient list pane offscreen: each sample sets
the text (one keystroke) and ends when the table model has been reset with the
new rows and pending events are processed.
"""

from __future__ import annotations

import time

from bench.common import demo_clinic, percentile, print_table

TYPED = [
    "s",
    "si",
    "sil",
    "silv",
    "silva",
    "k",
    "ke",
    "ken",
    "kenj",
    "demo-0",
    "demo-04",
    "demo-042",
    "demo-0421",
    "19",
    "197",
    "1975",
    "1975-0",
    "m",
    "ma",
    "mar",
    "marc",
    "o",
    "ok",
    "oka",
    "okaf",
    "z",
    "zi",
    "zim",
]


def run(rounds: int = 8) -> dict:
    from PySide6.QtWidgets import QApplication

    from app.services import ClinicService
    from app.ui.patient_list import PatientListPane

    clinic = demo_clinic(100_000, max_draws=1)
    app = QApplication.instance() or QApplication([])
    service = ClinicService.open_demo(clinic)
    pane = PatientListPane(service)
    pane.resize(420, 800)
    pane.show()
    samples = []
    for _ in range(rounds):
        for text in TYPED:
            started = time.perf_counter()
            pane.search.setText(text)
            app.processEvents()
            samples.append(time.perf_counter() - started)
        pane.search.clear()
    service.close()
    result = {
        "p50_ms": percentile(samples, 50) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
        "n": len(samples),
    }
    print_table(
        f"Patient search, 100,000 patients ({len(samples)} keystrokes)",
        [
            ("p50 keystroke -> list updated", f"{result['p50_ms']:.1f} ms"),
            ("p95 (target <= 30 ms)", f"{result['p95_ms']:.1f} ms"),
        ],
    )
    return result
