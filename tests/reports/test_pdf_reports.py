"""The PDF renderer: content, Unicode, hostile text, byte stability, metadata, paper."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from app.core.report_data import (
    HANDOUT_DISCLAIMER,
    FindingBlock,
    HandoutItem,
    LabRow,
    MonitoringGap,
    ProtocolRow,
    ReportData,
    StackRow,
)
from app.reports import render_pdf

HOSTILE = (
    "<b>Smith & Co</b>",
    '<img src="/etc/passwd">',
    "<tag unclosed",
    '<a href="http://x">x</a>',
)


def _summary(**overrides) -> ReportData:
    fields = dict(
        kind="summary",
        title="Clinician summary",
        subject="Clinician summary for MRN MRN-1001 as of 2026-11-23",
        clinic_name="Riverside Hormone Clinic",
        clinic_address="12 Quay Street\nPortsmouth",
        paper="A4",
        patient_name="Zoë Ångström-Núñez",
        mrn="MRN-1001",
        date_of_birth="1975-06-14",
        sex_at_birth="female",
        age="51",
        generated_at="2026-11-23 09:30",
        generated_by="Dr Ana Reyes",
        kb_version="2026.11.1",
        rules_version="2026.11.1",
        as_of="2026-11-23",
        protocols=("Male testosterone therapy (TRT)",),
        protocol_rows=(ProtocolRow("Testosterone cypionate", "140 mg IM weekly", "2025-06-02"),),
        stack_rows=(StackRow("Zinc", "50 mg/day", "40 mg/day", "125 %", True),),
        lab_rows=(
            LabRow("Estradiol (sensitive)", "<5", "pg/mL", "≤ 39", "L", "2026-10-01", "City Lab"),
            LabRow("Vitamin B12", "310", "pmol/L", "145 – 569", "", "2026-10-01"),
            LabRow("Zinc, serum", "70", "µg/dL", "60 – 120", "", "2026-10-01"),
        ),
        findings=(
            FindingBlock(
                "hematocrit_high_on_trt",
                "Hematocrit over 54 % on testosterone",
                "high",
                "urgent",
                "guideline",
                "Hematocrit 55.2 % is above the 54 % threshold; α and β checked.",
                "Repeat CBC; consider holding the dose.",
                ("Hematocrit: 55.2 % on 2026-10-01", "Rule hematocrit_high_on_trt v1"),
                ("Bhasin S, et al. Testosterone therapy in men. J Clin Endocrinol Metab. 2018.",),
            ),
        ),
        monitoring_gaps=(MonitoringGap("PSA not measured", "No PSA in 12 months.", "Order PSA."),),
    )
    fields.update(overrides)
    return ReportData(**fields)


def _handout(**overrides) -> ReportData:
    fields = dict(
        kind="handout",
        title="Your visit summary",
        handout_items=(HandoutItem("Hematocrit", "Your red blood cell level is high."),),
        clinician_note="Keep drinking water.\nSee you in 6 weeks.",
        discuss=("How you feel after the dose change",),
        disclaimer=HANDOUT_DISCLAIMER,
        findings=(),
        lab_rows=(),
    )
    fields.update(overrides)
    return _summary(**fields)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_summary_prints_identifiers_protocol_labs_findings_and_page_numbers():
    pdf = render_pdf(_summary())
    text = _flat(_text(pdf))
    for expected in (
        "Riverside Hormone Clinic",
        "12 Quay Street",
        "MRN-1001",
        "Testosterone cypionate",
        "140 mg IM weekly",
        "<5",
        "Hematocrit over 54 % on testosterone",
        "Bhasin S, et al.",
        "Repeat CBC",
        "PSA not measured",
        "125 %",
        "Page 1 of",
        "Signature",
        "does not replace clinical judgement",
    ):
        assert expected in text, expected


def test_unicode_survives_the_embedded_font():
    text = _text(render_pdf(_summary()))
    for expected in ("Zoë Ångström-Núñez", "µg/dL", "≤ 39", "α and β"):
        assert expected in text, expected
    assert b"DejaVuSans" in render_pdf(_summary())


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_print_literally_without_links_or_images(hostile):
    data = _summary(
        patient_name=hostile,
        clinic_name=hostile,
        lab_rows=(LabRow(hostile, hostile, hostile, hostile, "", "2026-10-01", hostile),),
        findings=(
            FindingBlock(
                "r",
                hostile,
                "high",
                "urgent",
                "guideline",
                hostile,
                hostile,
                (hostile,),
                (hostile,),
            ),
        ),
    )
    pdf = render_pdf(data)
    text = _flat(_text(pdf))
    assert text.count(_flat(hostile)) >= 5
    assert b"/URI" not in pdf and b"/Annots" not in pdf
    assert b"/Subtype /Image" not in pdf and b"/XObject" not in pdf
    handout = render_pdf(
        _handout(
            patient_name=hostile,
            clinician_note=hostile,
            discuss=(hostile,),
            handout_items=(HandoutItem(hostile, hostile),),
        )
    )
    assert _flat(_text(handout)).count(_flat(hostile)) >= 4
    assert b"/URI" not in handout and b"/XObject" not in handout


def test_equal_data_renders_equal_bytes():
    assert render_pdf(_summary()) == render_pdf(_summary())
    assert render_pdf(_handout()) == render_pdf(_handout())
    assert render_pdf(_summary()) != render_pdf(_summary(mrn="MRN-1002"))


def test_metadata_title_author_subject():
    meta = PdfReader(io.BytesIO(render_pdf(_summary()))).metadata
    assert meta.title == "Clinician summary"
    assert meta.author == "Dr Ana Reyes, Riverside Hormone Clinic"
    assert meta.subject == "Clinician summary for MRN MRN-1001 as of 2026-11-23"


@pytest.mark.parametrize(("paper", "size"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_paper_size(paper, size):
    page = PdfReader(io.BytesIO(render_pdf(_summary(paper=paper)))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size


def test_unknown_paper_or_kind_is_refused():
    with pytest.raises(ValueError):
        render_pdf(_summary(paper="A5"))
    with pytest.raises(ValueError):
        render_pdf(_summary(kind="letter"))


def test_long_summary_numbers_every_page_of_the_total():
    many = tuple(
        LabRow(f"Analyte {i}", str(i), "ng/mL", "1 – 9", "", "2026-10-01") for i in range(120)
    )
    reader = PdfReader(io.BytesIO(render_pdf(_summary(lab_rows=many))))
    total = len(reader.pages)
    assert total >= 3
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {total}" in page.extract_text()


def test_handout_has_only_the_ticked_texts_the_note_and_the_disclaimer():
    data = _handout()
    text = _flat(_text(render_pdf(data)))
    assert "Your red blood cell level is high." in text
    assert "Keep drinking water." in text and "See you in 6 weeks." in text
    assert "How you feel after the dose change" in text
    assert "does not replace, your clinician's judgement" in text
    assert "Hematocrit 55.2 % is above" not in text  # no clinician text
    assert "Bhasin" not in text and "<5" not in text
    assert "Page 1 of 1" in text


def test_handout_uses_larger_type_than_the_summary():
    from app.reports.styles import handout_styles, summary_styles

    assert handout_styles().body.fontSize >= summary_styles().body.fontSize + 3


def test_report_data_is_frozen():
    data = _summary()
    with pytest.raises(AttributeError):
        data.mrn = "x"  # type: ignore[misc]
    assert replace(data, mrn="x").mrn == "x"
