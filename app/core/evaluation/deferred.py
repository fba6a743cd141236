"""Fields worked out on first read, for frozen (non-slotted) dataclasses.

A clinic-wide evaluation builds tens of thousands of findings and reads few of
their texts or traces; formatting them all was a third of the rules' time. A
field given a ``Later`` value holds the work instead, and its first read does
the work and keeps the result in the instance's ``__dict__``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class Later:
    """A finding field worked out on first read: ``work()[index]`` (or ``work()``).

    Fields that share one ``work`` (a finding's three texts) share one ``Once``,
    so it runs once for all of them.
    """

    __slots__ = ("once", "index")

    def __init__(self, once: Once, index: int | None = None) -> None:
        self.once = once
        self.index = index

    def value(self) -> Any:
        result = self.once()
        return result if self.index is None else result[self.index]


class Once:
    """A function of no arguments, run on the first call; later calls return its result."""

    __slots__ = ("work", "result")

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work: Callable[[], Any] | None = work
        self.result: Any = None

    def __call__(self) -> Any:
        if self.work is not None:
            self.result = self.work()
            self.work = None  # drop the closure (and the patient data it holds)
        return self.result


class _DeferredField:
    """Data descriptor of a frozen dataclass field that may hold a ``Later`` value."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, finding: Any, owner: type | None = None) -> Any:
        if finding is None:
            raise AttributeError(self.name)  # no class-level default
        found = finding.__dict__[self.name]
        if type(found) is Later:
            found = found.value()
            finding.__dict__[self.name] = found
        return found

    def __set__(self, finding: Any, value: Any) -> None:
        # Reached only through ``object.__setattr__`` (the frozen dataclass's __init__).
        finding.__dict__[self.name] = value


def defer_fields(cls: type, names: Iterable[str]) -> None:
    """Let these fields of a frozen dataclass hold ``Later`` values.

    Installed after ``@dataclass`` ran, so the descriptors are not taken for
    defaults; the dataclass's ``__init__`` stores through them.
    """
    for name in names:
        setattr(cls, name, _DeferredField(name))
