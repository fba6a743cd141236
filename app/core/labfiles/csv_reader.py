"""Read a decoded CSV lab file: find its shape and layout, then hand rows to the loops."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta

from .columns import guess_roles, header_fingerprint, normalise_header, split_header_unit
from .csv_context import CsvContext, WideColumn, csv_rejected, formula_scan, text_lines
from .csv_layouts import read_date_columns, read_wide
from .csv_long import read_long
from .csv_sniff import CsvShape, sniff_csv
from .csv_split import context_fields, read_long_in_two, tail_worker, worth_a_worker
from .dates import looks_like_date
from .finish import Ticker, finish, resolve_pending
from .model import FileRejected, ParsedFile, ReadOptions, RowProblem
from .values import looks_like_unit, parse_value_text

__all__ = ["read_csv"]

# Numeric columns that describe the sample or the run, not a result.
_NOT_ANALYTE = re.compile(
    r"\b(?:no|nr|number|num|id|pos|position|rack|tube|seq|sequence|customer|lot|serial|"
    r"dilution|sample|order|accession|age|instrument|run|batch|plate|well|rlu|encounter|"
    r"visit|page|row|line|year|month|day|code|cost|price|amount|zip|postcode|lat|latitude|"
    r"lon|longitude|phone|quantity|qty|payer|claim)\b"
)
_LAYOUTS = ("long", "wide", "date_columns")


def _choose_layout(headers: list[str], roles: dict[str, int], options: ReadOptions) -> str:
    """Pick long, wide or date columns from the roles found (or the forced layout)."""
    if options.layout:
        if options.layout not in _LAYOUTS:
            raise FileRejected(f"{options.layout!r} is not a CSV layout this reader knows.")
        return options.layout
    taken = set(roles.values())
    if "value" not in roles and any(
        i not in taken and looks_like_date(h) for i, h in enumerate(headers)
    ):
        return "date_columns"
    if "value" in roles or {"analyte", "code", "loinc"} & roles.keys():
        # An analyte column without a value column is a long file missing a role, not wide.
        return "long"
    return "wide"


def _mostly_results(cells: list[str], decimal_mark: str) -> bool:
    """True when most non-blank ``cells`` parse as results (numbers, censored, non-results)."""
    good = bad = 0
    for cell in cells:
        if not cell.strip():
            continue
        try:
            parsed = parse_value_text(cell, decimal_mark)
        except ValueError:
            bad += 1
        else:
            good += parsed.value is not None or parsed.non_result not in ("", "text")
    return good > 0 and good >= bad


def _wide_columns(shape: CsvShape, roles: dict[str, int], options: ReadOptions) -> list[WideColumn]:
    """Choose the analyte columns of a wide file: headers with units, then unit pairs, then numbers."""
    headers = shape.headers
    taken = set(roles.values())
    column = [[r[i] if i < len(r) else "" for r in shape.sample] for i in range(len(headers))]
    if options.analyte_columns:
        missing = [h for h in options.analyte_columns if h not in headers]
        if missing:
            raise FileRejected(
                f"The column {missing[0]!r} chosen as an analyte is not in the file."
            )
        picked = [headers.index(h) for h in options.analyte_columns]
    else:
        with_unit = [i for i, h in enumerate(headers) if i not in taken and split_header_unit(h)[1]]
        paired = [
            i
            for i, h in enumerate(headers[:-1])
            if i not in taken
            and h
            and not headers[i + 1]
            and any(looks_like_unit(c) for c in column[i + 1])
        ]
        picked = with_unit or paired
        if not picked:
            picked = [
                i
                for i, h in enumerate(headers)
                if i not in taken and h and not _NOT_ANALYTE.search(normalise_header(h))
            ]
        picked = [i for i in picked if _mostly_results(column[i], shape.decimal_mark)]
    result = []
    for i in picked:
        name, unit = split_header_unit(headers[i])
        unit_index = i + 1 if i + 1 < len(headers) and not headers[i + 1] else -1
        result.append(WideColumn(i, name, unit, unit_index))
    return result


def read_csv(
    text: str,
    encoding: str,
    line_ending: str,
    options: ReadOptions,
    today: date,
    ticker: Ticker,
) -> ParsedFile:
    """Read a CSV lab file in long, wide or date-column layout.

    A long text may be read by two processes (:mod:`.csv_split`), with the same result.

    Raises:
        FileRejected: For shapes no layout fits (single column, no header, no data).
        NeedsDateOrder: When the file's day/month order must be chosen.
        ImportCancelled: When the caller cancelled.
    """
    wanted = (
        line_ending in ("LF", "CRLF")
        and options.layout in (None, "long")
        and (
            worth_a_worker(len(text)) if options.second_process is None else options.second_process
        )
    )
    # Started before sniffing, so the worker's start-up overlaps with it.
    with tail_worker(wanted) as worker:
        shape = sniff_csv(text, options)
        headers = shape.headers
        roles = guess_roles(headers, options.column_map)
        layout = _choose_layout(headers, roles, options)
        parsed = ParsedFile(
            format="csv",
            encoding=encoding,
            line_ending=line_ending,
            layout=layout,
            delimiter=shape.delimiter,
            decimal_mark=shape.decimal_mark,
            header_line=shape.header_line,
            headers=headers,
            columns={role: headers[i] for role, i in sorted(roles.items(), key=lambda kv: kv[1])},
            fingerprint=header_fingerprint(headers),
        )
        if shape.decimal_mark == ",":
            parsed.notes.append("Numbers were read with a decimal comma (0,5 = one half).")
        ctx = CsvContext(
            headers=headers,
            roles=roles,
            decimal_mark=shape.decimal_mark,
            header_units=[split_header_unit(h)[1] for h in headers],
            total_lines=(text.count("\n") or text.count("\r")) + 1,
            default_collected_at=options.default_collected_at,
            check_formulas=formula_scan(text, shape.delimiter),
            min_width=len(headers) - next((i for i, h in enumerate(reversed(headers)) if h), 0),
            tomorrow=datetime.combine(today + timedelta(days=1), datetime.min.time()),
        )
        date_columns: list[tuple[int, str]] = []
        missing = _missing_roles(layout, roles, options)
        if layout == "wide":
            columns = _wide_columns(shape, roles, options)
            parsed.analyte_columns = [headers[c.index] for c in columns]
            if not columns:
                missing.append("the analyte columns")
            for col in columns:
                if ctx.scale(col.unit):
                    parsed.notes.append(f"{headers[col.index]}: {ctx.scale(col.unit)}.")
        elif layout == "date_columns":
            taken = set(roles.values())
            date_columns = [
                (i, h) for i, h in enumerate(headers) if i not in taken and looks_like_date(h)
            ]
            parsed.analyte_columns = [h for _, h in date_columns]
            analyte_index = roles.get("analyte")
            if analyte_index is None:
                free = [i for i in range(len(headers)) if i not in taken and headers[i]]
                free = [i for i in free if not looks_like_date(headers[i])]
                analyte_index = free[0] if free else None
            if analyte_index is None:
                missing.append("the analyte")
        if missing:
            parsed.problems.append(
                RowProblem(
                    shape.header_line,
                    "",
                    f"No column was found for {' and '.join(missing)}; choose the columns by hand.",
                )
            )
            return parsed
        if "collected_at" in roles and layout != "date_columns":
            name = normalise_header(headers[roles["collected_at"]])
            if not name.startswith(("collect", "specimen", "sample", "draw", "date")):
                parsed.notes.append(
                    f"Collection times were taken from the column {headers[roles['collected_at']]!r}."
                )

        reader = _data_reader(text, line_ending, shape)
        try:
            if layout == "long":
                if worker is not None and not read_long_in_two(
                    ctx, reader, text, shape.delimiter, ticker, worker
                ):
                    # The cut did not fall between records: read the whole file here.
                    ctx = CsvContext(**context_fields(ctx))
                    reader = _data_reader(text, line_ending, shape)
                    read_long(ctx, reader, ticker)
                elif worker is None:
                    read_long(ctx, reader, ticker)
            elif layout == "wide":
                read_wide(ctx, reader, ticker, columns)
            else:
                read_date_columns(ctx, reader, ticker, analyte_index, date_columns)
        except csv.Error as exc:
            raise csv_rejected(reader.line_num, exc) from None
        ticker.check()
        date_header = headers[roles["collected_at"]] if "collected_at" in roles else ""
        dob_header = headers[roles["date_of_birth"]] if "date_of_birth" in roles else ""
        rows, date_problems, order = resolve_pending(
            ctx.rows,
            ctx.pending,
            [h for _, h in date_columns],
            options.date_order,
            today,
            date_header,
            dob_header,
        )
        parsed.rows = rows
        parsed.problems = ctx.problems + date_problems
        parsed.date_order = order
        ticker.report(1.0)
        return finish(parsed, today, checked=True)


def _data_reader(text: str, line_ending: str, shape: CsvShape):  # noqa: ANN202 - csv.reader
    """A ``csv.reader`` over ``text`` positioned after the header row."""
    reader = csv.reader(text_lines(text, line_ending), delimiter=shape.delimiter)
    for _ in range(shape.header_row + 1):
        next(reader)
    return reader


def _missing_roles(layout: str, roles: dict[str, int], options: ReadOptions) -> list[str]:
    """Name the roles a layout needs but the header did not provide."""
    missing: list[str] = []
    if layout == "long":
        if "value" not in roles:
            missing.append("the value")
        if not {"analyte", "loinc", "code"} & roles.keys():
            missing.append("the analyte")
    if (
        layout != "date_columns"
        and "collected_at" not in roles
        and options.default_collected_at is None
    ):
        missing.append("the collection date")
    return missing
