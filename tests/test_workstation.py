"""The workstation remembers its clinic; a copied data folder opens its own copy."""

from __future__ import annotations

import shutil

from app.paths import AppPaths
from app.workstation import current_clinic, missing_clinic, remember_clinic


def _paths(root) -> AppPaths:
    return AppPaths(data_dir=root, log_dir=root / "logs")


def test_a_copied_data_folder_opens_its_own_clinic_not_the_original(tmp_path):
    original = tmp_path / "data"
    original.mkdir()
    clinic = original / "riverside.db"
    clinic.write_bytes(b"x")
    remember_clinic(_paths(original), clinic)
    assert current_clinic(_paths(original)) == clinic
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    assert current_clinic(_paths(copy)) == copy / "riverside.db"


def test_a_clinic_outside_the_data_folder_is_remembered_by_its_full_path(tmp_path):
    shared = tmp_path / "shared" / "clinic.db"
    shared.parent.mkdir()
    shared.write_bytes(b"x")
    data = tmp_path / "data"
    remember_clinic(_paths(data), shared)
    assert current_clinic(_paths(data)) == shared.resolve()


def test_a_remembered_clinic_out_of_reach_is_not_replaced_by_a_local_copy(tmp_path):
    # A shared drive not connected, and an old clinic.db in the data folder: opening the
    # local copy would split the clinic.
    data = tmp_path / "data"
    shared = tmp_path / "share" / "clinic.db"
    shared.parent.mkdir()
    shared.write_bytes(b"x")
    remember_clinic(_paths(data), shared)
    (data / "clinic.db").write_bytes(b"stale")
    shared.unlink()
    assert current_clinic(_paths(data)) is None
    assert missing_clinic(_paths(data)) == shared.resolve()
