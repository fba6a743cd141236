"""Header roles, units in headers, scale factors, fingerprints."""

from __future__ import annotations

import pytest

from app.core.labfiles import FileRejected
from app.core.labfiles.columns import (
    guess_roles,
    header_fingerprint,
    normalise_header,
    scale_note,
    split_header_unit,
)


def test_synthea_headers() -> None:
    headers = ["DATE", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION", "VALUE", "UNITS", "TYPE"]
    roles = guess_roles(headers)
    assert roles == {
        "collected_at": 0,
        "source_patient_id": 1,
        "code": 3,
        "analyte": 4,
        "value": 5,
        "unit": 6,
        "value_type": 7,
    }


def test_lab_export_spellings() -> None:
    headers = [
        "Patient MRN",
        "Patient Last Name",
        "First Name",
        "D.O.B.",
        "Gender",
        "Component",
        "LOINC Code",
        "Result Value",
        "UOM",
        "Ref Range",
        "Abnormal Flag",
        "Collection Date",
        "Performing Lab",
        "Comments",
    ]
    roles = guess_roles(headers)
    assert [headers[roles[r]] for r in sorted(roles, key=roles.get)] == headers


def test_first_header_wins_and_date_falls_back_to_date_like_names() -> None:
    roles = guess_roles(["Test", "Result", "Result", "Load Date/Time"])
    assert roles == {"analyte": 0, "value": 1, "collected_at": 3}


def test_unknown_override_role_is_refused() -> None:
    with pytest.raises(FileRejected, match="role"):
        guess_roles(["a"], {"colour": "a"})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Zinc (ug/dL)", ("Zinc", "ug/dL")),
        ("WBC(10/uL)", ("WBC", "10/uL")),
        ("HCT(10^(-1)%)", ("HCT", "10^(-1)%")),
        ("Vitamin D, 25-OH [ng/mL]", ("Vitamin D, 25-OH", "ng/mL")),
        ("Error(Func)", ("Error(Func)", "")),
        ("Testosterone", ("Testosterone", "")),
    ],
)
def test_split_header_unit(header: str, expected: tuple[str, str]) -> None:
    assert split_header_unit(header) == expected


@pytest.mark.parametrize(
    ("unit", "factor"),
    [("10/uL", "10"), ("10^(-1)%", "10^(-1)"), ("10^3/uL", "10^3"), ("x10^9/L", "10^9")],
)
def test_scale_notes(unit: str, factor: str) -> None:
    assert f"factor {factor};" in scale_note(unit)


@pytest.mark.parametrize("unit", ["ng/dL", "%", "mmol/L", ""])
def test_no_scale_note_for_plain_units(unit: str) -> None:
    assert scale_note(unit) == ""


def test_fingerprint_is_stable_and_normalised() -> None:
    assert normalise_header("  Patient no. ") == "patient no"
    assert header_fingerprint(["MRN", "Result"]) == header_fingerprint([" mrn", "RESULT "])
    assert header_fingerprint(["MRN", "Result"]) != header_fingerprint(["Result", "MRN"])
    # Pinned: profiles saved by one version must still match in the next.
    assert header_fingerprint(["MRN", "Result"]) == "448e0e4f077e2cba"
