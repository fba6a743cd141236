"""An import batch's stored rows equal what the plain per-row computation gives.

The batch insert builds its rows with ``map``/``zip`` and takes what rows share from a
temporary table (``import_rows.BatchRows``, ``ObservationRepository.add_batch``). The
reference here is the straightforward loop over parsed rows it replaced, on both
insert paths, with conversions, comparators, flags, text results, notes and skipped rows.
"""

from __future__ import annotations

import pytest

from app.core.dedupe import key_from_parts, normal_unit, timestamp_text, value_text
from app.core.labfiles import ResultRows
from app.services import ClinicService
from app.services.importing import Importer
from tests.conftest import TODAY, make_patient

MIXED_CSV = (
    "MRN,Last Name,First Name,DOB,Test,LOINC,Result,Type,Units,Reference Range,Flag,Collected,"
    "Note\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Testosterone Total,2986-8,612,NM,ng/dL,264-916,,"
    "2026-03-02 08:10,\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Testosterone Total,2986-8,21.5,NM,nmol/L,9-32,,"
    "2026-03-09 08:10,fasting\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Estradiol,2243-4,<5,NM,pg/mL,10-42,,2026-03-02 08:10,\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Estradiol,2243-4,> 300,NM,pg/mL,10-42,H,"
    "2026-03-09 08:10,\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Zinc,5763-8,11.2,NM,umol/L,9.2-18.4,,2026-03-02 08:10,\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Zinc,5763-8,70.0,NM,ug/dL,60-120,L,2026-03-09 08:10,"
    "repeat\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Hematocrit,4544-3,52.1 H,NM,%,38.5-50,,"
    "2026-03-02 08:10,\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Zinc,5763-8, Haemolysed ,text,ug/dL,,,"
    "2026-03-16 08:10,\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Glorbulin,,7,NM,mg/dL,,,2026-03-02 08:10,\n"
    "MRN-9999,Ghost,Nobody,1980-01-01,Zinc,5763-8,80,NM,ug/dL,60-120,,2026-03-02 08:10,\n"
    "MRN-1001,Okafor,Samir,1975-06-14,Zinc,5763-8,1e2,NM,ug/dL,60-120,,2026-03-23 08:10,\n"
)
_COLUMNS = (
    "patient_id, analyte_key, collected_at, raw_value, value, comparator, unit, "
    "value_canonical, unit_canonical, lab, source, loinc, ref_low, ref_high, ref_text, flag, "
    "batch_id, note, excluded_reason, value_key, created_by"
)


def _expected(importer: Importer, preview, batch_id: int, user_id: int) -> list[tuple]:
    """The rows the per-row computation writes, in file order, as ``user_id``'s."""
    rows = ResultRows.of(preview.parsed.rows)
    expected = []
    for index, row in enumerate(rows):
        key, patient_id = preview.analyte_keys[index], preview.patient_ids[index]
        if key is None or patient_id is None:
            continue
        value = row.value
        linear = importer.converter.linear(key, row.unit)
        if value is None or linear is None:
            canonical, canonical_unit = None, ""
        else:
            canonical, canonical_unit = value * linear[0] + linear[1], linear[2]
        stamp = timestamp_text(row.collected_at)
        dedupe = key_from_parts(
            value_text(value, row.comparator, row.raw_value), normal_unit(row.unit)
        )
        expected.append(
            (patient_id, key, stamp, row.raw_value, value, row.comparator, row.unit, canonical,
             canonical_unit, row.lab, "csv", row.loinc, row.ref_low, row.ref_high, row.ref_text,
             row.flag, batch_id, row.note, "", dedupe, user_id)
        )  # fmt: skip
    return expected


@pytest.mark.parametrize("bulk", [True, False])
def test_stored_rows_are_the_per_row_computation(tmp_path, kb, bulk):
    service = ClinicService.create(tmp_path / "c.db", name="T", today=lambda: TODAY, knowledge=kb)
    service.create_patient(make_patient())
    service.observations_repo.bulk_from = 1 if bulk else 10**9
    try:
        importer = Importer(service)
        data = MIXED_CSV.encode()
        preview = importer.preview(data, "mixed.csv", importer.read(data, "mixed.csv"))
        result = importer.commit(preview, data)
        expected = _expected(importer, preview, result.batch_id, service.user.id)
        stored = service.database.conn.execute(
            f"SELECT {_COLUMNS} FROM observations ORDER BY id"
        ).fetchall()
        assert stored == expected
        assert (result.imported, result.skipped) == (len(expected), 2)
        # The rows cover what the insert computes: a conversion, a text result (no
        # number, no canonical unit), comparators, a flag from its column, notes.
        assert any(r[7] is not None and r[7] != r[4] for r in stored)
        assert any(r[4] is None and r[8] == "" for r in stored)
        assert {r[5] for r in stored} >= {"<", ">"} and {"H", "L"} <= {r[15] for r in stored}
        assert {"fasting", "repeat"} <= {r[17] for r in stored}
        assert importer.undo(result.batch_id) == len(expected)
        assert service.observations_repo.count() == 0
        temp = service.database.conn.execute("SELECT name FROM temp.sqlite_master").fetchall()
        assert temp == []
    finally:
        service.close()


def test_a_reimport_marks_every_stored_row_a_duplicate_by_its_identity(tmp_path, kb):
    """The preview's identities (built in C) are the stored ones, row for row.

    Rows differing only in spelling (``umol/L`` and ``µmol/L``, ``70.0`` and ``70``, a
    text result's case and spaces) are the same result; rows differing in comparator or
    time are not.
    """
    service = ClinicService.create(tmp_path / "c.db", name="T", today=lambda: TODAY, knowledge=kb)
    service.create_patient(make_patient())
    try:
        importer = Importer(service)
        data = MIXED_CSV.encode()
        first = importer.commit(
            importer.preview(data, "mixed.csv", importer.read(data, "mixed.csv")), data
        )
        respelt = (
            MIXED_CSV.replace("11.2,NM,umol/L", "11.20,NM,µmol/L")
            .replace(",70.0,NM,ug/dL", ",70,NM,ug/dL")
            .replace(" Haemolysed ,", "HAEMOLYSED,")
            .replace(",<5,NM,pg/mL,10-42,,2026-03-02", ",<=5,NM,pg/mL,10-42,,2026-03-02")
            .replace(",1e2,NM,ug/dL,60-120,,2026-03-23", ",1e2,NM,ug/dL,60-120,,2026-03-24")
        )
        again = Importer(service)
        data = respelt.encode()
        preview = again.preview(data, "again.csv", again.read(data, "again.csv"))
        summary = preview.summary()
        assert summary["duplicates"] == first.imported - 2  # the comparator and the day
        assert summary["new"] == 2
    finally:
        service.close()
