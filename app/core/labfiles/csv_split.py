"""Read a large long CSV with two processes: this one reads the head, a worker the tail.

The per-row loop (:func:`.csv_long.read_long`) is Python on one core: a million-row
file takes seconds. After the file is sniffed as a whole (encoding, delimiter,
header, layout, decimal mark), the text after the header is cut at a line boundary.
A spawned worker reads the tail with the same context while this process reads the
head, and the tail's rows are merged after the head's (:mod:`.chunk_merge`), so rows,
line numbers, problems and date-order questions are those of a one-process read.
Where a cut could change the result (a quoted field across it, or one collection
time written two ways across it) the file is read again in one process.

The worker is spawned, never forked: the GUI process has Qt threads whose locks a
fork would copy. It starts as soon as a large text is seen, so its start-up (about
half a second of imports) overlaps with sniffing; small files never start one.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import chain, islice, repeat

from .chunk_merge import merge_tail
from .csv_context import CsvContext, csv_rejected, text_lines
from .csv_long import read_long
from .finish import Ticker
from .model import FileRejected

__all__ = [
    "ChunkWorker",
    "TailTask",
    "WorkerFailed",
    "context_fields",
    "read_long_in_two",
    "split_point",
    "tail_worker",
    "worth_a_worker",
]

log = logging.getLogger(__name__)

#: Texts this long (characters; about 200,000 rows) or longer are worth a worker:
#: its start-up and the merge cost about what reading 100,000 rows does.
SPLIT_MIN_CHARS = 16 * 1024 * 1024

#: The head's share of the text: this process also sniffs and merges while the
#: worker starts, so an even cut left it waiting for the tail.
HEAD_SHARE = 0.55


@dataclass(frozen=True)
class TailTask:
    """What a worker needs to read the tail of a long CSV as a whole-file read would.

    Attributes:
        text: The text from the cut to the end.
        lines_before: Physical lines before the cut (the tail's first line is this + 1).
        delimiter: The sniffed delimiter.
        context: The :class:`CsvContext` fields the loop reads (see :func:`context_fields`).
    """

    text: str
    lines_before: int
    delimiter: str
    context: dict


# What a read produces or caches: a worker starts these afresh; every other field of
# the context (a new one too) is what the file is, and goes to the worker as it is.
_PRODUCED = frozenset(
    ("rows", "pending", "problems", "seen", "collected", "names", "ranges", "scales")
)


def context_fields(ctx: CsvContext) -> dict:
    """The fields a worker rebuilds a fresh context from (no rows, no caches)."""
    return {f.name: getattr(ctx, f.name) for f in fields(ctx) if f.name not in _PRODUCED}


def split_point(text: str, start: int, share: float = HEAD_SHARE) -> int:
    """Where to cut ``text`` after offset ``start``: the start of a line, or 0 for no cut.

    The cut falls after an even number of quote characters, so in a file quoted as
    RFC 4180 says (a quoted field holds its own quotes doubled) it is never inside a
    quoted field. Other files are checked by the head's read, which must end there.
    """
    end = len(text)
    at = text.find("\n", start + int((end - start) * share)) + 1
    if at <= start or at >= end:
        return 0
    quotes = text.count('"', start, at)
    for _ in range(1000):
        if quotes % 2 == 0:
            return at
        following = text.find("\n", at) + 1
        if following <= 0 or following >= end:
            return 0
        quotes += text.count('"', at, following)
        at = following
    return 0


def read_tail(task: TailTask, ticker: Ticker) -> dict:
    """Read the tail of a long CSV into the plain parts :func:`.merge_tail` takes.

    Raises:
        FileRejected: A line of the tail is not CSV (the whole read would stop there too).
    """
    ctx = CsvContext(**task.context)
    # The loop numbers lines by ``reader.line_num``: as many blank lines as came before
    # the cut (each a blank record, skipped in C) make the tail's numbers the file's.
    lines = chain(repeat("\n", task.lines_before), text_lines(task.text, "LF"))
    reader = csv.reader(lines, delimiter=task.delimiter)
    deque(islice(reader, task.lines_before), maxlen=0)
    try:
        read_long(ctx, reader, ticker)
    except csv.Error as exc:
        raise csv_rejected(reader.line_num, exc) from None
    rows, pending = ctx.rows, ctx.pending
    return {
        "lines": rows.lines,
        "raw_values": rows.raw_values,
        "values": rows.values,
        "visit_ids": rows.visit_ids,
        "test_ids": rows.test_ids,
        "detail_ids": rows.detail_ids,
        "visits": [tuple(v) for v in rows.visits],
        "tests": [tuple(t) for t in rows.tests],
        "details": [tuple(d) for d in rows.details],
        "pending": pending.columns(),
        "problems": [(p.line, p.column, p.reason, p.test) for p in ctx.problems],
        # The times read from each text (problems and DEFER markers stay behind).
        "collected": {k: v for k, v in ctx.collected.items() if v.__class__ is datetime},
    }


def _serve(tasks, results) -> None:  # noqa: ANN001 - Connections
    """A worker process's entry: wait for a task, read it, send the result back."""
    try:
        task = tasks.recv()
        if task is None:
            return
        gc.disable()  # as read_lab_file does: millions of objects, no cycles
        ticker = Ticker(lambda fraction: results.send(("progress", fraction)), None)
        results.send(("tail", read_tail(task, ticker)))
    except FileRejected as exc:
        results.send(("rejected", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the caller reads the tail itself
        with contextlib.suppress(OSError):
            results.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        results.close()


class WorkerFailed(RuntimeError):
    """The worker stopped without the tail's rows."""


class ChunkWorker:
    """A spawned process that reads the tail of one long CSV."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        task_end, self._tasks = context.Pipe(duplex=False)
        self._results, result_end = context.Pipe(duplex=False)
        self._process = context.Process(target=_serve, args=(task_end, result_end), daemon=True)
        self._process.start()
        # The worker holds these ends now: its exit ends the pipe for this process.
        task_end.close()
        result_end.close()
        self._answer: dict | Exception | None = None
        self.progress = 0.0

    def send(self, task: TailTask) -> None:
        """Hand the worker its tail and return at once (a thread writes the pipe, so
        this process reads its head while the worker is still starting)."""
        threading.Thread(target=self._send, args=(task,), daemon=True).start()

    def _send(self, task: TailTask) -> None:
        # The worker is gone (tail() says so), or close() shut the pipe while this wrote:
        # a connection closed mid-write raises TypeError (its handle is None by then).
        with contextlib.suppress(OSError, ValueError, TypeError):
            self._tasks.send(task)

    def poll(self) -> None:
        """Take the worker's progress reports (and its answer, if it came) without waiting."""
        while self._answer is None and self._results.poll():
            self._take()

    def tail(self, waiting: Callable[[], None]) -> dict:
        """Wait for the tail's rows, calling ``waiting`` (which may raise) meanwhile.

        Raises:
            WorkerFailed: The worker stopped without the rows.
            FileRejected: The tail is not CSV (the whole read would stop there too).
        """
        while self._answer is None:
            waiting()
            if self._results.poll(0.05):
                self._take()
        if isinstance(self._answer, Exception):
            raise self._answer
        return self._answer

    def _take(self) -> None:
        """Read one message; an error is kept for :meth:`tail`, after the head's own."""
        try:
            kind, payload = self._results.recv()
        except (EOFError, OSError):
            self._answer = WorkerFailed("the worker process ended without its rows")
            return
        if kind == "progress":
            self.progress = payload
        elif kind == "tail":
            self._answer = payload
        elif kind == "rejected":
            self._answer = FileRejected(payload)
        else:
            self._answer = WorkerFailed(payload)

    def close(self) -> None:
        """Stop the worker, whether waiting for a task, reading or done."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
        self._tasks.close()
        self._results.close()


def worth_a_worker(chars: int) -> bool:
    """True for a text long enough, on a machine that seems to have a core free.

    Two processes do about a quarter more work in all than one (start-up, sending the
    rows, merging), so with every core busy they finish later than one would. The
    load average (where the system has one) tells whether a core is free: this
    process counts one. Without one (Windows), a second core is taken as free.
    """
    cores = os.cpu_count() or 1
    if chars < SPLIT_MIN_CHARS or cores < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return True
    return load < cores - 0.5


@contextmanager
def tail_worker(wanted: bool) -> Iterator[ChunkWorker | None]:
    """A started worker when ``wanted`` and one can start (else None), stopped on exit."""
    worker = None
    if wanted:
        try:
            worker = ChunkWorker()
        except (OSError, RuntimeError, ValueError) as exc:
            log.debug("reading in one process: no worker (%s)", exc)
    try:
        yield worker
    finally:
        if worker is not None:
            worker.close()


def read_long_in_two(
    ctx: CsvContext,
    reader,  # noqa: ANN001 - a csv.reader after the header
    text: str,
    delimiter: str,
    ticker: Ticker,
    worker: ChunkWorker,
) -> bool:
    """Read a long CSV's rows into ``ctx``, the tail in ``worker``; False if it cannot.

    False means ``ctx`` and ``reader`` are spent and the caller reads the file again in
    one process (a cut no line boundary of the records matched, or a collection time
    written two ways across the cut).
    """
    header_lines = reader.line_num
    start = 0
    for _ in range(header_lines):
        start = text.find("\n", start) + 1
    cut = split_point(text, start) if start > 0 else 0
    if not cut:
        read_long(ctx, reader, ticker)
        return True
    lines_before = text.count("\n", 0, cut)
    task = TailTask(text[cut:], lines_before, delimiter, context_fields(ctx))
    worker.send(task)
    first_tail = lines_before / max(ctx.total_lines, 1)

    def report(fraction: float) -> None:
        worker.poll()
        ticker.report(fraction + max(worker.progress - first_tail, 0.0))

    stopped_at = read_long(ctx, reader, ticker.sharing(report), stop=lines_before)
    if stopped_at == 0:
        return True  # a record ran from the head to the end: this process read it all
    if stopped_at != lines_before + 1:
        return False  # a record spanned the cut: the tail was read from its middle

    def wait() -> None:
        ticker.check()
        report(first_tail)

    try:
        tail = worker.tail(wait)
    except WorkerFailed:
        tail = read_tail(task, ticker.sharing(ticker.report))
    return merge_tail(ctx, tail)
