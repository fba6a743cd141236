"""Random charts: whatever the data, findings stay well formed and never prescribe."""

from __future__ import annotations

import re

from eval_random import drug, lab, random_chart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.evaluation import EVIDENCE_GRADES, SEVERITIES, STATUSES
from app.core.evaluation.rulebook import DOSE_PATTERN


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sex=st.sampled_from(["male", "female", "intersex", "unknown"]),
    age=st.integers(16, 85),
    drugs=st.lists(drug, max_size=5),
    labs=st.lists(lab, max_size=25),
)
def test_findings_are_always_well_formed(kb, sex, age, drugs, labs):
    chart = random_chart(kb, sex, age, drugs, labs)
    result = chart.evaluate()
    for finding in (*result.findings, *result.checks):
        assert finding.status in STATUSES
        assert finding.severity in SEVERITIES
        assert finding.evidence_grade in EVIDENCE_GRADES
        assert all(key in kb.citations for key in finding.citations)
        assert finding.trace.kb_version == kb.version
        for text in (finding.clinician_text, finding.patient_text, finding.next_step):
            assert not re.search(r"\{[a-z_.]+\}", text), text
        assert not DOSE_PATTERN.search(finding.next_step), finding.next_step
    for finding in result.findings:
        assert finding.clinician_text and finding.next_step
