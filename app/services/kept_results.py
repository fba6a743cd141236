"""The last patient's results as read, kept while nothing has been written since.

Opening a chart reads the same results for the Findings, Trends and Results tabs, and
ticking analytes in the Trends tab re-reads them. A read is kept with the data stamp
it was taken at (``ClinicDatabase.data_stamp``: any write, by anyone, changes it) and
the analytes it holds (None: every analyte). A later read is served from it only when
the stamp is unchanged and it holds every analyte asked for; a read of analytes it
lacks reads just those and merges them in, so ticking one more analyte reads one
analyte's rows.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection
from dataclasses import dataclass

from app.core.models import Observation

ReadRows = Callable[[Collection[str] | None], list[Observation]]


def _time_order(observation: Observation) -> tuple:
    return (observation.collected_at, observation.id)


@dataclass
class KeptResults:
    """One patient's results read at ``stamp``: ``keys`` analytes (None: all), in time order."""

    stamp: tuple
    keys: frozenset[str] | None
    rows: list[Observation]

    def covers(self, keys: Collection[str] | None) -> bool:
        return self.keys is None or (keys is not None and self.keys.issuperset(keys))


class ResultsKeeper:
    """Serves a patient's results from the kept read where it can (records are immutable)."""

    def __init__(self) -> None:
        self._kept: KeptResults | None = None

    def read(
        self, stamp: tuple, keys: Collection[str] | None, read_rows: ReadRows
    ) -> list[Observation]:
        """The results of ``keys`` (None: all) in time order, a new list the caller owns.

        ``stamp`` names the patient and the data stamp now; ``read_rows(keys)`` reads
        those analytes (None: all) from the file.
        """
        kept = self._current(stamp)
        if kept is None or keys is None and kept.keys is not None:
            chosen = None if keys is None else frozenset(keys)
            kept = self._kept = KeptResults(stamp, chosen, read_rows(chosen))
        elif not kept.covers(keys):
            missing = frozenset(keys) - kept.keys
            rows = list(heapq.merge(kept.rows, read_rows(missing), key=_time_order))
            kept = self._kept = KeptResults(stamp, kept.keys | missing, rows)
        if keys is None or kept.keys == frozenset(keys):
            return list(kept.rows)
        wanted = set(keys)
        return [o for o in kept.rows if o.analyte_key in wanted]

    def kept_whole(self, stamp: tuple) -> list[Observation] | None:
        """Every result of the patient if a whole read is kept at ``stamp``, else None."""
        kept = self._current(stamp)
        return kept.rows if kept is not None and kept.keys is None else None

    def forget(self) -> None:
        self._kept = None

    def _current(self, stamp: tuple) -> KeptResults | None:
        kept = self._kept
        return kept if kept is not None and kept.stamp == stamp else None
