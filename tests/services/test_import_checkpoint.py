"""An import's commit returns without copying the log into the file; a thread does that."""

from __future__ import annotations

from app.services import ClinicService
from app.services.importing import Importer
from app.store.database import ClinicDatabase
from tests.conftest import TODAY, make_patient

LABS = "MRN,Test,Result,Units,Collected\n" + "".join(
    f"MRN-1001,Zinc,{60 + n % 40},ug/dL,2026-03-{1 + n % 28:02d} {8 + n // 28:02d}:{n % 60:02d}\n"
    for n in range(300)
)


def test_the_commit_leaves_the_copy_to_a_thread_and_the_copy_happens(tmp_path, kb, monkeypatch):
    path = tmp_path / "c.db"
    service = ClinicService.create(path, name="T", today=lambda: TODAY, knowledge=kb)
    service.create_patient(make_patient())
    conn = service.database.conn
    conn.execute("PRAGMA wal_autocheckpoint = 1")  # any commit would copy the log at once
    copy = ClinicDatabase._checkpoint
    started: list[ClinicDatabase] = []
    monkeypatch.setattr(ClinicDatabase, "_checkpoint", lambda self: started.append(self))
    importer = Importer(service)
    data = LABS.encode()
    preview = importer.preview(data, "labs.csv", importer.read(data, "labs.csv"))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    file_size = path.stat().st_size

    assert importer.commit(preview, data).imported == 300
    service.database.wait_checkpoint()
    assert started == [service.database]
    assert path.stat().st_size == file_size  # the rows are in the synced log only
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1  # as it was

    copy(service.database)  # what the thread does
    assert path.stat().st_size > file_size
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and frames == copied
    assert service.observations_repo.count() == 300
    service.close()
