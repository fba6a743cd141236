"""Fixtures for the knowledge-base tests: a private copy of the real KB to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.knowledge import KnowledgeBase, KnowledgeError, default_knowledge_dir, load_knowledge


class KbCopy:
    """The bundled knowledge files copied into a temporary folder, with editing helpers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def edit(self, file: str, old: str, new: str) -> None:
        """Replace ``old`` (which must occur exactly once) with ``new`` in one file."""
        path = self.folder / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def append(self, file: str, text: str) -> None:
        """Append TOML text to one file."""
        with (self.folder / file).open("a", encoding="utf-8") as handle:
            handle.write("\n" + text + "\n")

    def load(self) -> KnowledgeBase:
        """Load the copy (never from the cache)."""
        return load_knowledge(self.folder, cache=False)

    def problems(self) -> list[str]:
        """Load the copy expecting failure; return its ``file: key: problem`` lines."""
        with pytest.raises(KnowledgeError) as caught:
            self.load()
        return caught.value.problems


@pytest.fixture
def kb_copy(tmp_path: Path) -> KbCopy:
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    return KbCopy(target)
