"""What a newcomer meets before the window opens: system libraries, logs without PHI."""

from __future__ import annotations

import sys

import pytest

from app.cli import main
from app.syscheck import explain_missing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the check is for Linux only")
def test_a_missing_qt_library_is_named_in_one_sentence():
    def without_xcb_cursor(name):
        return None if name == "xcb-cursor" else f"lib{name}.so"

    message = explain_missing("xcb", find=without_xcb_cursor)
    assert message.count("\n") == 0
    assert "libxcb-cursor" in message and "libxcb-cursor0" in message and "apt-get" in message
    assert explain_missing("offscreen", find=without_xcb_cursor) is None
    assert explain_missing("xcb", find=lambda name: f"lib{name}.so") is None


def test_logs_hold_no_patient_identifiers(tmp_path, capsys):
    data = tmp_path / "data"
    demo = tmp_path / "demo.db"
    assert main(["demo", "--patients", "3", "--out", str(demo), "--data-dir", str(data)]) == 0
    assert (
        main(
            [
                "patients",
                "add",
                "--mrn",
                "ZZ-77",
                "--family",
                "Zztestname",
                "--given",
                "Quill",
                "--dob",
                "1961-07-19",
                "--sex",
                "female",
                "--clinic",
                str(demo),
                "--data-dir",
                str(data),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "patients",
                "list",
                "--search",
                "zztest",
                "--clinic",
                str(demo),
                "--data-dir",
                str(data),
            ]
        )
        == 0
    )
    capsys.readouterr()
    log_text = "".join(p.read_text() for p in (data / "logs").glob("*.log*"))
    assert log_text  # the run did log something
    for secret in ("Zztestname", "Quill", "ZZ-77", "1961-07-19"):
        assert secret not in log_text
