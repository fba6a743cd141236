"""Regimen as of a date: dose-change chains, daily doses, escalation, protocols."""

from __future__ import annotations

from datetime import date

from eval_chart import Chart

from app.core.evaluation.regimen import RegimenIndex, daily_dose, dose_escalated
from app.core.models import RegimenItem


def item(item_id, dose, every, start, stop=None, previous=None, unit="mg"):
    return RegimenItem(
        item_id,
        7,
        "medication",
        "anastrozole",
        dose,
        unit,
        "oral",
        every,
        start,
        stop,
        previous_id=previous,
    )


def test_chain_and_therapy_start():
    rows = [
        item(1, 0.25, 7, date(2025, 1, 1), date(2025, 5, 1)),
        item(2, 0.5, 7, date(2025, 5, 1), date(2025, 9, 1), previous=1),
        item(3, 0.5, 3.5, date(2025, 9, 1), previous=2),
    ]
    index = RegimenIndex.build(rows)
    assert [r.id for r in index.chain(rows[2])] == [3, 2, 1]
    assert index.therapy_start(rows[2]) == date(2025, 1, 1)
    assert [r.id for r in index.active_on(date(2025, 6, 1))] == [2]
    assert [r.id for r in index.active_on(date(2025, 9, 1))] == [3]  # stop date is exclusive


def test_daily_dose_and_escalation():
    before = item(1, 0.5, 7, date(2025, 1, 1), date(2025, 6, 1))
    after = item(2, 0.5, 3.5, date(2025, 6, 1), previous=1)
    index = RegimenIndex.build([before, after])
    assert daily_dose(after) == 0.5 / 3.5
    assert dose_escalated(index, after, date(2025, 1, 1)) is True
    assert dose_escalated(index, after, date(2025, 7, 1)) is False  # changed before the window
    other_unit = item(3, 1, 3.5, date(2025, 6, 1), previous=1, unit="tablet")
    assert (
        dose_escalated(RegimenIndex.build([before, other_unit]), other_unit, date(2025, 1, 1))
        is None
    )


def test_cyclic_previous_ids_do_not_loop():
    a = item(1, 1, 1, date(2025, 1, 1), previous=2)
    b = item(2, 1, 1, date(2025, 2, 1), previous=1)
    assert len(RegimenIndex.build([a, b]).chain(b)) == 2


def test_rows_without_ids_are_still_components(kb):
    chart = Chart(kb)
    chart.gel()
    from dataclasses import replace

    chart.regimen[0] = replace(chart.regimen[0], id=None)
    result = chart.evaluate()
    assert result.protocols == ("male_trt",)
    assert result.components[0].item_id is None


def test_unknown_substance_is_listed_without_roles(kb):
    chart = Chart(kb)
    chart.on("compounded_troche", 10, "mg", 1, kind="hormone")
    result = chart.evaluate()
    assert [(c.substance, c.roles) for c in result.components] == [("compounded_troche", ())]
    assert result.protocols == ()
