"""Fixtures shared by the window tests."""

from __future__ import annotations

import pytest

from tests.conftest import create_encrypted_clinic, sign_in


@pytest.fixture
def encrypted_window(qtbot, tmp_path, kb):
    """The main window over an encrypted clinic on disk, signed in as its administrator,
    shown: ``(window, service)``. The idle lock has a key to let go of and take back."""
    from app.ui.main_window import MainWindow

    path = tmp_path / "clinic.db"
    create_encrypted_clinic(path, kb).close()
    service = sign_in(path, kb)
    main = MainWindow(service)
    qtbot.addWidget(main)
    main.show()
    yield main, service
    main.close()
    service.close()
