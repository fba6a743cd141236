"""The observation columns read back line up with the Observation record's fields."""

from dataclasses import fields

from app.core.models import Observation
from app.store import observations


def test_selected_columns_follow_the_records_field_order():
    """Rows are turned into records positionally: a reordered column would misplace data."""
    columns = [c.strip() for c in observations._COLUMNS.split(",")]
    assert columns == [f.name for f in fields(Observation)]
