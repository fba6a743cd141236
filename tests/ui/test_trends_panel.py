"""The Trends tab: inspect the pyqtgraph items the chart creates."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt

from app.core.models import Observation, RegimenItem
from app.core.validation import DoseChange
from app.services.series import GENERAL_PRESETS, presets, series_for
from app.ui.trend_chart import timestamp
from app.ui.trends_panel import KEY_ROLE, TrendsPanel
from tests.conftest import make_patient


@pytest.fixture
def trt_patient(service):
    patient = service.create_patient(make_patient())
    first = service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0,
            date(2025, 1, 6),
        )
    )  # fmt: skip
    service.change_dose(DoseChange(first.id, 140.0, "mg", 7.0, date(2025, 9, 1)))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "supplement", "zinc", 15.0, "mg", "oral", 1.0, date(2025, 3, 1)
        )
    )
    pid = patient.id
    service.record_result(
        pid, "testosterone_total", "420", "ng/dL", datetime(2025, 4, 1, 8), lab="Quest"
    )
    service.record_result(
        pid, "testosterone_total", "610", "ng/dL", datetime(2025, 11, 3, 8), lab="Quest"
    )
    service.record_result(
        pid, "testosterone_total", "21", "nmol/L", datetime(2026, 6, 1, 8), lab="LabCorp"
    )
    service.record_result(pid, "shbg", "30", "nmol/L", datetime(2026, 6, 1, 8), lab="LabCorp")
    service.record_result(pid, "psa", "<0.1", "ng/mL", datetime(2025, 4, 1, 8), lab="Quest")
    service.record_result(pid, "psa", "0.9", "ng/mL", datetime(2026, 6, 1, 8), lab="LabCorp")
    service.record_result(pid, "hematocrit", "52.5", "%", datetime(2026, 6, 1, 8), lab="LabCorp")
    # A lab-reported range (the store path importers use) must win over the KB default.
    with service.database.transaction():
        service.observations_repo.add(
            Observation(
                None, pid, "hematocrit", datetime(2026, 9, 1, 8), "50.1", 50.1, None, "%",
                50.1, "%", lab="LabCorp", ref_low=38.5, ref_high=50.0, flag="H",
            )
        )  # fmt: skip
    return patient


@pytest.fixture
def panel(qtbot, service, trt_patient):
    widget = TrendsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show_patient(trt_patient.id)
    widget.set_years(None)
    return widget


def test_trt_preset_is_chosen_and_only_analytes_with_results_are_checked(panel, service):
    assert panel.preset_combo.currentText() == "TRT"
    assert panel.checked_keys() == [
        "testosterone_total", "shbg", "psa", "hematocrit", "free_testosterone_calc",
    ]  # fmt: skip
    # Lanes follow the preset's order: total T first.
    assert list(panel.chart.lanes) == [
        "testosterone_total", "free_testosterone_calc", "shbg", "hematocrit", "psa",
    ]  # fmt: skip
    offered = presets(service, panel.patient_id)
    assert "zinc" in offered["TRT"]
    assert {"bp_systolic", "cholesterol_ldl", "body_weight"} <= set(offered["Cardiometabolic"])
    assert {"alt", "creatinine", "egfr"} <= set(offered["Blood count, liver, kidney"])
    # A misspelt key would be dropped from its preset without a word: none is.
    named = {key for keys in GENERAL_PRESETS.values() for key in keys}
    assert named <= set(service.knowledge.analytes)


def test_preset_selection_checks_its_analytes(panel):
    panel.preset_combo.setCurrentText("Thyroid")
    assert panel.checked_keys() == []
    panel.preset_combo.setCurrentText("TRT")
    assert "psa" in panel.checked_keys()


def test_bands_at_the_right_values(panel):
    hematocrit = panel.chart.lanes["hematocrit"]
    assert hematocrit["reference"].getRegion() == pytest.approx((38.5, 50.0))
    assert "LabCorp" in hematocrit["reference_label"].textItem.toPlainText()
    plot_top = hematocrit["plot"].getViewBox().viewRange()[1][1]
    # "At most 54 %" is an action limit: a line at 54 inside the plot, no target band.
    assert "target" not in hematocrit
    assert hematocrit["limit"].value() == pytest.approx(54.0) and plot_top > 54
    total = panel.chart.lanes["testosterone_total"]
    assert total["target"].getRegion() == pytest.approx((350, 600))
    assert total["target_label"].textItem.toPlainText().startswith("Target: Endocrine Society")


def test_reference_and_target_labels_do_not_cover_each_other(qtbot, service):
    # A man over 60: reference range 300-720 ng/dL, TRT target 350-600. The target's
    # label sat just above 600 and the range's just below 720: one over the other.
    patient = service.create_patient(make_patient(date_of_birth=date(1958, 3, 2)))
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0,
            date(2025, 1, 6),
        )
    )  # fmt: skip
    for day, value in ((date(2025, 4, 1), "420"), (date(2026, 6, 1), "560")):
        service.record_result(
            patient.id,
            "testosterone_total",
            value,
            "ng/dL",
            datetime.combine(day, datetime.min.time()),
        )
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.resize(1200, 320)  # lanes as short as a full preset makes them
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_patient(patient.id)
    total = panel.chart.lanes["testosterone_total"]
    assert total["reference"].getRegion() == pytest.approx((300, 720))
    reference = total["reference_label"].sceneBoundingRect()
    target = total["target_label"].sceneBoundingRect()
    assert reference.height() > 0 and target.height() > 0
    assert not reference.intersects(target)


def test_one_sided_reference_shaded_below_the_limit_only(panel):
    psa = panel.chart.lanes["psa"]
    view_low, view_high = psa["plot"].getViewBox().viewRange()[1]
    low, high = psa["reference"].getRegion()
    assert high == pytest.approx(4.0) and low == pytest.approx(view_low)
    assert view_high > 4.0


def test_censored_marker_is_separate_from_the_line(panel):
    psa = panel.chart.lanes["psa"]
    censored = psa["censored"].points()
    assert len(censored) == 1
    assert censored[0].pos().y() == pytest.approx(0.1)
    assert censored[0].symbol() == "t"
    assert censored[0].brush().color().alpha() == 0  # open marker
    xs, ys = psa["line"].getData()
    assert list(ys) == [pytest.approx(0.9)]
    assert [p.pos().y() for p in psa["points"].points()] == [pytest.approx(0.9)]


def test_lab_and_unit_changes_are_marked(panel):
    changes = panel.chart.lanes["testosterone_total"]["changes"]
    kinds = {(what, moment) for what, moment, _ in changes}
    assert ("lab", datetime(2026, 6, 1, 8)) in kinds
    assert ("unit", datetime(2026, 6, 1, 8)) in kinds
    assert all(m.value() == timestamp(moment) for _, moment, m in changes)


def test_regimen_bars_labels_and_steady_state(panel):
    regimen = panel.chart.regimen
    lanes = [lane.substance for lane, _ in regimen["bars"]]
    assert lanes == ["testosterone_cypionate", "zinc"]
    _, bars = regimen["bars"][0]
    assert len(bars.opts["x0"]) == 2
    assert bars.opts["x0"][1] == pytest.approx(timestamp(date(2025, 9, 1)))
    # Each label keeps its whole text (and tooltip); it shows what fits its step.
    texts = [label.full_text for _, label in regimen["labels"]]
    assert "Testosterone cypionate 100 -> 140 mg/week" in texts
    assert "Testosterone cypionate 100 mg IM weekly" in texts
    for _, label in regimen["labels"]:
        shown = label.textItem.toPlainText()
        assert shown == label.full_text or label.full_text.startswith(shown.rstrip("…"))
    markers = [m.value() for _, m in regimen["markers"]]
    assert timestamp(date(2025, 9, 1)) in markers
    steady = {step.start: shade for step, shade in regimen["steady"]}
    shade = steady[date(2025, 9, 1)]
    assert shade.opts["width"][0] == pytest.approx(6 * 7 * 86400, rel=0.01)


def test_unit_toggle_changes_plotted_values(panel):
    def total_values():
        return sorted(
            p.pos().y() for p in panel.chart.lanes["testosterone_total"]["points"].points()
        )

    conventional = total_values()
    assert conventional[0] == pytest.approx(420)
    si_button = next(b for b in panel.unit_buttons.buttons() if b.text() == "SI")
    si_button.click()
    assert panel.series.unit_system == "si"
    si = total_values()
    assert si[0] == pytest.approx(420 / 28.84, rel=0.01)
    assert panel.chart.lanes["testosterone_total"]["target"].getRegion()[0] == pytest.approx(
        350 / 28.84, rel=0.01
    )
    assert "nmol/L" in panel.chart.lanes["testosterone_total"]["plot"].titleLabel.text


def test_tooltip_text_for_a_point(panel):
    lane = panel.chart.lanes["hematocrit"]
    point = next(p.data() for p in lane["points"].points() if p.data().flag == "H")
    text = panel.chart.tooltip_text("hematocrit", point)
    assert "50.1" in text and "%" in text
    assert "2026-09-01" in text and "LabCorp" in text and "Flag: H" in text
    assert "status: high" in text
    censored = panel.chart.lanes["psa"]["censored"].points()[0].data()
    assert "<0.1" in panel.chart.tooltip_text("psa", censored)


def test_range_buttons_limit_points(panel):
    panel.set_years(1.0)
    assert len(panel.chart.lanes["testosterone_total"]["points"].points()) == 1
    panel.set_years(None)
    assert len(panel.chart.lanes["testosterone_total"]["points"].points()) == 3


def test_search_filters_the_checklist(panel):
    panel.search.setText("psa")
    visible = [
        panel.checklist.item(i).data(KEY_ROLE)
        for i in range(panel.checklist.count())
        if not panel.checklist.item(i).isHidden()
    ]
    assert visible == ["psa"]
    item = next(
        panel.checklist.item(i)
        for i in range(panel.checklist.count())
        if panel.checklist.item(i).data(KEY_ROLE) == "psa"
    )
    item.setCheckState(Qt.Unchecked)
    assert "psa" not in panel.chart.lanes


def test_export_png_and_svg(panel, tmp_path):
    panel.export(str(tmp_path / "t.png"))
    panel.export(str(tmp_path / "t.svg"))
    assert (tmp_path / "t.png").stat().st_size > 1000
    assert "<svg" in (tmp_path / "t.svg").read_text()


def test_a_patient_on_no_protocol_opens_on_the_preset_they_have_results_for(qtbot, service):
    # Results from years ago, no regimen: the blood-count preset, and a word that the
    # one-year range shown holds none of them.
    patient = service.create_patient(make_patient(mrn="MRN-7", family_name="Carter"))
    when = datetime(2021, 5, 3, 8)
    for key, value, unit in (("hematocrit", "44", "%"), ("alt", "30", "U/L"), ("ast", "25", "U/L")):
        service.record_result(patient.id, key, value, unit, when)
    panel = TrendsPanel(service)
    qtbot.addWidget(panel)
    panel.show_patient(patient.id)
    assert panel.preset_combo.currentText() == "Blood count, liver, kidney"
    panel.set_years(1)
    assert "Hematocrit: none in this range (latest 2021-05-03; choose All)." in panel.status.text()
    panel.set_years(None)
    assert "none in this range" not in panel.status.text()


def test_tooltip_writes_the_reported_unit_once_in_the_kb_spelling(service, trt_patient, qtbot):
    """A calculated point reads "… pg/mL (calculated)", not "… pg/mL (calculated) pg/mL"."""
    service.record_result(
        trt_patient.id, "zinc", "54", "ug/dL", datetime(2026, 6, 1, 8), lab="LabCorp"
    )
    widget = TrendsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show_patient(trt_patient.id)
    widget.set_years(None)
    derived = widget.chart.lanes["free_testosterone_calc"]["points"].points()[0].data()
    text = widget.chart.tooltip_text("free_testosterone_calc", derived)
    reported = next(line for line in text.splitlines() if line.startswith("Reported:"))
    assert reported.endswith("pg/mL (calculated)")
    assert reported.count("pg/mL") == 1
    zinc = series_for(service, trt_patient.id, ["zinc"]).analyte("zinc").points[0]
    text = widget.chart.tooltip_text("zinc", zinc)
    assert "Reported: 54 µg/dL" in text
    assert "ug/dL" not in text
