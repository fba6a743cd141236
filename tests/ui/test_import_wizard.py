"""The import wizard, driven as a clinician would: read, check, fix, import."""

from __future__ import annotations

import pytest

from app.services.importing import NOT_TRACKED
from app.ui.import_wizard import ImportWizard
from tests.conftest import make_patient

CSV = (
    "MRN,Test,Result,Units,Collected\n"
    "MRN-1001,Zinc,58,ug/dL,2026-10-02 08:15\n"
    "MRN-1001,Estradiol,<5,pg/mL,2026-10-02 08:15\n"
    "MRN-1001,Glorbulin,7.1,mg/dL,2026-10-02 08:15\n"
    "MRN-1001,Zinc,abc,ug/dL,2026-10-03 08:15\n"
)


@pytest.fixture
def wizard(qtbot, service, tmp_path):
    service.create_patient(make_patient())

    def make(text: str, name: str = "labs.csv") -> ImportWizard:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        dialog = ImportWizard(service, str(path))
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def _read(qtbot, dialog: ImportWizard) -> None:
    dialog.read_file()
    qtbot.waitUntil(lambda: dialog.progress.isHidden(), timeout=10_000)


def test_preview_then_mapping_then_import(qtbot, wizard, service):
    dialog = wizard(CSV)
    _read(qtbot, dialog)
    assert dialog.pages.currentIndex() == 1
    assert "2 new" in dialog.counts.text() and "1 rejected" in dialog.counts.text()
    assert dialog.preview_model.rowCount() == 4  # three read rows and the rejected one
    combo = dialog.mapping_table.cellWidget(0, 2)
    combo.setCurrentIndex(combo.findData("shbg"))
    dialog.apply_mappings()
    assert "3 new" in dialog.counts.text()
    dialog.commit()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=10_000)
    assert "Imported 3 results" in dialog.done_label.text()
    keys = sorted(o.analyte_key for o in service.observations(service.find_patient("MRN-1001").id))
    assert keys == ["estradiol", "shbg", "zinc"]


def test_a_wrong_column_guess_can_be_corrected_and_read_again(qtbot, wizard):
    text = "MRN,Test,Outcome,Units,Collected\nMRN-1001,Zinc,58,ug/dL,2026-10-02\n"
    dialog = wizard(text)
    _read(qtbot, dialog)
    if dialog.pages.currentIndex() == 0:  # the reader refused the file outright
        pytest.fail(dialog.source_message.text())
    combos = dialog.columns_box.combos
    combos["value"].setCurrentIndex(combos["value"].findData("Outcome"))
    dialog.reread_with_columns(dialog.columns_box.column_map())
    qtbot.waitUntil(lambda: dialog.progress.isHidden(), timeout=10_000)
    assert "1 new" in dialog.counts.text()


def test_ambiguous_dates_ask_for_the_order_and_nothing_is_read_until_chosen(qtbot, wizard):
    dialog = wizard("MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,58,ug/dL,03/04/2026\n")
    _read(qtbot, dialog)
    assert dialog.pages.currentIndex() == 0 and dialog.date_box.isVisibleTo(dialog)
    dialog.read_file()
    assert "Choose whether the day or the month" in dialog.source_message.text()
    dialog.date_dmy.setChecked(True)
    _read(qtbot, dialog)
    assert dialog.pages.currentIndex() == 1
    assert dialog._parsed.rows[0].collected_at.month == 4


def test_a_binary_file_is_refused_with_a_message(qtbot, wizard):
    dialog = wizard("PK\x03\x04" + "\x00" * 40, "labs.xlsx")
    _read(qtbot, dialog)
    assert dialog.pages.currentIndex() == 0
    assert dialog.source_message.text().endswith(".")


def test_a_file_with_nothing_new_cannot_be_imported_and_says_why(qtbot, wizard):
    dialog = wizard(CSV)
    _read(qtbot, dialog)
    dialog.commit()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=10_000)
    again = wizard(CSV, "labs-again.csv")
    _read(qtbot, again)
    assert "0 new" in again.counts.text()
    assert not again.commit_button.isEnabled()
    assert "Nothing new to import" in again.commit_button.toolTip()


def test_creating_patients_enables_import_only_for_patients_it_can_create(qtbot, wizard):
    text = (
        "MRN,Last Name,First Name,DOB,Test,Result,Units,Collected\n"
        "MRN-7001,Doe,Jo,,Zinc,81,ug/dL,2026-03-02 08:10\n"
        "MRN-7002,Roe,Al,1970-01-01,Zinc,82,ug/dL,2026-03-02 08:10\n"
    )
    dialog = wizard(text, "new-patients.csv")
    _read(qtbot, dialog)
    assert not dialog.commit_button.isEnabled()  # nobody matched, nothing new yet
    why = dialog.patients_box.table.item(dialog.patients_box.row_of("MRN MRN-7001 · Doe, Jo"), 0)
    assert "cannot be created: the file gives no readable date of birth" in why.text()
    dialog.create_patients.setChecked(True)
    assert dialog.commit_button.isEnabled()


def test_a_file_whose_every_row_is_rejected_does_not_claim_patients_matched(qtbot, wizard):
    dialog = wizard("MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,abc,ug/dL,2026-10-03\n")
    _read(qtbot, dialog)
    assert "every row was rejected" in dialog.patients_label.text()
    assert not dialog.commit_button.isEnabled()


ANALYZER = (
    "Patient ID,Sample ID,Test Name,Result,Units,Comp. Time\n"
    ",25255,Zinc,70,ug/dL,2026-10-01 08:00\n"
    ",25255,Estradiol,30,pg/mL,2026-10-01 08:00\n"
    ",25256,Zinc,75,ug/dL,2026-10-01 08:05\n"
)


def test_a_sample_is_assigned_to_a_patient_and_only_its_rows_are_imported(qtbot, wizard, service):
    dialog = wizard(ANALYZER, "analyzer.csv")
    _read(qtbot, dialog)
    box = dialog.patients_box
    assert "0 new" in dialog.counts.text() and "3 for unmatched" in dialog.counts.text()
    assert not dialog.commit_button.isEnabled()
    first, second = box.row_of("Sample 25255"), box.row_of("Sample 25256")
    assert box.table.item(first, 1).text() == "2" and box.table.item(second, 1).text() == "1"
    okafor = service.find_patient("MRN-1001")
    chooser = box.chooser(first)
    chooser.setCurrentIndex(chooser.findData(okafor.id))
    qtbot.waitUntil(lambda: "2 new" in dialog.counts.text(), timeout=5_000)
    assert "1 for unmatched" in dialog.counts.text()
    assert "1 assigned by you" in dialog.patients_label.text()
    assigned = box.row_of("Sample 25255")
    assert box.chooser(assigned).currentData() == okafor.id  # the choice stays shown
    assert box.chooser(box.row_of("Sample 25256")).currentData() is None
    assert dialog.commit_button.isEnabled()
    dialog.commit()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=10_000)
    assert "Imported 2 results" in dialog.done_label.text()
    stored = service.observations(okafor.id)
    assert sorted(o.value for o in stored) == [30, 70]
    batch = dialog._importer.batches()[0]
    assert dialog._importer.undo(batch.id) == 2
    assert service.observations(okafor.id) == []


def test_taking_an_assignment_back_leaves_the_rows_out_again(qtbot, wizard, service):
    dialog = wizard(ANALYZER, "analyzer.csv")
    _read(qtbot, dialog)
    box = dialog.patients_box
    chooser = box.chooser(box.row_of("Sample 25256"))
    chooser.setCurrentIndex(chooser.findData(service.find_patient("MRN-1001").id))
    qtbot.waitUntil(lambda: "1 new" in dialog.counts.text(), timeout=5_000)
    box.chooser(box.row_of("Sample 25256")).setCurrentIndex(0)
    qtbot.waitUntil(lambda: "0 new" in dialog.counts.text(), timeout=5_000)
    assert not dialog.commit_button.isEnabled()


def test_an_ehr_export_names_its_columns_in_words_on_the_check_page(qtbot, wizard):
    # Synthea's layout: the patient is another system's id, in a column called PATIENT.
    text = (
        "DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,VALUE,UNITS,TYPE\n"
        "2026-10-02T08:15:00Z,MRN-1001,e1,5763-8,Zinc,58,ug/dL,numeric\n"
    )
    dialog = wizard(text, "observations.csv")
    _read(qtbot, dialog)
    info = dialog.file_info.text()
    assert "Patient id = 'PATIENT'" in info and "Collected = 'DATE'" in info
    assert "source_patient_id" not in info and "collected_at" not in info
    # The column box shows the same guess, not "MRN: none" beside an unnamed id column.
    assert dialog.columns_box.combos["source_patient_id"].currentData() == "PATIENT"
    assert "1 new" in dialog.counts.text()
    # Every guess the info line names can be put right in the box (Test code included).
    assert dialog.columns_box.combos["code"].currentData() == "CODE"
    assert {"sex", "note", "ref_low", "ref_high", "collected_time"} <= set(
        dialog.columns_box.combos
    )


def test_a_file_with_many_notes_keeps_the_wizard_within_a_laptop_screen(qtbot, wizard):
    # An analyzer export with a scale factor in every header writes a note per column.
    names = [f"Test{i}(10^(-1)%)" for i in range(40)]
    text = "Sample ID,Date," + ",".join(names) + "\n" + "S1,2026-10-02," + ",".join(["411"] * 40)
    dialog = wizard(text + "\n", "analyzer.csv")
    _read(qtbot, dialog)
    assert dialog.pages.currentIndex() == 1
    assert dialog.minimumSizeHint().height() <= 768
    assert dialog.sizeHint().height() <= 768


def test_a_test_marked_not_tracked_is_not_asked_about_again(qtbot, wizard, service):
    dialog = wizard(CSV)
    _read(qtbot, dialog)
    combo = dialog.mapping_table.cellWidget(0, 2)
    assert dialog.mapping_table.item(0, 0).text() == "glorbulin"
    combo.setCurrentIndex(combo.findText("Not tracked: leave out of every import"))
    dialog.apply_mappings()
    assert "1 of tests not tracked" in dialog.counts.text()
    assert "0 with unknown analytes" in dialog.counts.text()
    dialog.commit()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=10_000)
    assert "Imported 2 results" in dialog.done_label.text()

    later = wizard(CSV.replace("2026-10-0", "2026-11-0"), "later.csv")
    _read(qtbot, later)
    assert "1 of tests not tracked" in later.counts.text()
    assert "0 with unknown analytes" in later.counts.text()
    # Still listed, with its choice shown, so the clinic can track it after all.
    assert later.mapping_table.item(0, 0).text() == "glorbulin"
    combo = later.mapping_table.cellWidget(0, 2)
    assert combo.currentText() == "Not tracked: leave out of every import"
    combo.setCurrentIndex(combo.findData("shbg"))
    later.apply_mappings()
    assert "0 of tests not tracked" not in later.counts.text()
    assert "3 new" in later.counts.text()


def test_a_choice_made_on_a_file_with_nothing_new_can_still_be_remembered(qtbot, wizard):
    first = wizard(CSV)
    _read(qtbot, first)
    first.commit()
    qtbot.waitUntil(lambda: first.pages.currentIndex() == 2, timeout=10_000)

    again = wizard(CSV, "again.csv")  # every known row is stored now
    _read(qtbot, again)
    assert not again.commit_button.isEnabled()
    combo = again.mapping_table.cellWidget(0, 2)
    combo.setCurrentIndex(combo.findData(NOT_TRACKED))
    again.apply_mappings()
    assert again.commit_button.isEnabled() and again.commit_button.text() == "Remember choices"
    again.commit()
    qtbot.waitUntil(lambda: "remembered" in again.counts.text(), timeout=10_000)
    assert "Nothing new to import" in again.counts.text()
    assert not again.commit_button.isEnabled() and again.commit_button.text() == "Import"

    later = wizard(CSV, "later.csv")
    _read(qtbot, later)
    assert "1 of tests not tracked" in later.counts.text()


def test_selected_names_are_marked_not_tracked_together(qtbot, wizard):
    text = CSV + "MRN-1001,Respiratory rate,16,/min,2026-10-02 08:15\n"
    dialog = wizard(text)
    _read(qtbot, dialog)
    names = [dialog.mapping_table.item(r, 0).text() for r in range(2)]
    assert names == ["glorbulin", "respiratory rate"]
    dialog.mapping_table.selectAll()
    dialog.not_tracked_button.click()
    assert {dialog.mapping_table.cellWidget(r, 2).currentData() for r in range(2)} == {NOT_TRACKED}
    dialog.apply_mappings()
    assert "2 of tests not tracked" in dialog.counts.text()
    assert "0 with unknown analytes" in dialog.counts.text()


def test_the_assign_chooser_is_in_sight_beside_a_long_file_patient(qtbot, wizard):
    # An HL7 message names the patient by MRN and name; the reason it was not matched is
    # long. Both used to sit before the chooser and push it out of the side panel.
    text = (
        "MRN,Last Name,First Name,DOB,Test,Result,Units,Collected\n"
        "555-44-4444-000123,EVERYWOMAN-LONGFAMILYNAME,EVE ELIZABETH,,Zinc,81,ug/dL,"
        "2026-03-02 08:10\n"
    )
    dialog = wizard(text, "hl7-like.csv")
    _read(qtbot, dialog)
    box = dialog.patients_box
    row = box.row_of("MRN 555-44-4444-000123 · EVERYWOMAN-LONGFAMILYNAME, EVE ELIZABETH")
    assert row == 0
    chooser = box.chooser(row)
    left = chooser.mapTo(box.table.viewport(), chooser.rect().topLeft()).x()
    assert left >= 0 and left + chooser.width() <= box.table.viewport().width()
    reason = box.table.item(row, 0).text()
    assert "no patient with this MRN" in reason and "cannot be created" in reason


def test_long_patient_ids_and_test_names_leave_the_result_in_sight(qtbot, wizard):
    """An EHR id of 36 characters and a long test name no longer push Result, Unit and
    Problem off the table; the cut cells keep their whole text as a tooltip."""
    from app.ui.import_preview_model import COLUMN_CAPS
    from app.ui.item_roles import TOOLTIP

    long_id = "b5e2f0c1-9d8a-4c3e-8f7b-2a6d1e9c4b7a"
    test = "Percentage area affected by eczema head and neck [%] (calculated)"
    dialog = wizard(f"Patient,Test,Result,Units,Collected\n{long_id},{test},7,%,2026-10-02\n")
    _read(qtbot, dialog)
    header = dialog.preview_table.horizontalHeader()
    widest = max(COLUMN_CAPS.values())
    assert all(header.sectionSize(c) <= widest for c in range(header.count() - 1))
    model = dialog.preview_table.model()
    assert model.data(model.index(0, 3), TOOLTIP).startswith(test)


def test_counts_read_with_thousands_separators(qtbot, wizard):
    rows = "".join(
        f"MRN-1001,Zinc,{60 + i % 40},ug/dL,2025-{1 + i // 28 % 12:02d}-{1 + i % 28:02d} "
        f"{8 + i // 336:02d}:00\n"
        for i in range(1200)
    )
    dialog = wizard("MRN,Test,Result,Units,Collected\n" + rows)
    _read(qtbot, dialog)
    assert dialog.counts.text().startswith("1,200 new ·")


def test_every_preview_column_fits_a_1200_px_wizard(qtbot, wizard):
    """Range, Collected, Lab and Problem were off-screen at 1200 px; now every column
    is in sight without scrolling, and a cut cell's tooltip holds its whole text."""
    from app.ui.import_preview_model import HEADERS, PROBLEM_MIN_WIDTH
    from app.ui.item_roles import TOOLTIP

    long_id = "b5e2f0c1-9d8a-4c3e-8f7b-2a6d1e9c4b7a"
    test = "Percentage area affected by eczema head and neck [%] (calculated)"
    dialog = wizard(
        "Patient,Test,Result,Units,Reference range,Collected,Lab\n"
        f"{long_id},{test},7,%,0.0 - 12.5 percent of body area,2026-10-02 08:15,"
        "Quest Diagnostics Nichols Institute San Juan Capistrano\n"
        f"{long_id},Zinc,abc,ug/dL,60-120,2026-10-03 08:15,Quest\n"
    )
    dialog.resize(1200, 800)
    _read(qtbot, dialog)
    qtbot.wait(50)  # the columns are fitted again once the page is laid out
    table = dialog.preview_table
    header = table.horizontalHeader()
    room = table.viewport().width()
    for column, name in enumerate(HEADERS):
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert header.sectionViewportPosition(column) >= 0 and right <= room, (name, right, room)
    assert header.sectionSize(HEADERS.index("Problem")) >= PROBLEM_MIN_WIDTH
    assert table.horizontalScrollBar().maximum() == 0
    model = table.model()
    assert model.data(model.index(0, HEADERS.index("Analyte")), TOOLTIP).startswith(test)
    assert "Nichols Institute" in model.data(model.index(0, HEADERS.index("Lab")), TOOLTIP)
