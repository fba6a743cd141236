"""Pairing a derived value's anchor with its partner draw: the window is found by
bisection in the time-ordered draws, and chooses what a scan of every draw chose.

A long history (weekly testosterone over years) has hundreds of anchors and partner
candidates each: scanning every candidate for every anchor was most of the time to
open the trends of such a patient.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import derived
from app.core.derived import _days_apart, _pick_partner, _trace
from app.core.models import Observation

START = datetime(2024, 1, 1, 8)


def _scan_every_draw(kb, definition, item, anchor, candidates, notes):
    """The pairing as it was written before: every candidate looked at."""

    def closeness(o):
        gap = abs((o.collected_at - anchor.collected_at).total_seconds())
        return (gap, -o.collected_at.timestamp(), -(o.id or 0))

    window = definition.max_days_apart
    in_window = sorted((o for o in candidates if _days_apart(o, anchor) <= window), key=closeness)
    traced = [_trace(kb, item, o, anchor) for o in in_window]
    usable = [t for t in traced if not t.problem]
    if usable:
        return usable[0]
    if traced:
        return traced[0]
    nearest = min(candidates, key=closeness) if candidates else None
    return ("nearest", None if nearest is None else nearest.id)


draws = st.lists(
    st.tuples(
        st.integers(0, 40),  # day
        st.sampled_from([0, 0, 3, 9]),  # hour offset: same-time ties are common
        st.sampled_from([None, None, None, "<"]),  # a censored SHBG is not usable
        st.floats(10, 90),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(
    anchors=st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from([0, 3])), min_size=1, max_size=5
    ),
    partners=draws,
    window=st.sampled_from([0, 1, 3, 10]),
)
def test_bisected_pairing_chooses_what_scanning_every_draw_chose(kb, anchors, partners, window):
    definition = replace(kb.derived.definitions["free_testosterone_calc"], max_days_apart=window)
    item = next(i for i in definition.inputs if i.analyte == "shbg")
    candidates = sorted(
        (
            Observation(
                id=n + 100,
                patient_id=1,
                analyte_key="shbg",
                collected_at=START + timedelta(days=day, hours=hour),
                raw_value=f"{comparator or ''}{value:.1f}",
                value=round(value, 1),
                comparator=comparator,
                unit="nmol/L",
                value_canonical=round(value, 1),
                unit_canonical="nmol/L",
            )
            for n, (day, hour, comparator, value) in enumerate(partners)
        ),
        key=lambda o: (o.collected_at, o.id),
    )
    for n, (day, hour) in enumerate(anchors):
        anchor = Observation(
            id=n + 1,
            patient_id=1,
            analyte_key="testosterone_total",
            collected_at=START + timedelta(days=day, hours=hour),
            raw_value="500",
            value=500.0,
            unit="ng/dL",
            value_canonical=500.0,
            unit_canonical="ng/dL",
        )
        expected = _scan_every_draw(kb, definition, item, anchor, candidates, [])
        chosen = _pick_partner(kb, definition, item, anchor, candidates, [])
        if isinstance(expected, tuple):  # nothing in the window: the nearest is named
            assert chosen.problem and chosen.observation_id == expected[1]
        else:
            assert chosen == expected


def test_a_long_weekly_history_pairs_each_draw_with_its_own_day(kb):
    def draw(key, week, value, unit):
        return Observation(
            id=hash((key, week)) & 0xFFFFFF,
            patient_id=1,
            analyte_key=key,
            collected_at=START + timedelta(weeks=week),
            raw_value=str(value),
            value=value,
            unit=unit,
            value_canonical=value,
            unit_canonical=unit,
        )

    history = [draw("testosterone_total", w, 400.0 + w % 50, "ng/dL") for w in range(520)]
    history += [draw("shbg", w, 30.0 + w % 7, "nmol/L") for w in range(520)]
    free = [v for v in derived.derive_series(kb, history) if v.key == "free_testosterone_calc"]
    assert len(free) == 520 and all(v.ok for v in free)
    assert all(v.inputs[1].collected_at == v.collected_at for v in free)  # the same-day SHBG
