"""Import lab files: read, match, preview, then commit all of a batch or none of it.

The three steps are separate so the wizard can show the preview before anything is
written and the CLI can stop at ``--dry-run``. Reading touches no database and may
run on a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from itertools import compress, repeat
from operator import and_, getitem, is_
from pathlib import Path

from app.core.csv_safety import neutralize_row
from app.core.dedupe import timestamp_text
from app.core.importing import (
    NOT_TRACKED,
    AnalyteMatcher,
    FilePatient,
    UnitConverter,
    file_patient,
    mapping_text,
    written_test,
)
from app.core.labfiles import ParsedFile, ReadOptions, ResultRows, read_lab_file
from app.security import roles
from app.services.import_assignments import AssignmentError, assignment_text
from app.services.import_checks import reject_impossible
from app.services.import_model import (
    DUPLICATE,
    NEW,
    REJECTED,
    UNKNOWN_ANALYTE,
    UNMATCHED_PATIENT,
    UNTRACKED_ANALYTE,
    ImportPreview,
    ImportResult,
    NothingToImport,
    apply_profile,
    problems_report,
    profile_settings,
)
from app.services.import_patients import FilePatients
from app.services.import_rows import BatchRows, value_keys
from app.services.suppression_expiry import end_for_new_results
from app.store.database import utc_now
from app.store.imports import BatchImpact, BatchRecord, ImportRepository
from app.store.suppressions import SuppressionRepository

__all__ = [
    "AssignmentError",
    "DUPLICATE",
    "NEW",
    "NOT_TRACKED",
    "REJECTED",
    "UNKNOWN_ANALYTE",
    "UNMATCHED_PATIENT",
    "UNTRACKED_ANALYTE",
    "ImportPreview",
    "ImportResult",
    "Importer",
    "NothingToImport",
    "nothing_to_import_text",
    "apply_profile",
    "problems_report",
    "profile_settings",
]

log = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_SOURCE_OF_FORMAT = {"csv": "csv", "hl7v2": "hl7", "fhir": "fhir"}


class Importer:
    """Import files into one clinic through its ``ClinicService``."""

    def __init__(self, service):
        self._service = service
        self._repo = ImportRepository(service.database)
        self.matcher = AnalyteMatcher(service.knowledge, self._repo.analyte_mappings())
        self.converter = UnitConverter(service.knowledge)
        self.patients = FilePatients(service)
        self._new_mappings: dict[str, str] = {}

    # -- step 1: read (no database) ----------------------------------------------

    def read(
        self,
        data: bytes,
        file_name: str,
        options: ReadOptions | None = None,
        progress: Callable[[float], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> ParsedFile:
        options = options or ReadOptions()
        if options.today is None:
            options.today = self._service.today()
        return read_lab_file(data, file_name, options, progress, is_cancelled)

    def profile_for(self, parsed: ParsedFile) -> tuple[str, dict] | None:
        """A saved import profile whose header fingerprint matches this file."""
        return self._repo.profile_for_fingerprint(parsed.fingerprint)

    def profile_names(self) -> list[str]:
        return self._repo.profile_names()

    def profile(self, name: str) -> dict | None:
        found = self._repo.profile(name)
        return found[1] if found else None

    # -- step 2: preview ----------------------------------------------------------

    def map_analyte(self, text: str, analyte_key: str) -> None:
        """The user's mapping of an unknown analyte text; remembered when committed.

        ``NOT_TRACKED`` says the clinic does not track this test: its rows are left
        out of this import and of every later one (until it is mapped to an analyte).

        Raises:
            KeyError: ``analyte_key`` is no analyte of the knowledge base.
            ValueError: ``NOT_TRACKED`` for a name the knowledge base knows.
        """
        knowledge = self._service.knowledge
        if analyte_key == NOT_TRACKED:
            known = knowledge.analyte_for_name(text)
            if known is not None:
                # The knowledge base's match always wins: the choice would do nothing.
                raise ValueError(
                    f"{text!r} is {known.name} in the knowledge base; its results are always "
                    "imported."
                )
        elif analyte_key not in knowledge.analytes:
            raise KeyError(analyte_key)
        self.matcher.remember(text, analyte_key)
        self._new_mappings[text] = analyte_key

    def assign(self, who: FilePatient, patient_id: int | None) -> None:
        """The user's choice of clinic patient for an unmatched file patient (this import
        only); ``None`` takes it back. The next :meth:`preview` shows its rows as new."""
        self.patients.assignments.assign(who, patient_id)

    def assign_text(self, preview: ImportPreview, spec: str):
        """Apply a ``WHO=MRN`` assignment (``cofactor import --assign``).

        Raises:
            AssignmentError: One line naming the unknown file patient or MRN.
        """
        return self.patients.assignments.assign_text(preview, spec)

    def preview(
        self, data: bytes, file_name: str, parsed: ParsedFile, profile_name: str = ""
    ) -> ImportPreview:
        preview = ImportPreview(
            file_name=file_name,
            sha256=hashlib.sha256(data).hexdigest(),
            size_bytes=len(data),
            parsed=parsed,
            profile_name=profile_name,
        )
        preview.already_imported = self._repo.batches_with_sha(preview.sha256)
        rows = ResultRows.of(parsed.rows)
        # Matching works once per distinct test and visit of the file, not per row.
        test_keys = [self.matcher.match(test) for test in rows.tests]
        convertible = [
            key is not None and self.converter.linear(key, test.unit) is not None
            for key, test in zip(test_keys, rows.tests, strict=True)
        ]
        people = [file_patient(visit) for visit in rows.visits]
        patients = self.patients.resolve(people, preview)
        visit_patients = [patients[who] for who in people]
        # A patient with no stored results cannot have a duplicate in the clinic (the
        # reader already dropped duplicates within the file), so skip building keys.
        with_results = self._repo.patients_with_results({pid for pid in patients.values() if pid})
        # Each row's lists are built by map() over the rows' test and visit ids (in C);
        # only the rows that need a note (unknown analyte, unmatched patient, a unit
        # without a conversion, a patient with results) are visited in Python.
        by_test, by_visit, lines = rows.test_ids, rows.visit_ids, rows.lines
        keys = list(map(test_keys.__getitem__, by_test))
        patient_ids = list(map(visit_patients.__getitem__, by_visit))
        known_patient = [patient_id is not None for patient_id in visit_patients]
        status_of = [
            (UNMATCHED_PATIENT, NEW)
            if key is not None
            else (UNTRACKED_ANALYTE,) * 2
            if self.matcher.not_tracked(test)
            else (UNKNOWN_ANALYTE,) * 2
            for key, test in zip(test_keys, rows.tests, strict=True)
        ]
        statuses = list(
            map(
                getitem,
                map(status_of.__getitem__, by_test),
                map(known_patient.__getitem__, by_visit),
            )
        )
        unknown: dict[str, list[int]] = defaultdict(list)
        untracked: dict[str, list[int]] = defaultdict(list)
        unmatched: dict[FilePatient, list[int]] = defaultdict(list)
        units: dict[tuple[str, str], int] = defaultdict(int)
        tests, values = rows.tests, rows.values
        for index in _rows_where(statuses, UNKNOWN_ANALYTE):
            unknown[mapping_text(tests[by_test[index]])].append(lines[index])
        for index in _rows_where(statuses, UNTRACKED_ANALYTE):
            untracked[mapping_text(tests[by_test[index]])].append(lines[index])
        matched = {mapping_text(t) for t, k in zip(rows.tests, test_keys, strict=True) if k}
        self._sort_value_problems(preview, matched, unknown, untracked)
        # A number in a unit the analyte cannot be converted from (NaN: no number).
        unconverted = [
            key is not None and not ok for key, ok in zip(test_keys, convertible, strict=True)
        ]
        if any(unconverted):
            for index in compress(range(len(rows)), map(unconverted.__getitem__, by_test)):
                if values[index] == values[index]:
                    units[(keys[index], tests[by_test[index]].unit)] += 1
        for index in _rows_where(statuses, UNMATCHED_PATIENT):
            unmatched[people[by_visit[index]]].append(lines[index])
        if preview.assigned_to:
            assigned: dict[FilePatient, list[int]] = defaultdict(list)
            is_assigned = [who in preview.assigned_to for who in people]
            for index in compress(range(len(rows)), map(is_assigned.__getitem__, by_visit)):
                assigned[people[by_visit[index]]].append(lines[index])
            preview.assigned_lines = dict(assigned)
        has_results = [patient_id in with_results for patient_id in visit_patients]
        candidates = array(
            "i",
            compress(
                range(len(rows)),
                map(and_, map(is_, statuses, repeat(NEW)), map(has_results.__getitem__, by_visit)),
            ),
        )  # rows whose patient has results: look their keys up
        self._mark_stored(rows, candidates, statuses, keys, patient_ids)
        preview.statuses, preview.analyte_keys, preview.patient_ids = statuses, keys, patient_ids
        reject_impossible(
            preview,
            rows,
            visit_patients,
            self._service.knowledge,
            self.patients.birth_date,
        )
        preview.unknown_analytes = dict(unknown)
        preview.untracked_analytes = dict(untracked)
        preview.unmatched_patients = dict(unmatched)
        preview.unrecognised_units = dict(units)
        return preview

    def _sort_value_problems(
        self,
        preview: ImportPreview,
        matched: set[str],
        unknown: dict[str, list[int]],
        untracked: dict[str, list[int]],
    ) -> None:
        """Rows whose value could not be read, by their test (an EHR's text answers to a
        questionnaire: 'Never smoker'). A test the clinic does not track leaves them out
        with it, not rejected; an unknown test lists them with its other rows, so it can
        be marked not tracked even when none of its values is a number. A test some read
        row of the file matched (by LOINC, say) keeps them rejected whatever its name.

        ``matched``: the mapping texts of the file's tests that matched an analyte.
        """
        lists = {"unknown": unknown, "untracked": untracked}
        decided: dict[tuple[str, str, str], tuple[str, str]] = {}  # a file has few tests
        for problem in preview.parsed.problems:
            if not any(problem.test):
                continue
            found = decided.get(problem.test)
            if found is None:
                test = written_test(*problem.test)
                text = mapping_text(test)
                if text in matched or self.matcher.match(test) is not None:
                    found = ("rejected", text)
                elif self.matcher.not_tracked(test):
                    found = ("untracked", text)
                else:
                    found = ("unknown", text)
                decided[problem.test] = found
            kind, text = found
            if kind == "untracked":
                preview.untracked_problems.append(problem)
            if kind in lists:
                lists[kind][text].append(problem.line)
        for lines in (*unknown.values(), *untracked.values()):
            lines.sort()

    def _mark_stored(
        self,
        rows: ResultRows,
        candidates: array,
        statuses: list[str],
        keys: list[str | None],
        patient_ids: list[int | None],
    ) -> None:
        """Mark DUPLICATE the ``candidates`` rows the clinic already holds.

        Keys are built and looked up a chunk of rows at a time, so memory follows the
        chunk, neither the file nor the clinic.
        """
        # A visit's rows share its time: each visit's text is made once, lazily.
        stamp_of = _VisitStamps(rows.visits).__getitem__
        for start in range(0, len(candidates), 10_000):
            chunk = candidates[start : start + 10_000]
            pick = _picker(chunk)
            identities = list(
                zip(
                    pick(patient_ids),
                    pick(keys),
                    map(stamp_of, pick(rows.visit_ids)),
                    value_keys(rows, pick),
                    strict=True,
                )
            )
            stored = self._repo.stored_identities(identities)
            if stored:
                for index, identity in zip(chunk, identities, strict=True):
                    if identity in stored:
                        statuses[index] = DUPLICATE

    # -- step 3: commit -------------------------------------------------------------

    def commit(
        self,
        preview: ImportPreview,
        data: bytes,
        *,
        create_patients: bool = False,
        save_profile: tuple[str, dict] | None = None,
    ) -> ImportResult:
        """Write the batch in one transaction: all of its rows or none of them.

        The batch, its results and any mappings it remembers are recorded as the
        signed-in user's.

        The original file is written beside the clinic as ``.part`` inside the
        transaction and renamed only after the commit, so a failed import leaves
        neither rows nor a stray file.

        Raises:
            NothingToImport: No row would be added; no batch is made. Test names the
                user mapped or marked not tracked are remembered all the same (they
                are choices about later files too).
        """
        self._service.session.require(roles.IMPORT_COMMIT, "lab results")
        user_id = self._service.user.id
        if not self.importable_rows(preview, create_patients):
            why = nothing_to_import_text(preview)
            if self._new_mappings:
                remembered = self._remember_mappings_alone(user_id)
                why += (
                    f" The {remembered} test names you mapped or marked not tracked are remembered."
                )
            raise NothingToImport(why)
        stored = self._stored_path(preview)
        pending = stored.with_name(stored.name + ".part") if stored else None
        try:
            result = self._write_batch(
                preview, data, create_patients, user_id, save_profile, stored, pending
            )
        except BaseException:
            if pending is not None:
                pending.unlink(missing_ok=True)
            raise
        if pending is not None and stored is not None:
            pending.replace(stored)
        self._service.session.audit.sync_anchor()
        log.info("import batch %s: %s rows imported", result.batch_id, result.imported)
        return result

    def _write_batch(
        self,
        preview: ImportPreview,
        data: bytes,
        create_patients: bool,
        user_id: int | None,
        save_profile: tuple[str, dict] | None,
        stored: Path | None,
        pending: Path | None,
    ) -> ImportResult:
        service = self._service
        parsed = preview.parsed
        source = _SOURCE_OF_FORMAT.get(parsed.format, "csv")
        with service.database.checkpoint_after(), service.database.transaction():
            batch_id = self._repo.create_batch(
                preview.file_name,
                preview.sha256,
                preview.size_bytes,
                parsed.layout,
                preview.profile_name,
                user_id,
            )
            created = self.patients.create(preview) if create_patients else {}
            rows = ResultRows.of(parsed.rows)
            test_keys = [
                key or self.matcher.match(test)
                for test, key in zip(
                    rows.tests,
                    _first_of_each(rows.test_ids, preview.analyte_keys, len(rows.tests)),
                    strict=True,
                )
            ]
            visit_patients = [
                patient_id or created.get(file_patient(visit))
                for visit, patient_id in zip(
                    rows.visits,
                    _first_of_each(rows.visit_ids, preview.patient_ids, len(rows.visits)),
                    strict=True,
                )
            ]
            records = BatchRows(
                rows,
                test_keys,
                visit_patients,
                self.converter,
                source=source,
                batch_id=batch_id,
                created_at=utc_now(),
                user_id=user_id,
                refused=preview.row_problems,
            )
            imported = service.observations_repo.add_batch(
                records,
                records.offered,
                records.constants,
                records.shared,
                duplicates_expected=DUPLICATE in preview.statuses,
            )
            offered = records.offered
            skipped = records.skipped + len(preview.untracked_problems)
            # Counted among the rows written (not duplicates or rejected ones), and only
            # when the preview saw such a unit: a million-row batch is not read again.
            unconverted = (
                self._repo.unconverted_results(batch_id) if preview.unrecognised_units else 0
            )
            self._end_suppressions(preview, rows, test_keys, visit_patients)
            self._store_mappings(user_id)
            if save_profile:
                self._repo.save_profile(save_profile[0], parsed.fingerprint, save_profile[1])
            if pending is not None:
                pending.parent.mkdir(parents=True, exist_ok=True)
                pending.write_bytes(data)
            # Unreadable rows and rows the preview found impossible (a value below zero).
            rejected = preview.rejected
            self._repo.finish_batch(
                batch_id,
                read=len(parsed.rows) + len(parsed.problems),
                imported=imported,
                duplicate=offered - imported,
                rejected=len(rejected),
                stored_path=str(stored or ""),
                report=problems_report(rejected),
            )
            # One row per patient whose chart the batch wrote to (security.md B1: every
            # access to a patient's data names the patient), then the batch's own.
            # Every offered row was written when none was a duplicate (a first import);
            # else the stored rows say which charts got any.
            charts = (
                records.patient_ids()
                if imported == offered
                else self._repo.batch_patients(batch_id)
            )
            service.session.record_for_patients(
                "import", "lab results", charts, detail=f"batch {batch_id}"
            )
            service.session.record(
                "import",
                "lab results",
                detail=f"batch {batch_id}: {preview.file_name} sha256 {preview.sha256[:16]}; "
                f"{imported} imported, {offered - imported} duplicate, "
                f"{len(rejected)} rejected, {len(created)} patients created"
                + assignment_text(preview),
            )
        return ImportResult(
            batch_id=batch_id,
            imported=imported,
            duplicates=offered - imported,
            rejected=len(rejected),
            skipped=skipped,
            patients_created=len(created),
            stored_path=str(stored or ""),
            unconverted=unconverted,
        )

    def _end_suppressions(self, preview, rows, test_keys, visit_patients) -> None:  # noqa: ANN001
        """New results show again the suppressed findings that read them (same transaction)."""
        suppressed = set(SuppressionRepository(self._service.database).all_active())
        touched = suppressed.intersection(visit_patients)
        if not touched:
            return  # the usual case: one query, no pass over the rows
        changed: dict[int, set[str]] = defaultdict(set)
        statuses = preview.statuses
        for index, (test_id, visit_id) in enumerate(
            zip(rows.test_ids, rows.visit_ids, strict=True)
        ):
            patient_id, key = visit_patients[visit_id], test_keys[test_id]
            if patient_id in touched and key is not None and statuses[index] == NEW:
                changed[patient_id].add(key)
        end_for_new_results(
            self._service, changed, f"new results imported from {preview.file_name}"
        )

    def choices_to_remember(self) -> int:
        """How many test names were mapped or marked not tracked and not yet stored."""
        return len(self._new_mappings)

    def _store_mappings(self, user_id: int | None) -> None:
        for text, analyte_key in self._new_mappings.items():
            self._repo.remember_mapping(text, analyte_key, user_id)

    def _remember_mappings_alone(self, user_id: int | None) -> int:
        """Remember the new mappings when no batch carries them (audited on their own)."""
        detail = "remembered test names: " + "; ".join(
            f"{text} = {key}" for text, key in self._new_mappings.items()
        )
        with self._service.audited_write(
            roles.IMPORT_COMMIT, "update", "import settings", detail=detail
        ):
            self._store_mappings(user_id)
        remembered = len(self._new_mappings)
        self._new_mappings.clear()
        return remembered

    def importable_rows(self, preview: ImportPreview, create_patients: bool) -> int:
        """Rows a commit would add: new ones, plus those of patients it would create."""
        rows = preview.count(NEW)
        if create_patients:
            rows += sum(
                len(lines)
                for who, lines in preview.unmatched_patients.items()
                if not self.patients.why_not_created(who)
            )
        return rows

    def _stored_path(self, preview: ImportPreview) -> Path | None:
        clinic_path = self._service.path
        if clinic_path is None:
            return None
        safe = _SAFE_NAME.sub("_", Path(preview.file_name).name)[-80:]
        stamp = utc_now().replace(":", "").replace("-", "")[:15]
        return clinic_path.parent / "imports" / f"{stamp}-{preview.sha256[:12]}-{safe}"

    # -- batches ---------------------------------------------------------------------

    def batches(self) -> list[BatchRecord]:
        """Every import batch, newest first (undone ones too, marked)."""
        return self._repo.batches()

    def batch(self, batch_id: int) -> BatchRecord | None:
        return self._repo.batch(batch_id)

    def batch_impact(self, batch_id: int) -> BatchImpact:
        """What undoing the batch would remove now: results, patients, later changes."""
        return self._repo.batch_impact(batch_id)

    def batch_report(self, batch_id: int) -> str:
        """The batch's rejected rows as saved when it was imported (tab-separated)."""
        return self._repo.batch_report(batch_id)

    def save_rejected(self, report: str, path: Path, file_name: str) -> None:
        """Write a rejected-rows report (``problems_report``) to ``path``, audited.

        Whoever may import may save what an import refused (the file's own lines, to
        fix them); it is recorded as an export, since a reason can quote a value or a
        birth date. A cell that starts like a spreadsheet formula is neutralised.
        """
        self._service.session.require(roles.IMPORT_COMMIT, "lab results")
        lines = report.split("\n")
        safe = ["\t".join(map(str, neutralize_row(line.split("\t")))) for line in lines]
        Path(path).write_text("\n".join(safe) + "\n", encoding="utf-8")
        self._service.record_event(
            "export",
            "lab results",
            detail=f"{len(lines) - 1} rejected rows of {file_name} to {Path(path).name}",
        )

    def undo(self, batch_id: int) -> int:
        """Remove exactly the batch's results (and their corrections), as the signed-in user.

        Raises:
            KeyError: No such batch.
            ValueError: The batch was undone already (perhaps a moment ago elsewhere).
        """
        self._service.session.require(roles.IMPORT_UNDO, "lab results")  # audited if refused
        refusal = self._undo_refusal(batch_id)
        if refusal is not None:
            raise refusal
        with self._service.database.transaction():
            charts = self._repo.batch_patients(batch_id)
            removed = self._repo.undo_batch(batch_id, self._service.user.id)
            if removed is None:  # undone since the check above, elsewhere: nothing changed
                raise self._undo_refusal(batch_id) or ValueError(f"Batch {batch_id} changed.")
            self._service.session.record_for_patients(
                "delete", "lab results", charts, detail=f"import batch {batch_id} undone"
            )
            self._service.session.record(
                "delete", "lab results", detail=f"import batch {batch_id} undone: {removed} rows"
            )
        self._service.session.audit.sync_anchor()
        return removed

    def _undo_refusal(self, batch_id: int) -> Exception | None:
        """Why the batch cannot be undone (unknown, or undone already), or None."""
        batch = self.batch(batch_id)
        if batch is None:
            return KeyError(f"No import batch {batch_id}")
        if batch.undone_at:
            return ValueError(f"Import batch {batch_id} was already undone on {batch.undone_at}.")
        return None


def _picker(indexes: Sequence[int]) -> Callable[[Sequence], Iterator]:
    """A function giving a per-row column's values at ``indexes``, in order."""
    return lambda column: map(column.__getitem__, indexes)


class _VisitStamps(dict):
    """Visit id -> its collection time as the identity spells it (``timestamp_text``)."""

    def __init__(self, visits: list) -> None:
        super().__init__()
        self._visits = visits

    def __missing__(self, visit_id: int) -> str:
        found = self[visit_id] = timestamp_text(self._visits[visit_id].collected_at)
        return found


def _rows_where(statuses: list[str], status: str) -> Iterator[int]:
    """The indexes of the rows with ``status`` (compared by identity, in C)."""
    return compress(range(len(statuses)), map(is_, statuses, repeat(status)))


def _first_of_each(part_ids, per_row: list, parts: int) -> list:
    """``per_row``'s value at the first row of each part (rows of a part share it)."""
    if len(per_row) != len(part_ids):
        raise ValueError("the preview was made from other rows than it holds")
    # Walked backwards, a part's first row is the last to write it (a dict built in C).
    first = dict(zip(reversed(part_ids), range(len(part_ids) - 1, -1, -1), strict=True))
    return [per_row[first[part]] if part in first else None for part in range(parts)]


def nothing_to_import_text(preview: ImportPreview) -> str:
    """Why a file adds nothing, in counts a clinician recognises; no batch is made."""
    summary = preview.summary()
    parts = [
        f"{summary['duplicates']} already in the clinic" if summary["duplicates"] else "",
        f"{summary['rejected']} rejected" if summary["rejected"] else "",
        f"{summary['unmatched_patient_rows']} for unmatched patients"
        if summary["unmatched_patient_rows"]
        else "",
        f"{summary['unknown_analyte_rows']} with unknown analytes"
        if summary["unknown_analyte_rows"]
        else "",
        f"{summary['untracked_analyte_rows']} of tests the clinic does not track"
        if summary["untracked_analyte_rows"]
        else "",
    ]
    found = ", ".join(p for p in parts if p) or "no results in the file"
    return f"Nothing new to import from {preview.file_name} ({found}); no batch was made."
