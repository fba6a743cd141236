"""Import rows built a chunk ahead on a thread: the same rows, errors where they arose."""

from __future__ import annotations

import threading

import pytest

from app.store.prefetch import ChunksAhead


def _builders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-rows"]


def test_chunks_hold_every_row_in_order_then_an_empty_list():
    with ChunksAhead(range(10), 4) as chunks:
        taken = [chunks.take(), chunks.take(), chunks.take(), chunks.take()]
    assert taken == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], []]


def test_a_chunk_asked_for_early_is_the_same_chunk():
    with ChunksAhead(iter("abcde"), 2) as chunks:
        first = chunks.take()
        chunks.build_next()
        chunks.build_next()  # asking twice builds one chunk, not two
        assert (first, chunks.take(), chunks.take(), chunks.take()) == (
            ["a", "b"], ["c", "d"], ["e"], []
        )  # fmt: skip


def test_an_error_while_building_is_raised_by_take_at_its_chunk():
    def rows():
        yield from range(5)
        raise ValueError("row 6 could not be made")

    with ChunksAhead(rows(), 3) as chunks:
        assert chunks.take() == [0, 1, 2]
        chunks.build_next()
        with pytest.raises(ValueError, match="row 6"):
            chunks.take()
    assert _builders() == []


def test_leaving_early_waits_for_the_chunk_being_built():
    started, release = threading.Event(), threading.Event()

    def rows():
        yield 1
        started.set()
        release.wait(5)
        yield 2

    with pytest.raises(KeyError), ChunksAhead(rows(), 1) as chunks:
        assert chunks.take() == [1]
        chunks.build_next()
        started.wait(5)
        threading.Timer(0.05, release.set).start()
        raise KeyError("the caller stopped")
    assert _builders() == []
