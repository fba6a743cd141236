"""What each column role is called on screen and in messages (the keys are internal)."""

from __future__ import annotations

ROLE_LABELS: dict[str, str] = {
    "mrn": "MRN",
    "source_patient_id": "Patient id",
    "sample_id": "Sample ID",
    "patient_name": "Full name",
    "family_name": "Family name",
    "given_name": "Given name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "analyte": "Test name",
    "loinc": "LOINC code",
    "code": "Test code",
    "value": "Result",
    "value_type": "Result type",
    "unit": "Unit",
    "ref_range": "Reference range",
    "ref_low": "Range low",
    "ref_high": "Range high",
    "flag": "Flag",
    "collected_at": "Collected",
    "collected_time": "Collection time",
    "lab": "Lab",
    "note": "Note",
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.replace("_", " "))


def describe_columns(columns: dict[str, str]) -> str:
    """``Collected = 'DATE', Patient id = 'PATIENT'`` for a role -> header map."""
    return ", ".join(f"{role_label(role)} = {header!r}" for role, header in columns.items())
