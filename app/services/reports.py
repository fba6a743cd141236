"""Clinician summaries and patient handouts: build the data, render, archive, reprint.

Every generated PDF is archived with the evaluation it printed (as JSON), its
SHA-256 and the knowledge-base version; a reprint hands back the archived bytes,
so a reprint is the same document, not a re-run of today's rules.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path

from app.core.atomic_file import write_atomic
from app.core.citation_text import FindingSources
from app.core.evaluation.findings import Evaluation, Finding, severity_rank
from app.core.formatting import dose_text, trace_range_text
from app.core.models import Observation
from app.core.report_data import (
    HANDOUT_DISCLAIMER,
    PAPER_SIZES,
    REPORT_KINDS,
    FindingBlock,
    HandoutItem,
    LabRow,
    MonitoringGap,
    ProtocolRow,
    ReportData,
    StackRow,
)
from app.core.series import TrendSeries
from app.core.validation import ValidationError
from app.security import roles
from app.services.findings import FindingsService, WorklistRow
from app.services.series import presets, series_for
from app.store.reports import ReportRecord, ReportRepository

CLINIC_ADDRESS = "clinic_address"
PAPER_SIZE = "paper_size"
CATEGORY = "reports"
CHART_FILL = 12  # charts the preset fills up to; what the findings read is always charted
CHART_YEARS = 3
OPEN_FOLDER = "open-reports"
GRADE_WORDS = {
    "guideline": "guideline",
    "randomised_trial": "randomised trial",
    "observational": "observational evidence",
    "mechanistic": "mechanistic reasoning",
    "expert_opinion": "expert opinion",
}
EMPTY_HANDOUT = (
    "The handout would be empty: tick a finding to explain, or write a note or a topic "
    "for the next visit."
)


@dataclass(frozen=True)
class BatchResult:
    """What a batch wrote: (report id, file) per patient, of ``total`` patients."""

    written: tuple[tuple[int, Path], ...]
    total: int
    cancelled: bool = False
    empty: tuple[str, ...] = ()  # MRNs left out: their handout would hold nothing


class ReportIntegrityError(Exception):
    """An archived PDF no longer matches the SHA-256 recorded when it was made."""


class EmptyHandoutError(ValidationError):
    """A handout would print only its disclaimer; nothing was rendered or archived."""

    def __init__(self):
        super().__init__({"handout": EMPTY_HANDOUT})


def handout_has_content(findings: Iterable, clinician_note: str, discuss: Iterable[str]) -> bool:
    """Whether a handout says something: a finding explained, a note, or a topic to discuss.

    The archive keeps every report for good, so a handout holding only its disclaimer
    must not be made: callers (the Reports tab, the CLI, a batch) all ask this one rule.
    """
    return bool(list(findings)) or bool(clinician_note.strip()) or any(d.strip() for d in discuss)


class ReportService:
    """Reports for one clinic, through its ``ClinicService``."""

    def __init__(self, service, *, now: Callable[[], datetime] | None = None):
        self._service = service
        self._findings = FindingsService(service)
        self._repo = ReportRepository(service.database)
        self._now = now or (lambda: datetime.now().replace(microsecond=0))

    # -- building ------------------------------------------------------------

    def build(
        self,
        patient_id: int,
        kind: str,
        *,
        as_of: date | None = None,
        ticked_rule_ids: Iterable[str] = (),
        clinician_note: str = "",
        discuss: Iterable[str] = (),
        paper: str | None = None,
    ) -> ReportData:
        """The data one PDF prints (no writes; needs the clinical chart permission)."""
        data, _ = self._build(
            patient_id,
            kind,
            as_of=as_of,
            ticked_rule_ids=ticked_rule_ids,
            clinician_note=clinician_note,
            discuss=discuss,
            paper=paper,
        )
        return data

    def _build(self, patient_id, kind, *, as_of, ticked_rule_ids, clinician_note, discuss, paper):
        if kind not in REPORT_KINDS:
            raise ValidationError({"kind": f"Choose one of: {', '.join(REPORT_KINDS)}."})
        service = self._service
        paper = paper or service.settings.get(PAPER_SIZE, "A4") or "A4"
        if paper not in PAPER_SIZES:
            raise ValidationError({"paper": f"Choose one of: {', '.join(PAPER_SIZES)}."})
        as_of = as_of or service.today()
        patient = service.get_patient(patient_id)
        evaluation = self._findings.evaluate(patient_id, as_of, with_checks=False)
        regimen = {item.id: item for item in service.regimen(patient_id)}
        observations = service.observations(patient_id)
        monitoring = {r.id for r in self._findings.rules.rules if r.kind == "monitoring"}
        user = service.user
        summary = kind == "summary"
        title = "Clinician summary" if summary else "Your visit summary"
        findings = [f for f in evaluation.visible if f.rule_id not in monitoring]
        findings += [f for f in evaluation.suppressed if f.rule_id not in monitoring]
        ticked = set(ticked_rule_ids)
        handout_findings = [f for f in evaluation.visible if f.rule_id in ticked]
        discuss = tuple(d.strip() for d in discuss if d.strip())
        data = ReportData(
            kind=kind,
            title=title,
            subject=(
                f"{title} for MRN {patient.mrn} as of {as_of.isoformat()}"
                if summary
                else f"Patient handout, {service.clinic_name}"
            ),
            clinic_name=service.clinic_name,
            clinic_address=service.settings.get(CLINIC_ADDRESS, ""),
            logo=_logo_bytes(service.settings.get("clinic_logo", "")),
            paper=paper,
            patient_name=f"{patient.given_name} {patient.family_name}".strip(),
            mrn=patient.mrn,
            date_of_birth=patient.date_of_birth.isoformat(),
            sex_at_birth=patient.sex_at_birth,
            age=str(patient.age_on(as_of)),
            generated_at=self._now().strftime("%Y-%m-%d %H:%M"),
            generated_by=getattr(user, "display_name", "") or user.username,
            kb_version=evaluation.kb_version,
            rules_version=evaluation.rules_version,
            as_of=as_of.isoformat(),
            protocols=tuple(service.protocol_label(p) for p in evaluation.protocols),
            protocol_rows=self._protocol_rows(evaluation, regimen) if summary else (),
            stack_rows=self._stack_rows(evaluation) if summary else (),
            lab_rows=self._lab_rows(observations, patient, as_of) if summary else (),
            findings=tuple(self._block(f) for f in findings) if summary else (),
            monitoring_gaps=(
                tuple(
                    MonitoringGap(f.title, f.clinician_text, f.next_step)
                    for f in evaluation.visible
                    if f.rule_id in monitoring
                )
                if summary
                else ()
            ),
            handout_items=() if summary else self._handout_items(handout_findings),
            clinician_note="" if summary else clinician_note.strip(),
            discuss=() if summary else discuss,
            chart_series=(self._chart_series(patient_id, evaluation, findings) if summary else ()),
            **({} if summary else {"disclaimer": HANDOUT_DISCLAIMER}),
        )
        return data, evaluation

    def _chart_series(
        self, patient_id: int, evaluation: Evaluation, findings: list[Finding]
    ) -> tuple[TrendSeries, ...]:
        """Trends of what the summary discusses, over the last 3 years.

        First every analyte the printed findings read (the most severe finding first),
        then the safety labs the patient's protocols schedule and set limits for (a
        TRT patient's haematocrit and PSA), each charted even without a result (the
        chart says so); then the rest of the patient's first preset that has results,
        up to ``CHART_FILL`` charts in all.
        """
        kb = self._service.knowledge
        ranked = sorted(findings, key=lambda f: -severity_rank(f.severity))
        read = [
            value.analyte
            for finding in ranked
            for value in finding.trace.values
            if value.analyte and value.value is not None
        ]
        safety = []
        for key in evaluation.protocols:
            protocol = kb.protocols.get(key)
            if protocol is None:
                continue
            for item in protocol.monitoring:
                if not item.draft and item.when != "as_indicated":
                    safety += item.analytes
            safety += [target.analyte for target in protocol.targets]
        required = list(dict.fromkeys([*read, *safety]))
        preset = next(iter(presets(self._service, patient_id).values()), [])
        keys = list(dict.fromkeys([*required, *preset]))
        if not keys:
            return ()
        series = series_for(self._service, patient_id, keys, years=CHART_YEARS)
        kept, fill = [], max(CHART_FILL - len(required), 0)
        for analyte in series.analytes:
            if analyte.key in required:
                kept.append(analyte)
            elif analyte.points and fill:
                kept.append(analyte)
                fill -= 1
        return (replace(series, analytes=tuple(kept)),) if kept else ()

    def _protocol_rows(self, evaluation: Evaluation, regimen) -> tuple[ProtocolRow, ...]:
        rows = []
        for component in evaluation.components:
            item = regimen.get(component.item_id)
            label = (
                self._service.substance_label(item)
                if item is not None
                else component.substance.replace("_", " ")
            )
            dose = dose_text(item) if item is not None else ""
            rows.append(
                ProtocolRow(
                    substance=label,
                    dose=dose,
                    started=component.therapy_start.isoformat(),
                    last_change=component.last_change.isoformat() if component.last_change else "",
                    role=", ".join(component.roles),
                )
            )
        return tuple(rows)

    def _stack_rows(self, evaluation: Evaluation) -> tuple[StackRow, ...]:
        kb = self._service.knowledge
        unit = self._service.unit_label
        rows = []
        for entry in evaluation.stack:
            nutrient = kb.nutrients.get(entry.nutrient)
            name = nutrient.name if nutrient else entry.nutrient
            daily = f"{entry.daily_amount:.4g} {unit(entry.unit)}".strip()
            limit, percent, over = "none set", "—", False
            if entry.upper_limit:
                limit = f"{entry.upper_limit:g} {unit(entry.unit)}".strip()
                ratio = entry.daily_amount / entry.upper_limit
                percent, over = f"{ratio * 100:.0f} %", ratio > 1
            note = ""
            if entry.unconverted:
                note = f"{len(entry.unconverted)} item(s) in units that could not be summed"
            elif nutrient is not None and not entry.upper_limit and nutrient.no_upper_limit_note:
                note = nutrient.no_upper_limit_note
            rows.append(StackRow(name, daily, limit, percent, over, note))
        return tuple(rows)

    def _lab_rows(
        self, observations: list[Observation], patient, as_of: date
    ) -> tuple[LabRow, ...]:
        latest: dict[str, Observation] = {}
        for obs in observations:
            if obs.excluded or obs.collected_at.date() > as_of:
                continue
            seen = latest.get(obs.analyte_key)
            if seen is None or obs.collected_at > seen.collected_at:
                latest[obs.analyte_key] = obs
        service = self._service
        rows = [
            LabRow(
                analyte=service.analyte_label(line.observation.analyte_key),
                value=line.observation.raw_value,
                unit=service.unit_label(line.observation.unit),
                range_text=line.range.text if line.range else "—",
                flag=line.flag,
                collected=line.observation.collected_at.date().isoformat(),
                lab=line.observation.lab,
                range_from_kb=bool(line.range and line.range.from_kb),
                flag_computed=line.flag_computed,
            )
            for line in service.lines_for(patient, latest.values())
        ]
        return tuple(sorted(rows, key=lambda r: r.analyte.casefold()))

    def _handout_items(self, findings: list[Finding]) -> tuple[HandoutItem, ...]:
        """One item per subject: two findings about zinc make one zinc paragraph, and a
        text the patient would read twice is printed once."""
        texts: dict[str, list[str]] = {}
        for finding in findings:
            said = texts.setdefault(self._marker_label(finding), [])
            if finding.patient_text not in said:
                said.append(finding.patient_text)
        return tuple(HandoutItem(heading, " ".join(said)) for heading, said in texts.items())

    def _marker_label(self, finding: Finding) -> str:
        kb = self._service.knowledge
        if finding.marker in kb.nutrients:
            return kb.nutrients[finding.marker].name
        if finding.marker in kb.analytes:
            return kb.analytes[finding.marker].name
        return finding.title

    def _block(self, finding: Finding) -> FindingBlock:
        service = self._service
        lines = []
        for value in finding.trace.values:
            label = service.analyte_label(value.analyte) if value.analyte else value.name
            lines.append(f"{label}: {service.trace_value_text(value)}")
        for item in finding.trace.regimen:
            dose = f" {item.dose:g} {item.dose_unit}" if item.dose is not None else ""
            lines.append(
                f"Regimen: {item.substance.replace('_', ' ')}{dose} since "
                f"{item.start_date.isoformat()}"
            )
        sources = FindingSources(
            finding.citations, finding.trace.ranges, service.knowledge.citations
        )
        for applied in finding.trace.ranges:
            text = trace_range_text(applied, service.unit_label)
            lines.append(f"{text} ({sources.range_note(applied)})")
        lines += list(finding.trace.notes)
        lines.append(
            f"Rule {finding.rule_id} v{finding.rule_version} · rules "
            f"{finding.trace.rules_version} · knowledge base {finding.trace.kb_version}"
        )
        # Plain text, never a link (security.md E1); numbered as the trace cites them.
        cited = [f"{e.text} {e.url}" if e.url else e.text for e in sources.entries]
        suppressed = ""
        if finding.suppressed is not None:
            s = finding.suppressed
            suppressed = f"Suppressed by {s.user} on {s.at.date().isoformat()}: {s.reason}"
        return FindingBlock(
            rule_id=finding.rule_id,
            title=finding.title,
            status=finding.status.replace("_", " "),
            severity=finding.severity,
            evidence=GRADE_WORDS.get(finding.evidence_grade, finding.evidence_grade),
            clinician_text=finding.clinician_text,
            next_step=finding.next_step,
            trace_lines=tuple(lines),
            citations=tuple(cited),
            suppressed_note=suppressed,
        )

    # -- generating and the archive -------------------------------------------

    def generate(
        self,
        patient_id: int,
        kind: str,
        *,
        as_of: date | None = None,
        ticked_rule_ids: Iterable[str] = (),
        clinician_note: str = "",
        discuss: Iterable[str] = (),
        paper: str | None = None,
    ) -> tuple[int, bytes]:
        """Render, archive (PDF, SHA-256, KB version, evaluation) and audit one report."""
        from app.reports import render_pdf  # reportlab loads on first report, not at start-up

        service = self._service
        service.session.require(roles.REPORT_GENERATE, CATEGORY, patient_id)
        data, evaluation = self._build(
            patient_id,
            kind,
            as_of=as_of,
            ticked_rule_ids=ticked_rule_ids,
            clinician_note=clinician_note,
            discuss=discuss,
            paper=paper,
        )
        if kind == "handout" and not handout_has_content(
            data.handout_items, data.clinician_note, data.discuss
        ):
            # Checked on what would print: a --tick naming no finding of the patient
            # explains nothing either.
            raise EmptyHandoutError()
        pdf = render_pdf(data)
        digest = hashlib.sha256(pdf).hexdigest()
        user_id = service.user.id
        with service.database.transaction():
            evaluation_id = self._repo.add_evaluation(
                patient_id,
                evaluation.as_of,
                evaluation.kb_version,
                evaluation_json(evaluation),
                user_id,
            )
            report_id = self._repo.add(
                patient_id=patient_id,
                kind=kind,
                user_id=user_id,
                sha256=digest,
                kb_version=evaluation.kb_version,
                evaluation_id=evaluation_id,
                title=data.title,
                pdf=pdf,
            )
            service.session.record(
                "report",
                CATEGORY,
                patient_id,
                detail=f"report {report_id} ({kind}) sha256 {digest[:16]}",
            )
        service.session.audit.sync_anchor()
        return report_id, pdf

    def batch(
        self,
        worklist: str | Iterable[WorklistRow],
        kind: str,
        out_dir: Path,
        progress: Callable[[int, int], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        *,
        as_of: date | None = None,
    ) -> BatchResult:
        """One PDF per patient on a worklist, each archived, audited and saved to ``out_dir``.

        ``worklist`` is a rule id (the worklist is built as of ``as_of``) or worklist
        rows. A handout explains the patient's worklist findings; a patient none of
        whose findings is shown any more gets no handout (listed in ``empty``), never one
        holding only its disclaimer. Files are named
        ``<MRN>-<kind>.pdf``. ``is_cancelled`` is checked before each patient, so a
        cancel leaves whole reports only; ``progress(done, total)`` follows each one.
        """
        if kind not in REPORT_KINDS:
            raise ValidationError({"kind": f"Choose one of: {', '.join(REPORT_KINDS)}."})
        self._service.session.require(roles.REPORT_GENERATE, CATEGORY)
        if isinstance(worklist, str):
            rows = self._findings.worklist([worklist], as_of=as_of)
        else:
            rows = list(worklist)
        by_patient: dict[int, list[WorklistRow]] = {}
        for row in rows:
            by_patient.setdefault(row.patient_id, []).append(row)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        total = len(by_patient)
        written: list[tuple[int, Path]] = []
        empty: list[str] = []
        for done, (patient_id, patient_rows) in enumerate(by_patient.items(), start=1):
            if is_cancelled and is_cancelled():
                return BatchResult(tuple(written), total, cancelled=True, empty=tuple(empty))
            try:
                report_id, _ = self.generate(
                    patient_id,
                    kind,
                    as_of=as_of,
                    ticked_rule_ids=[r.rule_id for r in patient_rows] if kind == "handout" else (),
                )
            except EmptyHandoutError:
                # The patient's worklist findings are no longer shown (suppressed or
                # resolved since the list was made): no handout rather than an empty one.
                empty.append(patient_rows[0].mrn)
            else:
                target = out_dir / f"{_safe_name(patient_rows[0].mrn)}-{kind}.pdf"
                self.save_copy(report_id, target)
                written.append((report_id, target))
            if progress:
                progress(done, total)
        return BatchResult(tuple(written), total, cancelled=False, empty=tuple(empty))

    def archive(self, patient_id: int) -> list[ReportRecord]:
        """The patient's archived reports, newest first (without their bytes)."""
        self._service.session.require(roles.REPORT_GENERATE, CATEGORY, patient_id)
        return self._repo.for_patient(patient_id)

    def evaluation_of(self, report_id: int) -> dict | None:
        """The evaluation an archived report printed, as stored (JSON)."""
        record = self._record(report_id)
        if record.evaluation_id is None:
            return None
        text = self._repo.evaluation_json(record.evaluation_id)
        return json.loads(text) if text else None

    def _record(self, report_id: int) -> ReportRecord:
        record = self._repo.get(report_id)
        if record is None:
            raise KeyError(f"No report with id {report_id}")
        self._service.session.require(roles.REPORT_GENERATE, CATEGORY, record.patient_id)
        if hashlib.sha256(record.pdf).hexdigest() != record.sha256:
            raise ReportIntegrityError(
                f"Report {report_id} does not match its recorded SHA-256; it was altered."
            )
        return record

    def reprint(self, report_id: int) -> bytes:
        """The archived bytes of a report (checked against its SHA-256); audited as a print."""
        record = self._record(report_id)
        self._service.record_event(
            "print", CATEGORY, record.patient_id, detail=f"reprint of report {report_id}"
        )
        return record.pdf

    def open_copy(self, report_id: int) -> Path:
        """Write an archived report for the system PDF viewer; audited as a read.

        The file goes to ``open-reports`` in the clinic's data folder (the system
        temp folder for an in-memory clinic), named after the report id, and is
        overwritten each time.
        """
        record = self._record(report_id)
        clinic_path = self._service.path
        folder = (
            Path(clinic_path).parent / OPEN_FOLDER
            if clinic_path is not None
            else Path(tempfile.gettempdir()) / f"cofactor-{OPEN_FOLDER}"
        )
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"report-{report_id}-{record.kind}.pdf"
        write_atomic(target, record.pdf)
        self._service.record_event(
            "read", CATEGORY, record.patient_id, detail=f"report {report_id} opened in the viewer"
        )
        return target

    def save_copy(self, report_id: int, path: Path) -> None:
        """Write an archived report to a file; audited as an export."""
        record = self._record(report_id)
        write_atomic(Path(path), record.pdf)
        self._service.record_event(
            "export",
            CATEGORY,
            record.patient_id,
            detail=f"report {report_id} saved as {Path(path).name}",
        )


def evaluation_json(evaluation: Evaluation) -> str:
    """The evaluation as stable JSON (dates as ISO text, tuples as lists)."""
    return json.dumps(asdict(evaluation), default=_json_default, sort_keys=True)


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def _safe_name(text: str) -> str:
    """``text`` usable as a file name on every platform (letters, digits, '-', '_', '.')."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("._")
    return cleaned or "patient"


def _logo_bytes(path_text: str) -> bytes:
    """The logo file's bytes (read when the report is built), or b"" if it is unusable."""
    if not path_text:
        return b""
    path = Path(path_text)
    try:
        if path.stat().st_size > 2_000_000:
            return b""
        return path.read_bytes()
    except OSError:
        return b""
