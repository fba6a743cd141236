"""A kept results read serves later reads exactly as a fresh read would."""

from __future__ import annotations

from datetime import datetime

from app.core.models import Observation
from app.services.kept_results import ResultsKeeper

STORED = [
    Observation(i, 1, key, datetime(2026, 1, day, 8), str(day), float(day), None, "u", None, "u")
    for i, (key, day) in enumerate(
        [("zinc", 1), ("magnesium_serum", 1), ("zinc", 3), ("copper", 2), ("magnesium_serum", 5)],
        start=1,
    )
]


class File:
    """Stands in for the repository: the stored rows in time order, and what was asked."""

    def __init__(self):
        self.asked = []

    def read(self, keys):
        self.asked.append(None if keys is None else set(keys))
        rows = [o for o in STORED if keys is None or o.analyte_key in keys]
        return sorted(rows, key=lambda o: (o.collected_at, o.id))


def _fresh(keys=None):
    return File().read(keys)


def test_ticking_another_analyte_reads_only_it_and_keeps_time_order():
    keeper, file = ResultsKeeper(), File()
    stamp = (1, (1, 10, 1))
    assert keeper.read(stamp, {"zinc"}, file.read) == _fresh({"zinc"})
    both = {"zinc", "magnesium_serum"}
    assert keeper.read(stamp, both, file.read) == _fresh(both)
    assert keeper.read(stamp, {"magnesium_serum"}, file.read) == _fresh({"magnesium_serum"})
    assert file.asked == [{"zinc"}, {"magnesium_serum"}]
    assert keeper.kept_whole(stamp) is None  # copper was never read
    assert keeper.read(stamp, None, file.read) == _fresh()
    assert keeper.kept_whole(stamp) == _fresh()
    assert keeper.read(stamp, {"copper"}, file.read) == _fresh({"copper"})
    assert file.asked[-1] is None  # the whole read, then nothing more


def test_a_new_stamp_or_another_patient_reads_again():
    keeper, file = ResultsKeeper(), File()
    keeper.read((1, (1, 10, 1)), None, file.read)
    keeper.read((1, (1, 11, 1)), {"zinc"}, file.read)  # something was written
    keeper.read((2, (1, 11, 1)), {"zinc"}, file.read)  # another patient
    assert file.asked == [None, {"zinc"}, {"zinc"}]
    returned = keeper.read((2, (1, 11, 1)), {"zinc"}, file.read)
    returned.clear()  # a caller's list is its own
    assert keeper.read((2, (1, 11, 1)), {"zinc"}, file.read) == _fresh({"zinc"})
