"""Demo lab series move as one person's results do, not as draws from a crowd.

A trial found vitamin B6 of one demo patient jumping 16, 20, 39, 1, 10, 36, 1 nmol/L:
every visit was drawn afresh around the population mean and clipped at the floor.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import date

import pytest

from app.core.demo import generate_clinic, load_demo_profiles

TODAY = date(2026, 11, 23)
SCORES = {"{T-score}": 1.0, "{score}": 3}  # largest step between visits, in points


@pytest.fixture(scope="module")
def settled_series():
    """Per patient and analyte, results once therapy has settled (after the baseline and
    the first draw on therapy), leaving out analytes a supplement of the patient moves
    and censored results."""
    profiles = load_demo_profiles()
    supplements = profiles["supplements"]
    found = []
    for demo in generate_clinic(300, today=TODAY):
        moved = {
            key
            for item in demo.regimen
            if item.kind == "supplement"
            for key in supplements.get(item.substance, {}).get("moves", {})
        }
        days = sorted({o.collected_at.date() for o in demo.observations})[2:]
        series = defaultdict(list)
        for o in demo.observations:
            if o.collected_at.date() in days and o.analyte_key not in moved and not o.comparator:
                series[o.analyte_key].append(o.value)
        found.append((demo.patient, dict(series)))
    return profiles["analytes"], found


def test_consecutive_results_of_a_settled_patient_do_not_swing(settled_series):
    analytes, found = settled_series
    for patient, series in found:
        for key, values in series.items():
            unit = analytes[key]["unit"]
            for before, after in zip(values, values[1:], strict=False):
                if unit in SCORES:
                    assert abs(after - before) <= SCORES[unit], (patient.mrn, key, values)
                else:
                    assert max(before, after) / min(before, after) <= 3, (patient.mrn, key, values)


def test_a_patient_varies_less_between_visits_than_patients_differ(settled_series):
    """A low patient stays low: the spread of one patient's results is a fraction of
    the spread between patients, for every analyte measured as an amount."""
    analytes, found = settled_series
    within, middles = defaultdict(list), defaultdict(list)
    for _patient, series in found:
        for key, values in series.items():
            if analytes[key]["unit"] in SCORES or len(values) < 3:
                continue
            logs = [math.log(v) for v in values]
            within[key].append(statistics.pstdev(logs))
            middles[key].append(statistics.median(logs))
    checked = [key for key in within if len(within[key]) >= 10]
    assert len(checked) > 15
    for key in checked:
        assert statistics.median(within[key]) < 0.5 * statistics.pstdev(middles[key]), key


def test_the_b6_series_the_trial_found_is_plausible():
    demo = list(generate_clinic(21, today=TODAY))[-1]
    assert demo.patient.mrn == "DEMO-000021"
    b6 = [o.value for o in demo.observations if o.analyte_key == "vitamin_b6_plp"]
    assert len(b6) >= 5
    middle = statistics.median(b6)
    assert all(middle / 2 <= v <= middle * 2 for v in b6), b6
