"""The command line, as a clinic scripting it would use it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.cli import main

TODAY = "2026-11-23"


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_builds_a_clinic_that_patients_list_reads(tmp_path, capsys):
    out = tmp_path / "demo.db"
    code, text, _ = _run(capsys, "demo", "--patients", "6", "--out", str(out), "--today", TODAY,
                         "--data-dir", str(tmp_path / "data"))
    assert code == 0 and "6 patients" in text
    code, text, _ = _run(capsys, "patients", "list", "--json", "--clinic", str(out),
                         "--data-dir", str(tmp_path / "data"))
    assert code == 0
    rows = json.loads(text)
    assert len(rows) == 6 and all(r["mrn"].startswith("DEMO-") for r in rows)


def test_demo_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "demo.db"
    out.write_text("precious")
    code, _, err = _run(capsys, "demo", "--patients", "2", "--out", str(out),
                        "--data-dir", str(tmp_path))
    assert code != 0 and "already exists" in err and err.count("\n") == 1
    assert out.read_text() == "precious"


def test_clinic_create_then_patients_add_and_list(tmp_path, capsys):
    data = str(tmp_path / "data")
    assert _run(capsys, "clinic", "create", "--name", "Riverside", "--data-dir", data)[0] == 0
    code, text, _ = _run(capsys, "patients", "add", "--mrn", "R-1", "--family", "Quinn",
                         "--given", "Maya", "--dob", "1969-04-12", "--sex", "female",
                         "--data-dir", data)
    assert code == 0 and "Quinn, Maya" in text
    code, text, _ = _run(capsys, "patients", "list", "--data-dir", data)
    assert "R-1" in text and "1 patient(s)" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--dob", "12/04/1969"], "YYYY-MM-DD"),
        (["--dob", "2999-01-01"], "future"),
    ],
)
def test_bad_patient_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, words):
    data = str(tmp_path / "data")
    _run(capsys, "clinic", "create", "--name", "Riverside", "--data-dir", data)
    base = ["patients", "add", "--mrn", "R-1", "--family", "Quinn", "--given", "Maya",
            "--dob", "1969-04-12", "--sex", "female", "--data-dir", data]
    base[base.index("--dob") + 1: base.index("--dob") + 2] = [args[1]]
    code, _, err = _run(capsys, *base)
    assert code != 0 and words in err
    assert "Traceback" not in err and err.count("\n") == 1
    _, text, _ = _run(capsys, "patients", "list", "--json", "--data-dir", data)
    assert json.loads(text) == []


def test_no_clinic_yet_says_what_to_do(tmp_path, capsys):
    code, _, err = _run(capsys, "patients", "list", "--data-dir", str(tmp_path))
    assert code == 1 and "cofactor clinic create" in err


def test_a_real_process_never_prints_a_traceback_for_a_user_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "app", "patients", "list", "--clinic", str(tmp_path / "nope.db"),
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("cofactor: No clinic database")
