"""The pure trend-series builder: units, bands, censoring, regimen lanes, derived values."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.models import Observation, RegimenItem
from app.core.series import build_trend_series
from tests.conftest import make_patient

PATIENT = make_patient(id=1)


def obs(key, raw, value, unit, day, *, comparator=None, oid=None, **extra):
    return Observation(
        id=oid,
        patient_id=1,
        analyte_key=key,
        collected_at=datetime(*day, 8, 0),
        raw_value=raw,
        value=value,
        comparator=comparator,
        unit=unit,
        **extra,
    )


def canon(kb, observation):
    value = kb.to_canonical(observation.analyte_key, observation.value, observation.unit)
    unit = kb.analyte(observation.analyte_key).canonical_unit
    return Observation(
        **{
            **{f: getattr(observation, f) for f in observation.__slots__},
            "value_canonical": value,
            "unit_canonical": unit,
        }
    )


def build(kb, observations, keys, **kwargs):
    return build_trend_series(
        kb, PATIENT, kwargs.pop("regimen", []), [canon(kb, o) for o in observations], keys, **kwargs
    )


def test_si_conversion_of_points_and_bands(kb):
    series = build(
        kb,
        [obs("testosterone_total", "576.8", 576.8, "ng/dL", (2026, 1, 5))],
        ["testosterone_total"],
        unit_system="si",
        protocols=("male_trt",),
    )
    lane = series.analyte("testosterone_total")
    assert lane.unit == "nmol/L"
    assert lane.points[0].value == pytest.approx(20.0, rel=1e-3)
    target = lane.band("target")
    assert target.low == pytest.approx(kb.from_canonical("testosterone_total", 350, "nmol/L"))
    conventional = build(
        kb,
        [obs("testosterone_total", "576.8", 576.8, "ng/dL", (2026, 1, 5))],
        ["testosterone_total"],
    )
    assert conventional.analyte("testosterone_total").points[0].value == pytest.approx(576.8)
    assert conventional.unit_system == "conventional"


def test_censored_point_sits_at_its_limit(kb):
    series = build(
        kb,
        [
            obs("psa", "<0.1", 0.1, "ng/mL", (2026, 1, 5), comparator="<"),
            obs("psa", "0.8", 0.8, "ng/mL", (2026, 3, 5)),
        ],
        ["psa"],
    )
    censored, plain = series.analyte("psa").points
    assert censored.censored and censored.value == pytest.approx(0.1)
    assert censored.comparator == "<" and censored.raw_value == "<0.1"
    assert not plain.censored


def test_lab_range_wins_over_kb_default(kb):
    old = obs("shbg", "30", 30, "nmol/L", (2025, 1, 5), ref_low=10, ref_high=50, lab="A")
    new = obs("shbg", "40", 40, "nmol/L", (2026, 1, 5), ref_low=18.3, ref_high=54.1, lab="Quest")
    series = build(kb, [old, new], ["shbg"])
    band = series.analyte("shbg").band("reference")
    assert (band.low, band.high) == (pytest.approx(18.3), pytest.approx(54.1))
    assert "Quest" in band.label and band.source == "Quest"
    without = build(kb, [obs("shbg", "40", 40, "nmol/L", (2026, 1, 5))], ["shbg"])
    kb_band = without.analyte("shbg").band("reference")
    default = kb.reference_range("shbg", "male", 51)
    assert (kb_band.low, kb_band.high) == (default.low, default.high)
    assert "KB" in kb_band.label


def test_one_sided_ranges_and_status(kb):
    series = build(
        kb,
        [
            obs("psa", "0.8", 0.8, "ng/mL", (2026, 1, 5)),
            obs("psa", "5.2", 5.2, "ng/mL", (2026, 3, 5)),
        ],
        ["psa"],
        protocols=("male_trt",),
    )
    lane = series.analyte("psa")
    reference = lane.band("reference")
    assert reference.low is None and reference.high == pytest.approx(4.0)
    target = lane.band("target")
    assert target.low is None and target.high == pytest.approx(4.0)
    assert [p.status for p in lane.points] == ["normal", "high"]


def test_target_band_only_for_active_protocol(kb):
    rows = [obs("hematocrit", "49", 49, "%", (2026, 1, 5))]
    assert build(kb, rows, ["hematocrit"]).analyte("hematocrit").band("target") is None
    with_trt = build(kb, rows, ["hematocrit"], protocols=("male_trt",))
    target = with_trt.analyte("hematocrit").band("target")
    assert target.low is None and target.high == pytest.approx(54)
    assert target.label.startswith("Target:")


def test_lab_and_unit_changes_and_excluded(kb):
    rows = [
        obs("testosterone_total", "500", 500, "ng/dL", (2025, 1, 5), lab="Quest"),
        obs("testosterone_total", "18", 18, "nmol/L", (2025, 6, 5), lab="Quest"),
        obs(
            "testosterone_total",
            "900",
            900,
            "ng/dL",
            (2026, 1, 5),
            lab="LabCorp",
            excluded_reason="drawn at peak",
        ),
    ]
    lane = build(kb, rows, ["testosterone_total"]).analyte("testosterone_total")
    assert lane.unit_changes == (datetime(2025, 6, 5, 8), datetime(2026, 1, 5, 8))
    assert lane.lab_changes == (datetime(2026, 1, 5, 8),)
    assert lane.points[-1].excluded and lane.points[-1].note == "drawn at peak"


def test_window_limits_points(kb):
    rows = [
        obs("shbg", "30", 30, "nmol/L", (2023, 1, 5)),
        obs("shbg", "40", 40, "nmol/L", (2026, 1, 5)),
    ]
    series = build(kb, rows, ["shbg"], start=date(2025, 11, 23), end=date(2026, 11, 23))
    assert len(series.analyte("shbg").points) == 1
    assert series.start == date(2025, 11, 23)


def test_regimen_steps_labels_and_steady_state(kb):
    first = RegimenItem(
        1, 1, "hormone", "testosterone_cypionate", 100, "mg", "IM", 7, date(2025, 1, 6),
        stop_date=date(2025, 6, 2),
    )  # fmt: skip
    second = RegimenItem(
        2, 1, "hormone", "testosterone_cypionate", 140, "mg", "IM", 7, date(2025, 6, 2),
        previous_id=1,
    )  # fmt: skip
    zinc = RegimenItem(3, 1, "supplement", "zinc", 15, "mg", "oral", 1, date(2025, 3, 1))
    series = build(kb, [], [], regimen=[zinc, second, first])
    hormone, supplement = series.regimen_lanes
    assert hormone.substance == "testosterone_cypionate" and supplement.substance == "zinc"
    assert [s.start for s in hormone.steps] == [date(2025, 1, 6), date(2025, 6, 2)]
    assert hormone.steps[0].end == date(2025, 6, 2) and hormone.steps[1].end is None
    assert hormone.steps[1].change_label == "Testosterone cypionate 100 -> 140 mg/week"
    assert hormone.steps[1].dose_label == "Testosterone cypionate 140 mg IM weekly"
    assert hormone.steps[0].change_label.startswith("start ")
    assert hormone.changes == (date(2025, 1, 6), date(2025, 6, 2))
    assert hormone.steady_state_until == (date(2025, 2, 17), date(2025, 7, 14))
    assert supplement.steady_state_until == (None,)


def test_derived_free_testosterone_present(kb):
    rows = [
        obs("testosterone_total", "600", 600, "ng/dL", (2026, 1, 5)),
        obs("shbg", "30", 30, "nmol/L", (2026, 1, 5)),
    ]
    series = build(kb, rows, ["free_testosterone_calc", "testosterone_total"])
    lane = series.analyte("free_testosterone_calc")
    assert lane.derived and "Calculated" in lane.inputs_note
    assert lane.unit == "pg/mL" and len(lane.points) == 1
    assert 50 < lane.points[0].value < 300
    si = build(kb, rows, ["free_testosterone_calc"], unit_system="si")
    assert si.analyte("free_testosterone_calc").unit == "pmol/L"


def test_unknown_unit_system_refused(kb):
    with pytest.raises(ValueError):
        build(kb, [], [], unit_system="imperial")


def test_the_chart_draws_the_target_band_the_rules_judge_with(kb):
    """A finding says 'above the target (350-600)'; the chart must not draw 450-600."""
    from app.core.evaluation import load_rules

    rules = load_rules(kb)
    chosen = {
        (spec.analyte, spec.target)
        for rule in rules.rules
        for spec in rule.inputs.values()
        if getattr(spec, "target", None)
    }
    assert chosen, "no rule names a target band"
    for protocol in kb.protocols.values():
        for analyte, citation in chosen:
            targets = [t for t in protocol.targets if t.analyte == analyte]
            if any(t.citation == citation for t in targets):
                assert targets[0].citation == citation, (protocol.key, analyte)


def test_the_window_keeps_whole_days_at_both_ends(kb):
    """A draw late on the last day shown is in; one early the next day is out."""
    from dataclasses import replace

    day = datetime(2026, 3, 1)
    made = [
        replace(
            obs("zinc", "60", 60.0, "ug/dL", (2026, 2, 28)),
            collected_at=day.replace(day=1, month=2, hour=0),
        ),
        replace(
            obs("zinc", "70", 70.0, "ug/dL", (2026, 3, 1)),
            collected_at=day.replace(hour=23, minute=59),
        ),
        replace(
            obs("zinc", "80", 80.0, "ug/dL", (2026, 3, 2)), collected_at=day.replace(day=2, hour=0)
        ),
        replace(
            obs("zinc", "50", 50.0, "ug/dL", (2026, 1, 31)),
            collected_at=datetime(2026, 1, 31, 23, 59),
        ),
    ]
    series = build(kb, made, ["zinc"], start=date(2026, 2, 1), end=date(2026, 3, 1))
    assert [p.raw_value for p in series.analyte("zinc").points] == ["60", "70"]


def test_a_lane_carries_its_unit_as_people_write_it(kb):
    """Charts print it: the PDF's bone density chart read '({T-score})'."""
    series = build(
        kb,
        [
            obs("bmd_tscore", "-1.8", -1.8, "{T-score}", (2026, 1, 5)),
            obs("zinc", "70", 70.0, "ug/dL", (2026, 1, 5)),
        ],
        ["bmd_tscore", "zinc"],
    )
    assert series.analyte("bmd_tscore").unit_label == "T-score"
    assert series.analyte("zinc").unit_label == "µg/dL"
