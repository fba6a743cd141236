"""Read FHIR JSON elements defensively: wrong types become empty values, not crashes.

Also finds the physical line of each resource (JSON parsers do not report it) and
turns an Observation's ``value[x]`` into the fields of a result.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from datetime import datetime

from .model import FileRejected
from .values import normalise_comparator, parse_value_text

__all__ = [
    "Locator",
    "as_dict",
    "as_list",
    "as_number",
    "as_text",
    "has_value",
    "load_json",
    "parse_when",
    "text_of",
    "value_of",
]

_UCUM_SYSTEM = "http://unitsofmeasure.org"
_RESOURCE_KEY = re.compile(r'"resourceType"\s*:')
_TEXT_VALUES = ("valueBoolean", "valueTime", "valueDateTime", "valueRange", "valueRatio")
_TEXT_VALUES += ("valuePeriod", "valueSampledData", "valueAttachment")


def as_dict(value: object) -> dict:
    """Return ``value`` if it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    """Return ``value`` if it is a JSON array; a lone object becomes a one-item list."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def as_text(value: object) -> str:
    """Return ``value`` stripped if it is a string, else ``''``."""
    return value.strip() if isinstance(value, str) else ""


def as_number(value: object) -> float | None:
    """Return a finite JSON number as float; ``None`` for anything else (booleans too)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_when(text: str) -> datetime | None:
    """FHIR dateTime/instant to a naive wall-clock datetime; ``None`` unless at least a day."""
    if len(text) < 10:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


class Locator:
    """Find the physical line of each resource from the order of ``"resourceType"`` keys."""

    def __init__(self, text: str, docs: list[object], lines: list[int] | None) -> None:
        self._line_of: dict[int, int] = {}
        if lines is not None:  # NDJSON: one resource per line
            for doc, line in zip(docs, lines, strict=True):
                self._line_of[id(doc)] = line
            return
        newlines = [m.start() for m in re.finditer("\n", text)]
        positions = [m.start() for m in _RESOURCE_KEY.finditer(text)]
        order: list[int] = []
        stack: list[object] = list(reversed(docs))
        while stack:  # iterative, so deep nesting cannot overflow the stack
            node = stack.pop()
            if isinstance(node, dict):
                children = []
                for key, value in node.items():
                    if key == "resourceType" and isinstance(value, str):
                        order.append(id(node))
                    elif isinstance(value, dict | list):
                        children.append(value)
                stack.extend(reversed(children))
            elif isinstance(node, list):
                stack.extend(reversed(node))
        if len(order) == len(positions):
            for key, pos in zip(order, positions, strict=True):
                self._line_of[key] = bisect_right(newlines, pos) + 1

    def line(self, resource: dict) -> int:
        """Return the 1-based line where ``resource`` starts (1 when unknown)."""
        return self._line_of.get(id(resource), 1)


def load_json(text: str) -> tuple[list[object], list[int] | None]:
    """Parse one JSON document, or NDJSON (one resource per line) with its line numbers."""
    try:
        return [json.loads(text)], None
    except RecursionError:
        raise FileRejected("This JSON file is nested too deeply to be a FHIR resource.") from None
    except ValueError as exc:
        first_error = exc
    docs: list[object] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                docs.append(json.loads(line))
            except (ValueError, RecursionError):
                raise FileRejected(f"This is not valid JSON ({first_error}).") from None
            lines.append(number)
    return docs, lines


def has_value(part: dict) -> bool:
    """Return True when an Observation or component carries any ``value[x]``."""
    return any(key.startswith("value") and part[key] not in (None, "", {}, []) for key in part)


def text_of(concept: object) -> str:
    """Return the text of a CodeableConcept: its text, else a display, else a code."""
    concept = as_dict(concept)
    codings = [as_dict(c) for c in as_list(concept.get("coding"))]
    return as_text(concept.get("text")) or next(
        (as_text(c.get("display")) or as_text(c.get("code")) for c in codings if c), ""
    )


def value_of(part: dict) -> tuple | str:
    """Return ``(raw, value, comparator, flag, unit, non_result)`` or a problem sentence."""
    if "valueQuantity" in part:
        quantity = as_dict(part["valueQuantity"])
        value = as_number(quantity.get("value"))
        if value is None:
            return "valueQuantity.value is missing or not a number."
        comparator = None
        if as_text(quantity.get("comparator")):
            comparator = normalise_comparator(as_text(quantity.get("comparator")))
            if comparator is None:
                return (
                    f"The comparator {as_text(quantity.get('comparator'))!r} is not <, <=, > or >=."
                )
        code, unit = as_text(quantity.get("code")), as_text(quantity.get("unit"))
        unit = code if code and as_text(quantity.get("system")) == _UCUM_SYSTEM else unit or code
        raw = f"{comparator or ''}{quantity.get('value')}"
        return raw, value, comparator, "", unit, ""
    if "valueInteger" in part:
        value = as_number(part["valueInteger"])
        if value is None:
            return "valueInteger is not a number."
        return str(part["valueInteger"]), value, None, "", "", ""
    if "valueString" in part or "valueCodeableConcept" in part:
        if "valueString" in part:
            text, coded = as_text(part["valueString"]), False
        else:
            text, coded = text_of(part["valueCodeableConcept"]), True
        if not text:
            return "The text value is empty."
        try:
            parsed = parse_value_text(text)
        except ValueError:
            return text, None, None, "", "", "text"
        if coded or parsed.value is None:
            return text, None, None, "", "", parsed.non_result or "text"
        return text, parsed.value, parsed.comparator, parsed.flag, parsed.unit, ""
    for key in _TEXT_VALUES:
        if key in part:
            return json.dumps(part[key], ensure_ascii=False)[:200], None, None, "", "", "text"
    return "The value type is not one this reader imports."
