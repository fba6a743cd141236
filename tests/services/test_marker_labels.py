"""A finding's marker is named as a clinician reads it, whether analyte or nutrient."""

from __future__ import annotations

from datetime import date, datetime

from app.core.models import RegimenItem
from app.services.findings import FindingsService, worklist_cells


def test_a_nutrient_marker_is_named_from_the_knowledge_base(service):
    assert service.analyte_label("magnesium") == "Magnesium"
    assert service.analyte_label("vitamin_b6") == service.knowledge.nutrients["vitamin_b6"].name
    # An analyte keeps its own name where a nutrient has the same key.
    assert service.analyte_label("zinc") == service.knowledge.analytes["zinc"].name
    assert service.analyte_label("no_such_key") == "no_such_key"


def test_the_worklist_test_column_names_the_nutrient(service, patient):
    service.add_regimen_item(
        RegimenItem(
            None,
            patient.id,
            "hormone",
            "testosterone_cypionate",
            100.0,
            "mg",
            "IM",
            7.0,
            date(2026, 1, 5),
        )
    )
    service.record_result(patient.id, "magnesium_serum", "1.6", "mg/dL", datetime(2026, 5, 29))
    [row] = FindingsService(service).worklist(["magnesium_on_testosterone"])
    assert row.marker == "magnesium"
    assert worklist_cells(row, service.analyte_label)[4] == "Magnesium"
