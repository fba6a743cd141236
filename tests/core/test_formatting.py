"""Ranges as the findings trace prints them, on screen and in the PDF."""

from app.core.evaluation.findings import TraceRange
from app.core.formatting import bounds_text, trace_range_text


def _applied(low, high, label="Endocrine Society 2011"):
    return TraceRange(
        name="vitamin_d", kind="threshold", low=low, high=high, unit="ng/mL", label=label
    )


def test_one_sided_thresholds_read_as_at_least_or_at_most_never_ellipses():
    assert trace_range_text(_applied(30.0, None), str) == "Endocrine Society 2011: ≥ 30 ng/mL"
    assert trace_range_text(_applied(None, 100.0), str) == "Endocrine Society 2011: ≤ 100 ng/mL"
    assert "…" not in trace_range_text(_applied(30.0, None), str)


def test_two_sided_and_unbounded():
    assert trace_range_text(_applied(30.0, 100.0), str) == "Endocrine Society 2011: 30 – 100 ng/mL"
    assert trace_range_text(_applied(None, None), str) == "Endocrine Society 2011"
    assert bounds_text(None, None) == ""
