"""Read HL7 v2 ORU^R01 lab results (v2.3 to v2.5.1) without a third-party parser.

An HL7 v2 message is lines ("segments") of fields split by the character after
``MSH``, with components, repetitions and sub-components split by the characters
in MSH-2. Only the segments a lab result needs are read: MSH (message type, sending
lab), PID (patient), OBR and SPM (collection time), OBX (one result each), NTE
(comments). Batch envelopes (FHS/BHS/BTS/FTS) are skipped; a file may hold many messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from .finish import Ticker, finish
from .model import FileRejected, ParsedFile, RawResult, RowProblem
from .values import (
    NON_RESULTS,
    normalise_comparator,
    normalise_flag,
    parse_number,
    parse_reference_range,
    parse_value_text,
)

__all__ = ["read_hl7"]

_SEGMENT_SPLIT = re.compile(r"\r\n|\r|\n")
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{2}$")
_TS = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6}))?\d*(?:[+-]\d{4})?$"
)
_ENVELOPE = frozenset(("FHS", "BHS", "BTS", "FTS"))
_RESULT_MESSAGES = frozenset(("ORU", "OUL"))
_KEEP_STATUS = frozenset(("F", "C", ""))
_STATUS_REASONS = {
    "X": "the lab could not obtain a result (OBX-11 'X')",
    "D": "the lab deleted this result (OBX-11 'D')",
    "W": "the lab marked this result as wrong (OBX-11 'W')",
    "P": "this is a preliminary result (OBX-11 'P'); import the final one",
    "R": "this result was not verified (OBX-11 'R')",
    "S": "this is a partial result (OBX-11 'S')",
    "I": "the specimen is still in the lab (OBX-11 'I')",
    "U": "the status was changed to final without a new result (OBX-11 'U')",
}
_TEXT_TYPES = frozenset(("ST", "TX", "FT"))
_CODED_TYPES = frozenset(("CWE", "CE", "CNE", "CF", "IS", "ID"))
_TIME_TYPES = frozenset(("DT", "TS", "DTM", "TM"))
_SEX = {"M": "male", "F": "female", "U": "unknown", "O": "other", "A": "other", "N": "unknown"}


# Characters an escape may spell that no lab text holds (tab and line breaks stay).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(slots=True)
class _Encoding:
    """The separators of one message (MSH-1 and MSH-2)."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    def unescape(self, text: str) -> str:
        """Replace HL7 escape sequences (``\\F\\``, ``\\S\\``, ``\\.br\\``, ``\\Xhh\\``...)."""
        esc = self.escape
        if not esc or esc not in text:
            return text
        pattern = re.escape(esc) + r"(.*?)" + re.escape(esc)
        simple = {
            "F": self.field,
            "S": self.component,
            "T": self.subcomponent,
            "R": self.repetition,
            "E": esc,
            ".br": "\n",
            "H": "",
            "N": "",
        }

        def one(match: re.Match[str]) -> str:
            code = match.group(1)
            if code in simple:
                return simple[code]
            if code[:1] == "X" and re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", code[1:]):
                # Control characters (a NUL above all) are dropped: no value holds one.
                return _CONTROL.sub("", bytes.fromhex(code[1:]).decode("latin-1"))
            return ""

        return re.sub(pattern, one, text)

    def components(self, text: str) -> list[str]:
        """First repetition of a field, split into components (sub-components dropped)."""
        first = text.split(self.repetition, 1)[0] if self.repetition else text
        return [c.split(self.subcomponent, 1)[0] for c in first.split(self.component)]


def _field(fields: list[str], n: int) -> str:
    """Return field ``n`` or ``''`` when the segment is shorter."""
    return fields[n] if n < len(fields) else ""


def _timestamp(text: str) -> datetime | None:
    """Parse an HL7 TS/DTM (``YYYYMMDDHHMM[SS[.S]][+ZZZZ]``); needs at least a full day."""
    match = _TS.match(text.strip())
    if not match or match.group(3) is None:
        return None
    parts = [int(g) if g else 0 for g in match.groups()[:6]]
    micro = int((match.group(7) or "").ljust(6, "0")) if match.group(7) else 0
    try:
        return datetime(*parts, micro)
    except ValueError:
        return None


@dataclass(slots=True)
class _Patient:
    """The patient of the current message (PID), with any problem found in it."""

    mrn: str = ""
    source_patient_id: str = ""
    family_name: str = ""
    given_name: str = ""
    date_of_birth: date | None = None
    sex: str = ""
    problem: str = ""


def _patient(fields: list[str], enc: _Encoding) -> _Patient:
    """Read PID-3 (identifiers), PID-5 (name), PID-7 (birth date) and PID-8 (sex)."""
    patient = _Patient()
    ids = []
    for rep in _field(fields, 3).split(enc.repetition):
        comps = rep.split(enc.component)
        if comps[0]:
            ids.append((enc.unescape(comps[0]), comps[4] if len(comps) > 4 else ""))
    if not ids and _field(fields, 2):
        ids.append((enc.unescape(enc.components(fields[2])[0]), ""))
    if ids:
        patient.source_patient_id = ids[0][0]
        patient.mrn = next((i for i, kind in ids if kind == "MR"), ids[0][0])
    name = enc.components(_field(fields, 5))
    patient.family_name = enc.unescape(name[0])
    patient.given_name = enc.unescape(name[1]) if len(name) > 1 else ""
    dob_text = enc.components(_field(fields, 7))[0]
    if dob_text:
        born = _timestamp(dob_text)
        if born is None:
            patient.problem = f"The birth date {dob_text!r} in PID-7 is not a valid date."
        else:
            patient.date_of_birth = born.date()
    sex = _field(fields, 8).strip().upper()
    patient.sex = _SEX.get(sex[:1], sex.lower()) if sex else ""
    return patient


def _value(kind: str, raw_field: str, enc: _Encoding) -> tuple:
    """Return ``(raw, value, comparator, flag, unit, non_result)`` or raise ValueError."""
    if kind == "SN":
        comps = (raw_field.split(enc.repetition, 1)[0].split(enc.component) + ["", "", "", ""])[:4]
        comparator_text, num1, separator, num2 = (enc.unescape(c).strip() for c in comps)
        raw = f"{comparator_text}{num1}{separator}{num2}"
        if separator or num2:
            return raw, None, None, "", "", "text"  # a ratio (1:128) or a range (10-20)
        comparator = None
        if comparator_text and comparator_text != "=":
            comparator = normalise_comparator(comparator_text)
            if comparator is None:
                raise ValueError(f"The SN comparator {comparator_text!r} is not <, <=, > or >=.")
        if not num1:
            raise ValueError("The structured numeric value has no number.")
        return raw, parse_number(num1), comparator, "", "", ""
    if kind in _CODED_TYPES:
        comps = enc.components(raw_field)
        text = enc.unescape(comps[1] if len(comps) > 1 and comps[1] else comps[0]).strip()
        try:
            parsed = parse_value_text(text)
        except ValueError:
            return text, None, None, "", "", "text"
        return text, None, None, "", "", parsed.non_result or "text"
    text = enc.unescape(raw_field.split(enc.repetition, 1)[0]).strip()
    if kind in _TIME_TYPES:
        return text, None, None, "", "", "text"
    if kind == "NM" or kind == "":
        parsed = parse_value_text(text)
    elif kind in _TEXT_TYPES:
        try:
            parsed = parse_value_text(text)
        except ValueError:
            return text, None, None, "", "", "text"
    else:
        raise ValueError(f"OBX-2 value type {kind!r} is not a lab value this reader imports.")
    return text, parsed.value, parsed.comparator, parsed.flag, parsed.unit, parsed.non_result


class _State:
    """What the reader knows at the current segment."""

    __slots__ = ("collected", "enc", "lab", "last", "patient", "skipping", "spm_collected")

    def __init__(self) -> None:
        self.enc = _Encoding()
        self.patient = _Patient()
        self.collected = ""
        self.spm_collected = ""
        self.lab = ""
        self.skipping = True
        self.last: RawResult | None = None


def _msh(segment: str, state: _State, line: int, problems: list[RowProblem]) -> None:
    """Start a new message: separators, sending lab, and whether it holds results."""
    sep = segment[3] if len(segment) > 3 else "|"
    fields = segment.split(sep)
    chars = _field(fields, 1)
    state.enc = _Encoding(sep, *(list(chars[:4]) + ["^", "~", "\\", "&"][len(chars[:4]) :]))
    state.patient = _Patient()
    state.collected = state.spm_collected = ""
    state.last = None
    state.lab = state.enc.unescape(state.enc.components(_field(fields, 3))[0])
    kind = state.enc.components(_field(fields, 8))
    state.skipping = kind[0] not in _RESULT_MESSAGES
    if state.skipping:
        shown = "^".join(c for c in kind[:2] if c) or "none"
        problems.append(
            RowProblem(line, "MSH-9", f"Message type {shown} is not a lab result message.")
        )


def _obx(fields: list[str], state: _State, line: int) -> RawResult | RowProblem:
    """Turn one OBX segment into a row or a problem."""
    enc = state.enc
    status = _field(fields, 11).strip().upper()
    if status not in _KEEP_STATUS:
        reason = _STATUS_REASONS.get(status, f"OBX-11 status {status!r} is not final")
        return RowProblem(line, "OBX-11", f"Not imported: {reason}.")
    if state.patient.problem and not state.patient.mrn:
        # A bad birth date only matters when it is all there is to match the patient
        # by; with an MRN the row is kept and matched by MRN alone.
        return RowProblem(line, "PID-7", state.patient.problem)
    code = enc.components(_field(fields, 3)) + [""] * 6
    loinc = local = ""
    if code[2].upper() == "LN":
        loinc, local = code[0], code[3]
    elif code[5].upper() == "LN":
        loinc, local = code[3], code[0]
    else:
        local = code[0]
    analyte = enc.unescape(code[1] or code[4] or code[0]).strip()
    if not analyte and not loinc and not local:
        return RowProblem(line, "OBX-3", "The result names no analyte or code.")
    raw_field = _field(fields, 5)
    if not raw_field.strip(enc.component + enc.repetition + " "):
        return RowProblem(line, "OBX-5", "The value is missing.")
    try:
        raw, value, comparator, flag, cell_unit, non_result = _value(
            _field(fields, 2).strip().upper(), raw_field, enc
        )
    except ValueError as exc:
        return RowProblem(line, "OBX-5", str(exc))
    when_text = state.collected or state.spm_collected or enc.components(_field(fields, 14))[0]
    when = _timestamp(when_text) if when_text else None
    if when is None:
        reason = f"{when_text!r} is not a valid HL7 date and time." if when_text else ""
        return RowProblem(line, "OBR-7", reason or "The collection date is missing.")
    units = enc.components(_field(fields, 6))
    unit = enc.unescape(units[0] or (units[1] if len(units) > 1 else "")).strip() or cell_unit
    ref_text = " ".join(c for c in enc.unescape(_field(fields, 7)).split(enc.component) if c)
    low, high = parse_reference_range(ref_text)
    flags = [f for f in _field(fields, 8).split(enc.repetition) if f.strip()]
    flag = normalise_flag(enc.unescape(flags[0])) if flags else flag
    producer = enc.components(_field(fields, 15)) + [""]
    performer = enc.components(_field(fields, 23))[0] or producer[1] or producer[0]
    patient = state.patient
    return RawResult(
        line,
        patient.mrn,
        patient.source_patient_id,
        patient.family_name,
        patient.given_name,
        patient.date_of_birth,
        patient.sex,
        analyte,
        loinc,
        local,
        raw,
        value,
        comparator,
        flag,
        non_result if non_result in NON_RESULTS else ("text" if value is None else ""),
        unit,
        "",
        low,
        high,
        ref_text.strip(),
        when,
        enc.unescape(performer).strip() or state.lab,
    )


def read_hl7(text: str, encoding: str, line_ending: str, today: date, ticker: Ticker) -> ParsedFile:
    """Read every ORU/OUL message of an HL7 v2 file.

    Returns:
        One row per OBX; problems name the segment field (``'OBX-5'``, ``'PID-7'``).

    Raises:
        FileRejected: The file holds no OBX segment at all (as a CSV file with a
            header but no rows): there is nothing to import, and no line is at fault.
    """
    parsed = ParsedFile(format="hl7v2", encoding=encoding, line_ending=line_ending, layout="hl7v2")
    problems = parsed.problems
    # Objects until finish() stores them compactly: an NTE segment amends the row before it.
    rows: list[RawResult] = []
    parsed.rows = rows
    state = _State()
    segments = _SEGMENT_SPLIT.split(text)
    total = max(len(segments), 1)
    seen_msh = False
    for line, segment in enumerate(segments, start=1):
        if line >= ticker.next_at:
            ticker.tick(line, line / total)
        segment = segment.strip()
        if not segment:
            continue
        sid = segment[:3]
        if sid == "MSH":
            seen_msh = True
            _msh(segment, state, line, problems)
            continue
        if sid in _ENVELOPE:
            continue
        if not _SEGMENT_ID.match(sid) or (len(segment) > 3 and segment[3] != state.enc.field):
            problems.append(RowProblem(line, "", "This line is not an HL7 segment."))
            continue
        if state.skipping:
            if not seen_msh:
                problems.append(RowProblem(line, "", f"The {sid} segment comes before any MSH."))
            continue
        fields = segment.split(state.enc.field)
        if sid == "PID":
            state.patient = _patient(fields, state.enc)
        elif sid == "OBR":
            state.collected = state.enc.components(_field(fields, 7))[0]
            state.spm_collected = ""
        elif sid == "SPM":
            state.spm_collected = state.enc.components(_field(fields, 17))[0]
        elif sid == "OBX":
            result = _obx(fields, state, line)
            if isinstance(result, RowProblem):
                problems.append(result)
                state.last = None
            else:
                rows.append(result)
                state.last = result
            continue
        elif sid == "NTE" and state.last is not None:
            comment = state.enc.unescape(_field(fields, 3).replace(state.enc.repetition, " "))
            state.last.note = f"{state.last.note}\n{comment}".strip()
            continue
        state.last = None if sid != "NTE" else state.last
    ticker.check()
    if not rows and not problems:
        raise FileRejected("The file holds no OBX segments, so it has no results to import.")
    ticker.report(1.0)
    return finish(parsed, today)
