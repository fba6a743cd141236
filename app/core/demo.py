"""A deterministic synthetic clinic for trying the app, tests and benchmarks.

Patient ``i`` of seed ``s`` is always the same person with the same history,
whatever the clinic size, so a 40-patient demo is the head of a 100,000-patient
benchmark clinic. Shapes come from ``resources/demo/profiles.toml``; nothing
here judges a value, it only invents plausible ones.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from random import Random

from app.core.models import Observation, Patient, RegimenItem
from app.core.resources import resources_dir

DEFAULT_SEED = 20261123

# How a patient's series moves, in units of the profile's between-person spread
# (shapes for made-up data, not clinical numbers). A patient keeps one place among
# people for each analyte (PERSON_SD); visit to visit a result varies by a fraction of
# the spread between people (VISIT_SD), as a person's results do; after a change
# (therapy, a supplement started or stopped) the level moves towards its new mean
# with a time constant of SETTLE_DAYS instead of jumping.
PERSON_SD = 0.9
VISIT_SD = 0.3
SETTLE_DAYS = 30.0
# Units whose values are scores or differences from a mean, not amounts: they vary
# by adding, where amounts vary by multiplying (and stay above zero).
_ADDITIVE_UNITS = frozenset({"{T-score}", "{score}"})

# (analyte_key, value, unit) -> (canonical value, canonical unit), or None when unknown.
Canonicaliser = Callable[[str, float, str], tuple[float, str] | None]


@dataclass(frozen=True, slots=True)
class DemoPatient:
    patient: Patient
    regimen: list[RegimenItem]
    observations: list[Observation] = field(default_factory=list)


def load_demo_profiles(path: Path | None = None) -> dict:
    path = path or resources_dir() / "demo" / "profiles.toml"
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _pick_protocol(rng: Random, protocols: dict) -> tuple[str, dict]:
    names = sorted(protocols)
    weights = [protocols[n]["share"] for n in names]
    name = rng.choices(names, weights=weights)[0]
    return name, protocols[name]


# Doses as a clinic writes them. Tablets and capsules come in strengths (or usual
# splits of one), so a made-up dose is one of them: progesterone 100 or 200 mg, not
# 135; anastrozole a quarter, half or whole 1 mg tablet, not 0.325 mg. Only strengths
# inside a profile's dose range are used.
_STRENGTHS: dict[str, tuple[float, ...]] = {
    "micronized_progesterone": (100, 200),
    "anastrozole": (0.25, 0.5, 1.0),
    "enclomiphene": (12.5, 25),
    "levothyroxine": (25, 50, 75, 88, 100, 112, 125, 137, 150),
    "liothyronine": (5, 10, 20, 25),
    "estradiol": (0.025, 0.0375, 0.05, 0.075, 0.1),  # patches, mg/day
    "zinc": (15, 25, 30, 50),
    "magnesium": (200, 250, 300, 400),
    "vitamin_d3": (1000, 2000, 4000, 5000),
    "vitamin_k2": (90, 100, 180, 200),
    "selenium": (100, 200),
    "boron": (3, 6),
}
# An injection is prescribed as an amount a week in round steps (mg); the profile's
# range is that weekly amount, and each injection its share: 50-100 mg twice a week,
# 200-400 mg every two weeks for 100-200 mg a week.
_WEEKLY_STEP: dict[str, float] = {"testosterone_cypionate": 20}


def _dose_choices(substance: str, low: float, high: float) -> list[float]:
    """The doses a clinic would write for ``substance`` between ``low`` and ``high``."""
    if substance in _WEEKLY_STEP:
        step = _WEEKLY_STEP[substance]
    elif strengths := [d for d in _STRENGTHS.get(substance, ()) if low <= d <= high]:
        return strengths
    else:  # a round number for the size of the dose (a cream's 2.5 mg, 500 IU)
        step = 0.025 if high < 1 else (0.5 if high < 20 else (5 if high < 1000 else 500))
    first = math.ceil(low / step - 1e-9)
    return [round(step * i, 4) for i in range(first, int(high / step + 1e-9) + 1)] or [low]


def _clinic_dose(rng: Random, substance: str, low: float, high: float) -> float:
    """A dose for ``substance`` in ``[low, high]``, drawn with one call on ``rng``."""
    if low == high:
        return low
    value = rng.uniform(low, high)
    return min(_dose_choices(substance, low, high), key=lambda dose: (abs(dose - value), dose))


def _other_dose(substance: str, low: float, high: float, dose: float) -> float | None:
    """A dose change's new dose when the draw repeated the old one: the next choice up
    (down from the highest), a step a clinic would make; None for a fixed dose."""
    others = [c for c in _dose_choices(substance, low, high) if c != dose]
    if not others:
        return None
    higher = [c for c in others if c > dose]
    return higher[0] if higher else max(others)


def _per_dose(substance: str, amount: float, interval_days: float) -> float:
    """The dose per administration: an injection's weekly amount shared out by interval."""
    if substance in _WEEKLY_STEP:
        return round(amount * interval_days / 7, 3)
    return amount


class _Ids:
    def __init__(self) -> None:
        self.regimen = 0

    def next_regimen(self) -> int:
        self.regimen += 1
        return self.regimen


def _regimen_for(
    rng: Random, patient_id: int, spec: dict, supplements: dict, start: date, today: date, ids: _Ids
) -> list[RegimenItem]:
    items: list[RegimenItem] = []
    for component in spec["regimen"]:
        if rng.random() > component.get("chance", 1.0):
            continue
        begin = start if "chance" not in component else start + timedelta(days=rng.randint(0, 120))
        if begin >= today:
            continue
        substance = component["substance"]
        amount = _clinic_dose(rng, substance, *component["dose"])
        interval = rng.choice(component["interval_days"])
        item = RegimenItem(
            id=ids.next_regimen(),
            patient_id=patient_id,
            kind=component["kind"],
            substance=substance,
            dose=_per_dose(substance, amount, interval),
            dose_unit=component["dose_unit"],
            route=component["route"],
            interval_days=interval,
            start_date=begin,
        )
        # Up to two dose changes, each a new row chained to the one it replaces.
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            change_on = item.start_date + timedelta(days=rng.randint(70, 300))
            if change_on >= today:
                break
            new_amount = _clinic_dose(rng, substance, *component["dose"])
            if new_amount == amount:
                new_amount = _other_dose(substance, *component["dose"], amount)
            if new_amount is None:
                continue  # a fixed dose (gonadorelin 100 mcg) is not changed
            amount = new_amount
            items.append(_stopped(item, change_on, "dose change"))
            item = RegimenItem(
                id=ids.next_regimen(),
                patient_id=patient_id,
                kind=item.kind,
                substance=item.substance,
                dose=_per_dose(substance, amount, item.interval_days),
                dose_unit=item.dose_unit,
                route=item.route,
                interval_days=item.interval_days,
                start_date=change_on,
                previous_id=item.id,
            )
        items.append(item)
    for substance, supp in sorted(supplements.items()):
        if rng.random() > supp["chance"]:
            continue
        begin = start + timedelta(days=rng.randint(30, 400))
        if begin >= today:
            continue
        stop = begin + timedelta(days=rng.randint(120, 900)) if rng.random() < 0.3 else None
        items.append(
            RegimenItem(
                id=ids.next_regimen(),
                patient_id=patient_id,
                kind=supp["kind"],
                substance=substance,
                dose=_clinic_dose(rng, substance, *supp["dose"]),
                dose_unit=supp["dose_unit"],
                route=supp["route"],
                interval_days=supp["interval_days"],
                start_date=begin,
                stop_date=stop if stop and stop < today else None,
                stop_reason="patient choice" if stop and stop < today else "",
            )
        )
    return items


def _stopped(item: RegimenItem, on: date, reason: str) -> RegimenItem:
    return replace(item, stop_date=on, stop_reason=reason)


def _draw_dates(rng: Random, start: date, today: date, max_draws: int | None) -> list[date]:
    draws = [start - timedelta(days=rng.randint(10, 40))]
    day = start + timedelta(days=rng.randint(42, 70))
    while day < today:
        draws.append(day)
        day += timedelta(days=rng.randint(84, 182))
    return draws[:max_draws] if max_draws else draws


def _format_value(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def generate_clinic(
    n_patients: int,
    *,
    today: date,
    seed: int = DEFAULT_SEED,
    profiles: dict | None = None,
    canonicalise: Canonicaliser | None = None,
    max_draws: int | None = None,
) -> Iterator[DemoPatient]:
    """Yield ``n_patients`` synthetic patients with regimens and lab histories."""
    profiles = profiles or load_demo_profiles()
    analytes = profiles["analytes"]
    ids = _Ids()
    for index in range(1, n_patients + 1):
        rng = Random(seed * 1_000_003 + index)
        name, spec = _pick_protocol(rng, profiles["protocols"])
        sex = spec["sex"] if spec["sex"] != "any" else rng.choice(["female", "male"])
        age = rng.randint(*spec["age"])
        born = today - timedelta(days=age * 365 + rng.randint(0, 364))
        given = rng.choice(profiles[f"first_names_{sex}"])
        patient = Patient(
            id=index,
            mrn=f"DEMO-{index:06d}",
            family_name=rng.choice(profiles["family_names"]),
            given_name=given,
            date_of_birth=born,
            sex_at_birth=sex,
            notes=f"Synthetic demo patient ({name.replace('_', ' ')}).",
        )
        start = today - timedelta(days=rng.randint(200, 5 * 365))
        regimen = _regimen_for(rng, index, spec, profiles["supplements"], start, today, ids)
        lab = rng.choice(profiles["labs"])
        observations = _observations_for(
            rng,
            patient,
            spec,
            analytes,
            profiles["supplements"],
            regimen,
            start,
            today,
            lab,
            canonicalise,
            max_draws,
        )
        yield DemoPatient(patient, regimen, observations)


def _observations_for(
    rng: Random,
    patient: Patient,
    spec: dict,
    analytes: dict,
    supplements: dict,
    regimen: list[RegimenItem],
    start: date,
    today: date,
    lab: str,
    canonicalise: Canonicaliser | None,
    max_draws: int | None,
) -> list[Observation]:
    sex = patient.sex_at_birth
    places = {key: rng.gauss(0, PERSON_SD) for key in spec["panel"]}
    levels: dict[str, tuple[date, float]] = {}  # each analyte's level at its last draw
    observations: list[Observation] = []
    for number, day in enumerate(_draw_dates(rng, start, today, max_draws)):
        on_therapy = day >= start
        taken_at = datetime.combine(day, time(7, 30)) + timedelta(minutes=rng.randint(0, 180))
        for key in spec["panel"]:
            profile = analytes[key]
            if key == "bmd_tscore" and number % 4:
                continue  # DXA every couple of years, not at every draw
            if number and rng.random() < 0.12:
                continue  # not every analyte at every visit
            mean, sd = profile[sex]
            if not on_therapy and key in spec.get("baseline", {}):
                mean, sd = spec["baseline"][key]
            if on_therapy and key in spec.get("on_therapy", {}):
                mean, sd = spec["on_therapy"][key]
            for item in regimen:
                moves = supplements.get(item.substance, {}).get("moves", {})
                if key in moves and item.kind == "supplement" and item.active_on(day):
                    mean, sd = moves[key]
            additive = profile["unit"] in _ADDITIVE_UNITS
            level = _settled(levels.get(key), day, _target(mean, sd, places[key], additive))
            levels[key] = (day, level)
            value = _visit_value(rng, level, mean, sd, additive)
            observations.append(
                _observation(patient.id, key, profile, value, taken_at, lab, canonicalise)
            )
    return observations


def _log_sd(mean: float, sd: float) -> float:
    """The spread on a log scale of a positive amount with this mean and SD."""
    return math.sqrt(math.log1p((sd / mean) ** 2)) if mean > 0 else 0.0


def _target(mean: float, sd: float, place: float, additive: bool) -> float:
    """The level a patient at ``place`` (SDs from the middle) settles at: an amount is
    log-normal among people, so a low patient is low, never zero or below."""
    if additive:
        return mean + sd * place
    sigma = _log_sd(mean, sd)
    return mean * math.exp(sigma * place - sigma * sigma / 2)


def _settled(last: tuple[date, float] | None, day: date, target: float) -> float:
    """The level on ``day``, moved from the last one towards ``target`` over time."""
    if last is None:
        return target
    since, level = last
    kept = math.exp(-max((day - since).days, 0) / SETTLE_DAYS)
    return target + (level - target) * kept


def _visit_value(rng: Random, level: float, mean: float, sd: float, additive: bool) -> float:
    """One result around the patient's level: a small share of the spread between people."""
    if additive:
        return level + sd * VISIT_SD * rng.gauss(0, 1)
    return level * math.exp(_log_sd(mean, sd) * VISIT_SD * rng.gauss(0, 1))


def _observation(
    patient_id: int,
    key: str,
    profile: dict,
    value: float,
    taken_at: datetime,
    lab: str,
    canonicalise: Canonicaliser | None,
) -> Observation:
    decimals = profile["decimals"]
    unit = profile["unit"]
    if unit == "{score}":
        value = float(min(10, max(0, round(value))))
    elif unit != "{T-score}":
        value = max(value, 10**-decimals)
    limit = profile.get("censor_below")
    comparator = None
    if limit is not None and value < limit:
        value, comparator = float(limit), "<"
    value = round(value, decimals)
    raw = f"{comparator or ''}{_format_value(value, decimals)}"
    canonical = canonicalise(key, value, unit) if canonicalise else None
    return Observation(
        id=None,
        patient_id=patient_id,
        analyte_key=key,
        collected_at=taken_at,
        raw_value=raw,
        value=value,
        comparator=comparator,
        unit=unit,
        value_canonical=canonical[0] if canonical else None,
        unit_canonical=canonical[1] if canonical else "",
        lab=lab,
        source="demo",
    )
