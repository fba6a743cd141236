"""Read FHIR R4 JSON lab results: Bundle, Observation, DiagnosticReport (and NDJSON).

Every element is read defensively: FHIR files come from many systems, and a string
where a number belongs, or a reference to a resource that is not in the file, must
become a row problem, never a crash.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import date, datetime

from .fhir_elements import (
    Locator,
    as_dict,
    as_list,
    as_number,
    as_text,
    has_value,
    load_json,
    parse_when,
    text_of,
    value_of,
)
from .finish import Ticker, finish
from .model import FileRejected, ParsedFile, RawResult, RowProblem
from .values import normalise_flag

__all__ = ["read_fhir"]

_LOINC_SYSTEM = "http://loinc.org"
_SKIP_STATUS = {
    "entered-in-error": "the lab marked this result as entered in error",
    "cancelled": "the lab cancelled this result",
    "preliminary": "this is a preliminary result; import the final one",
    "registered": "no result has been produced yet (status 'registered')",
}


class _Reader:
    """Walk the resources of one file and collect rows and problems."""

    def __init__(self, docs: list[object], locator: Locator) -> None:
        self.locate = locator.line
        self.index: dict[str, dict] = {}
        self.top: list[dict] = []
        self.problems: list[RowProblem] = []
        self.rows: list[RawResult] = []
        self._done: set[int] = set()
        self._report_of: dict[int, dict] = {}
        queue = deque(d for d in docs if isinstance(d, dict))
        while queue:
            resource = queue.popleft()
            kind = as_text(resource.get("resourceType"))
            if kind == "Bundle":
                for entry in as_list(resource.get("entry")):
                    child = as_dict(as_dict(entry).get("resource"))
                    if child:
                        if as_text(as_dict(entry).get("fullUrl")):
                            self.index[as_text(as_dict(entry).get("fullUrl"))] = child
                        queue.append(child)
                continue
            self.top.append(resource)
            if kind and as_text(resource.get("id")):
                self.index[f"{kind}/{as_text(resource.get('id'))}"] = resource

    def resolve(self, reference: object, *containers: dict) -> dict | None:
        """Find the resource a reference points at: contained (``#id``), bundled, or ``None``."""
        ref = as_text(as_dict(reference).get("reference"))
        if not ref:
            return None
        if ref.startswith("#"):
            for container in containers:
                for item in as_list(container.get("contained")):
                    if isinstance(item, dict) and "#" + as_text(item.get("id")) == ref:
                        return item
            return None
        found = self.index.get(ref)
        if found is None:
            tail = ref.split("/_history", 1)[0].rstrip("/").split("/")
            found = self.index.get("/".join(tail[-2:]))
        return found

    def run(self, ticker: Ticker) -> None:
        """Read every Observation, on its own or through a DiagnosticReport."""
        for resource in self.top:
            if as_text(resource.get("resourceType")) == "DiagnosticReport":
                for ref in as_list(resource.get("result")):
                    target = self.resolve(ref, resource)
                    if target is not None:
                        self._report_of.setdefault(id(target), resource)
        total = max(len(self.top), 1)
        for count, resource in enumerate(self.top, start=1):
            if count >= ticker.next_at:
                ticker.tick(count, count / total)
            kind = as_text(resource.get("resourceType"))
            if kind == "Observation":
                report = self._report_of.get(id(resource))
                containers = (resource,) if report is None else (resource, report)
                self.observation(resource, report, containers)
            elif kind == "DiagnosticReport":
                for ref in as_list(resource.get("result")):
                    target = self.resolve(ref, resource)
                    if target is None:
                        self.problems.append(
                            RowProblem(
                                self.locate(resource),
                                "DiagnosticReport.result",
                                f"The result {as_text(as_dict(ref).get('reference')) or '(empty)'!r} is "
                                "not in the file.",
                            )
                        )
                    else:
                        self.observation(target, resource, (target, resource))

    def observation(self, obs: dict, report: dict | None, containers: tuple[dict, ...]) -> None:
        """Read one Observation once, turning unexpected shapes into a problem."""
        if id(obs) in self._done or as_text(obs.get("resourceType")) != "Observation":
            return
        self._done.add(id(obs))
        line = self.locate(obs)
        try:
            self._observation(obs, report, containers, line)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            self.problems.append(
                RowProblem(line, "", f"The Observation could not be read ({exc}).")
            )

    def _observation(
        self, obs: dict, report: dict | None, containers: tuple[dict, ...], line: int
    ) -> None:
        """Read an Observation (and its members and components) into rows or problems."""
        status = as_text(obs.get("status"))
        if status in _SKIP_STATUS:
            self.problems.append(
                RowProblem(line, "status", f"Not imported: {_SKIP_STATUS[status]}.")
            )
            return
        members = as_list(obs.get("hasMember")) + [
            as_dict(r).get("target")
            for r in as_list(obs.get("related"))
            if as_dict(as_dict(r).get("target"))
        ]  # STU3 files list panel members under "related"
        for member in members:
            target = self.resolve(member, *containers)
            if target is None:
                ref = as_text(as_dict(member).get("reference")) or "(empty)"
                self.problems.append(
                    RowProblem(line, "hasMember", f"The member {ref!r} is not in the file.")
                )
            else:
                self.observation(target, report, (target, *containers))
        report = as_dict(report)
        when_text = (
            as_text(obs.get("effectiveDateTime"))
            or as_text(as_dict(obs.get("effectivePeriod")).get("start"))
            or as_text(obs.get("effectiveInstant"))
            or as_text(report.get("effectiveDateTime"))
            or as_text(as_dict(report.get("effectivePeriod")).get("start"))
            or as_text(obs.get("issued"))
            or as_text(report.get("issued"))
        )
        parts = [(obs, "")] + [(c, "component") for c in as_list(obs.get("component"))]
        with_value = [(p, where) for p, where in parts if has_value(as_dict(p))]
        if not with_value:
            if not members:
                absent = text_of(obs.get("dataAbsentReason"))
                reason = f" ({absent})" if absent else ""
                self.problems.append(
                    RowProblem(line, "value[x]", f"The Observation has no value{reason}.")
                )
            return
        when = parse_when(when_text)
        if when is None:
            reason = f"{when_text!r} is not a full date." if when_text else "There is no date."
            self.problems.append(RowProblem(line, "effective[x]", reason))
            return
        patient = self._patient(obs, report, containers)
        lab = self._lab(obs, report, containers)
        for part, where in with_value:
            self._row(as_dict(part), obs, where, line, when, patient, lab)

    def _patient(self, obs: dict, report: dict, containers: tuple[dict, ...]) -> tuple:
        """Return ``(mrn, source id, family, given, birth date, sex)`` for the subject."""
        subject = obs.get("subject") or report.get("subject")
        resource = as_dict(self.resolve(subject, *containers))
        identifiers = [as_dict(i) for i in as_list(resource.get("identifier"))]
        values = [as_text(i.get("value")) for i in identifiers if as_text(i.get("value"))]
        mrn = next(
            (
                as_text(i.get("value"))
                for i in identifiers
                if any(
                    as_text(as_dict(c).get("code")) == "MR"
                    for c in as_list(as_dict(i.get("type")).get("coding"))
                )
            ),
            values[0] if values else "",
        )
        source_id = as_text(resource.get("id")) or as_text(as_dict(subject).get("reference"))
        name = as_dict((as_list(resource.get("name")) or [{}])[0])
        family = as_text(name.get("family")) or " ".join(
            as_text(f) for f in as_list(name.get("family"))
        )
        given = next((as_text(g) for g in as_list(name.get("given")) if as_text(g)), "")
        if not family and not given and as_text(name.get("text")):
            given, _, family = as_text(name.get("text")).rpartition(" ")
        try:
            born = date.fromisoformat(as_text(resource.get("birthDate")))
        except ValueError:
            born = None
        return mrn, source_id, family.strip(), given.strip(), born, as_text(resource.get("gender"))

    def _lab(self, obs: dict, report: dict, containers: tuple[dict, ...]) -> str:
        """Return the performer name from the Observation or its report."""
        for performer in as_list(obs.get("performer")) + as_list(report.get("performer")):
            text = as_text(as_dict(performer).get("display")) or as_text(
                as_dict(self.resolve(performer, *containers)).get("name")
            )
            if text:
                return text
        return ""

    def _row(self, part: dict, obs: dict, where: str, line: int, when: datetime, patient, lab):
        """Append one row (an Observation or one of its components) or a problem."""
        code = as_dict(part.get("code")) if where else as_dict(obs.get("code"))
        codings = [as_dict(c) for c in as_list(code.get("coding"))]
        loinc = next(
            (as_text(c.get("code")) for c in codings if as_text(c.get("system")) == _LOINC_SYSTEM),
            "",
        )
        local = next(
            (as_text(c.get("code")) for c in codings if as_text(c.get("system")) != _LOINC_SYSTEM),
            "",
        )
        analyte = as_text(code.get("text")) or next(
            (as_text(c.get("display")) for c in codings if as_text(c.get("display"))),
            loinc or local,
        )
        column = f"{where}.value[x]" if where else "value[x]"
        if not analyte and not loinc and not local:
            self.problems.append(RowProblem(line, "code", "The Observation names no code."))
            return
        parsed = value_of(part)
        if isinstance(parsed, str):
            self.problems.append(RowProblem(line, column, parsed))
            return
        raw, value, comparator, flag, unit, non_result = parsed
        ranges = [
            as_dict(r) for r in as_list(part.get("referenceRange") or obs.get("referenceRange"))
        ]
        low = as_number(as_dict(ranges[0].get("low")).get("value")) if ranges else None
        high = as_number(as_dict(ranges[0].get("high")).get("value")) if ranges else None
        ref_text = as_text(ranges[0].get("text")) if ranges else ""
        if not ref_text and (low is not None or high is not None):
            ref_text = f"{'' if low is None else f'{low:g}'}-{'' if high is None else f'{high:g}'}"
        for concept in as_list(part.get("interpretation") or obs.get("interpretation")):
            codes = [
                as_text(as_dict(c).get("code")) for c in as_list(as_dict(concept).get("coding"))
            ]
            flag = normalise_flag(next((c for c in codes if c), "")) or flag
            break
        mrn, source_id, family, given, born, sex = patient
        self.rows.append(
            RawResult(
                line,
                mrn,
                source_id,
                family,
                given,
                born,
                sex,
                analyte,
                loinc,
                local,
                raw,
                value,
                comparator,
                flag,
                non_result,
                unit,
                "",
                low,
                high,
                ref_text,
                when,
                lab,
            )
        )


# A JSON escape for NUL: an odd number of backslashes before u0000 (an even number is
# a backslash written as text, then the letters).
_ESCAPED_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def read_fhir(
    text: str, encoding: str, line_ending: str, today: date, ticker: Ticker
) -> ParsedFile:
    """Read a FHIR R4 JSON Bundle, Observation, DiagnosticReport, or NDJSON of them.

    Raises:
        FileRejected: For invalid JSON, for files holding no Observation or report, and
            for a NUL character written into a text (``\\u0000``; a text file holds none).
    """
    nul = _ESCAPED_NUL.search(text)
    if nul:
        # SQLite's text functions stop at a NUL; a NUL byte makes any other file be
        # refused as binary (``sniff``), so a NUL spelt as a JSON escape is refused too.
        line = text.count("\n", 0, nul.start()) + 1
        raise FileRejected(
            f"Line {line} holds a NUL character (\\u0000) inside a text; a lab value or "
            "name cannot contain one. Export the file again, or remove it."
        )
    docs, lines = load_json(text)
    reader = _Reader(docs, Locator(text, docs, lines))
    kinds = {as_text(r.get("resourceType")) for r in reader.top}
    if not kinds & {"Observation", "DiagnosticReport"}:
        shown = ", ".join(sorted(k for k in kinds if k)) or "no resources"
        raise FileRejected(f"This FHIR file holds {shown}, not lab Observations.")
    ticker.check()
    reader.run(ticker)
    parsed = ParsedFile(format="fhir", encoding=encoding, line_ending=line_ending, layout="fhir")
    parsed.rows, parsed.problems = reader.rows, reader.problems
    ticker.report(1.0)
    return finish(parsed, today)
