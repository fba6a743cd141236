"""A batch large enough to rebuild the indexes imports exactly what the row-by-row path does."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from app.services import ClinicService
from app.services.importing import DUPLICATE, NEW, Importer
from tests.conftest import TODAY, create_encrypted_clinic, make_patient
from tests.services.test_importing import LONG_CSV

# '11.20' is a normalised duplicate of '11.2' on the line before: the reader keeps both
# (it compares texts as written), the preview calls both new, only the stored dedupe key
# tells them apart.
TODAY_MORNING = datetime.combine(TODAY, time(9, 0))
RESPELT = (
    "MRN,Test,Result,Units,Collected\n"
    "MRN-1001,Zinc,11.2,umol/L,2026-03-02 08:10\n"
    "MRN-1001,Zinc,11.20,umol/L,2026-03-02 08:10\n"
    "MRN-1001,Zinc,12.5,umol/L,2026-05-02 08:10\n"
)


def _clinic(tmp_path, kb, name: str, bulk: bool) -> ClinicService:
    service = ClinicService.create(tmp_path / name, name="T", today=lambda: TODAY, knowledge=kb)
    service.create_patient(make_patient())
    service.observations_repo.bulk_from = 1 if bulk else 10**9
    return service


def _import(service: ClinicService, text: str, name: str = "labs.csv"):
    importer = Importer(service)
    data = text.encode()
    preview = importer.preview(data, name, importer.read(data, name))
    return importer, preview, importer.commit(preview, data)


def _stored(service: ClinicService) -> list[tuple]:
    rows = service.database.conn.execute(
        "SELECT patient_id, analyte_key, collected_at, raw_value, value, comparator, unit, "
        "value_canonical, unit_canonical, lab, source, loinc, ref_low, ref_high, ref_text, "
        "flag, batch_id, note, excluded_reason, value_key FROM observations ORDER BY id"
    )
    return rows.fetchall()


def test_both_paths_store_the_same_rows(tmp_path, kb):
    fast, slow = _clinic(tmp_path, kb, "fast.db", True), _clinic(tmp_path, kb, "slow.db", False)
    try:
        results = [_import(service, LONG_CSV)[2] for service in (fast, slow)]
        assert results[0].imported == results[1].imported == 4
        assert _stored(fast) == _stored(slow)
        assert fast.database.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        fast.close()
        slow.close()


def test_a_normalised_duplicate_in_the_file_is_counted_and_undo_is_exact(tmp_path, kb):
    service = _clinic(tmp_path, kb, "c.db", True)
    try:
        manual = service.record_result(
            service.find_patient("MRN-1001").id, "zinc", "70", "ug/dL", TODAY_MORNING
        )
        # Three rows into a table of one: the fast path, whose unique rebuild finds the
        # respelt duplicate, undoes itself and hands the rows to the row-by-row insert.
        importer, preview, result = _import(service, RESPELT, "respelt.csv")
        assert preview.statuses == [NEW, NEW, NEW]
        assert (result.imported, result.duplicates) == (2, 1)
        assert [o.raw_value for o in service.observations(manual.patient_id)] == [
            "11.2",
            "12.5",
            "70",
        ]
        assert importer.undo(result.batch_id) == 2
        assert service.observations(manual.patient_id) == [manual]
    finally:
        service.close()


def test_an_encrypted_clinic_takes_the_fast_path(tmp_path, kb):
    service = create_encrypted_clinic(tmp_path / "enc.db", kb)
    service.observations_repo.bulk_from = 1
    try:
        _, _, result = _import(service, LONG_CSV)
        assert result.imported == 4
        assert service.database.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [
            r[0]
            for r in service.database.conn.execute(
                "SELECT name FROM sqlite_master WHERE tbl_name = 'observations' "
                "AND type = 'index' AND sql IS NOT NULL ORDER BY name"
            )
        ]
        assert names == ["observations_by_batch", "observations_identity"]
    finally:
        service.close()


@pytest.mark.parametrize("bulk", [True, False])
def test_reimporting_a_file_adds_only_its_new_row_on_either_path(tmp_path, kb, bulk):
    service = _clinic(tmp_path, kb, "r.db", bulk)
    try:
        _import(service, LONG_CSV)
        # The same rows again, plus one new: only the new row is added on either path
        # (a file with nothing new makes no batch at all: test_importing).
        extra = (
            "MRN-1001,Okafor,Samir,1975-06-14,Zinc,5763-8,12.0,umol/L,9.2-18.4,2026-06-02 08:10\n"
        )
        _, preview, again = _import(service, LONG_CSV + extra)
        assert preview.statuses.count(DUPLICATE) == 4
        assert (again.imported, again.duplicates) == (1, 4)
        assert service.observations_repo.count() == 5
    finally:
        service.close()
