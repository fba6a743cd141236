"""The import preview's table model: file order, statuses, cells built on demand."""

from __future__ import annotations

from app.services.importing import Importer
from app.ui.import_preview_model import ImportPreviewTableModel, _file_order
from app.ui.item_roles import TOOLTIP
from tests.conftest import make_patient

CSV = (
    "MRN,Test,Result,Units,Collected\n"
    "MRN-1001,Zinc,58,ug/dL,2026-10-02 08:15\n"
    "MRN-1001,Zinc,abc,ug/dL,2026-10-03 08:15\n"
    "MRN-1001,Glorbulin,7.1,mg/dL,2026-10-02 08:15\n"
    "MRN-0000,Zinc,60,ug/dL,2026-10-02 08:15\n"
)


def test_rows_and_problems_merge_in_file_order():
    assert list(_file_order([2, 4, 5], [3, 6])) == [0, -1, 1, 2, -2]
    assert list(_file_order([5, 2], [2, 1])) == [-2, 1, -1, 0]  # unsorted input: sorted


def test_model_shows_every_row_in_file_order(qtmodeltester, service):
    service.create_patient(make_patient())
    importer = Importer(service)
    data = CSV.encode()
    parsed = importer.read(data, "labs.csv")
    preview = importer.preview(data, "labs.csv", parsed)
    model = ImportPreviewTableModel(
        service.analyte_label, patient_label=lambda pid: service.get_patient(pid).display_name
    )
    model.set_preview(preview)
    qtmodeltester.check(model, force_py=True)
    cells = [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    assert [row[:2] for row in cells] == [
        ["2", "new"],
        ["3", "rejected"],
        ["4", "unknown analyte"],
        ["5", "unmatched patient"],
    ]
    assert cells[0][3] == service.analyte_label("zinc") and cells[0][7] == "2026-10-02 08:15"
    assert cells[0][2] == "Okafor, Samir"  # a matched row names the clinic's patient
    assert cells[3][2] == "MRN-0000"  # an unmatched one, the file's identifier
    # A rejected row says what is wrong in its own column, not under Analyte and Result.
    assert cells[1][3:9] == ["", "", "", "", "", ""]
    assert cells[1][9].startswith("Result: ") and "abc" in cells[1][9]
    assert model.status_at(1) == "rejected"


def test_an_impossible_row_shows_as_rejected_with_its_reason(service):
    service.create_patient(make_patient())
    importer = Importer(service)
    data = b"MRN,Test,Result,Units,Collected\nMRN-1001,Zinc,-58,ug/dL,2026-10-02 08:15\n"
    preview = importer.preview(data, "labs.csv", importer.read(data, "labs.csv"))
    model = ImportPreviewTableModel(service.analyte_label)
    model.set_preview(preview)
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row[1] == "rejected" and row[9] == "-58 is below zero: Zinc, serum cannot be negative."
    assert model.status_at(0) == "rejected"


def test_a_result_kept_in_its_reported_unit_says_so_in_its_row(service):
    # An analyzer writes a scale factor into the unit (WBC in 10/uL): the counts line
    # says "1 in units kept as reported"; the row must say which one and why.
    service.create_patient(make_patient())
    importer = Importer(service)
    data = (
        b"MRN,Test,Result,Units,Collected\n"
        b"MRN-1001,Zinc,58,ug/dL,2026-10-02 08:15\n"
        b"MRN-1001,WBC,806,10/uL,2026-10-02 08:15\n"
    )
    preview = importer.preview(data, "labs.csv", importer.read(data, "labs.csv"))
    assert preview.summary()["unrecognised_unit_rows"] == 1
    model = ImportPreviewTableModel(service.analyte_label, unit_refusal=service.unit_refusal)
    model.set_preview(preview)
    zinc, wbc = (
        [model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(2)
    )
    assert zinc[9] == ""
    assert wbc[1] == "new" and wbc[5] == "10/uL"
    assert wbc[9].startswith("Unit '10/uL' kept as reported, not converted: ")
    assert "10*3/uL" in wbc[9]  # the accepted units, from the knowledge base
    # A cell's tooltip is its whole text (a narrow column cuts it), then what is wrong.
    assert model.data(model.index(1, 3), TOOLTIP) == f"{wbc[3]}\n{wbc[9]}"
    assert model.data(model.index(0, 3), TOOLTIP) == zinc[3]
    assert model.data(model.index(0, 9), TOOLTIP) is None


def test_a_text_answer_to_a_test_not_tracked_shows_as_not_tracked(service):
    from app.services.importing import NOT_TRACKED

    service.create_patient(make_patient())
    importer = Importer(service)
    data = (
        b"MRN,Test,Result,Units,Collected\n"
        b"MRN-1001,Tobacco smoking status,Never smoker,,2026-10-02 08:15\n"
        b"MRN-1001,Zinc,abc,ug/dL,2026-10-03 08:15\n"
    )
    parsed = importer.read(data, "labs.csv")
    importer.map_analyte("tobacco smoking status", NOT_TRACKED)
    preview = importer.preview(data, "labs.csv", parsed)
    model = ImportPreviewTableModel(service.analyte_label)
    model.set_preview(preview)
    rows = [[model.data(model.index(r, c)) for c in range(4)] for r in range(2)]
    assert rows == [["2", "not tracked", "", "Tobacco smoking status"], ["3", "rejected", "", ""]]
    assert [model.status_at(r) for r in range(2)] == ["not tracked", "rejected"]
