"""Regimen rows are built positionally: the column list must follow the dataclass."""

from __future__ import annotations

from dataclasses import fields

from app.core.models import RegimenItem
from app.store.regimen import _COLUMNS


def test_the_columns_read_are_in_regimen_item_field_order():
    columns = [name.strip() for name in _COLUMNS.split(",")]
    assert columns == [field.name for field in fields(RegimenItem)]
