"""The Results tab: each result with its range and an L/H flag a clinician can trust."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from app.core.models import Observation
from app.ui.labs_panel import LabsPanel
from app.ui.observation_table_model import COL_ANALYTE, COL_FLAG, COL_RANGE, COL_RESULT


def _row(panel, analyte_label):
    model = panel.model
    for row in range(model.rowCount()):
        if model.index(row, COL_ANALYTE).data() == analyte_label:
            return row
    raise AssertionError(f"{analyte_label} not listed")


def _cell(panel, row, column, role=Qt.DisplayRole):
    return panel.model.index(row, column).data(role)


def test_results_show_the_range_and_flag_out_of_range_values(
    qtbot, qtmodeltester, service, patient
):
    when = datetime(2026, 10, 1, 8)
    service.record_result(patient.id, "vitamin_d_25oh", "8", "ng/mL", when)
    service.record_result(patient.id, "lh", "<0.2", "mIU/mL", when)
    service.observations_repo.add(
        Observation(
            None,
            patient.id,
            "zinc",
            when,
            "70",
            value=70.0,
            unit="ug/dL",
            ref_low=80.0,
            ref_high=150.0,
            ref_text="80-150",
            flag="",
            lab="Quest",
        )
    )
    panel = LabsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    qtmodeltester.check(panel.model)

    vitamin_d = _row(panel, service.analyte_label("vitamin_d_25oh"))
    # No range from the lab: the knowledge base's, marked, and the flag worked out.
    assert _cell(panel, vitamin_d, COL_RANGE).endswith(" *")
    assert _cell(panel, vitamin_d, COL_FLAG) == "L *"
    assert "lab sent no flag" in _cell(panel, vitamin_d, COL_FLAG, Qt.ToolTipRole)
    assert _cell(panel, vitamin_d, COL_RESULT, Qt.ForegroundRole) is not None  # shown in red

    lh = _row(panel, service.analyte_label("lh"))
    assert _cell(panel, lh, COL_FLAG) == "L *"  # <0.2 is surely below 1.7

    zinc = _row(panel, service.analyte_label("zinc"))
    assert _cell(panel, zinc, COL_RANGE) == "80-150"  # the lab's own range, unmarked
    assert _cell(panel, zinc, COL_FLAG) == "L *"


def test_converted_column_uses_the_analyte_decimals_and_skips_a_respelt_unit(
    qtbot, service, patient
):
    from app.ui.observation_table_model import COL_CANONICAL

    when = datetime(2026, 10, 1, 8)
    service.record_result(patient.id, "bilirubin_total", "12", "umol/L", when)
    service.record_result(patient.id, "bp_systolic", "128", "mm[Hg]", when)
    panel = LabsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    bilirubin = _row(panel, service.analyte_label("bilirubin_total"))
    assert _cell(panel, bilirubin, COL_CANONICAL) == "0.7 mg/dL"  # 12 / 17.10, 1 decimal
    systolic = _row(panel, service.analyte_label("bp_systolic"))
    assert _cell(panel, systolic, COL_CANONICAL) == ""  # mm[Hg] is the canonical mmHg


def test_converted_column_is_blank_when_the_conversion_only_respells_the_unit(
    qtbot, service, patient
):
    from app.ui.observation_table_model import COL_CANONICAL

    when = datetime(2026, 10, 1, 8)
    service.record_result(patient.id, "tsh", "0.60", "mIU/L", when)  # uIU/mL, factor 1
    service.record_result(patient.id, "testosterone_total", "12", "nmol/L", when)
    panel = LabsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    assert panel.model.observation_at(_row(panel, service.analyte_label("tsh"))).unit == "mIU/L"
    assert _cell(panel, _row(panel, service.analyte_label("tsh")), COL_CANONICAL) == ""
    # A real conversion is still shown.
    testosterone = _row(panel, service.analyte_label("testosterone_total"))
    assert _cell(panel, testosterone, COL_CANONICAL).endswith(" ng/dL")
