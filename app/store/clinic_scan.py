"""Every patient's usable results for a clinic-wide evaluation, in one windowed query.

The worklist evaluates a whole clinic (a million results for 10,000 patients).
Reading every row into ``Observation`` records cost more than the rules; this
reader asks SQLite for only what a ``ReadingPlan`` says the rules can use (the
analytes they read, usable rows only, the newest result of each history plus any
window a rule looks back over) and hands each patient's rows over as light
``HeldResult`` tuples, grouped by analyte in time order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from app.core.evaluation.held import HeldResult, HeldResults
from app.store.database import ClinicDatabase

if TYPE_CHECKING:  # the plan's module loads the rule nodes: not at the app's start
    from app.core.evaluation.reading import ReadingPlan

# Two steps over the index (patient_id, analyte_key, collected_at). First, from the
# index alone, each history's newest collection time, where the plan's read starts
# (the newest time, or the look-back day if earlier) and whether anything older
# exists. Then the usable rows from that start on; a LEFT JOIN keeps a history whose
# read part holds no usable row, so the caller knows its latest usable one is unread.
_SQL = """
WITH newest AS (
    SELECT patient_id, analyte_key,
           min(max(collected_at), {since}) AS read_from,
           min(collected_at) AS oldest
    FROM observations
    WHERE collected_at < :day_after AND analyte_key IN ({analytes}) {patients}
    GROUP BY patient_id, analyte_key
)
SELECT n.patient_id, n.analyte_key, n.oldest >= n.read_from AS whole,
       o.id, o.collected_at, o.value, o.comparator, o.unit, o.value_canonical,
       o.unit_canonical, o.lab, o.ref_low, o.ref_high, o.ref_text
FROM newest AS n LEFT JOIN observations AS o
    ON o.patient_id = n.patient_id AND o.analyte_key = n.analyte_key
    AND o.collected_at >= n.read_from AND o.collected_at < :day_after
    AND o.value IS NOT NULL AND o.excluded_reason = ''
ORDER BY n.patient_id, n.analyte_key, o.collected_at, o.id
"""


def stream_held_results(
    clinic: ClinicDatabase, plan: ReadingPlan, patient_ids: tuple[int, int] | None = None
) -> Iterator[tuple[int, HeldResults | None]]:
    """``(patient id, held results)`` in patient id order, for patients with any result.

    The results are ``None`` for a patient the plan cannot serve (the newest usable
    result of some analyte lies before the part read): read that one whole.
    ``patient_ids`` (first, last) keeps the patients in that id range.
    """
    if not plan.analytes:
        return
    sql, params = held_results_query(plan, patient_ids)
    rows = clinic.conn.execute(sql, params)
    since = {a: d for a, d in plan.analytes.items() if d is not None}
    yield from _patients(rows, frozenset(plan.analytes), since)


def held_results_query(
    plan: ReadingPlan, patient_ids: tuple[int, int] | None = None
) -> tuple[str, dict]:
    """The SQL and parameters of the clinic-wide read (also the benchmark's floor)."""
    params: dict = {"day_after": (plan.as_of + timedelta(days=1)).isoformat()}
    names, since = [], []
    for n, (analyte, day) in enumerate(sorted(plan.analytes.items())):
        params[f"a{n}"] = analyte
        names.append(f":a{n}")
        if day is not None:
            params[f"s{n}"] = day.isoformat()
            since.append(f"WHEN :a{n} THEN :s{n}")
    patients = ""
    if patient_ids is not None:
        # A range (not every n-th patient) so the index scan itself covers only the part.
        patients = "AND patient_id BETWEEN :first AND :last"
        params.update(first=patient_ids[0], last=patient_ids[1])
    # Analytes without a look-back window read from their newest result ('9999' is later).
    look_back = f"CASE analyte_key {' '.join(since)} ELSE '9999' END" if since else "'9999'"
    sql = _SQL.format(since=look_back, analytes=", ".join(names), patients=patients)
    return sql, params


def _patients(
    rows,  # noqa: ANN001 - a cursor
    planned: frozenset[str],
    since: dict[str, date],
) -> Iterator[tuple[int, HeldResults | None]]:
    make = tuple.__new__
    parse = datetime.fromisoformat
    one_day = timedelta(days=1)
    current = analyte = None
    by_analyte: dict[str, list[HeldResult]] = {}
    complete_from: dict[str, date] = {}
    held: list[HeldResult] = []
    unread = False
    for row in rows:
        if row[0] != current:
            if current is not None:
                yield current, None if unread else HeldResults(planned, by_analyte, complete_from)
            current, analyte, by_analyte, complete_from, unread = row[0], None, {}, {}, False
        if row[3] is None:  # no usable result in the part read
            unread = unread or not row[2]
            continue
        moment = parse(row[4])
        if row[1] != analyte:
            analyte = row[1]
            held = by_analyte[analyte] = []
            if not row[2]:
                # Older results were left unread. Every one from the look-back day on
                # is held, and every one after this oldest held day (a same-day one
                # before it may be unread).
                window = since.get(analyte)
                day = moment.date() + one_day
                complete_from[analyte] = min(day, window) if window else day
        # The columns after the first five are ``HeldResult``'s last nine, in order.
        held.append(make(HeldResult, (row[3], current, analyte, moment) + row[5:]))
    if current is not None:
        yield current, None if unread else HeldResults(planned, by_analyte, complete_from)
