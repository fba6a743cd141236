"""A suppressed finding shows again when a result it reads is entered, imported or corrected."""

from __future__ import annotations

from datetime import date, datetime

from app.core.models import RegimenItem
from app.services.findings import FindingsService
from app.services.importing import Importer


def _vitamin_d(findings, patient_id):
    evaluation = findings.evaluate(patient_id)
    return next(f for f in evaluation.findings if f.rule_id == "vitamin_d_status")


def _suppressed(service, patient):
    service.add_regimen_item(
        RegimenItem(
            None, patient.id, "hormone", "testosterone_cypionate", 100.0, "mg", "IM", 7.0,
            date(2025, 6, 2),
        )
    )  # fmt: skip
    service.record_result(patient.id, "vitamin_d_25oh", "18", "ng/mL", datetime(2026, 10, 1, 8))
    findings = FindingsService(service)
    findings.suppress(patient.id, _vitamin_d(findings, patient.id), "discussed; takes D3")
    assert _vitamin_d(findings, patient.id).suppressed
    return findings


def test_a_new_result_of_what_the_rule_reads_shows_the_finding_again(service, patient):
    findings = _suppressed(service, patient)
    # Another analyte leaves it hidden.
    service.record_result(patient.id, "zinc", "80", "ug/dL", datetime(2026, 11, 1, 8))
    assert _vitamin_d(findings, patient.id).suppressed
    # A much lower vitamin D, drawn before the suppression but entered after it.
    service.record_result(patient.id, "vitamin_d_25oh", "6", "ng/mL", datetime(2026, 10, 20, 8))
    shown = _vitamin_d(findings, patient.id)
    assert not shown.suppressed and shown.status == "deficient"
    ended = [r for r in service.session.audit.rows() if r.action == "unsuppress"]
    assert [r.detail for r in ended] == [
        "vitamin_d_status: shown again after a new vitamin_d_25oh result was entered"
    ]


def test_a_correction_and_an_import_end_it_but_a_reimport_of_known_rows_does_not(service, patient):
    findings = _suppressed(service, patient)
    stored = service.observations(patient.id, ["vitamin_d_25oh"])[0]
    service.correct_result(stored.id, "12", "ng/mL", "transcription")
    assert not _vitamin_d(findings, patient.id).suppressed

    findings.suppress(patient.id, _vitamin_d(findings, patient.id), "discussed again")
    importer = Importer(service)
    data = b"MRN,Test,Result,Units,Collected\nMRN-1001,25-OH Vitamin D,9,ng/mL,2026-11-02 08:00\n"
    importer.commit(importer.preview(data, "d.csv", importer.read(data, "d.csv")), data)
    assert not _vitamin_d(findings, patient.id).suppressed

    findings.suppress(patient.id, _vitamin_d(findings, patient.id), "and again")
    again = Importer(service)
    preview = again.preview(data, "d.csv", again.read(data, "d.csv"))
    assert preview.summary()["new"] == 0  # nothing new: the suppression stays
    assert _vitamin_d(findings, patient.id).suppressed
