"""The clinic-wide evaluation gives every patient exactly the per-patient findings.

``evaluate_clinic`` reads only the results the rules can use (``reading_plan``,
``stream_held_results``) as light tuples; ``evaluate`` reads the patient whole as
``Observation`` records. Any divergence in ids, statuses, severities, texts or
traces fails here. Worker processes sharing a worklist give the same rows.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

import pytest

from app.services.clinic_workers import WorkerFailed, WorkerParts
from app.services.demo import build_demo_clinic
from app.services.findings import FindingsService
from app.services.worklist_rows import WorklistFilter

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """60 demo patients with full histories, plus edge cases added by hand."""
    path = tmp_path_factory.mktemp("clinic") / "demo.db"
    service, _counts = build_demo_clinic(path, patients=60, today=TODAY, max_draws=None)
    patients = service.patients_repo.all()
    first, second, third = patients[0], patients[1], patients[2]
    # The newest result excluded: the latest usable one lies before the read part.
    newest = service.observations_repo.for_patient(first.id)[-1]
    service.exclude_result(newest.id, "haemolysed")
    # A non-numeric newest result, and two results at the same minute. (Results after
    # the evaluation date come from the earlier evaluation dates below.)
    service.record_result(second.id, "vitamin_d_25oh", "QNS", "ng/mL", datetime(2026, 11, 20))
    same = datetime(2026, 11, 1, 9, 0)
    service.record_result(third.id, "zinc", "55", "ug/dL", same)
    service.record_result(third.id, "zinc", "140", "ug/dL", same, lab="Other lab")
    yield service
    service.close()


def _per_patient(findings: FindingsService, patient_id: int, as_of: date) -> list[dict]:
    return [asdict(f) for f in findings.evaluate(patient_id, as_of, with_checks=False).findings]


@pytest.mark.parametrize("as_of", [TODAY, date(2026, 3, 1), date(2024, 6, 15)])
def test_clinic_wide_findings_equal_per_patient_findings(demo, as_of):
    findings = FindingsService(demo)
    seen = 0
    for patient, evaluation in findings.evaluate_clinic(as_of):
        expected = _per_patient(findings, patient.id, as_of)
        assert [asdict(f) for f in evaluation.findings] == expected, patient.mrn
        seen += 1
    assert seen == len(demo.patients_repo.all())


def test_split_across_parts_covers_every_patient_once(demo):
    findings = FindingsService(demo)
    ids = [p.id for part in range(2) for p, _ in findings.evaluate_clinic(TODAY, part, 2)]
    assert sorted(ids) == sorted(p.id for p in demo.patients_repo.all())


def test_most_patients_are_served_by_the_clinic_wide_read(demo):
    findings = FindingsService(demo)
    total = sum(1 for _ in findings.evaluate_clinic(TODAY))
    # The patient whose newest result was excluded is read whole (the next usable result
    # of that analyte lies before the part read), so the fallback is exercised; most are not.
    assert 1 <= findings.reread <= total // 10


@pytest.mark.parametrize(
    "wanted",
    [
        {"vitamin_d_status", "magnesium_on_testosterone", "protocol_monitoring_gap"},
        {"vitamin_d_status"},  # no look-back window in the read at all
    ],
)
def test_a_worklists_rules_alone_give_their_findings_of_the_whole_pack(demo, wanted):
    findings = FindingsService(demo)
    whole = {
        patient.id: [asdict(f) for f in evaluation.findings if f.rule_id in wanted]
        for patient, evaluation in findings.evaluate_clinic(TODAY)
    }
    alone = {
        patient.id: [asdict(f) for f in evaluation.findings]
        for patient, evaluation in findings.evaluate_clinic(TODAY, rule_ids=wanted)
    }
    assert alone == whole
    assert any(alone.values())


def test_worker_processes_give_the_same_worklist_rows(demo):
    findings = FindingsService(demo)
    every = [rule.id for rule in findings.rules.rules]
    patient = demo.patients_repo.all()[-1]  # in the last worker's part
    hidden = findings.evaluate(patient.id, TODAY, with_checks=False).findings[0]
    findings.suppress(patient.id, hidden, "discussed at the last visit")
    for include_suppressed in (False, True):
        alone = findings.worklist(every, as_of=TODAY, include_suppressed=include_suppressed)
        shared = findings.worklist(
            every, as_of=TODAY, include_suppressed=include_suppressed, processes=3
        )
        assert shared == alone
        assert len({row.patient_id for row in alone}) > 30


def test_a_failing_worker_is_reported(demo):
    keep = WorklistFilter(frozenset({"vitamin_d_status"}))
    workers = WorkerParts(demo.database, "no such version", TODAY, None, keep, 2)
    with pytest.raises(WorkerFailed, match="no such version"):
        workers.rows()
