"""Tests for one-cell parsing: numbers, censored values, flags, units, non-results."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.labfiles.values import (
    NON_RESULTS,
    ParsedValue,
    parse_reference_range,
    parse_value_text,
)


@pytest.mark.parametrize(
    ("text", "value", "comparator"),
    [
        ("<0.5", 0.5, "<"),
        ("< 0.5", 0.5, "<"),
        ("<=3", 3.0, "<="),
        ("=<3", 3.0, "<="),
        ("\u22643", 3.0, "<="),
        (">1500", 1500.0, ">"),
        ("\u22652", 2.0, ">="),
        (">=2", 2.0, ">="),
        ("=>2", 2.0, ">="),
        ("less than 5", 5.0, "<"),
        ("Greater Than 10", 10.0, ">"),
        ("less than or equal to 4", 4.0, "<="),
        (">822.00", 822.0, ">"),
    ],
)
def test_censored_values(text: str, value: float, comparator: str) -> None:
    parsed = parse_value_text(text)
    assert parsed.value == value
    assert parsed.comparator == comparator
    assert parsed.non_result == ""
    assert parsed.raw == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("<LOQ", "below_detection"),
        ("<LOD", "below_detection"),
        ("< LOD", "below_detection"),
        ("ND", "not_detected"),
        ("N.D.", "not_detected"),
        ("Not detected", "not_detected"),
        ("TNP", "not_performed"),
        ("Test not performed", "not_performed"),
        ("QNS", "qns"),
        ("Cancelled", "cancelled"),
        ("canceled", "cancelled"),
        ("See comment", "see_comment"),
        ("See note", "see_comment"),
        ("Pending", "pending"),
        ("No Value", "no_value"),
        ("--", "no_value"),
        ("Non-React.", "nonreactive"),
        ("Negative", "negative"),
        ("Hemolyzed", "specimen_rejected"),
    ],
)
def test_non_results(text: str, code: str) -> None:
    parsed = parse_value_text(text)
    assert parsed.value is None
    assert parsed.non_result == code
    assert code in NON_RESULTS


def test_below_detection_without_number_is_censored_low() -> None:
    assert parse_value_text("<LOQ").comparator == "<"


@pytest.mark.parametrize(
    ("text", "value", "flag", "unit"),
    [
        ("12.3 H", 12.3, "H", ""),
        ("12.3H", 12.3, "H", ""),
        ("12.3 (H)", 12.3, "H", ""),
        ("12.3*", 12.3, "*", ""),
        ("4.1 L", 4.1, "L", ""),
        ("5 A", 5.0, "A", ""),
        ("99 HH", 99.0, "HH", ""),
        ("1 LL", 1.0, "LL", ""),
        ("12.3 H*", 12.3, "H", ""),
        ("450 ng/dL", 450.0, "", "ng/dL"),
        ("12 \u00b5g/dL", 12.0, "", "\u00b5g/dL"),
        ("12\u00b5g/dL H", 12.0, "H", "\u00b5g/dL"),
        ("30%", 30.0, "", "%"),
        ("8 mIU/mL", 8.0, "", "mIU/mL"),
        ("12 U/L", 12.0, "", "U/L"),
        ("3.2 mg", 3.2, "", "mg"),
    ],
)
def test_flags_and_units_in_the_cell(text: str, value: float, flag: str, unit: str) -> None:
    parsed = parse_value_text(text)
    assert (parsed.value, parsed.flag, parsed.unit) == (value, flag, unit)


def test_censored_value_with_unit_and_flag() -> None:
    assert parse_value_text("<7 ng/dL L") == ParsedValue(7.0, "<", "L", "ng/dL", "", "<7 ng/dL L")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("  7 ", 7.0),
        ("+1.5", 1.5),
        ("-2.7", -2.7),
        ("1,250", 1250.0),
        ("1,250.5", 1250.5),
        ("12,345,678", 12345678.0),
        (".5", 0.5),
        ("1E+03", 1000.0),
    ],
)
def test_numbers_with_decimal_point(text: str, value: float) -> None:
    assert parse_value_text(text).value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("0,5", 0.5), ("1.250,5", 1250.5), ("-2,7", -2.7), ("0.5", 0.5), ("<0,5", 0.5)],
)
def test_numbers_with_decimal_comma(text: str, value: float) -> None:
    assert parse_value_text(text, ",").value == value


def test_decimal_comma_is_refused_when_point_expected() -> None:
    with pytest.raises(ValueError, match="decimal mark"):
        parse_value_text("1,25")


def test_grouped_dots_in_a_decimal_comma_file_are_ambiguous() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        parse_value_text("1.250", ",")


@pytest.mark.parametrize(
    "text", ["abc", "12..3", "nan", "inf", "1_000", "12 abc", "H", "(H)", "", "   "]
)
def test_rejected_text(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_value_text(text)
    message = str(info.value)
    assert message and "\n" not in message


@pytest.mark.parametrize(
    "text",
    [
        "=1+2",
        "=SUM(A1:A3)",
        "+A1",
        "@SUM(A1)",
        "-A1+B1",
        '=HYPERLINK("x")',
        "+cmd|x",
        "\uff1d1+2",
        "\uff20A1",
    ],
)
def test_formulas_are_refused_not_evaluated(text: str) -> None:
    with pytest.raises(ValueError, match="formula"):
        parse_value_text(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("70-120", (70.0, 120.0)),
        ("70 - 120", (70.0, 120.0)),
        ("<5", (None, 5.0)),
        (">30", (30.0, None)),
        (">= 30", (30.0, None)),
        ("=<5", (None, 5.0)),
        ("70_105", (70.0, 105.0)),
        ("3.5\u20135.0", (3.5, 5.0)),
        ("<9 mcg/dL: Acceptable", (None, 9.0)),
        ("70 to 120 ng/dL", (70.0, 120.0)),
        ("-2.5 - 1.0", (-2.5, 1.0)),
        ("[70-120]", (70.0, 120.0)),
        ("", (None, None)),
        ("Negative", (None, None)),
        ("120-70", (None, None)),
        ("1.2.3-4", (None, None)),
    ],
)
def test_reference_ranges(text: str, expected: tuple[float | None, float | None]) -> None:
    assert parse_reference_range(text) == expected


def test_reference_range_with_decimal_comma() -> None:
    assert parse_reference_range("3,5-5,0", ",") == (3.5, 5.0)


@given(st.text(max_size=40))
def test_parse_value_text_raises_only_value_error(text: str) -> None:
    try:
        parsed = parse_value_text(text)
    except ValueError as exc:
        assert str(exc)
        return
    assert parsed.value is None or math.isfinite(parsed.value)
    assert (parsed.value is None) == bool(parsed.non_result)


@given(st.text(max_size=40), st.sampled_from([".", ","]))
def test_parse_reference_range_never_raises(text: str, mark: str) -> None:
    low, high = parse_reference_range(text, mark)
    if low is not None and high is not None:
        assert low <= high


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_plain_numbers_round_trip(number: float) -> None:
    assert parse_value_text(repr(number)).value == number
