"""A finding's marker is named as a clinician reads it, whether analyte or nutrient."""

from __future__ import annotations

from datetime import datetime

from app.services.findings import FindingsService, worklist_cells
from tests.conftest import cypionate


def test_a_nutrient_marker_is_named_from_the_knowledge_base(service):
    assert service.analyte_label("magnesium") == "Magnesium"
    assert service.analyte_label("vitamin_b6") == service.knowledge.nutrients["vitamin_b6"].name
    # An analyte keeps its own name where a nutrient has the same key.
    assert service.analyte_label("zinc") == service.knowledge.analytes["zinc"].name
    assert service.analyte_label("no_such_key") == "no_such_key"


def test_the_worklist_test_column_names_the_nutrient(service, patient):
    service.add_regimen_item(cypionate(patient.id))
    service.record_result(patient.id, "magnesium_serum", "1.6", "mg/dL", datetime(2026, 5, 29))
    [row] = FindingsService(service).worklist(["magnesium_on_testosterone"])
    assert row.marker == "magnesium"
    assert worklist_cells(row, service.analyte_label)[4] == "Magnesium"


def test_numbers_keep_their_decimals_only_in_a_unit_the_knowledge_base_gives_them_for(kb):
    """12.5 nmol/L reads 12.5 (it was rounded to 12 by ng/dL's decimals); the canonical
    and SI units keep the analyte's usual decimals."""
    assert kb.number_text("testosterone_total", 12.5, "nmol/L") == "12.5"
    assert kb.number_text("testosterone_total", 360.5, "ng/dL") == "360"
    assert kb.number_text("magnesium_serum", 2.0) == "2.00"
    assert kb.number_text("glucose_fasting", 5.4, "mmol/L") == "5.4"
    assert kb.number_text("no_such_analyte", 0.45) == "0.45"
    # An SI unit the knowledge base gives no decimals for (a chart converts into it).
    assert kb.number_text("b12", 303.974, "pmol/L") == "304"
