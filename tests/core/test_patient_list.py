"""Reading a patient list: the columns exports use, the quirks of their files, and refusals."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.labfiles import FileRejected, NeedsDateOrder
from app.core.patient_list import read_patient_list
from app.core.person_names import split_full_name

TODAY = date(2026, 11, 23)

# Synthea's patients.csv header (its observations name patients by this Id).
SYNTHEA = (
    "Id,BIRTHDATE,DEATHDATE,SSN,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,GENDER,ADDRESS\r\n"
    "7f3c1e2a-0000-4c1d-9e55-0123456789ab,1961-04-02,,999-1,Mr.,Tomas1,Ruiz2,,,M,1 Road\r\n"
    "0a9b8c7d-1111-4e2f-8a66-0123456789ab,1950-02-11,2021-06-30,999-2,Mrs.,Ines3,Ortega4,,,F,2 Lane\r\n"
)


def _read(text: str, encoding: str = "utf-8", **kwargs):
    return read_patient_list(text.encode(encoding), "list.csv", TODAY, **kwargs)


def test_synthea_patient_export_reads_id_first_last_and_death_date():
    listing = _read(SYNTHEA)
    assert listing.columns == {
        "mrn": "Id",
        "date_of_birth": "BIRTHDATE",
        "sex": "GENDER",
        "given_name": "FIRST",
        "family_name": "LAST",
        "date_of_death": "DEATHDATE",
    }
    first, second = listing.patients
    assert (first.mrn, first.family_name, first.given_name) == (
        "7f3c1e2a-0000-4c1d-9e55-0123456789ab",
        "Ruiz2",
        "Tomas1",
    )
    assert first.date_of_birth == date(1961, 4, 2) and first.sex_at_birth == "male"
    assert first.date_of_death is None and first.line == 2
    assert second.sex_at_birth == "female" and second.date_of_death == date(2021, 6, 30)
    assert listing.problems == []


def test_european_export_semicolons_cp1252_dotted_dates_and_one_name_column():
    text = "Patientennr;Name;Geburtsdatum;Geschlecht\nMRN-7;Müller, Jürgen;03.04.1970;m\n"
    with pytest.raises(FileRejected, match="no column for an MRN or patient id"):
        _read(text, "cp1252")  # German headers are not guessed
    text = "MRN;Patient name;DOB;Sex\nMRN-7;Müller, Jürgen;03.04.1970;m\n"
    listing = _read(text, "cp1252")
    (patient,) = listing.patients
    assert listing.encoding == "cp1252"
    assert (patient.family_name, patient.given_name) == ("Müller", "Jürgen")
    assert patient.date_of_birth == date(1970, 4, 3)  # dotted dates are day-first


def test_ambiguous_birth_dates_ask_for_the_order_and_never_guess():
    text = "MRN,Last name,First name,DOB,Sex\nA1,Ng,Lee,03/04/1970,F\nA2,Ng,Kim,05/06/1980,M\n"
    with pytest.raises(NeedsDateOrder):
        _read(text)
    assert _read(text, date_order="mdy").patients[0].date_of_birth == date(1970, 3, 4)
    assert _read(text, date_order="dmy").patients[0].date_of_birth == date(1970, 4, 3)
    # One unambiguous date settles the file.
    decided = _read(text + "A3,Ng,Ana,25/12/1990,F\n")
    assert [p.date_of_birth for p in decided.patients][0] == date(1970, 4, 3)


def test_bad_rows_are_reported_with_line_and_reason_and_the_rest_read():
    text = (
        "MRN,Last name,First name,DOB,Sex\n"
        "A1,Ng,Lee,1970-03-04,F\n"
        "A2,Ng,,1971-01-01,F\n"
        "A3,Ng,Kim,2031-01-01,M\n"
        "A4,Ng,Ana,1990-01-01,X\n"
        "A1,Ng,Lee,1970-03-04,F\n"
        'A5,=HYPERLINK("x"),Bo,1980-01-01,M\n'
        "A6,Ng,Bo\n"
        ",Ng,Jo,1980-01-01,M\n"
        "A7,Ng,Jo,not a date,M\n"
    )
    listing = _read(text)
    assert [p.mrn for p in listing.patients] == ["A1"]
    reasons = {p.line: p.reason for p in listing.problems}
    assert "No full name" in reasons[3]
    assert "in the future" in reasons[4]
    assert "'X' is not a sex" in reasons[5]
    assert "also on line 2" in reasons[6]
    assert "spreadsheet formula" in reasons[7]
    assert "has 3 fields" in reasons[8]
    assert "No MRN" in reasons[9]
    assert "not a date of birth" in reasons[10]
    assert listing.rows_read == 9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("MRN,Last name,First name,DOB,Sex\n", "no data rows"),
        ("Test,Result,Units\nZinc,70,ug/dL\n", "does not look like a patient list"),
        ("MRN,Last name,First name,Sex\nA1,Ng,Lee,F\n", "date of birth"),
        ('{"resourceType": "Bundle"}', "must be a CSV file"),
    ],
)
def test_files_that_are_not_patient_lists_are_refused_with_the_reason(text, message):
    with pytest.raises(FileRejected, match=message):
        _read(text)


def test_full_names_split_into_family_and_given():
    assert split_full_name("Doe, Jane") == ("Doe", "Jane")
    assert split_full_name("DOE^JANE^Q") == ("DOE", "JANE Q")
    assert split_full_name("Jane van Doe") == ("Doe", "Jane van")
