"""The Regimen tab names a row's kind as the knowledge base files its substance."""

from __future__ import annotations

from datetime import date

from app.core.models import RegimenItem
from app.ui.regimen_panel import RegimenPanel
from app.ui.regimen_table_model import COL_DOSE, COL_KIND, COL_SCHEDULE, COL_SUBSTANCE
from tests.conftest import cypionate


def _rows(panel: RegimenPanel, *columns: int) -> list[tuple[str, ...]]:
    model = panel.model
    return [tuple(model.data(model.index(r, c)) for c in columns) for r in range(model.rowCount())]


def test_anastrozole_saved_as_a_hormone_is_shown_as_a_medication(qtbot, service, patient):
    """The trial's demo row: stored kind 'hormone', the knowledge base says medication."""
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "anastrozole", 0.5, "mg", "oral", 3.5, date(2026, 2, 1)
        )
    )
    service.add_regimen_item(cypionate(patient.id))
    service.add_regimen_item(
        RegimenItem(None, patient.id, "supplement", "home_remedy", 1, "capsule", "oral", 1,
                    date(2026, 3, 1))
    )  # fmt: skip
    panel = RegimenPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    assert _rows(panel, COL_SUBSTANCE, COL_KIND) == [
        ("Testosterone cypionate", "hormone"),  # hormones first
        ("Anastrozole", "medication"),
        ("home remedy", "supplement"),  # unknown to the knowledge base: kept as saved
    ]


def test_a_demo_patients_regimen_reads_as_a_clinic_would_write_it(qtbot):
    """Demo kinds from the knowledge base and doses from real strengths and steps."""
    from app.services.demo import build_demo_clinic

    service, _ = build_demo_clinic(None, patients=60, today=date(2026, 11, 23))
    try:
        seen: dict[str, set[tuple[str, str, str]]] = {}
        for summary in service.search_patients(limit=100):
            panel = RegimenPanel(service)
            qtbot.addWidget(panel)
            panel.show_patient(summary.id)
            for name, kind, dose, schedule in _rows(
                panel, COL_SUBSTANCE, COL_KIND, COL_DOSE, COL_SCHEDULE
            ):
                seen.setdefault(name, set()).add((kind, dose, schedule))
        anastrozole = seen["Anastrozole"]
        assert {kind for kind, _, _ in anastrozole} == {"medication"}
        assert {dose for _, dose, _ in anastrozole} <= {"0.25 mg", "0.5 mg", "1 mg"}
        progesterone = seen["Micronized progesterone"]
        assert {dose for _, dose, _ in progesterone} <= {"100 mg", "200 mg"}
        per_week = {"weekly": 1, "2x/week": 2, "every 2 weeks": 0.5}
        for _, dose, schedule in seen["Testosterone cypionate"]:
            weekly = float(dose.split()[0]) * per_week[schedule]
            assert 100 <= weekly <= 200 and weekly % 20 == 0, (dose, schedule)
    finally:
        service.close()
