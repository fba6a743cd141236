"""Vermeulen worked examples (lab-facts §5.3) and pairing of observations into derived values."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.derived import derive_series, vermeulen_free_testosterone
from app.core.models import Observation

# lab-facts §5.2 unit handling: TT ng/dL -> nmol/L x 0.034672; FT nmol/L -> pg/mL x 288.42;
# BAT nmol/L -> ng/dL x 28.842.
NG_DL_TO_NMOL = 0.034672
FT_NMOL_TO_PG_ML = 288.42
BAT_NMOL_TO_NG_DL = 28.842


def test_example_a_issam_page_exactly(kb):
    free, bioavailable = vermeulen_free_testosterone(10, 40, 43, kb.derived.vermeulen)
    assert free == pytest.approx(0.17388, abs=5e-6)
    assert bioavailable == pytest.approx(4.0749, abs=5e-5)
    assert free / 10 * 100 == pytest.approx(1.739, abs=5e-4)  # percent free


def test_example_b_us_units(kb):
    free, bioavailable = vermeulen_free_testosterone(
        450 * NG_DL_TO_NMOL, 35, 43, kb.derived.vermeulen
    )
    assert free == pytest.approx(0.31126, rel=1e-3)
    assert free * FT_NMOL_TO_PG_ML == pytest.approx(89.8, rel=1e-3)
    assert bioavailable == pytest.approx(7.2942, rel=1e-3)
    assert bioavailable * BAT_NMOL_TO_NG_DL == pytest.approx(210.4, rel=1e-3)


@pytest.mark.parametrize(
    ("total_ng_dl", "shbg", "free_pg_ml", "bat_ng_dl", "free_tolerance"),
    [
        (300, 20, 76.4, 179.1, 1e-3),
        (300, 80, 31.4, 73.6, 1e-3),
        (1000, 15, 328.4, 769.7, 1e-3),
        # The table prints 3.6 pg/mL (one decimal); 3.628 rounds to it, so here the
        # tolerance is half the last printed digit (0.05 / 3.6), not 0.1%.
        (30, 60, 3.6, 8.5, 0.05 / 3.6),
    ],
)
def test_further_check_table(kb, total_ng_dl, shbg, free_pg_ml, bat_ng_dl, free_tolerance):
    free, bioavailable = vermeulen_free_testosterone(
        total_ng_dl * NG_DL_TO_NMOL, shbg, 43, kb.derived.vermeulen
    )
    assert free * FT_NMOL_TO_PG_ML == pytest.approx(free_pg_ml, rel=free_tolerance)
    assert bioavailable * BAT_NMOL_TO_NG_DL == pytest.approx(bat_ng_dl, rel=1e-3)


def test_constants_come_from_the_kb(kb):
    constants = kb.derived.vermeulen
    assert constants.kt_shbg_l_per_mol == 1.0e9
    assert constants.ka_albumin_l_per_mol == 3.6e4
    assert constants.albumin_molar_mass_g_per_mol == 69000
    assert constants.default_albumin_g_l == 43
    assert constants.citation == "issam_vermeulen"


def test_tiny_totals_keep_precision_and_zero_is_zero(kb):
    free, bioavailable = vermeulen_free_testosterone(1e-6, 200, 43, kb.derived.vermeulen)
    assert free > 0 and bioavailable > free
    assert vermeulen_free_testosterone(0, 40, 43, kb.derived.vermeulen) == (0.0, 0.0)
    without_shbg, _ = vermeulen_free_testosterone(10, 0, 43, kb.derived.vermeulen)
    assert without_shbg == pytest.approx(10 / 23.4348, rel=1e-4)  # TT / N


@pytest.mark.parametrize(("total", "shbg", "albumin"), [(-1, 40, 43), (10, -1, 43), (10, 40, 0)])
def test_invalid_inputs_raise(kb, total, shbg, albumin):
    with pytest.raises(ValueError):
        vermeulen_free_testosterone(total, shbg, albumin, kb.derived.vermeulen)


# -- derive_series -----------------------------------------------------------------------------


@pytest.fixture
def make_obs(kb):
    """Build an Observation with its canonical value converted the way the importer does."""
    counter = iter(range(1, 10_000))

    def make(key, value, unit, day, *, comparator=None, patient_id=1, hour=8, excluded=""):
        canonical, canonical_unit = None, ""
        if value is not None:
            try:
                canonical = kb.to_canonical(key, value, unit)
                canonical_unit = kb.analyte(key).canonical_unit
            except Exception:  # an unconvertible unit stays unconverted, as on import
                pass
        return Observation(
            id=next(counter),
            patient_id=patient_id,
            analyte_key=key,
            collected_at=datetime(2026, 3, day, hour),
            raw_value=f"{comparator or ''}{value}",
            value=value,
            comparator=comparator,
            unit=unit,
            value_canonical=canonical,
            unit_canonical=canonical_unit,
            excluded_reason=excluded,
        )

    return make


def _by_key(values):
    return {v.key: v for v in values}


def test_same_day_panel_gives_free_and_bioavailable_t(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 35, "nmol/L", 2),
        make_obs("albumin", 4.3, "g/dL", 2),
    ]
    values = _by_key(derive_series(kb, observations))
    free = values["free_testosterone_calc"]
    assert free.ok and free.unit == "pg/mL"
    assert free.value == pytest.approx(89.8, rel=1e-3)
    assert values["bioavailable_testosterone_calc"].value == pytest.approx(210.4, rel=1e-3)
    assert {t.role: t.observation_id for t in free.inputs} == {"total": 1, "shbg": 2, "albumin": 3}
    assert [t.reported_value for t in free.inputs] == [450, 35, 4.3]
    assert free.collected_at == datetime(2026, 3, 2, 8)
    assert free.citation == "vermeulen_1999" and free.notes == ()


def test_si_reported_inputs_give_the_same_result(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 10, "nmol/L", 2),
        make_obs("shbg", 40, "nmol/L", 2),
        make_obs("albumin", 43, "g/L", 2),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert kb.from_canonical("free_testosterone_calc", free.value, "nmol/L") == pytest.approx(
        0.17388, rel=1e-4
    )


def test_missing_albumin_uses_the_issam_default_and_says_so(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 35, "nmol/L", 2),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert free.ok
    assert free.value == pytest.approx(89.8, rel=1e-3)
    albumin = next(t for t in free.inputs if t.role == "albumin")
    assert albumin.default_used and albumin.observation_id is None and albumin.value == 43
    assert any("ISSAM default of 43 g/L" in note for note in free.notes)


def test_missing_shbg_is_indeterminate(kb, make_obs):
    free = _by_key(derive_series(kb, [make_obs("testosterone_total", 450, "ng/dL", 2)]))[
        "free_testosterone_calc"
    ]
    assert free.status == "indeterminate" and free.value is None
    assert "missing input" in free.reason and "Sex hormone-binding globulin" in free.reason


def test_censored_shbg_is_indeterminate(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 5, "nmol/L", 2, comparator="<"),
        make_obs("albumin", 4.3, "g/dL", 2),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert not free.ok
    assert "censored input" in free.reason and "<5" in free.reason


def test_censored_anchor_is_indeterminate(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 7, "ng/dL", 2, comparator="<"),
        make_obs("shbg", 35, "nmol/L", 2),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert not free.ok and "censored input" in free.reason


def test_unconvertible_unit_is_indeterminate(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 35, "ug/furlong", 2),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert not free.ok and "unconvertible unit" in free.reason


def test_inputs_too_far_apart_are_indeterminate(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 35, "nmol/L", 9),
        make_obs("albumin", 4.3, "g/dL", 2),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert not free.ok
    assert "too far apart" in free.reason and "7 days" in free.reason
    assert f"window {kb.derived.max_days_apart} days" in free.reason


def test_pairing_picks_the_closest_usable_partner(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2, hour=8),
        make_obs("shbg", 5, "nmol/L", 2, hour=8, comparator="<"),  # same time, censored
        make_obs("shbg", 35, "nmol/L", 2, hour=11),  # usable, same day
        make_obs("shbg", 20, "nmol/L", 1),  # outside a same-day window
        make_obs("albumin", 4.3, "g/dL", 2),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert free.ok
    assert next(t for t in free.inputs if t.role == "shbg").reported_value == 35


def test_each_anchor_draw_gives_its_own_value(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 35, "nmol/L", 2),
        make_obs("testosterone_total", 600, "ng/dL", 20),
        make_obs("shbg", 30, "nmol/L", 20),
    ]
    free = [v for v in derive_series(kb, observations) if v.key == "free_testosterone_calc"]
    assert [v.collected_at.day for v in free] == [2, 20]
    assert all(v.ok for v in free)
    assert free[1].value > free[0].value


def test_excluded_observations_are_ignored(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 35, "nmol/L", 2, excluded="haemolysed"),
    ]
    free = _by_key(derive_series(kb, observations))["free_testosterone_calc"]
    assert "missing input" in free.reason


def test_patients_are_never_mixed(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2, patient_id=1),
        make_obs("shbg", 35, "nmol/L", 2, patient_id=2),
    ]
    values = [v for v in derive_series(kb, observations) if v.key == "free_testosterone_calc"]
    assert len(values) == 1 and values[0].patient_id == 1 and not values[0].ok


def test_as_of_cuts_off_later_draws_and_flags_stale_values(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 450, "ng/dL", 2),
        make_obs("shbg", 35, "nmol/L", 2),
        make_obs("testosterone_total", 600, "ng/dL", 20),
        make_obs("shbg", 30, "nmol/L", 20),
    ]
    early = [v for v in derive_series(kb, observations, as_of=date(2026, 3, 10))]
    assert {v.collected_at.day for v in early} == {2}
    later = derive_series(kb, observations, as_of=date(2027, 6, 1))
    assert all(v.stale for v in later)
    assert not any(v.stale for v in derive_series(kb, observations, as_of=date(2026, 4, 1)))


def test_ratios(kb, make_obs):
    observations = [
        make_obs("testosterone_total", 500, "ng/dL", 2),
        make_obs("estradiol", 25, "pg/mL", 2),
        make_obs("zinc", 80, "ug/dL", 2),
        make_obs("copper", 10, "umol/L", 2),
    ]
    values = _by_key(derive_series(kb, observations))
    assert values["testosterone_estradiol_ratio"].value == pytest.approx(20)
    assert values["estradiol_testosterone_ratio"].value == pytest.approx(0.05)
    assert values["zinc_copper_ratio"].value == pytest.approx(80 / 63.55, rel=1e-3)
    assert values["zinc_copper_ratio"].unit == "{ratio}"


def test_zero_denominator_is_indeterminate(kb, make_obs):
    observations = [make_obs("zinc", 80, "ug/dL", 2), make_obs("copper", 0, "ug/dL", 2)]
    ratio = _by_key(derive_series(kb, observations))["zinc_copper_ratio"]
    assert not ratio.ok and "denominator is zero" in ratio.reason


def test_albumin_corrected_calcium_is_marked_draft(kb, make_obs):
    observations = [make_obs("calcium_total", 2.2, "mmol/L", 2), make_obs("albumin", 30, "g/L", 2)]
    corrected = _by_key(derive_series(kb, observations))["calcium_corrected"]
    assert corrected.ok and corrected.draft
    assert corrected.value == pytest.approx(2.2 / 0.2495 + 0.8 * (4.0 - 3.0), rel=1e-6)
    assert any("primary source" in note for note in corrected.notes)


def test_corrected_calcium_never_defaults_albumin(kb, make_obs):
    corrected = _by_key(derive_series(kb, [make_obs("calcium_total", 9.0, "mg/dL", 2)]))[
        "calcium_corrected"
    ]
    assert not corrected.ok and "missing input" in corrected.reason
