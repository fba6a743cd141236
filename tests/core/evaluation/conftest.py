"""Evaluation-test setup: make the sibling helper modules importable.

pytest imports test modules without putting their folder on ``sys.path``, so the
chart builder (``eval_chart``) and the golden-case tables (``eval_cases_*``) are
reached by adding this folder once; their names are unique in the test tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
