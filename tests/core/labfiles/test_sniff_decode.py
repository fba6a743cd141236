"""Whole-file checks: refusals, encodings, line endings, format detection."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from app.core.labfiles import FileRejected, ReadOptions, read_lab_file
from app.core.labfiles.sniff import decode, detect_format, line_ending_of

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "empty"),
        ("whitespace_only.csv", "empty"),
        ("header_only.csv", "header row but no data rows"),
        ("workbook.xlsx", "zip archive or an Excel"),
        ("pdf_report.csv", "PDF"),
        ("nul_bytes.csv", "NUL"),
        ("one_column.csv", "single column"),
        ("not_fhir.json", "not a FHIR"),
    ],
)
def test_whole_file_refusals(fixture_bytes, name: str, message: str) -> None:
    with pytest.raises(FileRejected, match=message) as info:
        read_lab_file(fixture_bytes(name), name, ReadOptions(today=TODAY))
    text = str(info.value)
    assert "\n" not in text and text.endswith(".")


def test_file_over_the_size_limit_is_refused_with_advice_to_split(fixture_bytes) -> None:
    data = fixture_bytes("long_utf8_bom.csv")
    with pytest.raises(FileRejected, match="split it"):
        read_lab_file(data, "big.csv", ReadOptions(max_bytes=len(data) - 1))


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("long_utf8_bom.csv", "utf-8-sig"),
        ("long_utf16le_tab.txt", "utf-16-le"),
        ("long_utf16be.csv", "utf-16-be"),
        ("wide_cp1252_micro.csv", "cp1252"),
        ("synthea_v2_like.csv", "utf-8"),
    ],
)
def test_encoding_is_detected_and_recorded(read, name: str, encoding: str) -> None:
    parsed = read(name)
    assert parsed.encoding == encoding
    assert parsed.rows
    assert not parsed.headers[0].startswith("\ufeff")


def test_utf16_without_bom_is_recognised() -> None:
    text = "MRN,Test,Result\nA1,Zinc,85\n"
    decoded = decode(text.encode("utf-16-le"))
    assert decoded.encoding == "utf-16-le"
    assert decoded.text == text


def test_cp1252_micro_sign_survives(read) -> None:
    parsed = read("wide_cp1252_micro.csv")
    assert {row.unit for row in parsed.rows} == {"\u00b5g/dL", "\u00b5g/L"}


def test_forced_encoding_that_does_not_fit_is_refused() -> None:
    with pytest.raises(FileRejected, match="could not be decoded as utf-16"):
        decode(b"abc", "utf-16")


def test_utf32_bom_is_decoded() -> None:
    data = codecs.BOM_UTF32_LE + "MRN,Test\nA,B\n".encode("utf-32-le")
    assert decode(data).encoding == "utf-32-le"


@pytest.mark.parametrize(
    ("name", "ending"),
    [
        ("long_utf8_bom.csv", "LF"),
        ("long_cr_only.csv", "CR"),
        ("long_utf16be.csv", "CRLF"),
        ("oru_batch_sn.hl7", "CR"),
    ],
)
def test_line_endings(read, name: str, ending: str) -> None:
    assert read(name).line_ending == ending


def test_mixed_line_endings_are_named() -> None:
    assert line_ending_of("a\r\nb\nc\r") == "mixed"
    assert line_ending_of("abc") == ""


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("MSH|^~\\&|x", "hl7v2"),
        ("\x0bMSH|^~\\&|x", "hl7v2"),
        ("FHS|^~\\&|x", "hl7v2"),
        ('  {"resourceType": "Bundle"}', "fhir"),
        ("a,b\n1,2\n", "csv"),
    ],
)
def test_format_detection(text: str, kind: str) -> None:
    assert detect_format(text) == kind


def test_xml_is_refused() -> None:
    with pytest.raises(FileRejected, match="XML or HTML"):
        detect_format('<?xml version="1.0"?><Bundle/>')


def test_control_character_soup_is_refused_as_binary() -> None:
    with pytest.raises(FileRejected, match="binary"):
        decode(bytes(range(1, 32)) * 20)


@pytest.mark.parametrize(
    "options",
    [
        ReadOptions(date_order="dym"),
        ReadOptions(delimiter=""),
        ReadOptions(delimiter=";;"),
        ReadOptions(decimal_mark="_"),
    ],
)
def test_invalid_options_are_refused(options: ReadOptions) -> None:
    with pytest.raises(FileRejected):
        read_lab_file(b"MRN,Test,Result,Collected\nA,Zinc,85,2024-03-04\n", "x.csv", options)


def test_forced_delimiter_and_decimal_mark(read) -> None:
    parsed = read("semicolon_decimal_comma.csv", delimiter=";", decimal_mark=".")
    assert parsed.decimal_mark == "."
    # With a decimal point forced, "0,5" is a row problem, never a silent 5.
    assert 2 in [p.line for p in parsed.problems]


@pytest.mark.parametrize(
    ("delimiter", "cells", "mark"),
    [
        (";", ["0,5", "1,250"], ","),
        (";", ["1.250,5"], ","),
        (";", ["1,250.5", "0.5"], "."),
        (";", ["1,250"], ","),  # only ambiguous numbers: ';' files are European
        ("\t", ["1,250", "2,500"], "."),  # ... other files are not
        ("\t", ["0.5", "1,250", "2,100"], "."),
        (";", ["12", "13"], "."),
        (",", ["0,5"], "."),
    ],
)
def test_decimal_mark_evidence(delimiter: str, cells: list[str], mark: str) -> None:
    from app.core.labfiles.csv_sniff import _decimal_mark

    assert _decimal_mark(delimiter, [cells]) == mark
