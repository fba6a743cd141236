"""The clinician summary: identifiers, protocol, stack, latest labs, findings, gaps, signature."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from app.core.report_data import FindingBlock, ReportData
from app.reports.charts import ChartRow, trend_chart_flowables
from app.reports.markup import bullets, esc, para
from app.reports.styles import SEVERITY_COLOURS, Styles, grid_style, summary_styles


def summary_story(data: ReportData, width: float) -> list[Flowable]:
    """The flowables of the clinician summary, ``width`` points wide."""
    s = summary_styles()
    story: list[Flowable] = [para(data.title, s.title), _identifiers(data, s, width)]
    story += _protocol(data, s, width)
    story += _stack(data, s, width)
    story += _labs(data, s, width)
    charts = trend_chart_flowables(data, width)
    if charts:
        # The heading, key and protocol lane stay with the first row of charts.
        first = next((i for i, f in enumerate(charts) if isinstance(f, ChartRow)), len(charts))
        story.append(KeepTogether([Paragraph("Trends", s.heading), *charts[: first + 1]]))
        story += charts[first + 1 :]
    story += _findings(data, s)
    story += _ending(data, s, width)
    return story


def _ending(data: ReportData, s: Styles, width: float) -> list[Flowable]:
    """The monitoring gaps, the disclaimer and the signature block, never the block alone.

    The signature kept together only with itself, so a page break before it left
    "Reviewed by / Signature / Date" alone on a last page. It now moves with the
    disclaimer and the last monitoring gap (and the gaps' heading when that gap is
    its only one).
    """
    gaps = _gaps(data, s)
    keep = 2 if len(gaps) == 2 else 1
    return [*gaps[:-keep], KeepTogether([*gaps[-keep:], *_closing(data, s, width)])]


def _table(header: list[str], rows: list[list[str]], s: Styles, widths, over=()) -> Table:
    cells = [[para(h, s.cell_head) for h in header]]
    cells += [[para(value, s.cell) for value in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(grid_style(over_rows=tuple(over)))
    return table


def _identifiers(data: ReportData, s: Styles, width: float) -> Table:
    pairs = [
        ("Patient", data.patient_name, "MRN", data.mrn),
        (
            "Date of birth",
            f"{data.date_of_birth} (age {data.age})",
            "Sex at birth",
            data.sex_at_birth,
        ),
        ("Evaluated as of", data.as_of, "Generated", f"{data.generated_at} by {data.generated_by}"),
        (
            "Knowledge base",
            data.kb_version,
            "Rules",
            data.rules_version,
        ),
    ]
    cells = [
        [para(a, s.cell_head), para(b, s.cell), para(c, s.cell_head), para(d, s.cell)]
        for a, b, c, d in pairs
    ]
    table = Table(cells, colWidths=[0.17 * width, 0.33 * width, 0.15 * width, 0.35 * width])
    style = grid_style()
    style.add("BACKGROUND", (0, 0), (-1, 0), None)
    table.setStyle(style)
    return table


def _protocol(data: ReportData, s: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Active protocol", s.heading)]
    names = ", ".join(data.protocols) if data.protocols else "No protocol detected"
    out.append(para(names, s.body, label="Protocol:"))
    if not data.protocol_rows:
        out.append(para("No active hormone or medication on the evaluation date.", s.note))
        return out
    rows = [[r.substance, r.dose, r.started, r.last_change or "—"] for r in data.protocol_rows]
    out.append(
        _table(
            ["Hormone / medication", "Dose", "Started", "Last dose change"],
            rows,
            s,
            [0.38 * width, 0.3 * width, 0.16 * width, 0.16 * width],
        )
    )
    return out


def _stack(data: ReportData, s: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Supplement stack", s.heading)]
    if not data.stack_rows:
        out.append(para("No supplements recorded as active.", s.note))
        return out
    rows = [
        [r.nutrient, r.daily, r.upper_limit, r.percent_of_limit, r.note] for r in data.stack_rows
    ]
    over = [i + 1 for i, r in enumerate(data.stack_rows) if r.over_limit]
    out.append(
        _table(
            ["Nutrient", "Summed daily intake", "Upper limit (adult)", "% of limit", "Note"],
            rows,
            s,
            [0.22 * width, 0.2 * width, 0.2 * width, 0.12 * width, 0.26 * width],
            over,
        )
    )
    if over:
        out.append(para("Shaded rows are above the tolerable upper intake level.", s.small))
    return out


def _labs(data: ReportData, s: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(40 * mm), Paragraph("Latest results", s.heading)]
    if not data.lab_rows:
        out.append(para("No results recorded.", s.note))
        return out
    rows = [
        [
            r.analyte,
            r.value,
            r.unit,
            f"{r.range_text} *" if r.range_from_kb else r.range_text,
            f"{r.flag} *" if r.flag_computed else r.flag,
            r.collected,
            r.lab,
        ]
        for r in data.lab_rows
    ]
    out.append(
        _table(
            ["Analyte", "Result", "Unit", "Reference range", "Flag", "Collected", "Lab"],
            rows,
            s,
            [w * width for w in (0.23, 0.09, 0.09, 0.17, 0.06, 0.12, 0.24)],
        )
    )
    note = "Results are printed as the lab reported them; censored values (<, >) as written."
    if any(r.range_from_kb for r in data.lab_rows):
        note += (
            " A range marked * is the knowledge base's default for the patient's sex and age,"
            " converted to the result's unit, because the lab printed none."
        )
    if any(r.flag_computed for r in data.lab_rows):
        note += " A flag marked * was worked out against the range shown; the lab sent none."
    out.append(para(note, s.small))
    return out


def _finding(block: FindingBlock, s: Styles) -> list[Flowable]:
    colour = SEVERITY_COLOURS.get(block.severity, SEVERITY_COLOURS["info"]).hexval()[2:]
    head = f"<font color='#{colour}'>[{esc(block.severity.upper())}]</font> {esc(block.title)}"
    parts: list[Flowable] = [
        Paragraph(head, s.subheading),
        para(
            f"Status: {block.status} · Severity: {block.severity} · Evidence: {block.evidence}",
            s.small,
        ),
    ]
    if block.suppressed_note:
        parts.append(para(block.suppressed_note, s.note))
    parts.append(para(block.clinician_text, s.body))
    if block.next_step:
        parts.append(para(block.next_step, s.body, label="Next step:"))
    if block.trace_lines:
        parts.append(para("Why this fired:", s.small))
        parts += bullets(block.trace_lines, s.bullet_small)
    if block.citations:
        parts.append(para("Sources:", s.small))
        parts += [
            Paragraph(esc(c), s.bullet_small, bulletText=f"{i}.")
            for i, c in enumerate(block.citations, start=1)
        ]
    return [KeepTogether(parts[:4]), *parts[4:]]


def _findings(data: ReportData, s: Styles) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), Paragraph("Findings", s.heading)]
    if not data.findings:
        out.append(para("No findings on the evaluation date.", s.note))
    for block in data.findings:
        out += _finding(block, s)
    return out


def _gaps(data: ReportData, s: Styles) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Monitoring gaps", s.heading)]
    if not data.monitoring_gaps:
        out.append(para("None: the protocol's monitoring schedule is up to date.", s.note))
        return out
    for gap in data.monitoring_gaps:
        text = gap.detail + (f" Next: {gap.next_step}" if gap.next_step else "")
        out.append(Paragraph(f"<b>{esc(gap.title)}</b> — {esc(text)}", s.bullet, bulletText="•"))
    return out


def _closing(data: ReportData, s: Styles, width: float) -> list[Flowable]:
    line = "_" * 34
    signature = Table(
        [
            [para("Reviewed by", s.small), para("Signature", s.small), para("Date", s.small)],
            [para(line, s.body), para(line, s.body), para("_" * 16, s.body)],
        ],
        colWidths=[0.38 * width, 0.38 * width, 0.24 * width],
        hAlign="LEFT",
    )
    return [
        Spacer(1, 6 * mm),
        para(data.disclaimer, s.note),
        Spacer(1, 8 * mm),
        signature,
    ]
