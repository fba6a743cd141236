"""Correcting or excluding a stored result keeps its previous version and is audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from app.core.validation import ValidationError
from app.security.roles import PermissionDenied
from app.services import series as trends


@pytest.fixture
def result(service, patient):
    return service.record_result(
        patient.id, "testosterone_total", "4200", "ng/dL", datetime(2026, 6, 1, 8), lab="Quest"
    )


def _audit(service, patient_id):
    return [r for r in service.session.audit.rows(patient_id=patient_id) if r.action == "update"]


def test_exclude_keeps_the_old_version_and_is_audited(service, result):
    updated = service.exclude_result(result.id, "  haemolysed sample ")
    assert updated.excluded and updated.excluded_reason == "haemolysed sample"
    stored = service.result(result.id)
    assert stored.excluded_reason == "haemolysed sample"
    history = service.result_history(result.id)
    assert len(history) == 1
    assert history[0].change == "exclude" and history[0].reason == "haemolysed sample"
    assert history[0].previous["excluded_reason"] == ""
    assert history[0].changed_by == service.user.username
    rows = _audit(service, result.patient_id)
    assert rows and rows[-1].category == "lab results"
    assert f"#{result.id} excluded" in rows[-1].detail


def test_excluded_result_leaves_the_trend_line(service, result):
    service.record_result(
        result.patient_id, "testosterone_total", "610", "ng/dL", datetime(2026, 8, 1, 8)
    )
    service.exclude_result(result.id, "haemolysed")
    series = trends.series_for(service, result.patient_id, ["testosterone_total"])
    points = series.analyte("testosterone_total").points
    excluded = [p for p in points if p.excluded]
    assert [p.observation_id for p in excluded] == [result.id]
    assert excluded[0].note == "haemolysed"


def test_correct_converts_and_keeps_the_old_value(service, result):
    updated = service.correct_result(result.id, "42", "nmol/L", "typed in the wrong unit")
    assert updated.value == 42 and updated.unit == "nmol/L"
    assert updated.value_canonical == pytest.approx(42 * 28.84, rel=0.01)
    assert updated.unit_canonical == "ng/dL"
    stored = service.result(result.id)
    assert stored.raw_value == "42" and stored.unit == "nmol/L"
    [revision] = service.result_history(result.id)
    assert revision.change == "correct"
    assert revision.reason == "typed in the wrong unit"
    assert revision.previous["raw_value"] == "4200"
    assert revision.previous["unit"] == "ng/dL"
    assert revision.previous["value_canonical"] == pytest.approx(4200)
    assert f"#{result.id} corrected" in _audit(service, result.patient_id)[-1].detail


def test_correct_accepts_a_censored_value(service, result):
    updated = service.correct_result(result.id, "<20", "ng/dL", "below the limit")
    assert updated.comparator == "<" and updated.value == 20 and updated.censored


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(service, result, reason):
    with pytest.raises(ValidationError) as caught:
        service.exclude_result(result.id, reason)
    assert "reason" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        service.correct_result(result.id, "420", "ng/dL", reason)
    assert "reason" in caught.value.errors
    assert service.result_history(result.id) == []
    assert service.result(result.id).raw_value == "4200"


def test_bad_values_are_refused(service, result):
    with pytest.raises(ValidationError) as caught:
        service.correct_result(result.id, "4200", "ng/dL", "no change")
    assert "value" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        service.correct_result(result.id, "abc", "ng/dL", "typo")
    assert "value" in caught.value.errors
    service.exclude_result(result.id, "first")
    with pytest.raises(ValidationError):
        service.exclude_result(result.id, "again")


def test_an_assistant_is_refused_and_nothing_changes(service, result):
    service.session.user = replace(service.session.user, role="assistant")
    with pytest.raises(PermissionDenied):
        service.exclude_result(result.id, "haemolysed")
    with pytest.raises(PermissionDenied):
        service.correct_result(result.id, "420", "ng/dL", "typo")
    denied = service.session.audit.rows(outcome="denied", patient_id=result.patient_id)
    assert [r.action for r in denied][-2:] == ["result.write", "result.write"]
    assert service.observations_repo.get(result.id).raw_value == "4200"
    assert service.observations_repo.revisions(result.id) == []


def test_unknown_result(service):
    with pytest.raises(KeyError):
        service.exclude_result(999, "x")


def test_include_again_undoes_an_exclusion_and_keeps_both_in_history(service, result):
    service.exclude_result(result.id, "haemolysed")
    restored = service.include_result(result.id, " lab says the sample was fine ")
    assert not restored.excluded
    assert not service.result(result.id).excluded
    history = service.result_history(result.id)
    assert [h.change for h in history] == ["exclude", "include"]
    assert history[1].reason == "lab says the sample was fine"
    assert history[1].previous["excluded_reason"] == "haemolysed"
    assert f"#{result.id} included" in _audit(service, result.patient_id)[-1].detail
    series = trends.series_for(service, result.patient_id, ["testosterone_total"])
    assert not any(p.excluded for p in series.analyte("testosterone_total").points)


def test_include_refuses_a_result_that_is_not_excluded_and_an_empty_reason(service, result):
    with pytest.raises(ValidationError, match="not excluded"):
        service.include_result(result.id, "by mistake")
    service.exclude_result(result.id, "haemolysed")
    with pytest.raises(ValidationError) as caught:
        service.include_result(result.id, "  ")
    assert "reason" in caught.value.errors
    assert service.result(result.id).excluded  # nothing changed
