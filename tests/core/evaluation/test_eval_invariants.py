"""Random charts: whatever the data, findings stay well formed and never prescribe."""

from __future__ import annotations

import re

from eval_chart import Chart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.evaluation import EVIDENCE_GRADES, SEVERITIES, STATUSES
from app.core.evaluation.rulebook import DOSE_PATTERN

ANALYTES = [
    ("zinc", "ug/dL", 30, 150), ("copper", "ug/dL", 40, 200), ("magnesium_serum", "mg/dL", 1.2, 2.8),
    ("vitamin_d_25oh", "ng/mL", 5, 120), ("vitamin_b6_plp", "ug/L", 1, 40), ("selenium", "ug/L", 10, 250),
    ("iodine_urine", "ug/L", 10, 500), ("ferritin", "ng/mL", 5, 500), ("testosterone_total", "ng/dL", 50, 1500),
    ("shbg", "nmol/L", 5, 150), ("albumin", "g/dL", 3, 5.5), ("estradiol", "pg/mL", 3, 120),
    ("hematocrit", "%", 38, 60), ("psa", "ng/mL", 0.1, 8), ("tsh", "mIU/L", 0.05, 12), ("hs_crp", "mg/L", 0.2, 25),
    ("bmd_tscore", "{T-score}", -3.5, 1.0), ("calcium_total", "mg/dL", 7.5, 11), ("homocysteine", "umol/L", 4, 30),
    ("symptom_fatigue", "{score}", 0, 10), ("vitamin_c", "mg/dL", 0.1, 2.5), ("b12", "pg/mL", 100, 1200),
]  # fmt: skip
SUBSTANCES = [
    ("testosterone_cypionate", 100, "mg", 7, "IM"), ("testosterone_cypionate", 200, "mg", 14, "IM"),
    ("testosterone_gel", 50, "mg", 1, "transdermal"), ("anastrozole", 0.5, "mg", 3.5, "oral"),
    ("enclomiphene", 12.5, "mg", 1, "oral"), ("levothyroxine", 75, "ug", 1, "oral"),
    ("micronized_progesterone", 100, "mg", 1, "oral"), ("estradiol", 0.05, "mg", 3.5, "transdermal"),
    ("zinc", 30, "mg", 1, "oral"), ("vitamin_d3", 5000, "IU", 1, "oral"), ("calcium", 1200, "mg", 1, "oral"),
    ("copper", 2, "mg", 1, "oral"), ("vitamin_k2", 100, "ug", 1, "oral"), ("magnesium", 400, "mg", 1, "oral"),
]  # fmt: skip

lab = st.tuples(
    st.integers(0, len(ANALYTES) - 1),
    st.floats(0, 1),
    st.sampled_from([None, None, None, "<", ">"]),
    st.integers(-3, 900),
)
drug = st.tuples(st.integers(0, len(SUBSTANCES) - 1), st.integers(1, 1500), st.booleans())


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
    chart = Chart(kb, sex=sex, age=age)
    for index, start, raised in drugs:
        substance, dose, unit, every, route = SUBSTANCES[index]
        row = chart.on(substance, dose, unit, every, start=start, route=route)
        if raised and start > 60:
            chart.change_dose(row, dose * 2, days_ago=start // 2)
    for index, share, comparator, days_ago in labs:
        analyte, unit, low, high = ANALYTES[index]
        chart.lab(
            analyte,
            round(low + share * (high - low), 2),
            unit,
            days_ago=days_ago,
            comparator=comparator,
        )
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
