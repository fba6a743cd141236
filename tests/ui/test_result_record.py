"""The result record: opened from the chart and the Results tab; Exclude… and Correct…."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, Qt

from app.ui.labs_panel import LabsPanel
from app.ui.observation_table_model import COL_RESULT
from app.ui.result_record_dialog import CorrectDialog, ExcludeDialog, ResultRecordDialog
from app.ui.trends_panel import TrendsPanel


@pytest.fixture
def results(service, patient):
    pid = patient.id
    made = [
        service.record_result(
            pid, "testosterone_total", text, "ng/dL", datetime(2026, month, 2, 8), lab="Quest"
        )
        for text, month in (("420", 3), ("4100", 6), ("610", 9))
    ]
    return made


@pytest.fixture
def panel(qtbot, service, patient, results):
    widget = TrendsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    widget.show_patient(patient.id)
    widget.set_years(None)
    qtbot.waitExposed(widget)
    return widget


def _spot(panel, observation_id, name="points"):
    lane = panel.chart.lanes["testosterone_total"]
    return next(s for s in lane[name].points() if s.data().observation_id == observation_id)


def _click_spot(qtbot, panel, spot, scatter) -> None:
    """A real mouse click on the drawn point (through the graphics scene)."""
    chart = panel.chart
    panel.tabs.setCurrentIndex(0)
    scene_pos = scatter.mapToScene(spot.pos())
    view_pos = chart.mapFromScene(scene_pos)
    panel.scroll.ensureVisible(view_pos.x(), view_pos.y())
    qtbot.mouseClick(chart.viewport(), Qt.LeftButton, pos=QPoint(view_pos.x(), view_pos.y()))


def test_clicking_a_point_opens_its_record(qtbot, panel, results):
    outlier = results[1]
    scatter = panel.chart.lanes["testosterone_total"]["points"]
    _click_spot(qtbot, panel, _spot(panel, outlier.id), scatter)
    dialog = panel.record_dialog
    assert isinstance(dialog, ResultRecordDialog) and dialog.isVisible()
    assert dialog.observation_id == outlier.id
    assert dialog.fields["reported"].text() == "4100"
    assert dialog.fields["lab"].text() == "Quest"
    assert dialog.fields["collected"].text() == "2026-06-02 08:00"
    assert dialog.fields["source"].text() == "manual"
    assert dialog.no_history.isVisibleTo(dialog) and not dialog.history.isVisibleTo(dialog)
    assert dialog.exclude_button.isEnabled() and dialog.correct_button.isEnabled()


def test_exclude_needs_a_reason_then_fades_the_point(qtbot, panel, results, service):
    outlier = results[1]
    dialog = panel.open_record(outlier.id)
    ask = dialog.ask_exclude()
    assert isinstance(ask, ExcludeDialog)
    ask.save()  # no reason
    assert ask.isVisible() and ask.errors._labels["reason"].text()
    assert service.result_history(outlier.id) == []

    ask.reason.setText("haemolysed sample")
    ask.save()
    assert not ask.isVisible()
    lane = panel.chart.lanes["testosterone_total"]
    [faded] = lane["excluded"].points()
    assert faded.data().observation_id == outlier.id
    assert faded.brush().color().alpha() == 60
    assert sorted(lane["line"].getData()[1]) == [pytest.approx(420), pytest.approx(610)]
    assert all(s.data().observation_id != outlier.id for s in lane["points"].points())
    # The record shows the change and its history.
    assert dialog.fields["status"].text() == "Excluded: haemolysed sample"
    assert dialog.history.rowCount() == 1
    assert dialog.history.item(0, 2).text() == "exclude"
    assert dialog.history.item(0, 3).text() == "haemolysed sample"
    assert dialog.history.item(0, 4).text() == "4100 ng/dL"
    assert dialog.exclude_button.text() == "Include again…"


def test_include_again_puts_the_point_back_on_the_line(qtbot, panel, results, service):
    outlier = results[1]
    service.exclude_result(outlier.id, "haemolysed sample")
    panel.refresh()
    dialog = panel.open_record(outlier.id)
    assert dialog.fields["status"].text() == "Excluded: haemolysed sample"
    ask = dialog.ask_exclude()
    assert ask.windowTitle() == "Include result again"
    ask.reason.setText("the lab confirmed the sample")
    ask.save()
    assert not ask.isVisible()
    assert dialog.fields["status"].text() == "Included in trends and findings"
    assert [dialog.history.item(r, 2).text() for r in range(2)] == ["exclude", "include"]
    assert dialog.exclude_button.text() == "Exclude…"
    lane = panel.chart.lanes["testosterone_total"]
    assert any(s.data().observation_id == outlier.id for s in lane["points"].points())


def test_correct_from_the_results_tab_refreshes_table_and_chart(qtbot, service, patient, results):
    labs = LabsPanel(service)
    trends = TrendsPanel(service)
    for widget in (labs, trends):
        qtbot.addWidget(widget)
        widget.show_patient(patient.id)
    trends.set_years(None)
    labs.changed.connect(trends.refresh)
    outlier = results[1]
    row = next(
        r for r in range(labs.model.rowCount()) if labs.model.observation_at(r).id == outlier.id
    )
    index = labs.model.index(row, COL_RESULT)
    labs.show()
    qtbot.waitExposed(labs)
    rect = labs.table.visualRect(index)
    # QTest's double click alone does not make a view emit doubleClicked: click first.
    qtbot.mouseClick(labs.table.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(labs.table.viewport(), Qt.LeftButton, pos=rect.center())
    dialog = labs.record_dialog
    assert dialog is not None and dialog.observation_id == outlier.id

    ask = dialog.ask_correct()
    assert isinstance(ask, CorrectDialog)
    assert ask.value.text() == "4100" and ask.unit.currentText() == "ng/dL"
    ask.value.setText("410")
    ask.save()  # no reason
    assert ask.errors._labels["reason"].text()
    ask.reason.setText("transcription error")
    ask.save()
    assert not ask.isVisible()

    assert labs.model.data(labs.model.index(row, COL_RESULT)) == "410"
    ys = sorted(p.pos().y() for p in trends.chart.lanes["testosterone_total"]["points"].points())
    assert ys == [pytest.approx(410), pytest.approx(420), pytest.approx(610)]
    assert dialog.fields["reported"].text() == "410"
    assert dialog.history.item(0, 2).text() == "correct"
    assert dialog.history.item(0, 4).text() == "4100 ng/dL"
    updates = [r for r in service.session.audit.rows(patient_id=patient.id) if r.action == "update"]
    assert updates and "corrected" in updates[-1].detail


@pytest.mark.parametrize(
    ("analyte", "text", "unit", "shown"),
    [
        ("tsh", "0.60", "mIU/L", "same as reported"),  # a factor of 1 to µIU/mL
        ("tsh", "0.60", "uIU/mL", "same as reported"),  # the canonical unit
        ("testosterone_total", "420", "ng/dL", "same as reported"),  # the canonical unit
        ("testosterone_total", "14.6", "nmol/L", "ng/dL"),  # a real conversion is shown
    ],
)
def test_the_record_shows_a_converted_value_only_when_it_differs(
    qtbot, service, patient, analyte, text, unit, shown
):
    saved = service.record_result(patient.id, analyte, text, unit, datetime(2026, 5, 2, 8))
    dialog = ResultRecordDialog(service, saved.id)
    qtbot.addWidget(dialog)
    converted = dialog.fields["converted"].text()
    assert shown in converted
    if shown == "ng/dL":
        assert converted.startswith("421")  # 14.6 nmol/L x 28.84


def test_correct_refuses_a_unit_hand_entry_refuses(qtbot, service, patient):
    """The trial's 6120 ng/dL corrected to 612 mg/dL: refused, the record unchanged."""
    saved = service.record_result(
        patient.id, "testosterone_total", "6120", "ng/dL", datetime(2026, 6, 2, 8)
    )
    dialog = ResultRecordDialog(service, saved.id)
    qtbot.addWidget(dialog)
    ask = dialog.ask_correct()
    ask.value.setText("612")
    ask.unit.setCurrentText("mg/dL")
    ask.reason.setText("transcription error")
    ask.save()
    assert ask.isVisible()
    assert ask.errors.message("unit") == (
        "Testosterone, total is recorded in ng/dL, nmol/L, ng/mL, not mg/dL."
    )
    assert dialog.fields["reported"].text() == "6120"
    assert dialog.fields["unit"].text() == "ng/dL"
    assert "not converted" not in dialog.fields["converted"].text()
    assert dialog.no_history.isVisibleTo(dialog)
