"""Read the two CSV layouts with many results per row: wide and date columns.

Wide: one sample per row, one analyte per column (analyzer exports, ``Zinc (ug/dL)``).
Date columns: one analyte per row, one collection date per column (flowsheets).
A blank cell means "not measured" in both, so it is skipped without a problem.
"""

from __future__ import annotations

from typing import Any

from .columns import split_header_unit
from .csv_context import LOINC_CODE, CsvContext, WideColumn, parse_cell
from .finish import Ticker
from .model import RowProblem

__all__ = ["read_date_columns", "read_wide"]


def _rows(ctx: CsvContext, reader: Any, ticker: Ticker):
    """Yield ``(line, padded row)`` for each readable row, with progress and cancellation."""
    last = reader.line_num
    for count, row in enumerate(reader, start=1):
        line = last + 1
        last = reader.line_num
        if count >= ticker.next_at:
            ticker.tick(count, last / max(ctx.total_lines, 1))
        padded = ctx.ragged(row, line)
        if padded is None or (ctx.check_formulas and ctx.formula_cell(padded, line)):
            continue
        yield line, padded


def _add(
    ctx: CsvContext,
    line: int,
    row: list[str],
    analyte: str,
    codes: tuple[str, str],
    column: str,
    cell: str,
    unit: str,
    ref_text: str,
    date_text: str,
) -> None:
    """Parse one result cell and append it (or a problem) to ``ctx``."""
    try:
        value, comparator, flag, cell_unit, non_result = parse_cell(cell, ctx.decimal_mark)
    except ValueError as exc:
        ctx.problems.append(RowProblem(line, column, str(exc), (analyte, *codes)))
        return
    mrn, pid, family, given, sex = ctx.patient(row)
    sample = row[ctx.index("sample_id")].strip()
    raw = cell.strip()
    unit = cell_unit or unit
    key = (mrn, pid, family, given, analyte, codes[0], codes[1], date_text, raw, unit, sample)
    if ctx.duplicate_of(key, line):
        return
    low, high = ctx.ref_range(ref_text) if ref_text else (None, None)
    ctx.rows.add(
        line,
        mrn,
        pid,
        family,
        given,
        None,
        sex,
        analyte,
        codes[0],
        codes[1],
        raw,
        value,
        comparator,
        flag,
        non_result,
        unit,
        ctx.scale(unit) if unit else "",
        low,
        high,
        ref_text,
        ctx.default_collected_at if "collected_at" not in ctx.roles else None,
        row[ctx.index("lab")].strip(),
        row[ctx.index("note")].strip(),
        sample,
    )
    # These layouts are never large: every date waits for the file-wide order.
    no_date = "collected_at" not in ctx.roles and ctx.default_collected_at is not None
    dob_text = row[ctx.index("date_of_birth")].strip()
    ctx.pending.append((len(ctx.rows) - 1, None if no_date else date_text, dob_text or None))


def read_wide(ctx: CsvContext, reader: Any, ticker: Ticker, columns: list[WideColumn]) -> None:
    """Read one sample per row, one analyte per column."""
    for line, row in _rows(ctx, reader, ticker):
        date_text = ctx.collected_text(row)
        for col in columns:
            cell = row[col.index]
            if cell.strip():
                unit = row[col.unit_index].strip() if col.unit_index >= 0 else col.unit
                column = ctx.headers[col.index]
                _add(ctx, line, row, col.name, ("", ""), column, cell, unit, "", date_text)


def read_date_columns(
    ctx: CsvContext,
    reader: Any,
    ticker: Ticker,
    analyte_index: int,
    date_columns: list[tuple[int, str]],
) -> None:
    """Read one analyte per row, one collection date per column (the dates are headers)."""
    analyte_unit = ctx.header_units[analyte_index]
    for line, row in _rows(ctx, reader, ticker):
        cells = [(i, d, row[i]) for i, d in date_columns if row[i].strip()]
        if not cells:
            continue  # a section title such as "Chemistry" with no results
        code = row[ctx.index("code")].strip() or row[ctx.index("loinc")].strip()
        codes = (code, "") if LOINC_CODE.match(code) else ("", code)
        analyte, name_unit = split_header_unit(row[analyte_index].strip())
        if not analyte and not code:
            ctx.problems.append(RowProblem(line, "", "The row names no analyte or code."))
            continue
        unit = row[ctx.index("unit")].strip() or name_unit or analyte_unit
        ref_text = row[ctx.index("ref_range")].strip()
        for index, date_text, cell in cells:
            column = ctx.headers[index]
            _add(ctx, line, row, analyte, codes, column, cell, unit, ref_text, date_text)
