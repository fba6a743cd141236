"""Hovering a band's label on the Trends tab names its source as a reader cites it
(authors, title, journal, year, or the lab that printed the range), never a citation key."""

from __future__ import annotations

import re

import pytest

from app.ui.trends_panel import TrendsPanel
from tests.ui.test_trends_panel import trt_patient  # noqa: F401  (fixture)

KEY = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")  # es_2018_testosterone, arup_shbg


@pytest.fixture
def panel(qtbot, service, trt_patient):  # noqa: F811
    widget = TrendsPanel(service)
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show_patient(trt_patient.id)
    widget.set_years(None)
    return widget


def _tips(panel) -> dict[str, str]:
    tips = {}
    for key in panel.chart.lanes:
        for name, item in panel.chart.lanes[key].items():
            if name.endswith("_label"):
                tips[f"{key}.{name}"] = item.toolTip()
    return tips


def test_band_tooltips_cite_readable_sources_not_ids(panel, service):
    tips = _tips(panel)
    target = tips["testosterone_total.target_label"]
    assert target.startswith("Target: Endocrine Society 2018")
    assert "Source: Bhasin S, et al. Testosterone Therapy in Men With Hypogonadism" in target
    # The KB's default range for SHBG cites the lab directory it comes from, by name.
    assert "Source: ARUP Laboratories. Sex Hormone Binding Globulin" in tips["shbg.reference_label"]
    # A range the lab printed with the result names that lab.
    assert "Source: range printed by LabCorp" in tips["hematocrit.reference_label"]
    keys = set(service.knowledge.citations)
    for where, tip in tips.items():
        assert not keys & set(KEY.findall(tip)), (where, tip)
        assert ".toml" not in tip and "Source: \n" not in tip, (where, tip)
        assert all(len(line) <= 90 for line in tip.splitlines()), (where, tip)


def test_a_band_without_a_known_source_says_none(qtbot, service):
    from app.core.series import Band
    from app.ui.trend_chart import TrendChart

    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.citations = service.knowledge.citations
    band = Band("target", 1.0, 2.0, "Target: somewhere", "not_a_listed_key")
    assert chart.band_tooltip(band) == "Target: somewhere"
