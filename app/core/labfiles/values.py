"""Parse one result cell: numbers, censored values, glued flags and units, non-results.

Lab exports write the same result many ways (``<0.5``, ``< 0.5 ng/mL``, ``12.3 H``,
``0,5``, ``1,250``, ``Not detected``, ``QNS``). :func:`parse_value_text` turns one such
cell into a :class:`ParsedValue` or raises :class:`ValueError` with a one-line message
a clinician can act on. It never evaluates anything: spreadsheet formulas are refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "NON_RESULTS",
    "ParsedValue",
    "looks_like_formula",
    "looks_like_unit",
    "normalise_flag",
    "normalise_comparator",
    "parse_number",
    "parse_reference_range",
    "parse_value_text",
]

#: Canonical non-result codes and a label for each. Besides results that were not
#: produced (pending, QNS...) this includes qualitative results (negative, reactive),
#: which also carry no number. ``text`` is free text kept by the HL7/FHIR readers.
NON_RESULTS: dict[str, str] = {
    "below_detection": "Below the detection or quantitation limit",
    "above_range": "Above the measuring range",
    "not_detected": "Not detected",
    "not_performed": "Test not performed",
    "qns": "Quantity not sufficient",
    "cancelled": "Cancelled",
    "see_comment": "See comment",
    "pending": "Pending",
    "no_value": "No value",
    "specimen_rejected": "Specimen unsuitable (haemolysed, clotted...)",
    "negative": "Negative",
    "positive": "Positive",
    "reactive": "Reactive",
    "nonreactive": "Non-reactive",
    "detected": "Detected",
    "indeterminate": "Indeterminate",
    "equivocal": "Equivocal",
    "trace": "Trace",
    "text": "Text result",
}

# Keys are the cell lower-cased with everything but letters, digits, '<' and '>'
# removed, so "N.D.", "Not-Detected" and "not detected" all meet one entry.
_NON_RESULT_KEYS: dict[str, str] = {}
for _code, _words in {
    "below_detection": "<loq <lod <dl <mdl <lloq <rl <lol <pql bdl blq bql belowdetection "
    "belowdetectionlimit belowthedetectionlimit belowlimitofdetection belowquantitationlimit "
    "belowlimitofquantitation belowquantitation lessthanlod lessthanloq",
    "above_range": ">uloq >ulq >linearity >range aboverange abovelinearity aboveassayrange "
    "abovemeasuringrange",
    "not_detected": "nd notdetected nonedetected undetected notdet notdetectable",
    "not_performed": "tnp testnotperformed notperformed notdone nottested",
    "qns": "qns quantitynotsufficient quantityinsufficient insufficientquantity "
    "insufficientsample insufficientspecimen",
    "cancelled": "cancelled canceled canc cncl testcancelled testcanceled",
    "see_comment": "seecomment seecomments seenote seenotes seereport seebelow seeinterpretation "
    "seeattached",
    "pending": "pending pend resultpending inprogress tofollow",
    "no_value": "novalue noresult na notavailable null none",
    "specimen_rejected": "hemolyzed hemolysed haemolysed haemolyzed grosslyhemolyzed clotted "
    "specimenclotted lipemic lipaemic specimenrejected rejected",
    "negative": "negative neg",
    "positive": "positive pos",
    "reactive": "reactive react",
    "nonreactive": "nonreactive nonreact nr",
    "detected": "detected",
    "indeterminate": "indeterminate indet",
    "equivocal": "equivocal borderline",
    "trace": "trace",
}.items():
    for _word in _words.split():
        _NON_RESULT_KEYS[_word] = _code

_KEY_STRIP = re.compile(r"[^a-z0-9<>]+")
_ONLY_DASHES = re.compile(r"^[-\u2010-\u2015]+$")

_COMPARATORS = {
    "<": "<",
    ">": ">",
    "<=": "<=",
    "=<": "<=",
    "\u2264": "<=",
    "\u2a7d": "<=",
    ">=": ">=",
    "=>": ">=",
    "\u2265": ">=",
    "\u2a7e": ">=",
    "less than": "<",
    "greater than": ">",
    "less than or equal to": "<=",
    "greater than or equal to": ">=",
}

# One pass over the cell: optional comparator, a number in any separator style (checked
# later against the decimal mark), then whatever follows (unit and/or flags).
_VALUE_RE = re.compile(
    r"^(?P<cmp><=|=<|>=|=>|[<>\u2264\u2265\u2a7d\u2a7e]"
    r"|(?:less|greater)\s+than(?:\s+or\s+equal\s+to)?)?\s*"
    r"(?P<num>[-+]?(?:\d+(?:[.,]\d+)*[.,]?|[.,]\d+)(?:[eE][-+]?\d+)?)"
    r"(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)

_FLAGS = {
    "H": "H",
    "L": "L",
    "HH": "HH",
    "LL": "LL",
    "A": "A",
    "AA": "AA",
    "N": "N",
    "*": "*",
    "HIGH": "H",
    "LOW": "L",
    "ABN": "A",
    "ABNORMAL": "A",
    # Some analyzers mark results with signs glued on ("0.55+", "0.9---").
    "+": "H",
    "++": "H",
    "+++": "H",
    "-": "L",
    "--": "L",
    "---": "L",
}

# A unit is accepted when it has a character no word has (/ % ^ µ brackets...) or is a
# bare SI-prefixed unit; this keeps "12 abc" an error instead of a unit called "abc".
_UNIT_SYMBOLS = re.compile(r"[/%^\u00b5\u03bc\[\]{}\u00b0]")
_BARE_UNIT = re.compile(
    r"^(?:[fpnumcdk]?(?:g|l|mol|eq|iu|u|kat|m)|mmhg|sec|s|min|h|hr|hrs|ratio|index|units?"
    r"|cells|copies|titer|titre|ppm|ppb|cfu|x|mosm|osm|score|t-score|z-score|iu/l)$",
    re.IGNORECASE,
)
_UNIT_CHARS = re.compile(r"^[A-Za-z0-9\u00b5\u03bc%\u00b0/^*.()\[\]{}\-+ ]+$")

_THOUSANDS_DOT = re.compile(r"^[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?$")
_THOUSANDS_COMMA = re.compile(r"^[-+]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d*)?$")
_GROUPED_DOTS = re.compile(r"^[-+]?[1-9]\d{0,2}(?:\.\d{3})+$")

# Full-width = + - @ are formula starters in some spreadsheet locales too.
_FORMULA_START = re.compile(
    r"^(?:[=\uff1d](?![<>])|[@\uff20]|[+\-\uff0b\uff0d](?=[A-Za-z(@=\uff1d\uff20]))"
)


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """One result cell, taken apart.

    Attributes:
        value: The number as reported, or ``None`` for a non-result.
        comparator: ``'<'``, ``'<='``, ``'>'`` or ``'>='`` for a censored result, else ``None``.
        flag: Abnormal flag found in the cell (``'H'``, ``'L'``, ``'HH'``, ``'LL'``, ``'A'``,
            ``'AA'``, ``'N'``, ``'*'``), else ``''``.
        unit: Unit text found in the cell (``'ng/dL'`` in ``'450 ng/dL'``), else ``''``.
        non_result: A key of :data:`NON_RESULTS` when there is no number, else ``''``.
        raw: The text as given, stripped.
    """

    value: float | None
    comparator: str | None = None
    flag: str = ""
    unit: str = ""
    non_result: str = ""
    raw: str = ""


def normalise_comparator(text: str) -> str | None:
    """Return the canonical comparator for ``text`` (``'=<'`` → ``'<='``), or ``None``."""
    return _COMPARATORS.get(" ".join(text.lower().split()))


def normalise_flag(text: str) -> str:
    """Return the canonical flag for ``text`` (``'High'`` → ``'H'``), else ``text`` stripped."""
    stripped = text.strip()
    key = stripped.strip("()[]").upper()
    return _FLAGS.get(key) or _FLAGS.get(key.strip("*")) or stripped


def looks_like_unit(text: str) -> bool:
    """Return True when ``text`` reads as a unit (``'ng/dL'``, ``'%'``, ``'10^3/uL'``, ``'IU'``)."""
    text = text.strip()
    return bool(
        text
        and _UNIT_CHARS.match(text)
        and any(c.isalpha() or c in "%\u00b5\u03bc" for c in text)
        and (_UNIT_SYMBOLS.search(text) or _BARE_UNIT.match(text))
    )


def looks_like_formula(text: str) -> bool:
    """Return True when ``text`` would run as a spreadsheet formula (``'=1+2'``, ``'@A1'``)."""
    return bool(_FORMULA_START.match(text.strip()))


def _reject(raw: str) -> ValueError:
    """Build the error for text that is neither a number nor a known non-result."""
    return ValueError(
        f"{raw!r} is not a number, a censored value such as <0.5, "
        "or a known non-result such as ND, QNS or Pending."
    )


def parse_number(num: str, decimal_mark: str = ".") -> float:
    """Read a number written with ``decimal_mark`` and optional thousands separators.

    Args:
        num: Digits with an optional sign, separators and exponent (no unit).
        decimal_mark: ``'.'`` or ``','``.

    Returns:
        The finite float.

    Raises:
        ValueError: When the separators do not fit the decimal mark, or the reading
            would be ambiguous (``'1.250'`` in a decimal-comma file may be 1.25 or 1250).
    """
    text = num.strip()
    if decimal_mark == ",":
        if "." in text:
            if "," in text:
                if not _THOUSANDS_COMMA.match(text):
                    raise _reject(num)
                text = text.replace(".", "").replace(",", ".")
            elif _GROUPED_DOTS.match(text):
                raise ValueError(
                    f"{num!r} is ambiguous in a file with decimal commas: "
                    "it may mean a decimal point or a thousands separator."
                )
        elif text.count(",") > 1:
            raise _reject(num)
        else:
            text = text.replace(",", ".")
    elif "," in text:
        if not _THOUSANDS_DOT.match(text):
            raise ValueError(
                f"{num!r} has a comma where a decimal point is expected; "
                "if the file uses decimal commas, choose comma as the decimal mark."
            )
        text = text.replace(",", "")
    if "_" in text:
        raise _reject(num)
    try:
        result = float(text)
    except ValueError:
        raise _reject(num) from None
    if not math.isfinite(result):
        raise _reject(num)
    return result


def _split_flags(rest: str) -> tuple[str, str]:
    """Split trailing or leading flag tokens off ``rest``; return ``(flag, remainder)``."""
    tokens = rest.split()
    flags: list[str] = []
    while tokens:
        tok = tokens[-1].strip("()[]").upper()
        if tok not in _FLAGS and tok.strip("*") in _FLAGS:
            tok = tok.strip("*")
        if tok not in _FLAGS:
            break
        flags.append(_FLAGS[tok])
        tokens.pop()
    while tokens:
        tok = tokens[0].strip("()[]").upper()
        if tok not in _FLAGS or tok in ("L", "U"):
            # A leading lone 'L' is more likely a unit (litre) than a flag.
            break
        flags.append(_FLAGS[tok])
        tokens.pop(0)
    flag = next((f for f in flags if f != "*"), flags[0] if flags else "")
    return flag, " ".join(tokens)


def _split_glued(rest: str) -> tuple[str, str]:
    """Split a unit with flags glued to its end (``'ng/dLH'`` is never split; ``'H*'`` is)."""
    upper = rest.strip("()[]").upper()
    if upper in _FLAGS:
        return _FLAGS[upper], ""
    if upper.strip("*") in _FLAGS:
        return _FLAGS[upper.strip("*")], ""
    return "", rest


def parse_value_text(text: str, decimal_mark: str = ".") -> ParsedValue:
    """Parse one result cell.

    Args:
        text: The cell as written (``'<0.5'``, ``'12.3 H'``, ``'450 ng/dL'``, ``'QNS'``).
        decimal_mark: ``'.'`` (``'1,250'`` is read as 1250) or ``','`` (``'0,5'`` is 0.5).

    Returns:
        The parsed value. Non-results have ``value=None`` and a ``non_result`` code.

    Raises:
        ValueError: For empty text, spreadsheet formulas (never evaluated), and text that
            is neither a number nor a known non-result (``'abc'``, ``'12..3'``).
    """
    raw = text.strip()
    if not raw:
        raise ValueError("The value is empty.")
    if decimal_mark == "." or "." not in raw:
        # Fast path: most cells are plain numbers. float() also takes 'nan', 'inf' and
        # '1_000', none of which a lab would write, so those fall through to the checks.
        try:
            number = float(raw if decimal_mark == "." else raw.replace(",", ".", 1))
        except ValueError:
            pass
        else:
            if math.isfinite(number) and "_" not in raw and raw.count(",") <= 1:
                return ParsedValue(number, raw=raw)
    if looks_like_formula(raw):
        raise ValueError(
            f"{raw!r} looks like a spreadsheet formula; it was not evaluated. "
            "Enter the result itself."
        )
    key = _KEY_STRIP.sub("", raw.lower())
    code = _NON_RESULT_KEYS.get(key)
    if code is None and _ONLY_DASHES.match(raw):
        code = "no_value"
    if code is not None:
        comparator = "<" if code == "below_detection" else None
        comparator = ">" if code == "above_range" else comparator
        return ParsedValue(None, comparator, non_result=code, raw=raw)
    match = _VALUE_RE.match(raw)
    if match is None:
        raise _reject(raw)
    cmp_text, num, rest = match.group("cmp", "num", "rest")
    comparator = _COMPARATORS[" ".join(cmp_text.lower().split())] if cmp_text else None
    value = parse_number(num, decimal_mark)
    rest = rest.strip()
    flag = unit = ""
    if rest:
        flag, unit = _split_glued(rest)
        if unit:
            flag, unit = _split_flags(unit)
        if unit and not any(c.isalpha() or c in "%\u00b5\u03bc" for c in unit):
            raise _reject(raw)
        if unit and not looks_like_unit(unit):
            raise ValueError(f"{raw!r}: the text after the number is not a unit or a flag.")
    return ParsedValue(value, comparator, flag, unit, "", raw)


_RANGE_NUM = r"[-+]?(?:\d+(?:[.,]\d+)*|[.,]\d+)"
_RANGE_BETWEEN = re.compile(
    rf"^[\[(]?\s*(?P<lo>{_RANGE_NUM})\s*(?:-|\u2013|\u2014|_|~|\.\.|to)\s*(?P<hi>{_RANGE_NUM})"
    r"(?![\d.,])",
    re.IGNORECASE,
)
_RANGE_ONE_SIDED = re.compile(
    rf"^[\[(]?\s*(?P<cmp><=|=<|>=|=>|[<>\u2264\u2265]|(?:less|greater)\s+than"
    rf"(?:\s+or\s+equal\s+to)?|up\s+to)\s*(?P<num>{_RANGE_NUM})(?![\d.,])",
    re.IGNORECASE,
)


def parse_reference_range(text: str, decimal_mark: str = ".") -> tuple[float | None, float | None]:
    """Read the bounds of a printed reference range.

    Handles ``'70-120'``, ``'70 - 120'``, ``'3.5–5.0'`` (en dash), ``'70_105'`` (HL7),
    ``'70 to 120 ng/dL'``, ``'-2.5 - 1.0'``, ``'<5'``, ``'>30'``, ``'<9 mcg/dL: Acceptable'``.

    Args:
        text: The range as printed.
        decimal_mark: ``'.'`` or ``','``.

    Returns:
        ``(low, high)``; a missing side is ``None``. ``(None, None)`` when the text is
        empty, not a range, or its low bound is above its high bound. Never raises.
    """
    raw = text.strip()
    if not raw:
        return None, None
    try:
        match = _RANGE_BETWEEN.match(raw)
        if match:
            low = parse_number(match.group("lo"), decimal_mark)
            high = parse_number(match.group("hi"), decimal_mark)
            return (low, high) if low <= high else (None, None)
        match = _RANGE_ONE_SIDED.match(raw)
        if match:
            number = parse_number(match.group("num"), decimal_mark)
            cmp_text = " ".join(match.group("cmp").lower().split())
            if cmp_text[0] in "<\u2264lu=" and cmp_text not in ("=>",):
                return None, number
            return number, None
    except ValueError:
        return None, None
    return None, None
