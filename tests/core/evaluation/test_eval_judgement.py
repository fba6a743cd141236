"""Censored-aware judgement: lab-facts §4 and the interval logic behind it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.evaluation.judgement import (
    OPERATORS,
    Interval,
    compare,
    holds,
    operator_interval,
    possible_bands,
    range_position,
    range_side,
    result_interval,
    tri_all,
    tri_any,
    tri_not,
)

# lab-facts §4 "Censored values - quick rules", plus the edge cases at the limit.
LAB_FACTS_TABLE = [
    # value, comparator, question, limit, answer
    (0.5, "<", "<", 3.0, True),  # "<0.5" vs cut-off 3: below cut-off (certain)
    (5.0, "<", "<", 3.0, None),  # "<5" vs cut-off 3: indeterminate
    (1500.0, ">", ">", 1000.0, True),  # ">1500" vs upper limit 1000: above (certain)
    (900.0, ">", ">", 1000.0, None),  # ">900" vs 1000: indeterminate
    (0.5, "<", ">", 3.0, False),  # "<0.5" is certainly not above 3
    (3.0, "<", "<", 3.0, True),  # "<3" vs "below 3": every candidate is below 3
    (3.0, "<=", "<", 3.0, None),  # "<=3" may be exactly 3
    (3.0, "<=", "<=", 3.0, True),
    (1000.0, ">=", ">", 1000.0, None),  # ">=1000" may be exactly 1000
    (1000.0, ">", ">", 1000.0, True),
    (1000.0, ">=", ">=", 1000.0, True),
    (2.0, None, "<", 3.0, True),  # exact values behave as plain comparisons
    (3.0, None, "<", 3.0, False),
    (3.0, None, "<=", 3.0, True),
]


@pytest.mark.parametrize(("value", "comparator", "operator", "limit", "answer"), LAB_FACTS_TABLE)
def test_lab_facts_censored_table(value, comparator, operator, limit, answer):
    assert compare(value, comparator, operator, limit) is answer


def test_unknown_comparator_is_refused():
    with pytest.raises(ValueError):
        result_interval(1.0, "~")


BANDS = [("deficient", None, 20.0), ("insufficient", 20.0, 30.0), ("adequate", 30.0, None)]


@pytest.mark.parametrize(
    ("value", "comparator", "expected"),
    [
        (25.0, None, ("insufficient",)),
        (20.0, None, ("insufficient",)),  # low bound included
        (30.0, None, ("adequate",)),
        (19.99, None, ("deficient",)),
        (10.0, "<", ("deficient",)),
        (20.0, "<", ("deficient",)),  # "<20" never reaches 20
        (20.0, "<=", ("deficient", "insufficient")),
        (25.0, "<", ("deficient", "insufficient")),
        (40.0, "<", ("deficient", "insufficient", "adequate")),
        (150.0, ">", ("adequate",)),
        (25.0, ">", ("insufficient", "adequate")),
    ],
)
def test_possible_bands(value, comparator, expected):
    assert possible_bands(value, comparator, BANDS) == expected


def test_range_position_with_censored_values():
    assert range_position(0.5, "<", 1.0, 5.0) == {
        "below": True,
        "within": False,
        "above": False,
        "outside": True,
    }
    assert range_position(3.0, "<", 1.0, 5.0)["within"] is None
    assert range_position(6.0, ">", 1.0, 5.0)["above"] is True
    assert range_position(5.0, None, 1.0, 5.0)["within"] is True  # printed limits are in range
    assert range_position(2.0, None, None, 4.0)["below"] is False  # one-sided range


def test_kleene_logic():
    assert tri_all([True, None]) is None
    assert tri_all([False, None]) is False
    assert tri_any([True, None]) is True
    assert tri_any([False, None]) is None
    assert tri_not(None) is None
    assert tri_not(True) is False


def test_interval_helpers():
    closed = Interval(1.0, True, 2.0, True)
    assert closed.within(Interval(None, False, None, False))
    assert Interval(2.0, True, 2.0, True).overlaps(closed)
    assert not Interval(2.0, False, 3.0, True).overlaps(closed)
    assert Interval(2.0, False, 2.0, False).is_empty()
    assert holds(Interval(0.0, True, 0.5, True), Interval(None, False, 1.0, False)) is True


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(value=finite, limit=finite, operator=st.sampled_from(["<", "<=", ">", ">="]))
def test_exact_values_match_plain_comparison(value, limit, operator):
    expected = {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
    }[operator]
    assert compare(value, None, operator, limit) is expected


@given(value=finite, limit=finite, comparator=st.sampled_from(["<", "<=", ">", ">="]))
def test_censored_answer_is_never_wrong(value, limit, comparator):
    """Whenever the judgement is certain, every value the result may stand for agrees."""
    answer = compare(value, comparator, "<", limit)
    if answer is None:
        return
    step = max(abs(value), 1.0) * 1e-9
    if comparator in ("<", "<="):
        samples = [value - step, value - 1.0, value - 1e3] + ([value] if comparator == "<=" else [])
    else:
        samples = [value + step, value + 1.0, value + 1e3] + ([value] if comparator == ">=" else [])
    for sample in samples:
        assert (sample < limit) is answer


@given(
    value=st.floats(allow_nan=True, allow_infinity=True, width=32),
    limit=st.floats(allow_nan=True, allow_infinity=True, width=32),
    other=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=32)),
)
def test_exact_number_shortcuts_answer_as_the_interval_judgement(value, limit, other):
    """``compare``, ``range_side`` and ``holds_number`` take short cuts for an exact
    number; they answer exactly as the interval judgement they stand for."""
    point = Interval(value, True, value, True)
    for operator in OPERATORS:
        assert compare(value, None, operator, limit) == holds(
            point, operator_interval(operator, limit)
        )
    low, high = (limit, other) if other is None or limit <= other else (other, limit)
    for low_, high_ in ((low, high), (None, high), (low, None)):
        whole = range_position(value, None, low_, high_)
        for side, answer in whole.items():
            assert range_side(value, None, low_, high_, side) == answer
        band = Interval(low_, low_ is not None, high_, False)
        assert band.holds_number(value) == point.overlaps(band)
