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


# -- each applied range reads once (the demo's trace showed "> 54 %: ≥ 54 %") ----------


def test_a_target_whose_label_states_its_bounds_reads_once():
    target = TraceRange(
        "tt", "target", 9.0, 55.0, "ng/dL",
        label="Within the premenopausal female range (ARUP LC-MS/MS 9-55 ng/dL)",
    )  # fmt: skip
    assert trace_range_text(target, str) == (
        "Within the premenopausal female range (ARUP LC-MS/MS 9-55 ng/dL)"
    )
    action = TraceRange("hct", "target", None, 54.0, "%", label="Haematocrit at most 54%")
    assert trace_range_text(action, str) == "Haematocrit at most 54%"
    # A label in another unit than the bounds keeps the converted bounds beside it.
    eau = TraceRange("tt", "target", 432.7, 865.3, "ng/dL", label="EAU-style target 15-30 nmol/L")
    assert trace_range_text(eau, str) == "EAU-style target 15-30 nmol/L: 432.7 – 865.3 ng/dL"
    mid = TraceRange("tt", "target", 350.0, 600.0, "ng/dL", label="Endocrine Society 2018")
    assert trace_range_text(mid, str) == "Endocrine Society 2018: 350 – 600 ng/dL"


def test_a_limit_and_an_upper_intake_level_read_as_their_words():
    # A limit's label says its side in words ("above 54%"); bounds_text cannot say
    # "above" (only ≥/≤), so the label stands alone.
    hct = TraceRange("hct", "limit", 54.0, None, "%", label="above 54%")
    assert trace_range_text(hct, str) == "above 54%"
    ul = TraceRange(
        "mg", "upper_limit", None, 350.0, "mg",
        label="Adult tolerable upper intake level: at most 350 mg/day",
    )  # fmt: skip
    assert trace_range_text(ul, str) == "Adult tolerable upper intake level: at most 350 mg/day"
