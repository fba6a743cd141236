"""Long CSV files: one result per row."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.labfiles import FileRejected, ReadOptions, read_lab_file


def test_long_file_with_every_column(read) -> None:
    parsed = read("long_utf8_bom.csv")
    assert (parsed.format, parsed.layout, parsed.delimiter) == ("csv", "long", ",")
    assert parsed.columns["value"] == "Result"
    assert parsed.columns["collected_at"] == "Collected"
    assert parsed.columns["loinc"] == "LOINC"
    assert parsed.problems == []
    first = parsed.rows[0]
    assert (first.line, first.mrn, first.family_name, first.given_name) == (
        2,
        "A100",
        "Rivera",
        "Sam",
    )
    assert first.date_of_birth == date(1980, 5, 17)
    assert (first.analyte_text, first.loinc, first.value, first.unit) == (
        "Testosterone",
        "2986-8",
        452.0,
        "ng/dL",
    )
    assert (first.ref_low, first.ref_high, first.ref_text) == (264.0, 916.0, "264-916")
    assert first.collected_at == datetime(2024, 3, 4, 8, 15)
    assert first.lab == "North Lab"
    third = parsed.rows[2]
    assert third.flag == "L"
    # A UTC offset is dropped, not converted: the time is the one printed by the lab.
    assert third.collected_at == datetime(2024, 3, 5, 7, 40)


def test_same_content_in_three_encodings_reads_the_same(read) -> None:
    rows = [
        [(r.line, r.analyte_text, r.value, r.collected_at) for r in read(name).rows]
        for name in ("long_utf8_bom.csv", "long_utf16le_tab.txt", "long_utf16be.csv")
    ]
    assert rows[0] == rows[1] == rows[2]


def test_preamble_lines_above_the_header_are_skipped(read) -> None:
    parsed = read("long_preamble.csv")
    assert parsed.header_line == 5
    assert [r.line for r in parsed.rows] == [6, 7]
    assert parsed.problems == []


def test_header_line_can_be_forced(read) -> None:
    parsed = read("long_preamble.csv", header_line=5)
    assert parsed.header_line == 5
    with pytest.raises(FileRejected, match="Line 99"):
        read("long_preamble.csv", header_line=99)


def test_cr_only_line_endings_and_month_first_dates(read) -> None:
    parsed = read("long_cr_only.csv")
    assert parsed.line_ending == "CR"
    assert parsed.date_order == "mdy"
    assert [r.line for r in parsed.rows] == [2, 3, 4]
    assert parsed.rows[2].collected_at == datetime(2018, 7, 27, 14, 5)


def test_semicolons_and_decimal_commas(read) -> None:
    parsed = read("semicolon_decimal_comma.csv")
    assert (parsed.delimiter, parsed.decimal_mark) == (";", ",")
    values = [(r.value, r.comparator) for r in parsed.rows]
    assert values == [(0.5, None), (1250.5, None), (7.5, "<"), (2.05, None)]
    assert (parsed.rows[0].ref_low, parsed.rows[0].ref_high) == (0.6, 1.2)
    # Dotted dates are day-first.
    assert parsed.rows[0].collected_at == datetime(2024, 3, 4)
    assert parsed.rows[2].collected_at == datetime(2024, 3, 25)


def test_pipe_delimiter(read) -> None:
    parsed = read("pipe_delimited.txt")
    assert parsed.delimiter == "|"
    assert [r.value for r in parsed.rows] == [452.0, 35.1]


def test_censored_values(read) -> None:
    parsed = read("censored_values.csv")
    assert parsed.problems == []
    got = {r.analyte_text: (r.comparator, r.value, r.non_result) for r in parsed.rows}
    assert got["Estradiol"] == ("<", 0.5, "")
    assert got["Estradiol b"] == ("<", 0.5, "")
    assert got["Progesterone"] == got["Progesterone b"] == got["Progesterone c"] == ("<=", 3, "")
    assert got["Ferritin"] == (">", 1500.0, "")
    assert got["Ferritin b"] == got["Ferritin c"] == (">=", 2.0, "")
    assert got["PSA"] == ("<", 5.0, "")
    assert got["LH"] == (">", 10.0, "")
    assert got["Testosterone"] == ("<", None, "below_detection")
    assert got["Platelets"] == (None, 1250.0, "")
    assert got["DXA T-score"] == (None, -2.7, "")
    assert got["Z-score"] == (None, 1.5, "")


def test_flags_glued_spaced_and_in_their_own_column(read) -> None:
    parsed = read("flags.csv")
    got = {r.analyte_text: (r.value, r.flag, r.unit) for r in parsed.rows}
    assert got["Hemoglobin"] == (12.3, "H", "")
    assert got["Hematocrit"] == (12.3, "H", "")
    assert got["Ferritin"] == (4.1, "L", "ng/mL")
    assert got["Potassium"] == (6.9, "HH", "mmol/L")
    assert got["Glucose"] == (5.0, "A", "mmol/L")
    assert got["Zinc"] == (7.0, "*", "ug/dL")
    assert got["Testosterone"] == (450.0, "", "ng/dL")
    assert got["Zinc b"] == (12.0, "", "\u00b5g/dL")
    assert got["SHBG"] == (80.0, "H", "nmol/L")


def test_non_results_keep_their_text_and_code(read) -> None:
    parsed = read("non_results.csv")
    assert parsed.problems == []
    got = [(r.raw_value, r.non_result) for r in parsed.rows]
    assert got == [
        ("ND", "not_detected"),
        ("Not detected", "not_detected"),
        ("TNP", "not_performed"),
        ("QNS", "qns"),
        ("Cancelled", "cancelled"),
        ("See comment", "see_comment"),
        ("See note", "see_comment"),
        ("Pending", "pending"),
        ("No Value", "no_value"),
        ("--", "no_value"),
    ]
    assert all(r.value is None for r in parsed.rows)


def test_ragged_rows_are_problems_and_blank_rows_are_skipped(read) -> None:
    parsed = read("ragged_rows.csv")
    assert [r.line for r in parsed.rows] == [2, 6, 8]
    assert [(p.line, p.reason) for p in parsed.problems] == [
        (3, "This row has 3 fields but the header has 5."),
        (4, "This row has 7 fields but the header has 5."),
    ]


def test_formula_cells_are_problems_never_values(read) -> None:
    parsed = read("formula_cells.csv")
    assert [r.analyte_text for r in parsed.rows] == ["DXA T-score", "Ferritin"]
    problems = {p.line: (p.column, p.reason) for p in parsed.problems}
    assert set(problems) == {2, 3, 4, 5, 6}
    assert all("formula" in reason for _, reason in problems.values())
    assert problems[3][0] == "Test"
    assert problems[2][0] == "Result"


def test_row_problems_duplicates_and_future_dates(read) -> None:
    parsed = read("duplicates_future.csv")
    assert [r.line for r in parsed.rows] == [2]
    reasons = {p.line: p.reason for p in parsed.problems}
    assert reasons[3] == "This row is a duplicate of line 2."
    assert reasons[4] == "The date 2031-01-01 is in the future."
    assert reasons[5] == "The value is missing."
    assert reasons[6] == "The row names no analyte or code."
    assert "31/02/2024" in reasons[7]
    assert "'abc' is not a number" in reasons[8]
    assert [p.line for p in parsed.problems] == sorted(p.line for p in parsed.problems)


def test_future_is_judged_against_options_today(read) -> None:
    parsed = read("duplicates_future.csv", today=date(2031, 6, 1))
    assert 4 in [r.line for r in parsed.rows]


def test_synthea_layout_with_text_observations(read) -> None:
    parsed = read("synthea_v2_like.csv")
    assert parsed.columns == {
        "collected_at": "DATE",
        "source_patient_id": "PATIENT",
        "code": "CODE",
        "analyte": "DESCRIPTION",
        "value": "VALUE",
        "unit": "UNITS",
        "value_type": "TYPE",
    }
    testosterone, smoking, height = parsed.rows
    assert testosterone.loinc == "2986-8"
    assert testosterone.source_patient_id.startswith("1d604da9")
    assert (smoking.value, smoking.non_result, smoking.raw_value) == (None, "text", "Never smoker")
    assert height.unit == "cm"


def test_column_map_overrides_the_guess(read) -> None:
    parsed = read("long_utf8_bom.csv", column_map={"lab": "", "note": "Lab"})
    assert "lab" not in parsed.columns
    assert parsed.columns["note"] == "Lab"
    assert parsed.rows[0].lab == ""
    assert parsed.rows[0].note == "North Lab"


def test_column_map_naming_a_missing_header_is_refused(read) -> None:
    with pytest.raises(FileRejected, match="'Nope'"):
        read("long_utf8_bom.csv", column_map={"value": "Nope"})


def test_missing_roles_give_one_problem_and_the_headers(read) -> None:
    parsed = read("long_utf8_bom.csv", column_map={"collected_at": ""})
    assert parsed.rows == []
    assert len(parsed.problems) == 1
    assert parsed.problems[0].line == 1
    assert "collection date" in parsed.problems[0].reason
    assert "MRN" in parsed.headers


def test_default_collection_time_for_files_without_dates(read) -> None:
    when = datetime(2024, 1, 2, 9, 0)
    parsed = read("long_utf8_bom.csv", column_map={"collected_at": ""}, default_collected_at=when)
    assert [r.collected_at for r in parsed.rows] == [when] * 3


def test_fingerprint_depends_on_normalised_headers_only() -> None:
    a = read_lab_file(b"MRN,Test,Result,Collected\nA,Zinc,85,2024-03-04\n", "a.csv")
    b = read_lab_file(b"mrn ; test ; RESULT ; collected\nB;Copper;1;2024-03-05\n", "b.csv")
    c = read_lab_file(b"MRN,Test,Value,Collected\nA,Zinc,85,2024-03-04\n", "c.csv")
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert len(a.fingerprint) == 16


def test_quoted_fields_with_newlines_keep_physical_line_numbers() -> None:
    data = (
        b"MRN,Test,Result,Comment,Collected\n"
        b'A,Zinc,85,"two\nlines",2024-03-04\n'
        b"A,Copper,abc,,2024-03-04\n"
    )
    parsed = read_lab_file(data, "q.csv", ReadOptions(today=date(2025, 1, 1)))
    assert parsed.rows[0].line == 2
    assert parsed.rows[0].note == "two\nlines"
    assert parsed.problems[0].line == 4


def test_decimal_comma_in_a_comma_file_is_a_row_problem() -> None:
    data = b'MRN,Test,Result,Collected\nA,Zinc,"0,5",2024-03-04\n'
    parsed = read_lab_file(data, "q.csv", ReadOptions(today=date(2025, 1, 1)))
    assert parsed.rows == []
    assert "decimal" in parsed.problems[0].reason


def test_duplicates_are_found_when_dates_wait_for_the_file_order() -> None:
    data = (
        b"MRN,Test,Result,Collected\n"
        b"A,Zinc,85,03/04/2024\n"
        b"A,Zinc,85,03/04/2024\n"
        b"A,Zinc,85,04/03/2024\n"
        b"A,Zinc,85,2024-03-04\n"
        b"A,Zinc,85,2024-03-04\n"
    )
    parsed = read_lab_file(data, "d.csv", ReadOptions(today=date(2025, 1, 1), date_order="mdy"))
    assert [r.line for r in parsed.rows] == [2, 4, 5]
    assert [(p.line, p.reason) for p in parsed.problems] == [
        (3, "This row is a duplicate of line 2."),
        (6, "This row is a duplicate of line 5."),
    ]
