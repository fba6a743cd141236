"""Read a patient list (an EHR's or another system's patient export) from CSV bytes.

A clinic starting with Cofactor has its patients in another system, and lab exports
often name patients only by that system's id (Synthea's ``PATIENT`` column holds the
``Id`` of its ``patients.csv``). Reading the list first gives every id a patient, so
the lab file's rows then match by MRN exactly.

The file is decoded and sniffed as lab CSVs are (encoding, delimiter, header row),
columns are recognised by their header names (MRN or id, family and given name or one
name column, date of birth, sex, and a date of death when given), and birth dates are
read with one day/month order for the whole file: when every birth date could be read
both ways, ``NeedsDateOrder`` asks the user. A row that cannot be a patient record is
reported with its line and reason; nothing about a patient is guessed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from app.core.labfiles.columns import guess_roles, normalise_header
from app.core.labfiles.csv_context import SEX
from app.core.labfiles.csv_sniff import sniff_csv
from app.core.labfiles.dates import DateParser, decide_date_order
from app.core.labfiles.model import FileRejected, ReadOptions, RowProblem
from app.core.labfiles.sniff import decode, detect_format
from app.core.labfiles.values import looks_like_formula
from app.core.models import Patient
from app.core.person_names import split_full_name
from app.core.validation import validate_patient

__all__ = ["ListedPatient", "PatientList", "read_patient_list"]

# Headers that name the record's identifier in patient exports besides the MRN names the
# lab reader knows (Synthea writes ``Id``); the lab file refers to the same value.
_ID_HEADERS = ("id", "patient id", "patientid", "person id", "uuid")
_DEATH_HEADERS = ("deathdate", "death date", "date of death", "dod", "deceased date")
# Short name headers of patient exports (Synthea writes ``FIRST`` and ``LAST``).
_NAME_HEADERS = {"last": "family_name", "first": "given_name"}
_SEX_WORDS = {**SEX, "intersex": "intersex", "unknown": "unknown"}
_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ListedPatient:
    """One patient as the list gives them (``line`` is the file's physical line)."""

    line: int
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex_at_birth: str
    date_of_death: date | None = None


@dataclass(slots=True)
class PatientList:
    """What the list holds: its patients, the rows refused, and how it was read."""

    file_name: str
    encoding: str
    delimiter: str
    columns: dict[str, str]
    date_order: str | None
    patients: list[ListedPatient] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.patients) + len({p.line for p in self.problems})


def read_patient_list(
    data: bytes, file_name: str, today: date, date_order: str | None = None
) -> PatientList:
    """Read a patient list.

    Raises:
        FileRejected: The file is not a readable CSV patient list (the reason says why).
        NeedsDateOrder: Every birth date reads both ways; call again with ``date_order``.
    """
    if len(data) > _MAX_BYTES:
        raise FileRejected(
            f"The file is {len(data) // (1024 * 1024)} MB; a patient list over "
            f"{_MAX_BYTES // (1024 * 1024)} MB is refused. Split it and import the parts."
        )
    decoded = decode(data)
    if detect_format(decoded.text) != "csv":
        raise FileRejected(
            "A patient list must be a CSV file (a header row, then a patient a row)."
        )
    shape = sniff_csv(decoded.text, ReadOptions())
    columns = _columns(shape.headers)
    rows = _data_rows(decoded.text, shape.delimiter, shape.header_row)
    # One day/month order for every date of the file, as the lab reader decides it.
    dated = [columns[r] for r in ("date_of_birth", "date_of_death") if r in columns]
    texts = {row[i].strip() for _, row in rows if len(row) == len(shape.headers) for i in dated}
    order = decide_date_order(sorted(t for t in texts if t), date_order)
    parser = DateParser(order, today)
    result = PatientList(
        file_name,
        decoded.encoding,
        shape.delimiter,
        {role: shape.headers[index] for role, index in columns.items()},
        order,
    )
    first_line: dict[str, int] = {}
    for line, row in rows:
        listed = _patient(row, line, columns, shape.headers, parser, today, result.problems)
        if listed is None:
            continue
        earlier = first_line.setdefault(listed.mrn.casefold(), line)
        if earlier != line:
            result.problems.append(
                RowProblem(
                    line,
                    shape.headers[columns["mrn"]],
                    f"MRN {listed.mrn} is also on line {earlier}.",
                )
            )
            continue
        result.patients.append(listed)
    if not result.patients and not result.problems:
        raise FileRejected("The file has a header row but no patients.")
    return result


def _columns(headers: list[str]) -> dict[str, int]:
    """Role -> column, or FileRejected naming what is missing."""
    roles = guess_roles(headers)
    names = [normalise_header(h) for h in headers]
    columns: dict[str, int] = {}
    for role in ("mrn", "source_patient_id"):
        if role in roles:
            columns["mrn"] = roles[role]
            break
    else:
        found = next((i for i, n in enumerate(names) if n in _ID_HEADERS), None)
        if found is not None:
            columns["mrn"] = found
    for role in ("family_name", "given_name", "patient_name", "date_of_birth", "sex"):
        if role in roles:
            columns[role] = roles[role]
    for index, name in enumerate(names):
        role = _NAME_HEADERS.get(name)
        if role and role not in columns:
            columns[role] = index
    death = next((i for i, n in enumerate(names) if n in _DEATH_HEADERS), None)
    if death is not None:
        columns["date_of_death"] = death
    missing = []
    if "mrn" not in columns:
        missing.append("an MRN or patient id")
    if not ({"family_name", "given_name"} <= columns.keys() or "patient_name" in columns):
        missing.append("family and given name (or one patient name column)")
    if "date_of_birth" not in columns:
        missing.append("date of birth")
    if "sex" not in columns:
        missing.append("sex")
    if missing:
        raise FileRejected(
            "This does not look like a patient list: no column for "
            + ", ".join(missing)
            + f" (the header row has: {', '.join(h for h in headers if h)})."
        )
    return columns


def _data_rows(text: str, delimiter: str, header_row: int) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    for index, row in enumerate(reader):
        if index > header_row and any(cell.strip() for cell in row):
            rows.append((reader.line_num, row))
    return rows


def _patient(
    row: list[str],
    line: int,
    columns: dict[str, int],
    headers: list[str],
    parser: DateParser,
    today: date,
    problems: list[RowProblem],
) -> ListedPatient | None:
    """The row as a patient, or None with its problem recorded."""

    def refuse(role: str, reason: str) -> None:
        index = columns.get(role)
        problems.append(RowProblem(line, headers[index] if index is not None else "", reason))

    if len(row) != len(headers):
        refuse("mrn", f"The row has {len(row)} fields; the header has {len(headers)}.")
        return None
    cell = {role: row[index].strip() for role, index in columns.items()}
    for role, text in cell.items():
        if looks_like_formula(text):
            refuse(role, f"{text!r} looks like a spreadsheet formula; the row was not read.")
            return None
    if not cell["mrn"]:
        refuse("mrn", "No MRN or patient id.")
        return None
    family, given = cell.get("family_name", ""), cell.get("given_name", "")
    if not family and not given and "patient_name" in cell:
        family, given = split_full_name(cell["patient_name"])
    if not family or not given:
        refuse("family_name" if not family else "given_name", "No full name (family and given).")
        return None
    born = _day(parser, cell["date_of_birth"])
    if born is None:
        refuse(
            "date_of_birth",
            f"{cell['date_of_birth']!r} is not a date of birth this reader can read.",
        )
        return None
    sex = _SEX_WORDS.get(cell["sex"].lower())
    if sex is None:
        refuse(
            "sex",
            f"{cell['sex']!r} is not a sex this reader knows (M, F, male, female, intersex, U, unknown).",
        )
        return None
    # The checks a patient typed into the form gets (MRN length, birth date), word for word.
    errors = validate_patient(Patient(None, cell["mrn"], family, given, born, sex), today)
    for field_name in ("mrn", "date_of_birth"):
        if field_name in errors:
            refuse(field_name, errors[field_name])
            return None
    died = None
    if cell.get("date_of_death"):
        died = _day(parser, cell["date_of_death"])
        if died is None or died < born or died > today:
            refuse("date_of_death", f"{cell['date_of_death']!r} is not a plausible date of death.")
            return None
    return ListedPatient(line, cell["mrn"], family, given, born, sex, died)


def _day(parser: DateParser, text: str) -> date | None:
    when = parser(text) if text else None
    return when.date() if when is not None else None
