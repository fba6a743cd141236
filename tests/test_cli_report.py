"""``cofactor report`` on a demo clinic: writes the PDF and archives it."""

from __future__ import annotations

import io

from pypdf import PdfReader

from app.cli import main

TODAY = "2026-11-23"


def test_report_summary_and_handout_from_the_command_line(tmp_path, capsys):
    data = str(tmp_path / "data")
    clinic = tmp_path / "demo.db"
    common = ["--clinic", str(clinic), "--data-dir", data]
    assert (
        main(
            ["demo", "--patients", "3", "--out", str(clinic), "--today", TODAY, "--data-dir", data]
        )
        == 0
    )
    capsys.readouterr()
    out = tmp_path / "summary.pdf"
    code = main(
        ["report", "--patient", "DEMO-000001", "--kind", "summary", "-o", str(out), *common]
    )
    text, err = capsys.readouterr()
    assert code == 0, err
    assert "Report 1 (summary" in text and out.exists()
    pages = PdfReader(io.BytesIO(out.read_bytes())).pages
    assert "Clinician summary" in pages[0].extract_text() and "Page 1 of" in pages[0].extract_text()

    handout = tmp_path / "handout.pdf"
    code = main(
        [
            "report",
            "--patient",
            "DEMO-000001",
            "--kind",
            "handout",
            "-o",
            str(handout),
            "--note",
            "See you in May.",
            "--discuss",
            "Sleep",
            "--paper",
            "Letter",
            *common,
        ]
    )
    assert code == 0, capsys.readouterr().err
    text = PdfReader(io.BytesIO(handout.read_bytes())).pages[0].extract_text()
    assert "See you in May." in text and "Sleep" in text


def test_report_for_an_unknown_patient_is_one_line(tmp_path, capsys):
    data = str(tmp_path / "data")
    clinic = tmp_path / "demo.db"
    main(["demo", "--patients", "1", "--out", str(clinic), "--today", TODAY, "--data-dir", data])
    capsys.readouterr()
    code = main(
        [
            "report",
            "--patient",
            "NOPE",
            "--kind",
            "summary",
            "-o",
            str(tmp_path / "x.pdf"),
            "--clinic",
            str(clinic),
            "--data-dir",
            data,
        ]
    )
    _, err = capsys.readouterr()
    assert code == 1 and err.strip() == "cofactor: No patient with MRN NOPE."
    assert not (tmp_path / "x.pdf").exists()


def test_report_for_a_worklist_writes_one_pdf_per_patient(tmp_path, capsys):
    data = str(tmp_path / "data")
    clinic = tmp_path / "demo.db"
    main(["demo", "--patients", "3", "--out", str(clinic), "--today", TODAY, "--data-dir", data])
    capsys.readouterr()
    out_dir = tmp_path / "handouts"
    code = main(
        [
            "report",
            "--worklist",
            "supplement_upper_limit",
            "--out-dir",
            str(out_dir),
            "--as-of",
            TODAY,
            "--clinic",
            str(clinic),
            "--data-dir",
            data,
        ]
    )
    text, err = capsys.readouterr()
    assert code == 0, err
    files = sorted(out_dir.iterdir())
    assert files and all(f.name.endswith("-handout.pdf") for f in files)
    assert f"{len(files)} handout(s) for worklist supplement_upper_limit" in text
    for file in files:
        assert (
            "Your visit summary" in PdfReader(io.BytesIO(file.read_bytes())).pages[0].extract_text()
        )


def test_report_for_a_worklist_needs_an_out_dir(tmp_path, capsys):
    data = str(tmp_path / "data")
    clinic = tmp_path / "demo.db"
    main(["demo", "--patients", "1", "--out", str(clinic), "--today", TODAY, "--data-dir", data])
    capsys.readouterr()
    code = main(
        ["report", "--worklist", "supplement_upper_limit", "--clinic", str(clinic),
         "--data-dir", data]
    )  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 1 and "--out-dir" in err


def test_an_empty_handout_is_a_one_line_error_and_nothing_is_archived(tmp_path, capsys):
    from app.services.reports import EMPTY_HANDOUT

    data = str(tmp_path / "data")
    clinic = tmp_path / "demo.db"
    main(["demo", "--patients", "1", "--out", str(clinic), "--today", TODAY, "--data-dir", data])
    capsys.readouterr()
    out = tmp_path / "handout.pdf"
    common = ["--clinic", str(clinic), "--data-dir", data]
    for extra in ([], ["--discuss", "  "], ["--tick", "no_such_rule"]):
        code = main(
            ["report", "--patient", "DEMO-000001", "--kind", "handout", "-o", str(out)]
            + extra
            + common
        )
        text, err = capsys.readouterr()
        assert code == 1 and text == ""
        assert err.startswith(f"cofactor: {EMPTY_HANDOUT} Give --tick") and err.count("\n") == 1
        assert not out.exists()
    # Nothing was archived: the next report made is report 1.
    code = main(["report", "--patient", "DEMO-000001", "--kind", "handout", "-o", str(out)]
                + ["--note", "See you in May."] + common)  # fmt: skip
    text, err = capsys.readouterr()
    assert code == 0, err
    assert text.startswith("Report 1 (handout")
