"""Read a long CSV: one result per row. This is the hot path of every import.

A million rows must take seconds, so the loop is written flat: column indexes are
local variables, plain numbers go through ``float()`` before any regex, repeated
texts (dates, reference ranges, units) are parsed once and cached, formula checks run
only when a whole-file scan found a candidate, and duplicates are found on the texts
as written. ISO dates are read on the spot; only day/month dates wait for the
file-wide order (``ctx.pending``), so most files need no second pass.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .csv_context import DEFER, LOINC_CODE, SEX, CsvContext, duplicate_reason, parse_cell
from .finish import Ticker
from .model import RowProblem
from .values import normalise_flag

__all__ = ["read_long"]

# At most this many parsed cells are remembered (a few MB), whatever the file holds.
_CELLS_REMEMBERED = 50_000
_TEXT_TYPES = frozenset(("text", "string", "st", "tx", "ft", "cwe", "ce", "coded"))


def read_long(ctx: CsvContext, reader: Any, ticker: Ticker, stop: int = -1) -> int:
    """Read one result per row into ``ctx``.

    Args:
        ctx: The file's context; rows, dates still to read and problems go into it.
        reader: A ``csv.reader`` positioned after the header (its ``line_num`` is used).
        ticker: Progress and cancellation.
        stop: When not -1, the last physical line of this process's part of the file
            (:mod:`.csv_split`): the record starting after it is read by ``csv.reader``
            but not kept, and its first line returned.

    Returns:
        The first line of the record the read stopped at, or 0 when it read to the end.
    """
    headers = ctx.headers
    width = len(headers)
    roles = ctx.roles
    index = ctx.index
    i_val = roles["value"]
    i_an, i_loinc, i_code = index("analyte"), index("loinc"), index("code")
    i_unit, i_rr, i_flag = index("unit"), index("ref_range"), index("flag")
    i_lo, i_hi, i_type = index("ref_low"), index("ref_high"), index("value_type")
    i_lab, i_note = index("lab"), index("note")
    i_mrn, i_pid, i_sample = index("mrn"), index("source_patient_id"), index("sample_id")
    i_fam, i_giv, i_sex = index("family_name"), index("given_name"), index("sex")
    i_pname = roles.get("patient_name", -1)
    i_date, i_dob = index("collected_at"), roles.get("date_of_birth", -1)
    has_time = "collected_time" in roles
    has_an, has_loinc, has_code = "analyte" in roles, "loinc" in roles, "code" in roles
    has_mrn, has_pid, has_sample = (
        "mrn" in roles,
        "source_patient_id" in roles,
        "sample_id" in roles,
    )
    has_fam, has_giv = "family_name" in roles, "given_name" in roles
    has_rr, has_lab, has_note = "ref_range" in roles, "lab" in roles, "note" in roles
    has_bounds = "ref_low" in roles or "ref_high" in roles
    check_formulas = ctx.check_formulas
    header_unit = ctx.header_units[i_val]
    value_header = headers[i_val]
    default_when = ctx.default_collected_at if "collected_at" not in roles else None
    date_header = headers[roles["collected_at"]] if "collected_at" in roles else ""
    dob_header = headers[i_dob] if i_dob >= 0 else ""
    dm = ctx.decimal_mark
    fast = dm == "."
    rows, problems, pending, seen = ctx.rows, ctx.problems, ctx.pending, ctx.seen
    ranges, scales, split_name, ragged = ctx.ranges, ctx.scales, ctx.split_name, ctx.ragged
    add_row = rows.appender()
    kept = rows.lines  # len(kept) is len(rows) without a Python-level __len__
    # Repeated texts (analyte, unit, patient, date) share one string object: a million-row
    # file then holds a few thousand strings instead of millions, which is also faster.
    share = {}.setdefault
    exact: dict[tuple, int] = {}  # used only on a hash collision between different rows
    when_of = ctx.collected  # collection-date text -> datetime, problem or DEFER
    if default_when is not None:
        when_of[""] = default_when
    born_of: dict[str, Any] = {"": None}
    # Censored and flagged cells ('<5', '612 H') repeat; the full parser reads each once.
    cells: dict[str, tuple] = {}
    first_look = ctx.first_look
    total = max(ctx.total_lines, 1)
    last = reader.line_num
    count = 0
    next_at = ticker.next_at
    stop = stop if stop >= 0 else 1 << 62
    for row in reader:
        line = last + 1
        if line > stop:
            return line
        last = reader.line_num
        count += 1
        if count >= next_at:
            next_at = ticker.tick(count, last / total)
        if len(row) != width or not row[0]:
            row = ragged(row, line)
            if row is None:
                continue
        else:
            row.append("")
        if check_formulas and ctx.formula_cell(row, line):
            continue
        raw = row[i_val]
        value = None
        if fast:
            try:
                value = float(raw)
            except ValueError:
                pass
            else:
                # float() also reads 'nan', 'inf' and '1_000'; send those to the full parser.
                if value - value or "_" in raw:
                    value = None
        if value is not None:
            raw = raw.strip()
            comparator = None
            flag = non_result = cell_unit = ""
        else:
            raw = raw.strip()
            if not raw:
                problems.append(RowProblem(line, value_header, "The value is missing."))
                continue
            cell = cells.get(raw)
            if cell is None:
                try:
                    cell = parse_cell(raw, dm)
                except ValueError as exc:
                    if row[i_type].strip().lower() not in _TEXT_TYPES:
                        problems.append(RowProblem(line, value_header, str(exc)))
                        continue
                    cell = (None, None, "", "", "text")
                else:
                    if len(cells) < _CELLS_REMEMBERED:
                        cells[raw] = cell
            value, comparator, flag, cell_unit, non_result = cell
        # Absent columns are skipped outright: stripping and sharing '' costs time too.
        analyte = share(a := row[i_an].strip(), a) if has_an else ""
        loinc = share(a := row[i_loinc].strip(), a) if has_loinc else ""
        local = share(a := row[i_code].strip(), a) if has_code else ""
        if local and not loinc and LOINC_CODE.match(local):
            loinc, local = local, ""
        if not analyte and not loinc and not local:
            problems.append(RowProblem(line, "", "The row names no analyte or code."))
            continue
        unit = share(a := row[i_unit].strip() or cell_unit or header_unit, a)
        mrn = share(a := row[i_mrn].strip(), a) if has_mrn else ""
        pid = share(a := row[i_pid].strip(), a) if has_pid else ""
        sample = share(a := row[i_sample].strip(), a) if has_sample else ""
        family = share(a := row[i_fam].strip(), a) if has_fam else ""
        given = share(a := row[i_giv].strip(), a) if has_giv else ""
        if i_pname >= 0 and not family and not given:
            family, given = split_name(row[i_pname])
        date_text = row[i_date].strip()
        if has_time and ":" not in date_text:
            date_text = ctx.collected_text(row)
        when = when_of.get(date_text)
        if when is None:
            when = when_of[date_text] = first_look(date_text)
        if when.__class__ is str:
            problems.append(RowProblem(line, date_header, when))
            continue
        if when is DEFER:
            # Kept per row until the file's date order is known: one string per text.
            date_text = share(date_text, date_text)
        born = None
        if i_dob >= 0:
            dob_text = row[i_dob].strip()
            born = born_of.get(dob_text)
            if born is None and dob_text:
                born = born_of[dob_text] = _first_look_dob(first_look(dob_text))
            if born.__class__ is str:
                problems.append(RowProblem(line, dob_header, born))
                continue
        # Duplicates are found by the hash of the row's texts (an int per row, not a
        # tuple). A hash match is confirmed field by field before a row is dropped (a
        # date still waiting for the file's order by its text, kept in ``pending``);
        # the rows of a hash collision are kept under their full key instead.
        key = (mrn, pid, family, given, analyte, loinc, local, date_text, raw, unit, sample)
        by_full_key = False
        digest = hash(key)
        earlier = seen.get(digest)
        if earlier is None:
            seen[digest] = len(kept)
        else:
            prev = rows[earlier]
            if when is DEFER:
                same_time = pending.collected_text(earlier) == date_text
            else:
                same_time = prev.collected_at == when
            if not same_time or key[:7] + key[8:] != (
                prev.mrn, prev.source_patient_id, prev.family_name, prev.given_name,
                prev.analyte_text, prev.loinc, prev.local_code, prev.raw_value, prev.unit,
                prev.sample_id,
            ):  # fmt: skip
                earlier = None
                by_full_key = True  # a hash collision between different rows
        if by_full_key:
            earlier = exact.get(key)
            if earlier is None:
                exact[key] = len(kept)
        if earlier is not None:
            problems.append(RowProblem(line, "", duplicate_reason(rows[earlier].line)))
            continue
        scale = scales.get(unit)
        if scale is None:
            scale = ctx.scale(unit)
        ref_text = share(a := row[i_rr].strip(), a) if has_rr else ""
        if ref_text:
            low_high = ranges.get(ref_text)
            low, high = low_high if low_high is not None else ctx.ref_range(ref_text)
        else:
            low = high = None
        if has_bounds:
            low = ctx.bound(row[i_lo]) if low is None else low
            high = ctx.bound(row[i_hi]) if high is None else high
        flag_cell = row[i_flag]
        if flag_cell:
            flag = normalise_flag(flag_cell) or flag
        sex = row[i_sex]
        if sex:
            sex = sex.strip().lower()
            sex = SEX.get(sex, sex)
        if when is DEFER or born is DEFER:
            pending.append(
                (
                    len(kept),
                    date_text if when is DEFER else None,
                    dob_text if born is DEFER else None,
                )
            )
            when = None if when is DEFER else when
            born = None if born is DEFER else born
        add_row(
            line,
            mrn,
            pid,
            family,
            given,
            born,
            sex,
            analyte,
            loinc,
            local,
            raw,
            value,
            comparator,
            flag,
            non_result,
            unit,
            scale,
            low,
            high,
            ref_text,
            when,
            share(a := row[i_lab].strip(), a) if has_lab else "",
            row[i_note].strip() if has_note else "",
            sample,
        )
    return 0


def _first_look_dob(when: object) -> object:
    """Turn a first-look collection datetime into a birth date (or keep the marker)."""
    if when.__class__ is datetime:
        return when.date()
    if when.__class__ is str:
        return when.replace("The date", "The birth date", 1)
    return when
