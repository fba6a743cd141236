"""FHIR R4 JSON: Bundle, Observation, DiagnosticReport, NDJSON."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from app.core.labfiles import FileRejected, ReadOptions, read_lab_file


def _read(resource: object):
    data = json.dumps(resource, indent=1).encode()
    return read_lab_file(data, "x.json", ReadOptions(today=date(2025, 6, 1)))


def _obs(**extra: object) -> dict:
    base = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2986-8"}], "text": "T"},
        "effectiveDateTime": "2024-03-04T08:15:00Z",
    }
    base.update(extra)
    return base


def test_bundle_with_comparator_contained_and_dangling_references(read) -> None:
    parsed = read("bundle_comparator_dangling.json")
    assert (parsed.format, parsed.layout) == ("fhir", "fhir")
    estradiol, hcv, shbg = parsed.rows
    assert (estradiol.analyte_text, estradiol.loinc) == ("Estradiol", "2243-4")
    assert (estradiol.value, estradiol.comparator, estradiol.raw_value) == (5.0, "<", "<5")
    assert (estradiol.unit, estradiol.ref_low, estradiol.ref_high, estradiol.flag) == (
        "pg/mL",
        10.0,
        42.0,
        "L",
    )
    assert estradiol.collected_at == datetime(2024, 3, 4, 8, 15)
    # The patient comes from the bundled Patient resource.
    assert (estradiol.mrn, estradiol.source_patient_id) == ("A100", "p1")
    assert (estradiol.family_name, estradiol.given_name, estradiol.sex) == ("Rivera", "Sam", "male")
    assert estradiol.date_of_birth == date(1980, 5, 17)
    # The report is the context for its results: lab name, and time for contained ones.
    assert estradiol.lab == "North Lab"
    assert (hcv.local_code, hcv.value, hcv.non_result) == ("HCV", None, "not_detected")
    assert (shbg.analyte_text, shbg.value, shbg.unit) == ("SHBG", 35.1, "nmol/L")
    assert shbg.collected_at == datetime(2024, 3, 5, 7, 40)
    assert shbg.mrn == "A100"


def test_bundle_problems_point_at_the_resource_line(read, fixture_bytes) -> None:
    parsed = read("bundle_comparator_dangling.json")
    lines = fixture_bytes("bundle_comparator_dangling.json").decode().splitlines()
    got = [(p.column, p.reason) for p in parsed.problems]
    assert got == [
        ("value[x]", "The Observation has no value."),
        ("status", "Not imported: the lab marked this result as entered in error."),
        ("DiagnosticReport.result", "The result 'Observation/missing' is not in the file."),
    ]
    for problem in parsed.problems:
        assert '"resourceType"' in lines[problem.line - 1]
    assert all('"resourceType": "Observation"' in lines[r.line - 1] for r in parsed.rows)


def test_single_observation_with_period_and_ucum_code(read) -> None:
    (row,) = read("observation_period.json").rows
    assert row.unit == "mmol/L"  # the UCUM code, not the display text "mmol/l"
    assert row.collected_at == datetime(2013, 4, 2, 9, 30, 10)
    assert (row.ref_low, row.ref_high, row.flag) == (3.1, 6.2, "H")
    assert row.source_patient_id == "Patient/f001"


def test_ndjson_lines(read) -> None:
    parsed = read("observations.ndjson")
    assert [r.line for r in parsed.rows] == [1, 2]
    assert parsed.rows[1].value == 5.1


def test_components_become_rows() -> None:
    obs = _obs(
        component=[
            {"code": {"text": "Systolic"}, "valueQuantity": {"value": 120, "unit": "mm[Hg]"}},
            {"code": {"text": "Diastolic"}, "valueQuantity": {"value": 80, "unit": "mm[Hg]"}},
        ]
    )
    parsed = _read(obs)
    assert [(r.analyte_text, r.value) for r in parsed.rows] == [
        ("Systolic", 120),
        ("Diastolic", 80),
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"valueQuantity": {"value": "12"}}, "not a number"),
        ({"valueQuantity": {"value": 1, "comparator": "~"}}, "comparator"),
        ({"valueString": ""}, "no value"),
        ({"effectiveDateTime": "2024-03"}, "no value"),
    ],
)
def test_bad_values_are_problems(value: dict, problem: str) -> None:
    parsed = _read(_obs(**value))
    assert parsed.rows == []
    assert problem in parsed.problems[0].reason


def test_partial_date_is_a_problem() -> None:
    parsed = _read(_obs(effectiveDateTime="2024-03", valueQuantity={"value": 1}))
    assert "not a full date" in parsed.problems[0].reason


def test_text_and_coded_values() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": _obs(valueString="<0.5 ng/mL")},
            {"resource": _obs(valueString="Patient declined")},
            {"resource": _obs(valueCodeableConcept={"text": "Negative"})},
            {"resource": _obs(valueInteger=7)},
            {"resource": _obs(valueBoolean=True)},
        ],
    }
    got = [(r.value, r.comparator, r.non_result, r.raw_value) for r in _read(bundle).rows]
    assert got == [
        (0.5, "<", "", "<0.5 ng/mL"),
        (None, None, "text", "Patient declined"),
        (None, None, "negative", "Negative"),
        (7.0, None, "", "7"),
        (None, None, "text", "true"),
    ]


def test_panel_members_and_dangling_members() -> None:
    report = {
        "resourceType": "DiagnosticReport",
        "effectiveDateTime": "2024-03-04",
        "contained": [
            {"resourceType": "Observation", "id": "panel", "code": {"text": "Panel"},
             "hasMember": [{"reference": "#m1"}, {"reference": "#gone"}]},
            {"resourceType": "Observation", "id": "m1", "code": {"text": "Member"},
             "valueQuantity": {"value": 3}},
        ],
        "result": [{"reference": "#panel"}],
    }  # fmt: skip
    parsed = _read(report)
    assert [r.analyte_text for r in parsed.rows] == ["Member"]
    assert [p.column for p in parsed.problems] == ["hasMember"]


def test_files_without_observations_are_refused() -> None:
    with pytest.raises(FileRejected, match="Patient"):
        _read({"resourceType": "Patient", "id": "x"})
    with pytest.raises(FileRejected, match="not valid JSON"):
        read_lab_file(b'{"resourceType": "Observation", ', "x.json")


def test_wrong_types_everywhere_do_not_crash() -> None:
    weird = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": _obs(code="nope", subject=5, valueQuantity=[1], referenceRange="x")},
            {
                "resource": _obs(
                    interpretation="H", performer={"display": 3}, valueQuantity={"value": 2}
                )
            },
            {"resource": "string"},
            "entry",
            {"resource": {"resourceType": "DiagnosticReport", "result": "x"}},
        ],
    }
    parsed = _read(weird)
    assert all(p.line >= 1 and p.reason for p in parsed.problems)


def test_a_nul_character_in_a_text_refuses_the_file_and_names_its_line() -> None:
    with pytest.raises(FileRejected, match=r"Line 14 holds a NUL character"):
        _read(_obs(valueString="pending\u0000a"))
    # A backslash written as text before 'u0000' is no NUL: the file reads.
    parsed = _read(_obs(valueString="pending \\u0000 later"))
    assert [r.raw_value for r in parsed.rows] == ["pending \\u0000 later"]
