"""Sample ids: analyzer exports that number their tubes but name no patient."""

from __future__ import annotations

from collections import Counter

from app.core.labfiles import ReadOptions, read_lab_file
from app.core.labfiles.columns import guess_roles


def test_sample_headers_are_recognised() -> None:
    for header in ("Sample ID", "Sample No", "Specimen ID", "Accession", "Accession #"):
        assert guess_roles(["Test", "Result", header]) == {
            "analyte": 0,
            "value": 1,
            "sample_id": 2,
        }, header


def test_each_row_keeps_its_sample_id(read) -> None:
    parsed = read("analyzer_samples_no_patient.csv")
    assert parsed.columns["sample_id"] == "Sample ID"
    assert parsed.problems == []
    assert Counter(row.sample_id for row in parsed.rows) == {"S-501": 3, "S-502": 2, "": 1}
    assert all(not row.mrn and not row.source_patient_id for row in parsed.rows)


def test_the_same_result_in_two_samples_is_not_a_duplicate() -> None:
    data = (
        b"Sample ID,Test,Result,Units,Collected\n"
        b"S1,Zinc,80,ug/dL,2024-03-14 09:00\n"
        b"S2,Zinc,80,ug/dL,2024-03-14 09:00\n"
        b"S2,Zinc,80,ug/dL,2024-03-14 09:00\n"
    )
    parsed = read_lab_file(data, "two.csv", ReadOptions())
    assert [row.sample_id for row in parsed.rows] == ["S1", "S2"]
    assert [p.line for p in parsed.problems] == [4]  # the same sample twice is a duplicate


def test_a_wide_file_keeps_the_sample_id_too() -> None:
    data = b"Sample No,Date,Zinc (ug/dL),Copper (ug/dL)\nA7,2024-03-14,80,95\n"
    parsed = read_lab_file(data, "wide.csv", ReadOptions())
    assert parsed.layout == "wide"
    assert {row.sample_id for row in parsed.rows} == {"A7"}


def test_an_order_id_numbers_the_samples_when_no_sample_column_does() -> None:
    """An analyzer export naming each tube only by its order (``order_id``, QC material
    included) lists each order apart, not all of them as one unidentified patient."""
    data = (
        b"order_id,test_name,result_concentration,std_unit,Collected\n"
        b"000003R0,Magnesium,0.74,mmol/L,2024-03-14 09:00\n"
        b"ISE,Magnesium,1.80,mmol/L,2024-03-14 09:05\n"
        b"PCCC1,Magnesium,0.95,mmol/L,2024-03-14 09:10\n"
    )
    parsed = read_lab_file(data, "analyzer.csv", ReadOptions())
    assert parsed.columns["sample_id"] == "order_id"
    assert [row.sample_id for row in parsed.rows] == ["000003R0", "ISE", "PCCC1"]


def test_a_sample_column_wins_over_an_order_column_wherever_it_stands() -> None:
    assert guess_roles(["Order ID", "Test", "Result", "Sample ID"])["sample_id"] == 3
    assert guess_roles(["Order No", "Test", "Result"])["sample_id"] == 0
