"""Column roles read as words wherever a user sees them."""

from app.core.labfiles import ROLES
from app.core.labfiles.role_labels import ROLE_LABELS, describe_columns


def test_every_role_has_a_label_a_clinician_reads():
    assert set(ROLE_LABELS) == set(ROLES)
    assert all("_" not in label for label in ROLE_LABELS.values())


def test_columns_are_described_by_their_labels():
    text = describe_columns({"collected_at": "DATE", "source_patient_id": "PATIENT"})
    assert text == "Collected = 'DATE', Patient id = 'PATIENT'"
