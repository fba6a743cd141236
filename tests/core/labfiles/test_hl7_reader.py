"""HL7 v2 ORU^R01 messages."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.labfiles import FileRejected, ReadOptions, read_lab_file


def _hl7(*segments: str, end: str = "\r") -> bytes:
    return (end.join(segments) + end).encode()


MSH = "MSH|^~\\&|LAB|SITE|APP|FAC|20240304120000||ORU^R01|1|P|2.5.1"
PID = "PID|1||A100^^^SITE^MR||Rivera^Sam||19800517|M"
OBR = "OBR|1||O1|2986-8^Testosterone^LN|||20240304081500"


def _read(data: bytes):
    return read_lab_file(data, "x.hl7", ReadOptions(today=date(2025, 6, 1)))


def test_batch_with_several_messages(read) -> None:
    parsed = read("oru_batch_sn.hl7")
    assert (parsed.format, parsed.layout, parsed.line_ending) == ("hl7v2", "hl7v2", "CR")
    got = [(r.line, r.analyte_text, r.raw_value, r.value, r.comparator) for r in parsed.rows]
    assert got == [
        (6, "Testosterone", "452", 452.0, None),
        (7, "Estradiol", "<0.5", 0.5, "<"),
        (8, "Glucose", "182", 182.0, None),
        (9, "SHBG", "See comment", None, None),
        (12, "Zinc screen", "Positive", None, None),
        (19, "Ferritin", "12", 12.0, None),
    ]
    first = parsed.rows[0]
    assert (first.mrn, first.family_name, first.given_name, first.sex) == (
        "A100",
        "Rivera",
        "Sam",
        "male",
    )
    assert first.date_of_birth == date(1980, 5, 17)
    assert first.collected_at == datetime(2024, 3, 4, 8, 15)
    assert (first.loinc, first.unit, first.ref_low, first.ref_high) == ("2986-8", "ng/dL", 264, 916)
    assert first.lab == "NORTH LAB"
    glucose = parsed.rows[2]
    assert (glucose.ref_low, glucose.ref_high, glucose.flag) == (70.0, 105.0, "H")
    assert parsed.rows[3].non_result == "see_comment"
    assert parsed.rows[4].non_result == "positive"
    assert parsed.rows[5].family_name == "Okafor"


def test_batch_problems(read) -> None:
    problems = [(p.line, p.column) for p in read("oru_batch_sn.hl7").problems]
    assert problems == [(11, "OBX-11"), (13, "OBX-11"), (14, "MSH-9"), (20, "OBX-5")]


def test_escape_sequences_in_notes_and_names(read) -> None:
    parsed = read("oru_batch_sn.hl7")
    assert parsed.rows[3].note == "Sample & reagent lot 7|B"


def test_crlf_terminators_mllp_framing_and_local_codes(read) -> None:
    parsed = read("oru_crlf_mllp.hl7")
    assert parsed.line_ending == "CRLF"
    (row,) = parsed.rows
    # The coding system is not LN, so the code is kept as a local code.
    assert (row.loinc, row.local_code, row.analyte_text) == ("", "1554-5", "GLUCOSE")
    assert (row.value, row.unit, row.ref_low, row.ref_high) == (182.0, "mg/dl", 70.0, 105.0)
    assert row.collected_at == datetime(2002, 2, 15, 7, 30)
    assert row.lab == "SITE"


def test_lf_terminators_and_obx14_time_when_obr7_is_empty() -> None:
    data = _hl7(
        MSH, PID, "OBR|1||O1", "OBX|1|NM|2986-8^T^LN||452|ng/dL|||||F|||20240304091000", end="\n"
    )
    (row,) = _read(data).rows
    assert row.collected_at == datetime(2024, 3, 4, 9, 10)


def test_sn_ratio_and_range_are_text() -> None:
    data = _hl7(MSH, PID, OBR, "OBX|1|SN|5000-1^Titer^LN||^1^:^128||||||F")
    (row,) = _read(data).rows
    assert (row.raw_value, row.value, row.non_result) == ("1:128", None, "text")


def test_bad_sn_comparator_and_unsupported_type_are_problems() -> None:
    data = _hl7(
        MSH,
        PID,
        OBR,
        "OBX|1|SN|1-8^A^LN||<>^5||||||F",
        "OBX|2|ED|2-6^B^LN||^application^pdf^Base64^AAAA||||||F",
    )
    parsed = _read(data)
    assert parsed.rows == []
    assert [p.column for p in parsed.problems] == ["OBX-5", "OBX-5"]


def test_bad_birth_date_without_an_mrn_and_missing_time_are_problems() -> None:
    data = _hl7(
        MSH,
        "PID|1||||Doe^Jo||19620352|F",
        OBR,
        "OBX|1|NM|1-8^A^LN||5||||||F",
        "MSH|^~\\&|LAB|SITE|APP|FAC|2024||ORU^R01|2|P|2.5.1",
        PID,
        "OBR|1||O2",
        "OBX|1|NM|1-8^A^LN||5||||||F",
    )
    problems = _read(data).problems
    assert [(p.line, p.column) for p in problems] == [(4, "PID-7"), (8, "OBR-7")]


def test_bad_birth_date_with_an_mrn_keeps_the_row_matched_by_mrn_alone() -> None:
    data = _hl7(MSH, "PID|1||A1^^^^MR||Doe^Jo||19620352|F", OBR, "OBX|1|NM|1-8^A^LN||5||||||F")
    parsed = _read(data)
    assert parsed.problems == []
    (row,) = parsed.rows
    assert row.mrn == "A1" and row.date_of_birth is None


def test_future_dates_and_duplicates_are_problems() -> None:
    data = _hl7(
        MSH,
        PID,
        OBR,
        "OBX|1|NM|2986-8^T^LN||452|ng/dL||||F",
        "OBX|2|NM|2986-8^T^LN||452|ng/dL||||F",
        "OBR|2||O2|2986-8^T^LN|||20300101",
        "OBX|1|NM|2986-8^T^LN||452|ng/dL||||F",
    )
    parsed = _read(data)
    assert [r.line for r in parsed.rows] == [4]
    assert [p.reason for p in parsed.problems] == [
        "This row is a duplicate of line 4.",
        "The date 2030-01-01 is in the future.",
    ]


def test_custom_separators_from_msh() -> None:
    data = _hl7(
        "MSH#$~\\&#LAB#SITE#APP#FAC#20240304##ORU$R01#1#P#2.3",
        "PID#1##A1##Doe$Jo",
        "OBR#1##O1#1$X#20240304##20240304",
        "OBX#1#NM#2986-8$Testosterone$LN##452#ng/dL###",
    )
    parsed = _read(data)
    assert parsed.problems == []
    (row,) = parsed.rows
    assert (row.loinc, row.family_name, row.value) == ("2986-8", "Doe", 452.0)


def test_file_without_results_is_refused_as_a_whole() -> None:
    # Not a rejected line 1: no line is wrong, the file has nothing to import.
    with pytest.raises(FileRejected, match="no OBX segments"):
        _read(_hl7(MSH, PID, OBR))


def test_garbage_lines_are_problems_not_crashes() -> None:
    parsed = _read(_hl7(MSH, PID, OBR, "this is not a segment", "OBX|1|NM|1-8^A^LN||5||||||F"))
    assert [r.line for r in parsed.rows] == [5]
    assert parsed.problems[0].line == 4


def test_a_hex_escape_spelling_a_control_character_leaves_it_out() -> None:
    data = _hl7(MSH, PID, OBR, "OBX|1|ST|2986-8^T^LN||pend\\X00\\ing\\X41\\||||||F")
    parsed = _read(data)
    assert [r.raw_value for r in parsed.rows] == ["pendingA"]
