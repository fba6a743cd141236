"""Show a validation message beside the field it belongs to.

A message wraps onto as many lines as it needs and the window grows to hold them: a
dialog laid out before any message is shown has no room for one, and Qt does not grow
a window for a wrapped label's height (the stop date's message overprinted "Reason").
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget


class FieldErrors:
    """Owns one red label per field; ``show()`` fills them from ``{field: message}``."""

    def __init__(self) -> None:
        self._labels: dict[str, QLabel] = {}

    def add_row(self, form: QFormLayout, label: str, field: str, editor: QWidget) -> QLabel:
        """Add ``editor`` to ``form`` with an (initially hidden) error label beside it."""
        error = QLabel()
        error.setObjectName(f"error_{field}")
        error.setStyleSheet("color: #b00020;")
        error.setWordWrap(True)
        error.hide()
        # The message goes under its field, at the form's full width: beside the field
        # a long message (the decimal-comma advice) was cut off.
        row = QVBoxLayout()
        row.setSpacing(2)
        row.addWidget(editor)
        row.addWidget(error)
        form.addRow(label, row)
        self._labels[field] = error
        return error

    def show(self, errors: dict[str, str]) -> None:
        for field, label in self._labels.items():
            message = errors.get(field, "")
            label.setText(message)
            label.setVisible(bool(message))
        unplaced = {k: v for k, v in errors.items() if k not in self._labels}
        if unplaced and self._labels:
            first = next(iter(self._labels.values()))
            first.setText("; ".join(unplaced.values()))
            first.show()
        self._make_room()

    def _make_room(self) -> None:
        """Give each message the height it needs at its width; the window grows to fit.

        A wrapped label's own hint is one line; pinning its minimum height to the
        height for its laid-out width makes the window's minimum grow, and Qt grows a
        window smaller than its minimum.
        """
        labels = list(self._labels.values())
        if not labels or (layout := labels[0].window().layout()) is None:
            return
        for label in labels:
            label.setMinimumHeight(0)
        layout.activate()  # lays the messages out at their widths
        for label in labels:
            if not label.isHidden():
                label.setMinimumHeight(label.heightForWidth(label.width()))
        layout.activate()

    def clear(self) -> None:
        self.show({})

    def message(self, field: str) -> str:
        label = self._labels.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def label(self, field: str) -> QLabel:
        return self._labels[field]
