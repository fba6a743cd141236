"""Ranges as the findings trace prints them, on screen and in the PDF."""

from app.core.evaluation.findings import TraceRange
from app.core.formatting import bounds_text, converted_text, result_text, trace_range_text


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


def test_a_result_shows_its_value_in_the_unit_of_its_limits_beside_it():
    also = converted_text(None, 0.24716, "µg/L", "nmol/L")
    assert result_text(None, 1.0, "nmol/L", also) == "1 nmol/L (0.2472 µg/L)"
    assert converted_text("<", 1.2355, "µg/L", "nmol/L") == "<1.236 µg/L"
    assert converted_text(None, 26.0, "ng/mL", "ng/mL") == ""  # reported in that unit
    assert converted_text(None, None, "ng/mL", "nmol/L") == ""  # not convertible
    assert result_text(None, 26.0, "ng/mL") == "26 ng/mL"
