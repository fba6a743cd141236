"""Tests a clinic does not track: said once, left out of every later import, and reversible."""

from __future__ import annotations

import pytest

from app.services import ClinicService
from app.services.importing import (
    NEW,
    NOT_TRACKED,
    UNKNOWN_ANALYTE,
    UNTRACKED_ANALYTE,
    Importer,
    NothingToImport,
)
from tests.conftest import TODAY, make_patient

FIRST = (
    "MRN,Test,Result,Units,Collected\n"
    "MRN-1001,Zinc,70,ug/dL,2026-03-02 08:10\n"
    "MRN-1001,Respiratory  Rate,16,/min,2026-03-02 08:10\n"
    "MRN-1001,QALY,41.2,a,2026-03-02 08:10\n"
)
LATER = (
    "MRN,Test,Result,Units,Collected\n"
    "MRN-1001,Zinc,72,ug/dL,2026-05-04 08:10\n"
    "MRN-1001,respiratory rate,18,/min,2026-05-04 08:10\n"
    "MRN-1001,QALY,41.9,a,2026-05-04 08:10\n"
)


@pytest.fixture
def clinic(tmp_path, kb):
    service = ClinicService.create(tmp_path / "c.db", name="T", today=lambda: TODAY, knowledge=kb)
    service.create_patient(make_patient())
    yield service
    service.close()


def _preview(service, text: str, name: str):
    importer = Importer(service)
    data = text.encode()
    return importer, data, importer.preview(data, name, importer.read(data, name))


def test_a_test_marked_not_tracked_is_left_out_of_later_imports_without_asking(clinic):
    importer, data, preview = _preview(clinic, FIRST, "first.csv")
    assert set(preview.unknown_analytes) == {"respiratory rate", "qaly"}
    importer.map_analyte("respiratory rate", NOT_TRACKED)
    preview = importer.preview(data, "first.csv", preview.parsed)
    assert preview.statuses == [NEW, UNTRACKED_ANALYTE, UNKNOWN_ANALYTE]
    assert importer.commit(preview, data).imported == 1

    _, _, later = _preview(clinic, LATER, "later.csv")
    assert later.statuses == [NEW, UNTRACKED_ANALYTE, UNKNOWN_ANALYTE]
    assert later.untracked_analytes == {"respiratory rate": [3]}
    assert list(later.unknown_analytes) == ["qaly"]  # only what nobody decided is asked
    assert later.summary()["untracked_analyte_rows"] == 1


def test_mapping_a_not_tracked_test_to_an_analyte_tracks_it_again(clinic):
    importer, data, preview = _preview(clinic, FIRST, "first.csv")
    importer.map_analyte("qaly", NOT_TRACKED)
    importer.commit(importer.preview(data, "first.csv", preview.parsed), data)
    importer, data, later = _preview(clinic, LATER, "later.csv")
    assert later.statuses[2] == UNTRACKED_ANALYTE
    importer.map_analyte("qaly", "shbg")  # the clinic changed its mind
    later = importer.preview(data, "later.csv", later.parsed)
    assert later.statuses[2] == NEW and later.untracked_analytes == {}


def test_a_file_of_only_untracked_tests_imports_nothing_and_says_so(clinic):
    importer, data, preview = _preview(clinic, FIRST, "first.csv")
    for text in ("respiratory rate", "qaly"):
        importer.map_analyte(text, NOT_TRACKED)
    importer.commit(importer.preview(data, "first.csv", preview.parsed), data)
    only = "MRN,Test,Result,Units,Collected\nMRN-1001,QALY,40.0,a,2026-06-01 08:10\n"
    importer, data, preview = _preview(clinic, only, "only.csv")
    with pytest.raises(NothingToImport, match="1 of tests the clinic does not track"):
        importer.commit(preview, data)


def test_a_knowledge_base_analyte_is_never_left_out_by_a_remembered_text(clinic):
    importer, data, preview = _preview(clinic, FIRST, "first.csv")
    with pytest.raises(ValueError, match="is Zinc, serum in the knowledge base"):
        importer.map_analyte("zinc", NOT_TRACKED)  # a name the knowledge base knows
    # Even a mapping remembered by an older version would not hide it.
    importer.matcher.remember("zinc", NOT_TRACKED)
    preview = importer.preview(data, "first.csv", preview.parsed)
    assert preview.statuses[0] == NEW and preview.analyte_keys[0] == "zinc"
    with pytest.raises(KeyError):
        importer.map_analyte("qaly", "not-an-analyte")


def test_choices_made_on_a_file_with_nothing_new_are_remembered_all_the_same(clinic):
    importer, data, preview = _preview(clinic, FIRST, "first.csv")
    importer.commit(preview, data)  # zinc imported; the two unknown tests left out
    importer, data, again = _preview(clinic, FIRST, "again.csv")  # nothing new in it
    importer.map_analyte("qaly", NOT_TRACKED)
    again = importer.preview(data, "again.csv", again.parsed)
    with pytest.raises(NothingToImport, match="1 test names you mapped or marked not tracked"):
        importer.commit(again, data)
    assert [b.file_name for b in importer.batches()] == ["first.csv"]
    _, _, later = _preview(clinic, LATER, "later.csv")
    assert later.untracked_analytes == {"qaly": [4]}
    events = [e for e in clinic.session.audit.rows() if e.category == "import settings"]
    assert [e.detail for e in events] == ["remembered test names: qaly = (not tracked)"]


def test_text_answers_to_a_test_not_tracked_are_left_out_not_rejected(clinic):
    """An EHR export answers questionnaires in its value column ('Never smoker'). Once the
    test is marked not tracked those rows are left out with it, not rejected each time."""
    answers = (
        "MRN,Test,Result,Units,Collected\n"
        "MRN-1001,Zinc,72,ug/dL,2026-05-04 08:10\n"
        "MRN-1001,Tobacco smoking status,Never smoker,,2026-05-04 08:10\n"
        "MRN-1001,Tobacco smoking status,,,2026-05-05 08:10\n"
        "MRN-1001,Zinc,abc,ug/dL,2026-05-06 08:10\n"
    )
    importer, data, preview = _preview(clinic, answers, "first.csv")
    assert preview.summary()["rejected"] == 3  # nothing is known about that test yet
    # Listed to be decided on, though no value of it is a number.
    assert preview.unknown_analytes == {"tobacco smoking status": [3, 4]}
    importer.map_analyte("tobacco smoking status", NOT_TRACKED)
    preview = importer.preview(data, "first.csv", preview.parsed)
    summary = preview.summary()
    assert (summary["rejected"], summary["untracked_analyte_rows"]) == (1, 2)
    assert [p.line for p in preview.rejected] == [5]  # zinc 'abc' is still a problem
    assert preview.untracked_analytes == {"tobacco smoking status": [3, 4]}
    assert preview.unknown_analytes == {}
    result = importer.commit(preview, data)
    assert (result.imported, result.rejected, result.skipped) == (1, 1, 2)
    (batch,) = importer.batches()
    assert batch.rows_rejected == 1
    _, _, later = _preview(clinic, answers.replace("2026-05", "2026-07"), "later.csv")
    assert later.summary()["untracked_analyte_rows"] == 2  # remembered for later files


def test_an_unreadable_value_of_a_test_matched_by_loinc_stays_rejected(clinic):
    """Synthea writes the LOINC in its code column under a name the knowledge base does
    not know: the readable rows match by the code, so the unreadable ones are problems
    of a known test, never listed as unknown nor left out as not tracked."""
    text = (
        "PATIENT,CODE,DESCRIPTION,VALUE,UNITS,DATE\n"
        "MRN-1001,4548-4,Hemoglobin A1c/Hemoglobin.total in Blood,5.6,%,2026-03-02\n"
        "MRN-1001,4548-4,Hemoglobin A1c/Hemoglobin.total in Blood,,%,2026-03-03\n"
        "MRN-1001,4548-4,Hemoglobin A1c/Hemoglobin.total in Blood,abc,%,2026-03-04\n"
    )
    importer, data, preview = _preview(clinic, text, "synthea.csv")
    assert preview.unknown_analytes == {} and preview.untracked_analytes == {}
    assert preview.summary()["rejected"] == 2
