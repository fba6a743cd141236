"""The Results tab keeps each row's texts once filled: the same texts, new ones on refresh.

The expected rows below are what the tab showed before it kept texts (worked out
anew on every ``data()`` call), for the same results.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from app.core.models import Observation
from app.ui.labs_panel import LabsPanel
from app.ui.observation_table_model import COL_NOTE

KB_TIP = (
    "The knowledge base's default range for the patient's sex and age, in the result's "
    "unit: the lab printed none."
)
FLAG_TIP = "Worked out against the range shown: the lab sent no flag."
UNIT_TIP = "Unit not recognised: kept as reported, not converted."
SHOWN = [
    ("2026-10-01 08:00", "Zinc, serum", "70", "µg/dL", "80-150", "L *", "not converted", "Quest", "manual", ""),
    ("2026-10-01 08:00", "Luteinizing hormone", "<0.2", "mIU/mL", "1.7 – 8.6 *", "L *", "", "", "manual", ""),
    ("2026-10-01 08:00", "25-hydroxyvitamin D, total (D2+D3)", "8", "ng/mL", "30 – 100 *", "L *", "", "", "manual", ""),
    ("2026-09-01 07:30", "Hematocrit", "55.2", "%", "41 – 51 *", "H *", "", "", "manual", ""),
    ("2026-08-01 09:00", "Ferritin", "44", "furlongs", "", "", "not converted", "", "manual", "odd unit"),
    ("2026-07-01 08:00", "Thyroid-stimulating hormone", "2.1", "mIU/L", "0.27 – 4.2 *", "", "", "", "manual", "excluded: haemolysed sample"),
]  # fmt: skip
TIPS = [
    (None, None, None, None, None, FLAG_TIP, UNIT_TIP, None, None, None),
    (None, None, None, None, KB_TIP, FLAG_TIP, None, None, None, None),
    (None, None, None, None, KB_TIP, FLAG_TIP, None, None, None, None),
    (None, None, None, None, KB_TIP, FLAG_TIP, None, None, None, None),
    (None, None, None, None, None, None, UNIT_TIP, None, None, None),
    (None, None, None, None, KB_TIP, None, None, None, None, None),
]


def _fill(service, patient_id: int) -> int:
    """Results of each kind the tab marks; returns the hematocrit's id."""
    when = datetime(2026, 10, 1, 8)
    service.record_result(patient_id, "vitamin_d_25oh", "8", "ng/mL", when)
    service.record_result(patient_id, "lh", "<0.2", "mIU/mL", when)
    hct = service.record_result(patient_id, "hematocrit", "55.2", "%", datetime(2026, 9, 1, 7, 30))
    service.observations_repo.add(
        Observation(None, patient_id, "ferritin", datetime(2026, 8, 1, 9), "44", value=44.0,
                    unit="furlongs", note="odd unit")
    )  # fmt: skip
    service.observations_repo.add(
        Observation(None, patient_id, "zinc", when, "70", value=70.0, unit="ug/dL",
                    ref_low=80.0, ref_high=150.0, ref_text="80-150", flag="", lab="Quest")
    )  # fmt: skip
    tsh = service.record_result(patient_id, "tsh", "2.1", "mIU/L", datetime(2026, 7, 1, 8))
    service.exclude_result(tsh.id, "haemolysed sample")
    return hct.id


def _table(panel, role=Qt.DisplayRole) -> list[tuple]:
    model = panel.model
    return [
        tuple(model.index(r, c).data(role) for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def test_the_tab_shows_the_texts_it_showed_before(qtbot, qtmodeltester, service, patient):
    _fill(service, patient.id)
    panel = LabsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    panel.show()
    qtbot.waitExposed(panel)
    assert _table(panel) == SHOWN
    assert _table(panel, Qt.ToolTipRole) == TIPS
    assert _table(panel) == SHOWN  # asked again: the kept texts, unchanged
    qtmodeltester.check(panel.model)


def test_a_refresh_shows_the_new_texts(qtbot, service, patient):
    hematocrit = _fill(service, patient.id)
    panel = LabsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    assert _table(panel)[3][COL_NOTE] == ""
    service.exclude_result(hematocrit, "drawn at the wrong time")
    panel.refresh()
    assert _table(panel)[3][COL_NOTE] == "excluded: drawn at the wrong time"
    assert panel.model.index(3, COL_NOTE).data(Qt.ForegroundRole) is not None  # greyed


def test_columns_fit_their_texts_and_keep_their_widths_when_shown_again(qtbot, service, patient):
    _fill(service, patient.id)
    panel = LabsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(1600, 500)
    panel.show_patient(patient.id)
    panel.show()
    qtbot.waitExposed(panel)
    table = panel.table
    last = panel.model.columnCount() - 1
    widths = [table.columnWidth(c) for c in range(last)]
    for column in range(last):  # the last one stretches
        assert widths[column] >= table.sizeHintForColumn(column)
    table.setColumnWidth(1, widths[1] + 40)  # a clinician widens a column
    panel.hide()
    panel.show()
    qtbot.waitExposed(panel)
    assert table.columnWidth(1) == widths[1] + 40
    assert [table.columnWidth(c) for c in range(last) if c != 1] == widths[:1] + widths[2:]
