"""The patient handout: plain language, large type, only what the clinician chose."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from app.core.report_data import ReportData
from app.reports.markup import bullets, para
from app.reports.styles import HEADER_FILL, RULE, handout_styles


def handout_story(data: ReportData, width: float) -> list[Flowable]:
    """The flowables of the patient handout, ``width`` points wide."""
    s = handout_styles()
    story: list[Flowable] = [
        para(data.title, s.title),
        para(f"Prepared for {data.patient_name} on {data.generated_at[:10]}", s.body),
        para(f"By {data.generated_by}, {data.clinic_name}", s.small),
    ]
    if data.handout_items:
        story.append(Paragraph("What your results show", s.heading))
        for item in data.handout_items:
            story.append(KeepTogether([para(item.heading, s.subheading), para(item.text, s.body)]))
    if data.clinician_note.strip():
        story += [
            Paragraph("A note from your clinician", s.heading),
            para(data.clinician_note, s.body),
        ]
    if data.discuss:
        story.append(Paragraph("To talk about at your next visit", s.heading))
        story += bullets(data.discuss, s.bullet)
    box = Table([[para(data.disclaimer, s.body)]], colWidths=[width], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), HEADER_FILL),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    story += [Spacer(1, 8 * mm), KeepTogether([box])]
    return story
