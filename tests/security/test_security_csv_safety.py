"""CSV formula neutralisation (security.md E2, OWASP ASVS 1.2.10)."""

from __future__ import annotations

import csv
import io

import pytest

from app.core.csv_safety import neutralize_cell, neutralize_row


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+41 22 555 0100", "'+41 22 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("\0NUL", "'\0NUL"),
        ("\uff1dcmd", "'\uff1dcmd"),
        ("estradiol", "estradiol"),
        ("<5", "<5"),
        ("a=b", "a=b"),
        ("", ""),
        (" =1+1", " =1+1"),
    ],
)
def test_text_cells(cell, expected):
    assert neutralize_cell(cell) == expected


@pytest.mark.parametrize("value", [-5, -2.5, 0, 3.25, None, True])
def test_numbers_and_none_stay_as_they_are(value):
    assert neutralize_cell(value) is value


def test_quoting_alone_would_keep_the_formula_but_the_prefix_does_not():
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL).writerow(['=HYPERLINK("x")'])
    assert out.getvalue().startswith('"=HYPERLINK')  # quoting does not help
    out = io.StringIO()
    csv.writer(out).writerow(neutralize_row(['=HYPERLINK("x")', -5, "ok"]))
    assert out.getvalue() == '"\'=HYPERLINK(""x"")",-5,ok\r\n'
