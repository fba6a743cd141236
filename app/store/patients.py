"""Patient records: create, update, archive, look up and search."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from app.core.models import Patient, PatientSummary
from app.store.database import ClinicDatabase, utc_now
from app.store.sqlite import IntegrityError, rows_where_in

_SUMMARY_COLUMNS = (
    "p.id, p.mrn, p.family_name, p.given_name, p.date_of_birth, p.sex_at_birth, p.archived"
)
_WORD = re.compile(r"\w+", re.UNICODE)
# A search matching this many patients shows its first matches, not the first by name.
BROAD_MATCH = 5000
_WRITE_COLUMNS = (
    "mrn, family_name, given_name, date_of_birth, sex_at_birth, gender_identity, phone, "
    "email, address, notes, archived, search_text"
)


# A new patient's id is above every id the audit trail names, not only above the stored
# patients' ids (SQLite's choice): after a restore the trail carries over the events of
# patients the restored file does not hold, and the next patient added would otherwise
# be given such a freed id and seem to have that history. Both maxima are index reads.
_NEXT_PATIENT_ID = (
    "(SELECT max(coalesce((SELECT max(id) FROM patients), 0), "
    "coalesce((SELECT max(patient_id) FROM audit_events), 0)) + 1)"
)


# SQLite's NOCASE folds ASCII letters only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class DuplicateMrn(Exception):
    """Another patient already has this medical record number."""


def search_text_for(patient: Patient) -> str:
    """Words a search may start with: names, MRN and the birth date in three spellings."""
    dob = patient.date_of_birth
    return " ".join(
        [
            patient.family_name,
            patient.given_name,
            patient.mrn,
            dob.isoformat(),
            f"{dob.month:02d}/{dob.day:02d}/{dob.year}",
            f"{dob.day:02d}.{dob.month:02d}.{dob.year}",
        ]
    )


def fts_query(text: str) -> str | None:
    """Turn what the user typed into an FTS5 query: every word as a prefix, all required."""
    words = _WORD.findall(text.casefold())
    if not words:
        return None
    return " AND ".join(f'"{word}"*' for word in words)


def _name_key(name: str) -> str:
    """A name as names compare: composed (NFC), trimmed and case-folded."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def _looks_like_mrn(text: str) -> bool:
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def _patient_from_row(row: tuple) -> Patient:
    return Patient(
        id=row[0],
        mrn=row[1],
        family_name=row[2],
        given_name=row[3],
        date_of_birth=date.fromisoformat(row[4]),
        sex_at_birth=row[5],
        gender_identity=row[6],
        phone=row[7],
        email=row[8],
        address=row[9],
        notes=row[10],
        archived=bool(row[11]),
    )


def _summary_from_row(row: tuple) -> PatientSummary:
    return PatientSummary(
        id=row[0],
        mrn=row[1],
        family_name=row[2],
        given_name=row[3],
        date_of_birth=date.fromisoformat(row[4]),
        sex_at_birth=row[5],
        archived=bool(row[6]),
    )


class PatientRepository:
    """The only code that reads or writes the ``patients`` table."""

    _COLUMNS = (
        "id, mrn, family_name, given_name, date_of_birth, sex_at_birth, gender_identity, "
        "phone, email, address, notes, archived"
    )

    def __init__(self, clinic: ClinicDatabase):
        self._clinic = clinic

    @property
    def _conn(self):
        return self._clinic.conn

    @staticmethod
    def _values(patient: Patient) -> tuple:
        """The stored columns of a patient, in ``_WRITE_COLUMNS`` order (names trimmed)."""
        return (
            patient.mrn.strip(),
            patient.family_name.strip(),
            patient.given_name.strip(),
            patient.date_of_birth.isoformat(),
            patient.sex_at_birth,
            patient.gender_identity,
            patient.phone,
            patient.email,
            patient.address,
            patient.notes,
            int(patient.archived),
            search_text_for(patient),
        )

    def add(self, patient: Patient) -> Patient:
        now = utc_now()
        try:
            cursor = self._conn.execute(
                f"INSERT INTO patients (id, {_WRITE_COLUMNS}, created_at, updated_at) "
                f"VALUES ({_NEXT_PATIENT_ID},?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (*self._values(patient), now, now),
            )
        except IntegrityError as exc:
            if "mrn" in str(exc):
                raise DuplicateMrn(patient.mrn) from exc
            raise
        return replace(patient, id=cursor.lastrowid, mrn=patient.mrn.strip())

    def add_many(self, patients: list[Patient]) -> None:
        """Insert patients that already carry their ids (the demo generator's)."""
        now = utc_now()
        self._conn.executemany(
            f"INSERT INTO patients (id, {_WRITE_COLUMNS}, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ((p.id, *self._values(p), now, now) for p in patients),
        )

    def update(self, patient: Patient) -> Patient:
        if patient.id is None:
            raise ValueError("update() needs a saved patient")
        assignments = ", ".join(f"{c.strip()}=?" for c in _WRITE_COLUMNS.split(","))
        try:
            self._conn.execute(
                f"UPDATE patients SET {assignments}, updated_at=? WHERE id=?",
                (*self._values(patient), utc_now(), patient.id),
            )
        except IntegrityError as exc:
            if "mrn" in str(exc):
                raise DuplicateMrn(patient.mrn) from exc
            raise
        return patient

    def get(self, patient_id: int) -> Patient | None:
        row = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM patients WHERE id = ?", (patient_id,)
        ).fetchone()
        return _patient_from_row(row) if row else None

    def by_mrn(self, mrn: str) -> Patient | None:
        row = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM patients WHERE mrn = ?", (mrn.strip(),)
        ).fetchone()
        return _patient_from_row(row) if row else None

    def by_mrns(self, mrns: Iterable[str]) -> dict[str, Patient]:
        """:meth:`by_mrn` for many: each MRN asked for (stripped) -> its patient, if any.

        An import names thousands of patients: one query per few hundred, not per MRN.
        MRNs compare as the column does (NOCASE: ASCII letters in either case).
        """
        wanted: dict[str, list[str]] = {}
        for mrn in {mrn.strip() for mrn in mrns}:
            wanted.setdefault(mrn.translate(_ASCII_LOWER), []).append(mrn)
        found: dict[str, Patient] = {}
        select = f"SELECT {self._COLUMNS} FROM patients WHERE mrn IN"
        for row in rows_where_in(self._conn, select, wanted):
            patient = _patient_from_row(row)
            for mrn in wanted[patient.mrn.translate(_ASCII_LOWER)]:
                found[mrn] = patient
        return found

    def by_name_and_birth_date(self, family: str, given: str, born: date) -> list[Patient]:
        """Patients (archived too) with this family name, given name and date of birth.

        Names compare as Unicode case-folded text in one normal form: "MÜLLER" is
        "Müller" (SQLite's NOCASE folds ASCII letters only), whether the "ü" was typed as
        one character or as "u" and a combining mark. The full-text index, which folds
        case and accents, gives the candidates; each is then compared exactly.
        """
        wanted = (_name_key(family), _name_key(given))
        query = fts_query(" ".join(wanted))
        if query is None:
            return []
        rows = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM patients WHERE date_of_birth = ? AND id IN "
            "(SELECT rowid FROM patients_fts WHERE patients_fts MATCH ?)",
            (born.isoformat(), query),
        )
        return [
            patient
            for patient in map(_patient_from_row, rows)
            if (_name_key(patient.family_name), _name_key(patient.given_name)) == wanted
        ]

    def summaries(self, patient_ids: Iterable[int]) -> dict[int, PatientSummary]:
        """The patients with these ids, archived ones too; ids with no patient are left out."""
        select = f"SELECT {_SUMMARY_COLUMNS} FROM patients p WHERE p.id IN"
        return {
            row[0]: _summary_from_row(row) for row in rows_where_in(self._conn, select, patient_ids)
        }

    def all(self, include_archived: bool = False) -> list[Patient]:
        where = "" if include_archived else " WHERE archived = 0"
        rows = self._conn.execute(f"SELECT {self._COLUMNS} FROM patients{where} ORDER BY id")
        return [_patient_from_row(r) for r in rows]

    def mrn_taken(self, mrn: str, except_id: int | None = None) -> bool:
        row = self._conn.execute(
            "SELECT id FROM patients WHERE mrn = ? AND id IS NOT ?", (mrn.strip(), except_id)
        ).fetchone()
        return row is not None

    def set_archived(self, patient_id: int, archived: bool) -> None:
        self._conn.execute(
            "UPDATE patients SET archived = ?, updated_at = ? WHERE id = ?",
            (int(archived), utc_now(), patient_id),
        )

    def count(self, include_archived: bool = False) -> int:
        where = "" if include_archived else " WHERE archived = 0"
        return self._conn.execute(f"SELECT count(*) FROM patients{where}").fetchone()[0]

    def search(
        self, text: str = "", *, limit: int = 500, include_archived: bool = False
    ) -> list[PatientSummary]:
        """Patients whose name, MRN or birth date words start with each typed word."""
        query = fts_query(text)
        archived = "" if include_archived else "AND p.archived = 0"
        words = _WORD.findall(text.casefold())
        if len(words) == 1 and len(words[0]) == 1 and words[0].isalpha():
            # One letter: family names starting with it, read in order from the name
            # index (a prefix query would sort a tenth of the clinic to show 500).
            letter = words[0]
            sql = (
                f"SELECT {_SUMMARY_COLUMNS} FROM patients p WHERE p.family_name >= ? "
                f"COLLATE NOCASE AND p.family_name < ? COLLATE NOCASE {archived} "
                "ORDER BY p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE LIMIT ?"
            )
            rows = self._conn.execute(sql, (letter, chr(ord(letter) + 1), limit))
            return [_summary_from_row(r) for r in rows]
        typed = text.strip()
        if typed and " " not in typed and _looks_like_mrn(typed):
            return self._search_mrn_or_name(typed, words, limit, archived)
        if query is None:
            sql = (
                f"SELECT {_SUMMARY_COLUMNS} FROM patients p WHERE 1 {archived} "
                "ORDER BY p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE LIMIT ?"
            )
            return [_summary_from_row(r) for r in self._conn.execute(sql, (limit,))]
        return self._word_matches(query, limit, archived)

    def _search_mrn_or_name(
        self, typed: str, words: list[str], limit: int, archived: str
    ) -> list[PatientSummary]:
        """One word of letters and digits: an MRN being typed, or a name such as "Smith2".

        MRN matches come first, in MRN order, read from the MRN index from the typed
        prefix (stops at ``limit``). After them, in name order, the patients whose words
        start with the typed words but whose MRN does not (a name with digits, as in
        Synthea exports: "Aaron697"). Those are looked for only when every typed word
        has a letter: "DEMO-0421" has a word of digits alone, which is part of an MRN
        or a date and no name's, and a full-text query for it costs milliseconds a key.
        """
        bounds = (typed, typed + "\U0010ffff")
        others: list[PatientSummary] = []
        if all(any(c.isalpha() for c in word) for word in words):
            others = self._word_matches(
                fts_query(typed),
                limit,
                archived,
                "WHERE NOT (mrn >= ? COLLATE NOCASE AND mrn < ? COLLATE NOCASE)",
                bounds,
            )
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM patients p WHERE p.mrn >= ? COLLATE NOCASE "
            f"AND p.mrn < ? COLLATE NOCASE {archived} ORDER BY p.mrn COLLATE NOCASE LIMIT ?"
        )
        # The name matches always fit: an MRN prefix can match thousands, a name few.
        by_mrn = self._conn.execute(sql, (*bounds, max(limit - len(others), 0)))
        return [_summary_from_row(r) for r in by_mrn] + others

    def _word_matches(
        self, query: str, limit: int, archived: str, keep: str = "", params: tuple = ()
    ) -> list[PatientSummary]:
        """Full-text matches of ``query`` in name order; ``keep`` filters them further."""
        matches = (
            f"SELECT {_SUMMARY_COLUMNS} FROM patients_fts f JOIN patients p ON p.id = f.rowid "
            f"WHERE patients_fts MATCH ? {archived}"
        )
        values: tuple = (query, *params, limit)
        if self._matches_at_least(query, BROAD_MATCH):
            # A word most of the clinic matches ("19" on the way to a birth year):
            # putting every match in name order cost 40-80 ms a keystroke. Take the
            # first matches in record order and show those in name order; the list
            # says only 500 are shown, and the next keystroke narrows it. ``keep``
            # filters the first BROAD_MATCH (about 1 ms more than 500): filtering
            # every match could read the whole clinic when ``keep`` refuses most.
            matches += " LIMIT ?"
            values = (query, BROAD_MATCH if keep else limit, *params, limit)
        sql = (
            f"SELECT * FROM ({matches}) {keep} "
            "ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE LIMIT ?"
        )
        return [_summary_from_row(r) for r in self._conn.execute(sql, values)]

    def _matches_at_least(self, query: str, count: int) -> bool:
        """True when ``query`` matches ``count`` or more patients (stops counting there)."""
        sql = "SELECT count(*) FROM (SELECT 1 FROM patients_fts WHERE patients_fts MATCH ? LIMIT ?)"
        return self._conn.execute(sql, (query, count)).fetchone()[0] >= count
