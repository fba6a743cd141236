"""A clinic-wide worklist shared with worker processes, one per spare core.

Evaluating a whole clinic is CPU-bound Python, and one process uses one core.
Each worker opens the clinic itself (read-only, with the key of the signed-in
session), loads the knowledge base, runs the same pass over its share of the
patients (one of ``parts`` runs of patients in id order) and sends back worklist rows:
pickling whole findings with their traces would cost seconds. The calling
process runs part 0 meanwhile, so a worker's start-up (about a second of imports)
overlaps with work.

Workers are spawned, never forked: a fork of the GUI process would copy its Qt
threads' locks and the open database connection.

Only the benchmark turns this on (``worklist(processes=2)``); the worklist dialog
and ``cofactor worklist`` run in one process. Measured on the 2-core machine the
app is built on (docs/BENCHMARKS.md, Evaluate): a worker saves a third of an
every-rule worklist when a core is free and loses time when the cores are busy,
and a worklist of one rule (the usual one) takes about as long as a worker's
start-up. Turning it on wants a machine with cores to spare and a measurement there.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.services.worklist_rows import WorklistFilter, WorklistRow
from app.store.database import ClinicDatabase


@dataclass(frozen=True)
class PartTask:
    """What a worker needs to run its part (the key travels over the pipe, never argv).

    Attributes:
        path: The clinic file.
        key: Its SQLCipher key (None for a plain clinic).
        kb_version: The caller's knowledge base version; a worker loading another refuses.
        as_of: The evaluation date.
        rules: The worklist's rule ids (None: the whole pack).
        keep: Which findings become rows.
        part: This worker's part.
        parts: How many parts the patients are split into.
    """

    path: Path
    key: bytes | None
    kb_version: str
    as_of: date
    rules: frozenset[str] | None
    keep: WorklistFilter
    part: int
    parts: int


def rows_of_part(task: PartTask) -> tuple[list[WorklistRow], int]:
    """Run one part of a clinic-wide worklist (in a worker process): its rows, and how
    many findings it left out as suppressed."""
    from app.core.evaluation import rules_for, rules_subset
    from app.core.knowledge import load_knowledge
    from app.services.clinic_evaluation import ClinicEvaluation
    from app.store.database import open_reader

    kb = load_knowledge()
    if kb.version != task.kb_version:
        raise RuntimeError(f"worker loaded knowledge base {kb.version}, not {task.kb_version}")
    pack = rules_for(kb) if task.rules is None else rules_subset(kb, task.rules)
    clinic = open_reader(task.path, task.key)
    try:
        run = ClinicEvaluation(clinic, kb, pack, task.as_of, task.part, task.parts)
        rows: list[WorklistRow] = []
        hidden = 0
        for patient, evaluation in run:
            rows += task.keep.rows(patient, evaluation, kb)
            hidden += task.keep.hidden(evaluation)
        return rows, hidden
    finally:
        clinic.close()


def _serve_part(task: PartTask, sender) -> None:  # noqa: ANN001 - a Connection
    """A worker process's entry: its rows, or the error that stopped it, down the pipe."""
    try:
        sender.send(("rows", rows_of_part(task)))
    except BaseException as exc:  # the caller re-raises it; a worker has no one to tell
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


class WorkerFailed(RuntimeError):
    """A worker process stopped without its rows."""


class WorkerParts:
    """Parts 1 to ``parts - 1`` of a clinic-wide worklist, running in worker processes."""

    def __init__(
        self,
        clinic: ClinicDatabase,
        kb_version: str,
        as_of: date,
        rules: frozenset[str] | None,
        keep: WorklistFilter,
        parts: int,
    ) -> None:
        if clinic.path is None:
            raise ValueError("an in-memory clinic cannot be opened by another process")
        context = multiprocessing.get_context("spawn")
        self._workers = []
        self.hidden = 0  # findings the workers left out as suppressed
        for part in range(1, parts):
            task = PartTask(clinic.path, clinic.key, kb_version, as_of, rules, keep, part, parts)
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_serve_part, args=(task, sender), daemon=True)
            process.start()
            sender.close()  # the worker holds the sending end: its exit ends the pipe
            self._workers.append((process, receiver))

    def rows(self) -> list[WorklistRow]:
        """Every worker's rows, in part order (waits for them).

        Raises:
            WorkerFailed: A worker could not run its part (the others are stopped).
        """
        found: list[WorklistRow] = []
        try:
            for process, receiver in self._workers:
                try:
                    kind, payload = receiver.recv()
                except EOFError:  # it died before sending anything
                    process.join()
                    kind, payload = "error", f"it exited with code {process.exitcode}"
                if kind != "rows":
                    raise WorkerFailed(f"a worklist worker failed: {payload}")
                rows, hidden = payload
                found += rows
                self.hidden += hidden
        except BaseException:
            self.cancel()
            raise
        self._close()
        return found

    def cancel(self) -> None:
        """Stop the workers now (a cancelled or failed worklist)."""
        for process, _receiver in self._workers:
            process.terminate()
        self._close()

    def _close(self) -> None:
        for process, receiver in self._workers:
            process.join()
            receiver.close()
