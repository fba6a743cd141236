"""Read a long CSV: one result per row. This is the hot path of every import.

A million rows must take seconds, so the loop is written flat: column indexes are
local variables, plain numbers go through ``float()`` before any regex, repeated
texts (dates, reference ranges, units) are parsed once and cached, formula checks run
only when a whole-file scan found a candidate, and duplicates are found on the texts
as written. ISO dates are read on the spot; only day/month dates wait for the
file-wide order (``ctx.pending``), so most files need no second pass.

Most rows are plain and take a fast branch (:mod:`.csv_long_fast`): the value cell,
the test cells and the visit cells are looked up, each distinct text worked out
once by the loop's own rules, and the row is appended as ids (and, when its dates
wait for the day/month order, to ``ctx.pending``). A row the lookups cannot settle
(a problem, a possible repeat, a ragged or formula row) goes through the full loop
below, so the result is the full loop's. Where the lookups do not pay (every row its
own visit), the full loop reads alone.
"""

from __future__ import annotations

from typing import Any

from .columns import NAMED_UNIT_ENDS, named_unit
from .csv_context import DEFER, LOINC_CODE, SEX, CsvContext, duplicate_reason, parse_cell
from .csv_long_fast import ODD, UNIT_OF_VALUE, FastTexts, first_look_dob
from .finish import Ticker
from .model import RowProblem
from .values import normalise_flag

__all__ = ["read_long"]

# At most this many parsed cells are remembered (a few MB), whatever the file holds.
_CELLS_REMEMBERED = 50_000
_TEXT_TYPES = frozenset(("text", "string", "st", "tx", "ft", "cwe", "ce", "coded"))
# The fast branch is judged over this many rows; when it did not pay, the full loop
# reads the next _REST rows before it is tried again.
_SAMPLE = 5_000
_REST = 200_000
# False reads every row through the full loop (the tests compare the two).
_FAST_BRANCH = True


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
    # The fast branch: a plain row's texts looked up, each distinct one worked out once.
    texts = FastTexts(ctx, born_of)
    values_of, tests_of, visits_of = texts.values, texts.tests, texts.visits
    tests_with_unit = texts.tests_with_unit
    details_of = texts.details if "flag" in roles or "note" in roles else None
    test_cells, visit_cells, flag_note = texts.test_cells, texts.visit_cells, texts.flag_note
    plain = (None, None, texts.plain_detail, "", texts.plain_written)  # a plain number
    visit_id, test_id, detail_id = rows.part_ids()
    add_line, add_raw, add_value = kept.append, rows.raw_values.append, rows.values.append
    add_visit, add_test, add_detail = (
        rows.visit_ids.append, rows.test_ids.append, rows.detail_ids.append,
    )  # fmt: skip
    last_visit_key = last_visit = None
    seen_at = seen.setdefault
    left = 0  # rows the fast branch tried but left to the full loop, since last judged
    n_kept = len(kept)  # len(rows), kept by both branches

    def waiting(index: int, collected: str | None, born: str | None) -> None:
        pending.append((index, collected, born))

    def test_of(row: list[str]) -> tuple[str, str, str]:
        """The row's test as its rows name it, for a problem with its value (absent
        columns: ''): a LOINC code in the code column is a LOINC, as for a read row."""
        loinc, local = row[i_loinc].strip(), row[i_code].strip()
        if local and not loinc and LOINC_CODE.match(local):
            loinc, local = local, ""
        return row[i_an].strip(), loinc, local

    use_fast = _FAST_BRANCH
    sampled = 0
    sample_at = _SAMPLE if use_fast else 1 << 62
    total = max(ctx.total_lines, 1)
    last = reader.line_num
    count = 0
    next_at = ticker.next_at
    next_event = min(next_at, sample_at)
    stop = stop if stop >= 0 else 1 << 62
    for row in reader:
        line = last + 1
        if line > stop:
            return line
        last = reader.line_num
        count += 1
        if count >= next_event:
            if count >= next_at:
                next_at = ticker.tick(count, last / total)
            if count >= sample_at:
                # Every so often: keep the fast branch only while it pays.
                if use_fast:
                    use_fast = texts.worth_it(count - sampled, left)
                    sample_at = count + (_SAMPLE if use_fast else _REST)
                else:
                    use_fast = True
                    sample_at = count + _SAMPLE
                    texts.worth_it(0, 0)
                sampled = count
                left = 0
            next_event = min(next_at, sample_at)
        if len(row) != width or not row[0]:
            row = ragged(row, line)
            if row is None:
                continue
            if check_formulas and ctx.formula_cell(row, line):
                continue
        elif not use_fast:
            row.append("")
            if check_formulas and ctx.formula_cell(row, line):
                continue
        else:
            if check_formulas and ctx.formula_cell(row, line):
                continue
            # The fast branch (see csv_long_fast): the rest of the loop, by lookups.
            raw = row[i_val]
            value = None
            # A cell ending in a letter ('12.3 H') is no plain number: looked up at once.
            if fast and raw[-1:] <= "9":
                try:
                    value = float(raw)
                except ValueError:
                    pass
                else:
                    if value - value or "_" in raw:
                        value = None
            if value is not None:
                raw = raw.strip()
                got = plain
            else:
                # (raw value kept, number, detail, unit in the cell, how it was written)
                got = values_of[raw]
                if got is ODD:
                    raw = None
                else:
                    raw, value = got[0], got[1]
            if raw is not None:
                test = tests_of[test_key := test_cells(row)]
                if test is UNIT_OF_VALUE:
                    test = tests_with_unit[test_key, got[3]]
                if test is not ODD:
                    visit_key = visit_cells(row)
                    if visit_key == last_visit_key:  # rows of one visit come together
                        visit = last_visit
                    else:
                        visit = last_visit = visits_of[visit_key]
                        last_visit_key = visit_key
                    if (
                        visit is not ODD
                        and seen_at(hash((visit[1], test[1], raw)), n_kept) == n_kept
                    ):
                        n_kept += 1
                        add_line(line)
                        add_raw(raw)
                        add_value(value)
                        found = visit[0]
                        if found < 0:
                            found = visit[0] = visit_id(visit[2])
                        add_visit(found)
                        found = test[0]
                        if found < 0:
                            found = test[0] = test_id(test[2])
                        add_test(found)
                        if details_of is None:
                            detail = got[2]
                        else:
                            detail = details_of[got[4], flag_note(row)]
                        found = detail[0]
                        if found < 0:
                            found = detail[0] = detail_id(detail[2])
                        add_detail(found)
                        if visit[3] is not None:  # dates waiting for the day/month order
                            waiting(n_kept - 1, *visit[3])
                        continue
                    # Else the full loop decides: a problem; a repeat, or a hash
                    # collision kept under its full key.
            left += 1  # tried, and left to the full loop
            row.append("")
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
                problems.append(
                    RowProblem(line, value_header, "The value is missing.", test_of(row))
                )
                continue
            cell = cells.get(raw)
            if cell is None:
                try:
                    cell = parse_cell(raw, dm)
                except ValueError as exc:
                    if row[i_type].strip().lower() not in _TEXT_TYPES:
                        problems.append(RowProblem(line, value_header, str(exc), test_of(row)))
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
        if analyte.endswith(NAMED_UNIT_ENDS):  # a test named with its unit (as the fast branch)
            analyte, unit = named_unit(analyte, unit)
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
                born = born_of[dob_text] = first_look_dob(first_look(dob_text))
            if born.__class__ is str:
                problems.append(RowProblem(line, dob_header, born))
                continue
        # Duplicates are found by the hash of the row's texts (an int per row, not a
        # tuple), made of the hashes of who and when and of the test, as the fast
        # branch makes it. A hash match is confirmed field by field before a row is
        # dropped (a date still waiting for the file's order by its text, kept in
        # ``pending``); the rows of a hash collision are kept under their full key.
        who = (mrn, pid, family, given, date_text, sample)
        what = (analyte, loinc, local, unit)
        key = (who, what, raw)
        by_full_key = False
        digest = hash((hash(who), hash(what), raw))
        earlier = seen.get(digest)
        if earlier is None:
            seen[digest] = len(kept)
        else:
            prev = rows[earlier]
            if when is DEFER:
                same_time = pending.collected_text(earlier) == date_text
            else:
                same_time = prev.collected_at == when
            if (
                not same_time
                or raw != prev.raw_value
                or sample != prev.sample_id
                or what != (prev.analyte_text, prev.loinc, prev.local_code, prev.unit)
                or who[:4] != (prev.mrn, prev.source_patient_id, prev.family_name,
                               prev.given_name)
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
        n_kept += 1
    return 0
