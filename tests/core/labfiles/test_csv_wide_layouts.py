"""Wide CSV files (a column per analyte) and flowsheets (a column per date)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.labfiles import FileRejected


def test_wide_file_with_units_and_scale_factors_in_headers(read) -> None:
    parsed = read("wide_units_in_headers.csv")
    assert parsed.layout == "wide"
    assert parsed.analyte_columns == ["Zinc (ug/dL)", "WBC(10/uL)", "HCT(10^(-1)%)"]
    got = [(r.line, r.analyte_text, r.value, r.unit) for r in parsed.rows]
    assert got == [
        (2, "Zinc", 85.0, "ug/dL"),
        (2, "WBC", 652.0, "10/uL"),
        (2, "HCT", 423.0, "10^(-1)%"),
        (3, "WBC", 598.0, "10/uL"),
        (3, "HCT", 401.0, "10^(-1)%"),
    ]
    hct = parsed.rows[2]
    # The factor is reported, never applied: 423 stays 423.
    assert "10^(-1)" in hct.unit_scale_note and "not rescaled" in hct.unit_scale_note
    assert parsed.rows[0].unit_scale_note == ""
    assert any(note.startswith("HCT(10^(-1)%)") for note in parsed.notes)


def test_wide_file_patient_columns_and_separate_time_column(read) -> None:
    parsed = read("wide_units_in_headers.csv")
    first, fourth = parsed.rows[0], parsed.rows[3]
    assert (first.source_patient_id, first.family_name, first.given_name) == ("P1", "Rivera", "Sam")
    assert first.date_of_birth == date(1980, 5, 17)
    assert first.collected_at == datetime(2024, 3, 4, 8, 15)
    assert fourth.collected_at == datetime(2024, 3, 4, 9, 40)


def test_wide_file_in_cp1252_with_micro_sign_units(read) -> None:
    parsed = read("wide_cp1252_micro.csv")
    assert [r.analyte_text for r in parsed.rows] == ["Zinc", "Copper", "Selenium", "Zinc", "Copper"]
    assert parsed.rows[2].unit == "\u00b5g/L"


def test_analyzer_export_with_unit_columns_under_empty_headers(read) -> None:
    parsed = read("analyzer_paired_units.csv")
    assert (parsed.delimiter, parsed.decimal_mark, parsed.date_order) == (";", ",", "dmy")
    assert parsed.analyte_columns == ["ALB", "AST", "K+"]
    got = [
        (r.analyte_text, r.raw_value, r.value, r.comparator, r.non_result, r.unit)
        for r in parsed.rows
    ]
    assert got[:3] == [
        ("ALB", "3,40", 3.4, None, "", "g/dL"),
        ("AST", "415,00", 415.0, None, "", "U/L"),
        ("K+", "No Value", None, None, "no_value", "mmol/L"),
    ]
    assert got[4] == ("AST", ">822,00", 822.0, ">", "", "U/L")
    # "12/10/2014 4:42 p.m." is day-first because "13/10/2014" is in the same file.
    assert parsed.rows[0].collected_at == datetime(2014, 10, 12, 16, 42)
    assert parsed.rows[3].collected_at == datetime(2014, 10, 13, 11, 51)


def test_analyte_columns_can_be_chosen(read) -> None:
    parsed = read("wide_units_in_headers.csv", analyte_columns=("Rack No.",))
    assert [r.analyte_text for r in parsed.rows] == ["Rack No.", "Rack No."]
    with pytest.raises(FileRejected, match="'Nope'"):
        read("wide_units_in_headers.csv", analyte_columns=("Nope",))


def test_date_columns_layout(read) -> None:
    parsed = read("date_columns.csv")
    assert parsed.layout == "date_columns"
    assert parsed.analyte_columns == ["2024-01-05", "2024-03-04", "2024-06-01"]
    got = [(r.line, r.analyte_text, r.value, r.flag, r.collected_at.date()) for r in parsed.rows]
    assert got == [
        (2, "Testosterone", 310.0, "", date(2024, 1, 5)),
        (2, "Testosterone", 452.0, "", date(2024, 3, 4)),
        (3, "Estradiol", 22.0, "", date(2024, 1, 5)),
        (3, "Estradiol", 38.5, "", date(2024, 3, 4)),
        (3, "Estradiol", 41.0, "H", date(2024, 6, 1)),
    ]
    assert all(r.unit for r in parsed.rows)
    assert (parsed.rows[0].ref_low, parsed.rows[0].ref_high) == (264.0, 916.0)
    assert parsed.problems == []


def test_layout_can_be_forced_and_unknown_layout_is_refused(read) -> None:
    assert read("date_columns.csv", layout="long").rows == []
    with pytest.raises(FileRejected, match="layout"):
        read("date_columns.csv", layout="sideways")


def test_an_unreadable_value_names_its_test_so_an_importer_can_leave_it_out():
    from app.core.labfiles import ReadOptions, read_lab_file

    data = (
        b"MRN,Date,Zinc (ug/dL),Copper (ug/dL)\n"
        b"A-1,2024-03-14,80,95\nA-2,2024-03-14,81,97\nA-3,2024-03-14,82,abc\n"
    )
    parsed = read_lab_file(data, "wide.csv", ReadOptions())
    (problem,) = parsed.problems
    assert problem.column == "Copper (ug/dL)" and problem.test == ("Copper", "", "")
