"""The command line, as a clinic scripting it would use it."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from app.cli import main

TODAY = "2026-11-23"
ADMIN_PASSWORD = "harbour lights 1947 river"


def _run(capsys, *args, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _init(capsys, monkeypatch, data: str) -> None:
    code, text, err = _run(
        capsys,
        "clinic",
        "init",
        "--name",
        "Riverside",
        "--admin",
        "ana",
        "--password-stdin",
        "--data-dir",
        data,
        stdin=ADMIN_PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert "encrypted" in text


def _as_admin(*args) -> list[str]:
    return [*args, "--user", "ana", "--password-stdin"]


def _demo_with_r1(tmp_path, capsys) -> list[str]:
    """A one-patient demo clinic plus patient R1 (Amin, Ola); the options that open it."""
    out, data = tmp_path / "demo.db", str(tmp_path / "data")
    base = ["--data-dir", data, "--clinic", str(out)]
    assert _run(capsys, "--data-dir", data, "demo", "--patients", "1", "--out", str(out))[0] == 0
    add = ["patients", "add", "--mrn", "R1", "--family", "Amin", "--given", "Ola"]
    assert _run(capsys, *base, *add, "--dob", "1980-02-02", "--sex", "male")[0] == 0
    return base


def test_demo_builds_a_clinic_that_patients_list_reads(tmp_path, capsys):
    out = tmp_path / "demo.db"
    code, text, _ = _run(
        capsys,
        "demo",
        "--patients",
        "6",
        "--out",
        str(out),
        "--today",
        TODAY,
        "--data-dir",
        str(tmp_path / "data"),
    )
    assert code == 0 and "6 patients" in text
    code, text, _ = _run(
        capsys,
        "patients",
        "list",
        "--json",
        "--clinic",
        str(out),
        "--data-dir",
        str(tmp_path / "data"),
    )
    assert code == 0
    rows = json.loads(text)
    assert len(rows) == 6 and all(r["mrn"].startswith("DEMO-") for r in rows)


def test_global_options_work_before_the_command_too(tmp_path, capsys):
    """`cofactor --clinic F patients list` reads F, as `cofactor patients list --clinic F` does."""
    out = tmp_path / "demo.db"
    data = str(tmp_path / "data")
    code, _, err = _run(capsys, "--data-dir", data, "demo", "--patients", "3", "--out", str(out))
    assert code == 0, err
    code, text, err = _run(
        capsys, "--data-dir", data, "--clinic", str(out), "patients", "list", "--json"
    )
    assert code == 0, err
    assert len(json.loads(text)) == 3
    # The data folder given before the command is the one used: the log went there.
    assert (tmp_path / "data").is_dir()


def test_demo_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "demo.db"
    out.write_text("precious")
    code, _, err = _run(
        capsys, "demo", "--patients", "2", "--out", str(out), "--data-dir", str(tmp_path)
    )
    assert code != 0 and "already exists" in err and err.count("\n") == 1
    assert out.read_text() == "precious"


def test_clinic_init_then_patients_add_and_list_signed_in(tmp_path, capsys, monkeypatch):
    data = str(tmp_path / "data")
    _init(capsys, monkeypatch, data)
    code, text, _ = _run(
        capsys,
        *_as_admin(
            "patients",
            "add",
            "--mrn",
            "R-1",
            "--family",
            "Quinn",
            "--given",
            "Maya",
            "--dob",
            "1969-04-12",
            "--sex",
            "female",
            "--data-dir",
            data,
        ),
        stdin=ADMIN_PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "Quinn, Maya" in text
    code, text, _ = _run(
        capsys,
        *_as_admin("patients", "list", "--data-dir", data),
        stdin=ADMIN_PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert "R-1" in text and "1 patient(s)" in text


def test_an_encrypted_clinic_refuses_without_user_or_with_a_wrong_password(
    tmp_path, capsys, monkeypatch
):
    data = str(tmp_path / "data")
    _init(capsys, monkeypatch, data)
    code, _, err = _run(capsys, "patients", "list", "--data-dir", data)
    assert code == 1 and "--user" in err
    code, _, err = _run(
        capsys,
        *_as_admin("patients", "list", "--data-dir", data),
        stdin="not the password\n",
        monkeypatch=monkeypatch,
    )
    assert code == 1 and "Wrong user name or password" in err and "Traceback" not in err


def test_weak_admin_password_is_refused_and_nothing_is_created(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    code, _, err = _run(
        capsys,
        "clinic",
        "init",
        "--name",
        "R",
        "--admin",
        "ana",
        "--password-stdin",
        "--data-dir",
        str(data),
        stdin="password123\n",
        monkeypatch=monkeypatch,
    )
    assert code == 1 and err.count("\n") == 1
    assert not (data / "clinic.db").exists() and not (data / "clinic.db.keys").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--dob", "12/04/1969"], "YYYY-MM-DD"),
        (["--dob", "1975-02-30"], "'1975-02-30' is not a day of the calendar"),
        (["--dob", "2999-01-01"], "cofactor: The date of birth is in the future."),
    ],
)
def test_bad_patient_input_is_one_line_and_writes_nothing(
    tmp_path, capsys, monkeypatch, args, words
):
    data = str(tmp_path / "data")
    _init(capsys, monkeypatch, data)
    base = [
        "patients",
        "add",
        "--mrn",
        "R-1",
        "--family",
        "Quinn",
        "--given",
        "Maya",
        "--dob",
        "1969-04-12",
        "--sex",
        "female",
        "--data-dir",
        data,
    ]
    base[base.index("--dob") + 1 : base.index("--dob") + 2] = [args[1]]
    code, _, err = _run(
        capsys, *_as_admin(*base), stdin=ADMIN_PASSWORD + "\n", monkeypatch=monkeypatch
    )
    assert code != 0 and words in err
    assert "Traceback" not in err and err.count("\n") == 1
    _, text, _ = _run(
        capsys,
        *_as_admin("patients", "list", "--json", "--data-dir", data),
        stdin=ADMIN_PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert json.loads(text) == []


def test_no_clinic_yet_says_what_to_do(tmp_path, capsys):
    code, _, err = _run(capsys, "patients", "list", "--data-dir", str(tmp_path))
    assert code == 1 and "cofactor clinic init" in err


def test_a_demo_built_as_advised_is_what_later_commands_open(tmp_path, capsys):
    data = str(tmp_path / "data")
    first, second = tmp_path / "data" / "demo.db", tmp_path / "other.db"
    code, text, err = _run(
        capsys, "demo", "--patients", "2", "--out", str(first), "--data-dir", data
    )
    assert code == 0 and "It is now the clinic of" in text, err
    code, text, err = _run(capsys, "patients", "list", "--json", "--data-dir", data)
    assert code == 0 and len(json.loads(text)) == 2, err
    # A second demo never takes the place of the folder's clinic unasked.
    code, text, _ = _run(
        capsys, "demo", "--patients", "3", "--out", str(second), "--data-dir", data
    )
    assert code == 0 and f"Open it with --clinic {second}" in text
    _, text, _ = _run(capsys, "patients", "list", "--json", "--data-dir", data)
    assert len(json.loads(text)) == 2


def test_a_real_process_never_prints_a_traceback_for_a_user_error(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "patients",
            "list",
            "--clinic",
            str(tmp_path / "nope.db"),
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("cofactor: No clinic database")


def test_admin_commands_backup_restore_users_and_audit(tmp_path, capsys, monkeypatch):
    data = str(tmp_path / "data")
    _init(capsys, monkeypatch, data)
    secret = ADMIN_PASSWORD + "\n"

    def admin(*args, stdin=secret):
        return _run(
            capsys, *_as_admin(*args, "--data-dir", data), stdin=stdin, monkeypatch=monkeypatch
        )

    add = [
        "patients",
        "add",
        "--family",
        "Quinn",
        "--given",
        "Maya",
        "--dob",
        "1969-04-12",
        "--sex",
        "female",
    ]
    assert admin(*add, "--mrn", "R-1")[0] == 0
    code, text, err = admin("backup", "--keep", "3")
    assert code == 0 and "verified" in text, err
    backup_file = text.split("verified: ")[1].split(" (")[0]
    assert admin(*add, "--mrn", "R-2")[0] == 0
    code, text, err = admin("restore", backup_file)
    assert code == 0, err
    _, text, _ = admin("patients", "list", "--json")
    assert [p["mrn"] for p in json.loads(text)] == ["R-1"]
    code, text, _ = admin(
        "users",
        "add",
        "--username",
        "clin1",
        "--role",
        "clinician",
        stdin=secret + "a long clinician passphrase 42\n",
    )
    assert code == 0 and "clin1" in text
    # Ordinary mistakes are one-line refusals, not "unexpected error" (exit 70).
    code, _, err = admin(
        "users",
        "add",
        "--username",
        "CLIN1",
        "--role",
        "clinician",
        stdin=secret + "another long passphrase 43\n",
    )
    assert code == 1 and "already an account named CLIN1" in err
    code, _, err = admin("users", "role", "--username", "nobody", "--role", "clinician")
    assert code == 1 and "No user named nobody." in err
    code, _, err = _run(
        capsys,
        "users",
        "list",
        "--user",
        "clin1",
        "--password-stdin",
        "--data-dir",
        data,
        stdin="a long clinician passphrase 42\n",
        monkeypatch=monkeypatch,
    )
    assert code == 1 and "does not allow" in err and err.count("\n") == 1
    code, text, _ = admin("audit", "verify")
    assert code == 0 and "intact" in text
    code, text, _ = admin("audit", "list")
    for action in ("signin", "create", "backup", "restore"):
        assert action in text, action
    (denied,) = [line for line in text.splitlines() if "user.manage" in line]
    assert "clin1" in denied and "denied" in denied
    # One patient's trail, named by MRN or by a name that finds one patient.
    for named in ("R-1", "Quinn"):
        code, text, err = admin("audit", "list", "--patient", named)
        assert code == 0, err
        lines = text.splitlines()
        assert lines and all("patient R-1" in line for line in lines), named
        assert any(" create " in line for line in lines)
    code, _, err = admin("audit", "list", "--patient", "Nobody")
    assert code == 1 and "No patient has the MRN, name or birth date 'Nobody'." in err


def test_settings_are_validated_audited_and_used(tmp_path, capsys, monkeypatch):
    data = str(tmp_path / "data")
    _init(capsys, monkeypatch, data)
    secret = ADMIN_PASSWORD + "\n"
    code, text, _ = _run(
        capsys,
        *_as_admin("settings", "set", "auto_lock_minutes", "15", "--data-dir", data),
        stdin=secret,
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "auto_lock_minutes = 15" in text
    code, _, err = _run(
        capsys,
        *_as_admin("settings", "set", "auto_lock_minutes", "0", "--data-dir", data),
        stdin=secret,
        monkeypatch=monkeypatch,
    )
    assert code == 1 and "1 to 120" in err
    _, text, _ = _run(
        capsys,
        *_as_admin("audit", "list", "--data-dir", data),
        stdin=secret,
        monkeypatch=monkeypatch,
    )
    assert "auto_lock_minutes: '' -> '15'" in text


def test_kb_rules_lists_the_ids_a_worklist_takes(capsys):
    code, text, _ = _run(capsys, "kb", "rules")
    assert code == 0
    assert "vitamin_d_status" in text and "hematocrit_above_54_on_trt" in text
    assert text.strip().splitlines()[-1].endswith(")") and " rules (rules " in text


def test_worklist_with_an_unknown_rule_points_to_the_list(tmp_path, capsys):
    out = tmp_path / "demo.db"
    data = str(tmp_path / "data")
    assert _run(capsys, "--data-dir", data, "demo", "--patients", "2", "--out", str(out))[0] == 0
    code, _, err = _run(
        capsys, "--data-dir", data, "--clinic", str(out), "worklist", "--rule", "nope"
    )
    assert code == 1 and "Unknown rule(s): nope" in err and "cofactor kb rules" in err


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`cofactor patients list | head -1` ends quietly, without a BrokenPipeError."""
    out = tmp_path / "demo.db"
    env_data = str(tmp_path / "data")
    cli = [sys.executable, "-m", "app", "--data-dir", env_data]
    # More listing than a pipe buffer holds (about 100 KB), so the writer meets the closed pipe.
    subprocess.run(
        [*cli, "demo", "--patients", "1500", "--max-draws", "1", "--out", str(out)], check=True
    )
    listing = subprocess.Popen(
        [*cli, "--clinic", str(out), "patients", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = listing.stdout.readline()
    listing.stdout.close()  # the reader goes away, as `head -1` does
    err = listing.stderr.read().decode()
    assert listing.wait(timeout=60) == 0 and first.startswith(b"DEMO-")
    assert "BrokenPipe" not in err and "unexpected error" not in err


def test_regimen_add_change_dose_stop_and_list(tmp_path, capsys):
    """A clinic scripting the command line can record a protocol, so findings follow it."""
    base = _demo_with_r1(tmp_path, capsys)

    def regimen(*args):
        return _run(capsys, *base, "regimen", *args, "--patient", "R1")

    code, text, err = regimen(
        "add",
        "--substance",
        "testosterone_cypionate",
        "--dose",
        "100",
        "--every",
        "7",
        "--start",
        "2026-01-05",
    )
    assert code == 0, err
    assert "Testosterone cypionate" in text and "100 mg IM weekly" in text
    item = int(text.split("#")[1].split()[0])
    code, text, err = regimen("dose", "--item", str(item), "--dose", "140", "--start", "2026-06-01")
    assert code == 0 and "140 mg IM weekly" in text, err
    new_item = int(text.split("#")[1].split()[0])
    code, _, err = regimen("stop", "--item", str(new_item), "--on", "2026-10-01")
    assert code == 0, err
    code, text, _ = regimen("list")
    lines = text.splitlines()
    assert "until 2026-06-01" in lines[0] and "until 2026-10-01" in lines[1]
    assert lines[-1] == "2 regimen row(s)"
    code, _, err = regimen("add", "--substance", "nonsense", "--dose", "1")
    assert code == 1 and "Unknown substance 'nonsense'" in err
    code, text, _ = _run(capsys, *base, "evaluate", "--patient", "R1", "--as-of", "2026-09-01")
    assert "male_trt" in text  # the recorded protocol is what the findings judge against
    # Sources are numbered readable citations, as on screen and in print, not their keys.
    assert "sources:\n    1. " in text and "seed_micronutrients" not in text


def test_importing_a_file_again_makes_no_empty_batch(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    labs = tmp_path / "labs.csv"
    labs.write_text("MRN,Test,Result,Units,Collected\nR1,Zinc,70,ug/dL,2026-10-01 08:00\n")
    code, text, err = _run(capsys, *base, "import", str(labs))
    assert code == 0 and "Imported 1 result " in text, err
    code, text, err = _run(capsys, *base, "import", str(labs))
    assert code == 0, err
    assert "Nothing new to import from labs.csv (1 already in the clinic)" in text
    code, text, _ = _run(capsys, *base, "batches", "list", "--json")
    assert len(json.loads(text)) == 1


def test_created_patients_are_reported_as_created(tmp_path, capsys):
    out, data = tmp_path / "demo.db", str(tmp_path / "data")
    base = ["--data-dir", data, "--clinic", str(out)]
    assert _run(capsys, "--data-dir", data, "demo", "--patients", "1", "--out", str(out))[0] == 0
    labs = tmp_path / "labs.csv"
    labs.write_text(
        "MRN,Family name,Given name,Date of birth,Test,Result,Units,Collected\n"
        "N1,Amin,Ola,1980-02-02,Zinc,70,ug/dL,2026-10-01 08:00\n"
        "N2,,,,Zinc,75,ug/dL,2026-10-01 08:00\n"
    )
    code, text, err = _run(capsys, *base, "import", str(labs), "--create-patients")
    assert code == 0, err
    amin, nameless = text.split("unmatched patient: ")[1:3]
    assert "created as a new patient" in amin and "not created" not in amin
    assert "not created: the file gives no full name" in nameless
    assert "Imported 1 result " in text and "1 patient created" in text


def test_assign_puts_one_sample_on_the_chosen_patient(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    labs = tmp_path / "analyzer.csv"
    labs.write_text(
        "Patient ID,Sample ID,Test Name,Result,Units,Comp. Time\n"
        ",25255,Zinc,70,ug/dL,2026-10-01 08:00\n"
        ",25255,Copper,90,ug/dL,2026-10-01 08:00\n"
        ",25256,Zinc,75,ug/dL,2026-10-01 08:05\n"
    )
    code, text, err = _run(capsys, *base, "import", str(labs), "--dry-run")
    assert code == 0, err
    assert "unmatched patient: Sample 25255 (2 rows): the file gives no patient identifier" in text
    assert "unmatched patient: Sample 25256 (1 row)" in text
    # A wrong MRN or an unknown sample is one line, and nothing is written.
    for bad, says in (("25255=R9", "no patient in this clinic has MRN 'R9'"), ("999=R1", "999")):
        code, text, err = _run(capsys, *base, "import", str(labs), "--assign", bad)
        assert code == 1 and says in err and err.count("\n") == 1 and text == ""
    code, text, _ = _run(capsys, *base, "batches", "list", "--json")
    assert json.loads(text) == []
    code, text, err = _run(capsys, *base, "import", str(labs), "--assign", "25255=R1")
    assert code == 0, err
    assert "assigned: Sample 25255 (2 rows) → Amin, Ola, MRN R1" in text
    assert "unmatched patient: Sample 25256 (1 row)" in text
    assert "Imported 2 results" in text


def test_patients_import_adds_a_list_once_and_says_what_it_refused(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    people = tmp_path / "people.csv"
    people.write_text(
        "Id,FIRST,LAST,BIRTHDATE,GENDER,DEATHDATE\n"
        "P-1,Lee,Ng,1970-03-04,F,\n"
        "R1,Someone,Else,1990-01-01,M,\n"
        "P-2,Kim,Ng,1940-05-06,M,2020-01-01\n"
        "P-3,Bo,Ng,soon,M,\n"
    )
    code, text, err = _run(capsys, *base, "patients", "import", str(people), "--dry-run")
    assert code == 0, err
    assert "4 rows read, 2 new, 0 already in the clinic, 1 refused, 1 unreadable" in text
    assert "line 3: not added: MRN R1 belongs to Amin, Ola" in text
    assert "line 5 (BIRTHDATE): 'soon' is not a date of birth" in text
    assert "Dry run: nothing added (2 would be)" in text
    code, text, err = _run(capsys, *base, "patients", "import", str(people), "--json")
    assert code == 0, err
    outcome = json.loads(text)
    assert outcome["added"] == 2 and outcome["refused"][0]["mrn"] == "R1"
    code, text, _ = _run(capsys, *base, "patients", "list", "--json", "--include-archived")
    listed = {p["mrn"] for p in json.loads(text)}
    assert {"P-1", "P-2"} <= listed
    code, text, err = _run(capsys, *base, "patients", "import", str(tmp_path / "none.csv"))
    assert code == 1 and "could not be read" in err


def test_a_unit_kept_as_reported_says_why(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    labs = tmp_path / "labs.csv"
    labs.write_text("MRN,Test,Result,Units,Collected\nR1,eGFR,72,mL/min,2026-10-01 08:00\n")
    code, text, err = _run(capsys, *base, "import", str(labs), "--dry-run")
    assert code == 0, err
    assert "unit not recognised for egfr: 'mL/min' (1 row, kept as reported): " in text
    assert "not normalised to 1.73 m2" in text


def test_columns_and_a_collection_date_can_be_given_for_a_file_the_reader_cannot_place(
    tmp_path, capsys
):
    base = _demo_with_r1(tmp_path, capsys)
    run = tmp_path / "run.csv"
    run.write_text("Chart,Assay,Reading,Units\nR1,Zinc,70,ug/dL\n")
    code, text, err = _run(capsys, *base, "import", str(run), "--dry-run")
    assert code == 0, err
    assert "choose the columns by hand" in text and "--column ROLE=HEADER" in text
    chosen = ["--column", "mrn=Chart", "--column", "analyte=Assay", "--column", "value=Reading"]
    code, text, err = _run(
        capsys, *base, "import", str(run), *chosen, "--collected-at", "2026-10-01 08:00"
    )
    assert code == 0 and "Imported 1 result " in text, text + err
    code, text, err = _run(capsys, *base, "import", str(run), "--column", "mrn")
    assert code == 1 and "ROLE=HEADER" in err


def test_kb_analytes_lists_the_keys_import_map_takes(capsys):
    code, text, _ = _run(capsys, "kb", "analytes")
    assert code == 0
    zinc = next(line for line in text.splitlines() if line.startswith("zinc "))
    assert "Zinc, serum" in zinc and "ug/dL" in zinc and "5763-8" in zinc
    assert text.splitlines()[-1].endswith(")") and "analytes (knowledge base" in text


def test_not_tracked_tests_are_left_out_of_later_imports(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    labs = tmp_path / "labs.csv"
    labs.write_text(
        "MRN,Test,Result,Units,Collected\n"
        "R1,Zinc,70,ug/dL,2026-10-01 08:00\n"
        "R1,Respiratory rate,16,/min,2026-10-01 08:00\n"
    )
    code, text, err = _run(capsys, *base, "import", str(labs), "--dry-run")
    assert code == 0, err
    assert "unknown analyte: 'respiratory rate' (1 row)" in text
    assert "--not-tracked 'NAME' leaves it out of every import" in text
    code, text, err = _run(capsys, *base, "import", str(labs), "--not-tracked", "Respiratory Rate")
    assert code == 0, err
    assert "Imported 1 result " in text and "unknown analyte:" not in text
    later = tmp_path / "later.csv"
    later.write_text(
        "MRN,Test,Result,Units,Collected\n"
        "R1,Zinc,72,ug/dL,2026-11-01 08:00\n"
        "R1,Respiratory rate,18,/min,2026-11-01 08:00\n"
    )
    code, text, err = _run(capsys, *base, "import", str(later), "--json", "--dry-run")
    assert code == 0, err
    payload = json.loads(text)
    assert payload["unknown_analytes"] == {} and payload["untracked_analytes"] == {
        "respiratory rate": 1
    }
    code, text, err = _run(capsys, *base, "import", str(later))
    assert "left out, not tracked by this clinic: 'respiratory rate' (1)" in text
    assert "1 of tests not tracked" in text and "Imported 1 result " in text
    code, text, err = _run(capsys, *base, "import", str(later), "--not-tracked", "ZINC")
    assert code == 1 and "is Zinc, serum in the knowledge base" in err and text == ""


def test_a_report_is_saved_audited_and_a_missing_folder_stops_before_writing(tmp_path, capsys):
    base = _demo_with_r1(tmp_path, capsys)
    labs = tmp_path / "labs.csv"
    labs.write_text(
        "MRN,Test,Result,Units,Collected\n"
        "R1,Zinc,70,ug/dL,2026-10-01 08:00\n"
        "R1,Zinc,-5,ug/dL,2026-10-02 08:00\n"
    )
    code, _, err = _run(capsys, *base, "import", str(labs), "--report", str(tmp_path / "no/r.tsv"))
    assert code == 1 and "its folder does not exist" in err
    code, text, _ = _run(capsys, *base, "batches", "list")
    assert "0 batch(es)" in text  # nothing was imported
    report = tmp_path / "r.tsv"
    code, text, err = _run(capsys, *base, "import", str(labs), "--report", str(report))
    assert code == 0 and "Imported 1 result as batch" in text, err
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("3\t") and "'-5 is below zero" in lines[1]  # neutralised
    code, text, _ = _run(capsys, *base, "audit", "list")
    assert "1 rejected rows of labs.csv to r.tsv" in text


def test_every_role_changes_its_own_password_on_the_command_line(tmp_path, capsys, monkeypatch):
    data = str(tmp_path / "data")
    _init(capsys, monkeypatch, data)
    secret = ADMIN_PASSWORD + "\n"
    clin = "a long clinician passphrase 42"
    code, _, err = _run(
        capsys,
        *_as_admin(
            "users", "add", "--username", "clin1", "--role", "clinician", "--data-dir", data
        ),
        stdin=secret + clin + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err

    def as_clin(*args, stdin):
        common = ["--user", "clin1", "--password-stdin", "--data-dir", data]
        return _run(
            capsys, "users", "password", *args, *common, stdin=stdin, monkeypatch=monkeypatch
        )

    renewed = "a renewed clinician phrase 77"
    code, text, err = as_clin(stdin=f"{clin}\n{renewed}\n")
    assert code == 0 and "The password of clin1 was changed." in text, err
    code, _, err = as_clin(stdin=f"{clin}\n{renewed}x\n")  # the old one no longer opens it
    assert code == 1 and err.count("\n") == 1
    code, _, err = as_clin("--username", "admin1", stdin=f"{renewed}\nsomething else entirely 1\n")
    assert code == 1 and "does not allow" in err  # resetting another's is for administrators
