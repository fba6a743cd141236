"""ReportService: build from the chart, archive with SHA-256, reprint the same bytes, audit."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from app.core.models import Observation, RegimenItem
from app.security.roles import PermissionDenied
from app.services.findings import FindingsService
from app.services.reports import ReportIntegrityError, ReportService
from tests.conftest import make_patient

NOW = datetime(2026, 11, 23, 9, 30)


@pytest.fixture
def trt_patient(service):
    patient = service.create_patient(make_patient(given_name="Zoë", family_name="Núñez"))
    service.add_regimen_item(
        RegimenItem(
            None,
            patient.id,
            "hormone",
            "testosterone_cypionate",
            140.0,
            "mg",
            "IM",
            7.0,
            date(2025, 6, 2),
        )
    )
    service.record_result(patient.id, "hematocrit", "55.2", "%", datetime(2026, 10, 1, 8, 0))
    service.record_result(patient.id, "estradiol", "<5", "pg/mL", datetime(2026, 10, 1, 8, 0))
    return patient


@pytest.fixture
def reports(service):
    service.settings.set("clinic_address", "12 Quay Street\nPortsmouth")
    return ReportService(service, now=lambda: NOW)


def _text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def _hematocrit(service, patient_id):
    findings = FindingsService(service).evaluate(patient_id).findings
    return next(f for f in findings if "ematocrit" in f.title)


def test_build_summary_from_the_chart(service, trt_patient, reports):
    data = reports.build(trt_patient.id, "summary")
    assert data.patient_name == "Zoë Núñez" and data.mrn == "MRN-1001"
    assert data.clinic_name == "Test clinic" and "Quay Street" in data.clinic_address
    assert data.protocol_rows and "140 mg IM weekly" in data.protocol_rows[0].dose
    estradiol = next(r for r in data.lab_rows if r.value.startswith("<"))
    assert estradiol.value == "<5" and estradiol.collected == "2026-10-01"
    hematocrit = next(f for f in data.findings if "ematocrit" in f.title)
    assert hematocrit.citations and any("55.2" in line for line in hematocrit.trace_lines)
    assert data.kb_version == service.knowledge.version and data.paper == "A4"


def test_generate_archives_pdf_sha256_kb_version_and_evaluation(service, trt_patient, reports):
    report_id, pdf = reports.generate(trt_patient.id, "summary")
    text = _text(pdf)
    assert "Zoë Núñez" in text and "<5" in text and "Page 1 of" in text
    [record] = reports.archive(trt_patient.id)
    assert record.id == report_id and record.kind == "summary"
    assert record.sha256 == hashlib.sha256(pdf).hexdigest()
    assert record.kb_version == service.knowledge.version
    evaluation = reports.evaluation_of(report_id)
    assert evaluation["kb_version"] == service.knowledge.version
    assert any("ematocrit" in f["title"] for f in evaluation["findings"])
    assert record.created_by == service.user.username


def test_reprint_returns_identical_bytes_and_is_audited(service, trt_patient, reports, tmp_path):
    report_id, pdf = reports.generate(trt_patient.id, "summary")
    assert reports.reprint(report_id) == pdf
    reports.save_copy(report_id, tmp_path / "copy.pdf")
    assert (tmp_path / "copy.pdf").read_bytes() == pdf
    rows = service.session.audit.rows(patient_id=trt_patient.id)
    actions = {(r.action, r.category, r.outcome) for r in rows}
    assert {("report", "reports", "success"), ("print", "reports", "success")} <= actions
    assert ("export", "reports", "success") in actions
    report_row = next(r for r in rows if r.action == "report")
    assert f"report {report_id}" in report_row.detail


def test_same_chart_and_clock_render_the_same_bytes(trt_patient, reports):
    _, first = reports.generate(trt_patient.id, "summary")
    _, second = reports.generate(trt_patient.id, "summary")
    assert first == second


def test_handout_prints_only_ticked_findings_note_and_disclaimer(service, trt_patient, reports):
    finding = _hematocrit(service, trt_patient.id)
    _, pdf = reports.generate(
        trt_patient.id,
        "handout",
        ticked_rule_ids=[finding.rule_id],
        clinician_note="Drink water before the next draw.",
        discuss=["Dose timing"],
        paper="Letter",
    )
    text = _text(pdf)
    assert " ".join(finding.patient_text.split()) in text
    assert "Drink water before the next draw." in text and "Dose timing" in text
    assert "does not replace, your clinician's judgement" in text
    assert finding.clinician_text.split(".")[0] not in text
    others = [
        f
        for f in FindingsService(service).evaluate(trt_patient.id).visible
        if f.rule_id != finding.rule_id and f.patient_text
    ]
    for other in others:
        assert " ".join(other.patient_text.split()) not in text
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width)) == 612


def test_an_assistant_is_refused_and_the_refusal_is_audited(service, trt_patient, reports):
    service.session.user = replace(service.session.user, role="assistant")
    with pytest.raises(PermissionDenied):
        reports.generate(trt_patient.id, "summary")
    denied = [
        r for r in service.session.audit.rows(outcome="denied") if r.patient_id == trt_patient.id
    ]
    assert denied and denied[-1].action == "report.generate"


def test_a_tampered_archive_is_not_reprinted(service, trt_patient, reports):
    report_id, _ = reports.generate(trt_patient.id, "summary")
    with service.database.transaction():
        service.database.conn.execute("UPDATE reports SET pdf = x'00' WHERE id = ?", (report_id,))
    with pytest.raises(ReportIntegrityError):
        reports.reprint(report_id)


def test_unknown_kind_is_a_validation_error(trt_patient, reports):
    from app.core.validation import ValidationError

    with pytest.raises(ValidationError):
        reports.build(trt_patient.id, "letter")


def _three_trt_patients(service):
    ids = []
    for n in range(3):
        patient = service.create_patient(make_patient(mrn=f"MRN-20{n}", given_name=f"P{n}"))
        service.add_regimen_item(
            RegimenItem(
                None, patient.id, "hormone", "testosterone_cypionate", 140.0, "mg", "IM", 7.0,
                date(2025, 6, 2),
            )
        )  # fmt: skip
        service.record_result(patient.id, "hematocrit", "55.2", "%", datetime(2026, 10, 1, 8))
        ids.append(patient.id)
    return ids


def _hematocrit_rule(service, patient_id):
    return _hematocrit(service, patient_id).rule_id


def test_batch_writes_one_archived_audited_pdf_per_worklist_patient(service, reports, tmp_path):
    ids = _three_trt_patients(service)
    rule_id = _hematocrit_rule(service, ids[0])
    seen = []
    result = reports.batch(
        rule_id, "handout", tmp_path / "out", progress=lambda d, t: seen.append((d, t))
    )
    assert not result.cancelled and result.total == 3 and seen[-1] == (3, 3)
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["MRN-200-handout.pdf", "MRN-201-handout.pdf", "MRN-202-handout.pdf"]
    for report_id, path in result.written:
        assert path.read_bytes() == reports.reprint(report_id)
        assert "ematocrit" in _text(path.read_bytes()) or "red blood" in _text(path.read_bytes())
    for patient_id in ids:
        [record] = reports.archive(patient_id)
        assert record.kind == "handout"
    for patient_id in ids:
        actions = [r.action for r in service.session.audit.rows(patient_id=patient_id)]
        assert "report" in actions and "export" in actions


def test_batch_cancelled_after_one_leaves_one_file_and_one_archive_row(service, reports, tmp_path):
    ids = _three_trt_patients(service)
    rows = FindingsService(service).worklist([_hematocrit_rule(service, ids[0])])
    assert len({r.patient_id for r in rows}) == 3
    done = []
    result = reports.batch(
        rows,
        "summary",
        tmp_path,
        progress=lambda d, t: done.append(d),
        is_cancelled=lambda: bool(done),
    )
    assert result.cancelled and len(result.written) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["MRN-200-summary.pdf"]
    assert sum(len(reports.archive(pid)) for pid in ids) == 1


def _png(path) -> None:
    """A tiny valid 2x2 PNG, written without any imaging library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x20\x60\xa0" * 2 for _ in range(2))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_the_clinic_logo_from_settings_prints_in_the_header(
    service, trt_patient, reports, tmp_path
):
    from app.core.validation import ValidationError

    with pytest.raises(ValidationError):
        service.set_setting("clinic_logo", str(tmp_path / "missing.png"))
    _, without = reports.generate(trt_patient.id, "summary")
    assert b"/Subtype /Image" not in without
    logo = tmp_path / "logo.png"
    _png(logo)
    service.set_setting("clinic_logo", str(logo))
    _, with_logo = reports.generate(trt_patient.id, "summary")
    assert b"/Subtype /Image" in with_logo
    assert "Clinician summary" in _text(with_logo)


def test_labs_table_falls_back_to_the_knowledge_base_range_in_the_results_unit(
    service, trt_patient, reports
):
    """A result without the lab's range prints the KB default for the patient, marked."""
    service.record_result(trt_patient.id, "zinc", "11.0", "umol/L", datetime(2026, 10, 1, 8, 0))
    data = reports.build(trt_patient.id, "summary")
    rows = {r.analyte: r for r in data.lab_rows}
    hematocrit = rows[service.analyte_label("hematocrit")]
    assert hematocrit.range_text == "41 – 51" and hematocrit.range_from_kb  # adult male
    zinc = rows[service.analyte_label("zinc")]
    # ARUP 60-120 ug/dL converted to the result's own unit (x 0.1530), not left in ug/dL;
    # four significant digits, so a value judged against it reads that way.
    assert zinc.range_text == "9.18 – 18.36" and zinc.range_from_kb
    # The lab sent no flags: they are worked out against the range shown, and marked.
    assert hematocrit.flag == "H" and hematocrit.flag_computed  # 55.2 % against 41-51
    assert zinc.flag == "" and not zinc.flag_computed  # 11.0 is inside 9.18-18.36
    text = _text(reports.generate(trt_patient.id, "summary")[1])
    assert "41 – 51 *" in text and "H *" in text
    assert "knowledge base's default" in text and "the lab sent none" in text


def test_labs_table_prints_the_labs_own_range_unmarked(service, trt_patient, reports):
    service.observations_repo.add(
        Observation(
            None,
            trt_patient.id,
            "zinc",
            datetime(2026, 10, 2, 8, 0),
            "70",
            value=70.0,
            unit="ug/dL",
            ref_low=70.0,
            ref_high=150.0,
            ref_text="70-150",
            lab="Quay Lab",
        )
    )
    data = reports.build(trt_patient.id, "summary")
    zinc = next(r for r in data.lab_rows if r.analyte == service.analyte_label("zinc"))
    assert zinc.range_text == "70-150" and not zinc.range_from_kb


def test_labs_table_leaves_the_range_blank_when_the_unit_has_no_exact_factor(
    service, trt_patient, reports
):
    with service.database.transaction():  # as an import keeps a unit it cannot convert
        service.observations_repo.add(
            Observation(
                None, trt_patient.id, "zinc", datetime(2026, 10, 2, 8), "90", 90.0, None,
                "mg/furlong",
            )
        )  # fmt: skip
    data = reports.build(trt_patient.id, "summary")
    zinc = next(r for r in data.lab_rows if r.analyte == service.analyte_label("zinc"))
    assert zinc.range_text == "—" and not zinc.range_from_kb


def test_summary_charts_what_the_warnings_are_about_first(service, trt_patient, reports):
    """Haematocrit 55.2 % on TRT is the urgent finding: its chart leads the trends page."""
    data = reports.build(trt_patient.id, "summary")
    [series] = data.chart_series
    keys = [analyte.key for analyte in series.analytes]
    assert keys[0] == "hematocrit" and len(keys) <= 4


def test_handout_gives_each_subject_one_paragraph(service, trt_patient, reports):
    # On anastrozole with low zinc, high copper and high estradiol, three rules speak
    # about zinc, and the monitoring rule gives one gap per test with the same words
    # for each test but its name.
    service.add_regimen_item(
        RegimenItem(
            None, trt_patient.id, "hormone", "anastrozole", 0.5, "mg", "oral", 3.5,
            date(2025, 6, 2),
        )
    )  # fmt: skip
    when = datetime(2026, 10, 1, 8)
    service.record_result(trt_patient.id, "zinc", "50", "ug/dL", when)
    service.record_result(trt_patient.id, "copper", "160", "ug/dL", when)
    visible = FindingsService(service).evaluate(trt_patient.id).visible
    zinc = [f for f in visible if f.marker == "zinc"]
    assert len(zinc) >= 2
    data = reports.build(trt_patient.id, "handout", ticked_rule_ids=[f.rule_id for f in visible])
    headings = [item.heading for item in data.handout_items]
    assert len(headings) == len(set(headings))
    (zinc_item,) = [item for item in data.handout_items if item.heading == "Zinc"]
    for finding in zinc:
        assert zinc_item.text.count(finding.patient_text) == 1


def test_an_empty_handout_is_refused_and_nothing_archived(service, trt_patient, reports):
    from app.services.reports import EMPTY_HANDOUT, EmptyHandoutError

    audited = len(service.session.audit.rows(patient_id=trt_patient.id))
    for options in (
        {},
        {"clinician_note": "  \n", "discuss": ["", "  "]},
        {"ticked_rule_ids": ["no_such_rule"]},  # a tick that explains nothing
    ):
        with pytest.raises(EmptyHandoutError) as raised:
            reports.generate(trt_patient.id, "handout", **options)
        assert raised.value.errors == {"handout": EMPTY_HANDOUT}
    assert reports.archive(trt_patient.id) == []
    actions = [r.action for r in service.session.audit.rows(patient_id=trt_patient.id)]
    assert "report" not in actions[audited:]

    report_id, _ = reports.generate(trt_patient.id, "handout", discuss=["Sleep"])
    assert [r.id for r in reports.archive(trt_patient.id)] == [report_id]


def test_batch_leaves_out_a_patient_whose_handout_would_be_empty(service, reports, tmp_path):
    ids = _three_trt_patients(service)
    rows = FindingsService(service).worklist([_hematocrit_rule(service, ids[0])])
    # The second patient's finding has gone since the list was made.
    rows = [replace(r, rule_id="gone") if r.patient_id == ids[1] else r for r in rows]
    result = reports.batch(rows, "handout", tmp_path)
    assert result.total == 3 and len(result.written) == 2 and result.empty == ("MRN-201",)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "MRN-200-handout.pdf",
        "MRN-202-handout.pdf",
    ]
    assert reports.archive(ids[1]) == []
