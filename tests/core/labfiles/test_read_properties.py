"""Property tests: any bytes in, only the three documented exceptions out."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.labfiles import (
    FileRejected,
    ImportCancelled,
    NeedsDateOrder,
    ParsedFile,
    ReadOptions,
    read_lab_file,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "labfiles"
FIXTURES = sorted(p.read_bytes() for p in DATA.iterdir() if p.is_file())
OPTIONS = ReadOptions(today=date(2025, 6, 1))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes, options: ReadOptions = OPTIONS) -> ParsedFile | None:
    try:
        parsed = read_lab_file(data, "fuzz.csv", options)
    except (FileRejected, NeedsDateOrder, ImportCancelled) as exc:
        assert str(exc)
        return None
    assert isinstance(parsed, ParsedFile)
    for problem in parsed.problems:
        assert problem.line >= 1 and problem.reason
    for row in parsed.rows:
        assert row.line >= 1
        assert isinstance(row.collected_at, datetime)
        assert row.value is not None or row.non_result
    assert [p.line for p in parsed.problems] == sorted(p.line for p in parsed.problems)
    return parsed


@SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    _check(data)


_CSV_ALPHABET = st.sampled_from(
    list(",;\t|\n\r\"'<>=-+.:/ 0123456789") + ["MRN", "Test", "Result", "Units", "Collected",
    "Date", "µ", "ng/dL", "2024-03-04", "03/04/2024", "25/04/2024", "ND", "<LOQ", "H", "=1+2",
    "\ufeff", "0,5", "WBC(10/uL)", "Zinc (ug/dL)", "2024/03/04 08:15"]
)  # fmt: skip


@SETTINGS
@given(st.lists(_CSV_ALPHABET, max_size=300), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_csv_like_text(parts: list[str], encoding: str) -> None:
    text = "MRN,Test,Result,Units,Collected\n" + "".join(parts)
    _check(text.encode(encoding, errors="replace"))
    _check(text.encode("utf-8"), ReadOptions(today=date(2025, 6, 1), date_order="dmy"))


@SETTINGS
@given(
    st.sampled_from(FIXTURES),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 40), st.binary(max_size=12)),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_fixtures(original: bytes, edits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(original)
    for position, length, insert in edits:
        at = position % (len(data) + 1)
        data[at : at + length] = insert
    _check(bytes(data))


_SEGMENTS = st.sampled_from(
    ["PID|1||A1^^^X^MR||Doe^Jo||19800101|F", "OBR|1||O|1-8^X^LN|||20240304",
     "OBX|1|NM|1-8^A^LN||5|mg|1-9|H|||F", "OBX|1|SN|1-8^A^LN||<^0.5||||||F",
     "OBX|1|ST|1-8^A^LN||\\F\\x\\E\\||||||X", "NTE|1||note", "OBX|1|CWE|1-8^A^LN||P^Pos",
     "BHS|^~\\&", "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5", "OBX", "|||", "MSH", "MSH|"]
)  # fmt: skip


@SETTINGS
@given(st.lists(_SEGMENTS, max_size=20), st.sampled_from(["\r", "\n", "\r\n"]))
def test_hl7_like_messages(segments: list[str], end: str) -> None:
    text = end.join(["MSH|^~\\&|LAB|SITE|APP|FAC|20240304||ORU^R01|1|P|2.5.1", *segments])
    _check(text.encode())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.sampled_from(["Observation", "Patient/p", "#c", "2024-03-04", "<", "http://loinc.org"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(["resourceType", "id", "entry", "resource", "code", "coding",
                         "system", "valueQuantity", "value", "comparator", "subject",
                         "reference", "contained", "result", "effectiveDateTime",
                         "hasMember", "component", "valueString", "referenceRange"]),
        children,
        max_size=5,
    ),
    max_leaves=25,
)  # fmt: skip


@SETTINGS
@given(_JSON, st.sampled_from(["Bundle", "Observation", "DiagnosticReport"]))
def test_fhir_like_json(body: object, kind: str) -> None:
    resource = dict(body) if isinstance(body, dict) else {"entry": body}
    resource["resourceType"] = kind
    _check(json.dumps(resource).encode())
