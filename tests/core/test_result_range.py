"""The range and L/H flag printed beside a result (Results tab, PDF labs table)."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core.models import Observation
from app.core.result_range import ResultRange, range_flag, result_line


def _obs(analyte="zinc", raw="70", value=70.0, unit="ug/dL", comparator=None, **extra):
    return Observation(
        None,
        1,
        analyte,
        datetime(2026, 10, 1, 8),
        raw,
        value=value,
        comparator=comparator,
        unit=unit,
        **extra,
    )


@pytest.mark.parametrize(
    ("value", "comparator", "expected"),
    [
        (50.0, None, "L"),
        (60.0, None, ""),  # on the bound is inside
        (130.0, None, "H"),
        (0.2, "<", "L"),  # surely below the low bound
        (60.0, "<", "L"),  # below 60 is below a low of 60
        (80.0, "<", ""),  # could be 59 or 79: no flag
        (60.0, "<=", ""),  # could be exactly 60
        (1500.0, ">", "H"),
        (100.0, ">", ""),
        (40.0, ">", ""),  # above 40 could be anywhere
    ],
)
def test_flags_against_a_two_sided_range_censored_values_only_when_sure(
    value, comparator, expected
):
    assert range_flag(value, comparator, ResultRange(60.0, 120.0, "60 – 120")) == expected


def test_one_sided_range_flags_one_side_only():
    upper = ResultRange(None, 4.0, "≤ 4")
    assert range_flag(5.1, None, upper) == "H" and range_flag(0.1, None, upper) == ""


def test_the_labs_range_and_flag_win(kb):
    line = result_line(
        kb, _obs(value=50.0, raw="50", ref_low=40.0, ref_high=90.0, ref_text="40-90"), "male", 50
    )
    assert line.range.text == "40-90" and not line.range.from_kb and line.flag == ""
    flagged = result_line(kb, _obs(value=50.0, raw="50", flag="LL"), "male", 50)
    assert flagged.flag == "LL" and not flagged.flag_computed


def test_without_a_labs_range_the_kb_range_is_used_in_the_results_unit(kb):
    line = result_line(kb, _obs(value=8.0, raw="8.0", unit="umol/L"), "male", 50)
    # ARUP 60-120 ug/dL x 0.1530 = 9.18-18.36 umol/L, shown to four digits.
    assert line.range.from_kb and line.range.text == "9.18 – 18.36"
    assert line.flag == "L" and line.flag_computed


def test_no_range_no_flag_when_the_unit_has_no_exact_factor(kb):
    line = result_line(kb, _obs(value=8.0, raw="8.0", unit="mg/furlong"), "male", 50)
    assert line.range is None and line.flag == ""


def test_a_sex_specific_range_needs_the_sex(kb):
    hct = _obs(analyte="hematocrit", raw="49", value=49.0, unit="%")
    assert result_line(kb, hct, "female", 40).flag == "H"  # 36-47
    assert result_line(kb, hct, "male", 40).flag == ""  # 41-51


@pytest.mark.parametrize(
    ("value", "comparator", "status", "flag"),
    [
        (1.82, None, "low", "L"),  # under 1.823: the range must not read 1.82
        (1.823, None, "low", "L"),  # still under 1.82304: the range reads 1.82304
        (1.824, None, "normal", ""),
        (1.8229, None, "low", "L"),
        (2.31, None, "high", "H"),
        (2.0, None, "normal", ""),
        (1.0, "<", "low", "L"),
        (2.0, "<", "unknown", ""),
    ],
)
def test_a_converted_kb_range_is_judged_exactly_and_shown_so_the_value_reads_the_same(
    kb, value, comparator, status, flag
):
    # 0.75-0.95 mmol/L in the KB is 1.82304-2.30919 mg/dL.
    obs = _obs("magnesium_serum", raw=f"{value}", value=value, unit="mg/dL", comparator=comparator)
    line = result_line(kb, obs, "male", 33)
    assert (line.status, line.flag) == (status, flag)
    low, high = (float(n) for n in line.range.text.split(" – "))
    if comparator is None:
        looks = "low" if value < low else "high" if value > high else "normal"
        assert looks == status, line.range.text
