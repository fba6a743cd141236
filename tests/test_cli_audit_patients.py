"""`cofactor audit list` and its CSV name a patient by MRN, not the database's internal id."""

from __future__ import annotations

import csv

from tests.test_cli import _demo_with_r1, _run


def test_audit_list_names_the_patient_by_mrn_and_name(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    assert _run(capsys, *base, "evaluate", "--patient", "R1")[0] == 0
    code, text, err = _run(capsys, *base, "audit", "list")
    assert code == 0, err
    about_r1 = [line for line in text.splitlines() if "patient R1 (Amin, Ola)" in line]
    assert {line.split()[3] for line in about_r1} >= {"create", "read"}
    for line in text.splitlines():  # every event names an MRN or says it names nobody
        named = line.split(" patient ", 1)[1]
        assert named.startswith(("-  ", "R1 (Amin, Ola)", "DEMO-")), line


def test_audit_csv_names_the_patient_mrn_and_keeps_the_stored_columns(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    target = tmp_path / "audit.csv"
    code, text, err = _run(capsys, *base, "audit", "list", "--csv", str(target))
    assert code == 0 and "written" in text, err
    with open(target, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    header = list(table[0])
    assert header[:5] == ["seq", "at_utc", "user_id", "username", "patient_id"]
    assert header[-1] == "patient_mrn"
    (created,) = [r for r in table if r["action"] == "create" and r["category"] == "demographics"]
    assert created["patient_mrn"] == "R1" and created["patient_id"].isdigit()
    assert all(r["patient_mrn"] == "" for r in table if r["patient_id"] == "")


def test_a_synthea_name_with_digits_is_found_from_the_command_line(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    add = ["patients", "add", "--mrn", "SYN-7", "--family", "Brekke496", "--given", "Aaron697"]
    assert _run(capsys, *base, *add, "--dob", "1990-03-04", "--sex", "male")[0] == 0
    code, text, _ = _run(capsys, *base, "patients", "list", "--search", "Aaron697")
    assert code == 0
    assert "SYN-7" in text and "Brekke496, Aaron697" in text
    code, text, _ = _run(capsys, *base, "patients", "list", "--search", "R1")
    assert code == 0 and text.startswith("R1 ")
