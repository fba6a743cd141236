"""The synthetic demo clinic generator."""

from __future__ import annotations

from collections import Counter
from datetime import date

from app.core.demo import generate_clinic, load_demo_profiles

TODAY = date(2026, 11, 23)


def test_same_seed_gives_the_same_clinic():
    first = list(generate_clinic(12, today=TODAY))
    second = list(generate_clinic(12, today=TODAY))
    assert first == second


def test_patient_i_does_not_depend_on_clinic_size():
    small = list(generate_clinic(5, today=TODAY))
    large = list(generate_clinic(30, today=TODAY))[:5]
    assert [d.patient for d in small] == [d.patient for d in large]
    assert [d.observations for d in small] == [d.observations for d in large]


def test_a_different_seed_gives_different_people():
    a = [d.patient.family_name for d in generate_clinic(20, today=TODAY, seed=1)]
    b = [d.patient.family_name for d in generate_clinic(20, today=TODAY, seed=2)]
    assert a != b


def test_every_protocol_kind_appears_with_history_dose_changes_and_supplements():
    clinic = list(generate_clinic(200, today=TODAY))
    notes = Counter(d.patient.notes for d in clinic)
    assert len(notes) == len(load_demo_profiles()["protocols"])
    assert any(i.previous_id for d in clinic for i in d.regimen), "no dose changes"
    assert any(i.kind == "supplement" for d in clinic for i in d.regimen)
    assert any(o.comparator == "<" for d in clinic for o in d.observations), "no censored results"
    spans = [
        max(o.collected_at for o in d.observations) - min(o.collected_at for o in d.observations)
        for d in clinic
    ]
    assert max(spans).days > 3 * 365


def test_nothing_is_dated_in_the_future():
    for demo in generate_clinic(60, today=TODAY):
        assert demo.patient.date_of_birth < TODAY
        assert all(o.collected_at.date() <= TODAY for o in demo.observations)
        assert all(i.start_date <= TODAY for i in demo.regimen)


def test_every_demo_analyte_substance_and_unit_is_known_to_the_knowledge_base(kb):
    profiles = load_demo_profiles()
    for key, spec in profiles["analytes"].items():
        assert key in kb.analytes, key
        kb.to_canonical(key, 1.0, spec["unit"])  # raises if the unit is unknown
    substances = {c["substance"] for p in profiles["protocols"].values() for c in p["regimen"]}
    substances |= set(profiles["supplements"])
    assert substances <= set(kb.substances), substances - set(kb.substances)


def test_max_draws_caps_history_for_large_benchmark_clinics():
    for demo in generate_clinic(20, today=TODAY, max_draws=2):
        assert len({o.collected_at.date() for o in demo.observations}) <= 2
