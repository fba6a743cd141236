"""The key above the trend chart names every colour a marker can have."""

from __future__ import annotations

import re

from app.ui.trend_colours import STATUS_COLOURS
from app.ui.trend_key import chart_key_html


def test_every_status_colour_is_in_the_key():
    # A result without a range is drawn in the 'unknown' grey; the key said only
    # "excluded (faded)" in grey, so such points read as excluded results.
    html = chart_key_html().lower()
    for status, colour in STATUS_COLOURS.items():
        assert colour.lower() in html, status
    assert "not&nbsp;judged" in html


def test_an_entry_never_breaks_across_lines():
    # Words inside one entry are joined by non-breaking spaces; "protocol" and
    # "target" had wrapped onto two lines.
    entries = re.split(r"&nbsp;&nbsp; ", chart_key_html())
    assert len(entries) >= 9
    for entry in entries:
        assert " " not in re.sub(r"<[^>]*>", "", entry), entry
