"""Build the next chunk of a batch on a thread while SQLite writes the current one.

A big import's rows are made in Python (``map`` and ``zip`` over the parsed arrays,
holding the GIL) and written by SQLite (``INSERT ... SELECT`` in C, which releases
the GIL while it runs). Done one after the other, one core waits for the other. The
caller asks for the next chunk to be built just before it hands SQLite a statement
that needs no Python, so the two overlap. (Building it while the caller binds rows
would only take turns with it for the GIL.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from itertools import islice

__all__ = ["ChunksAhead"]

_PIECE = 2_000  # rows built between two chances for the caller to take the GIL


class ChunksAhead:
    """Lists of up to ``size`` rows of ``rows``, each built on a thread when asked.

    Use as a context manager: leaving it waits for a chunk still being built. At most
    one chunk is built ahead of the one the caller holds.
    """

    def __init__(self, rows: Iterable, size: int) -> None:
        if size < 1:
            raise ValueError(f"a chunk holds at least one row, not {size}")
        self._source = iter(rows)
        self._size = size
        self._builder: threading.Thread | None = None
        self._chunk: list = []
        self._error: BaseException | None = None

    def build_next(self) -> None:
        """Start building the next chunk on a thread (if it is not already)."""
        if self._builder is None:
            self._builder = threading.Thread(target=self._build, name="import-rows")
            self._builder.start()

    def take(self) -> list:
        """The next chunk (empty at the end), waiting for it to be built.

        An exception raised while building it is raised here, in the caller's thread.
        """
        self.build_next()
        self._wait()
        chunk, self._chunk = self._chunk, []
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return chunk

    def _build(self) -> None:
        chunk: list = []
        try:
            # In pieces: one C call building the whole chunk would hold the GIL until
            # it ended, and the caller could not even start SQLite's statement.
            while (left := self._size - len(chunk)) > 0:
                before = len(chunk)
                chunk.extend(islice(self._source, min(left, _PIECE)))
                if len(chunk) == before:
                    break
            self._chunk = chunk
        except BaseException as exc:  # raised in the caller's thread by take()
            self._error = exc

    def _wait(self) -> None:
        if self._builder is not None:
            self._builder.join()
            self._builder = None

    def __enter__(self) -> ChunksAhead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._wait()
        # An error not taken (the caller left raising its own) and its traceback, which
        # holds the part-built chunk, go now.
        self._chunk, self._error = [], None
