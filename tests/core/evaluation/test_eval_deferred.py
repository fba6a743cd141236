"""Finding texts and traces worked out on first read: the same values, read any way.

A clinic-wide run builds findings whose texts and trace nobody may read; they are
worked out on first read (``deferred_finding``). Whatever reads them (attributes,
``asdict``, equality, ``replace``, pickling) must see what an eager build gave.
(``tests/services/test_clinic_evaluation.py`` compares whole clinics' findings.)
"""

from __future__ import annotations

import pickle
from dataclasses import asdict, replace
from datetime import datetime

from test_eval_held import _psa_rise_in_year_one

from app.core.evaluation import EvaluationOptions, Suppression, evaluate
from app.core.evaluation.findings import Finding


def _evaluate(chart, observations):  # noqa: ANN001, ANN202
    return evaluate(
        chart.patient, chart.regimen, observations, chart.kb, chart.as_of,
        options=EvaluationOptions(include_checks=False),
    )  # fmt: skip


def _fired(kb) -> Finding:  # noqa: ANN001
    chart = _psa_rise_in_year_one(kb)
    return next(f for f in _evaluate(chart, chart.observations).findings if f.fired)


def test_a_deferred_finding_equals_one_built_from_its_values(kb):
    finding = _fired(kb)
    values = {name: getattr(finding, name) for name in Finding.__dataclass_fields__}
    built = Finding(**values)
    assert finding == built and asdict(finding) == asdict(built) and repr(finding) == repr(built)
    assert finding.clinician_text and finding.trace.values


def test_replace_and_pickle_keep_the_texts_and_trace(kb):
    finding = _fired(kb)
    hidden = Suppression(finding.rule_id, finding.fingerprint, "known", "me", datetime(2026, 1, 1))
    marked = replace(finding, suppressed=hidden)
    assert marked.clinician_text == finding.clinician_text and marked.trace == finding.trace
    assert pickle.loads(pickle.dumps(_fired(kb))) == finding
