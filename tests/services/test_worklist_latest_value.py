"""The worklist's latest value is the finding's own test, never another input's."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from app.core.evaluation.findings import TraceValue
from app.services.findings import FindingsService, export_worklist_csv, worklist_cells
from app.services.worklist_rows import NO_RESULT, latest_value
from tests.conftest import cypionate

MAGNESIUM = "magnesium_on_testosterone"


def _on_testosterone(service, patient) -> None:
    service.add_regimen_item(cypionate(patient.id))


def _rows(service, rule_id: str = MAGNESIUM):
    return FindingsService(service).worklist([rule_id])


def test_latest_value_is_the_findings_analyte_when_another_result_is_newer(service, patient):
    _on_testosterone(service, patient)
    service.record_result(patient.id, "magnesium_serum", "1.6", "mg/dL", datetime(2026, 5, 29))
    # The newest result the rule reads is SHBG, months after the magnesium.
    service.record_result(patient.id, "shbg", "14.9", "nmol/L", datetime(2026, 11, 4))
    [row] = _rows(service)
    assert row.latest == "1.60 mg/dL on 2026-05-29"


def test_a_finding_without_its_own_result_says_so(service, patient):
    _on_testosterone(service, patient)
    service.record_result(patient.id, "shbg", "14.9", "nmol/L", datetime(2026, 11, 4))
    [row] = _rows(service)
    assert row.latest == NO_RESULT
    assert "14.9" not in row.latest


def test_the_latest_value_is_in_the_unit_people_write(kb):
    zinc = TraceValue(
        "zinc", "zinc", "used", 1, datetime(2026, 3, 2, 9), 55.0, None, "ug/dL", 55.0, "ug/dL"
    )
    estradiol = TraceValue(
        "e2", "estradiol", "used", 2, datetime(2026, 10, 1, 9), 60.0, None, "pg/mL", 60.0, "pg/mL"
    )
    finding = SimpleNamespace(marker="zinc", trace=SimpleNamespace(values=(estradiol, zinc)))
    assert latest_value(finding, kb) == "55 µg/dL on 2026-03-02"


def test_a_nutrient_is_measured_by_its_first_related_analyte_in_the_trace(kb):
    calcium = TraceValue("ca", "calcium_total", "used", 1, datetime(2026, 3, 2), 8.1, None, "mg/dL")
    pth = TraceValue("pth", "pth", "used", 2, datetime(2026, 9, 2), 80.0, None, "pg/mL")
    finding = SimpleNamespace(marker="calcium", trace=SimpleNamespace(values=(pth, calcium)))
    assert latest_value(finding, kb) == "8.1 mg/dL on 2026-03-02"


def test_a_finding_that_reads_no_result_of_its_test_shows_none(kb):
    bmd = TraceValue("bmd", "bmd_tscore", "used", 1, datetime(2026, 3, 2), -1.2, None, "{T-score}")
    finding = SimpleNamespace(marker="boron", trace=SimpleNamespace(values=(bmd,)))
    assert latest_value(finding, kb) == ""


def test_the_csv_export_carries_the_same_latest_value(service, patient, tmp_path):
    _on_testosterone(service, patient)
    service.record_result(patient.id, "magnesium_serum", "1.6", "mg/dL", datetime(2026, 5, 29))
    service.record_result(patient.id, "shbg", "14.9", "nmol/L", datetime(2026, 11, 4))
    rows = _rows(service)
    path = tmp_path / "worklist.csv"
    export_worklist_csv(rows, path, service.analyte_label)
    text = path.read_text(encoding="utf-8")
    assert "1.60 mg/dL on 2026-05-29" in text
    assert "14.9" not in text
    assert worklist_cells(rows[0], service.analyte_label)[7] == "1.60 mg/dL on 2026-05-29"


def test_the_latest_value_keeps_the_analytes_decimals_only_in_its_own_units(kb):
    def magnesium(value: float, unit: str) -> str:
        mg = TraceValue("mg", "magnesium_serum", "used", 1, datetime(2026, 3, 2), value, None, unit)
        return latest_value(
            SimpleNamespace(marker="magnesium", trace=SimpleNamespace(values=(mg,))), kb
        )

    assert magnesium(2.0, "mg/dL") == "2.00 mg/dL on 2026-03-02"  # not "2 mg/dL"
    assert magnesium(0.8, "mmol/L") == "0.80 mmol/L on 2026-03-02"
    assert magnesium(1.65, "mEq/L") == "1.65 mEq/L on 2026-03-02"  # as reported


def test_a_missing_first_test_of_a_nutrient_gives_way_to_the_next_one(kb):
    """B12 was looked for and missing, its MMA was used: the row shows the MMA."""
    b12 = TraceValue("b12", "b12", "missing")
    mma = TraceValue(
        "mma", "mma", "used", 3, datetime(2026, 4, 2, 9), 0.52, None, "umol/L", 0.52, "umol/L"
    )
    finding = SimpleNamespace(marker="vitamin_b12", trace=SimpleNamespace(values=(b12, mma)))
    assert latest_value(finding, kb).endswith("on 2026-04-02")
    assert latest_value(finding, kb).startswith("0.52")
    alone = SimpleNamespace(marker="vitamin_b12", trace=SimpleNamespace(values=(b12,)))
    assert latest_value(alone, kb) == NO_RESULT
