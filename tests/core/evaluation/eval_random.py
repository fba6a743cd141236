"""Random charts for property tests: regimens and lab results drawn by hypothesis.

Values are drawn across and beyond each analyte's usual span (some censored, some
stale, some in another unit), so bands, ranges, limits, targets and trends answer
every way, and unknown answers occur for every reason.
"""

from __future__ import annotations

from eval_chart import Chart
from hypothesis import strategies as st

from app.core.knowledge import KnowledgeBase

# (analyte, unit, low, high)
ANALYTES = [
    ("zinc", "ug/dL", 30, 150), ("copper", "ug/dL", 40, 200), ("magnesium_serum", "mg/dL", 1.2, 2.8),
    ("vitamin_d_25oh", "ng/mL", 5, 160), ("vitamin_b6_plp", "ug/L", 1, 40), ("selenium", "ug/L", 10, 250),
    ("iodine_urine", "ug/L", 10, 500), ("ferritin", "ng/mL", 5, 500), ("testosterone_total", "ng/dL", 50, 1500),
    ("shbg", "nmol/L", 5, 150), ("albumin", "g/dL", 3, 5.5), ("estradiol", "pg/mL", 3, 120),
    ("hematocrit", "%", 38, 60), ("psa", "ng/mL", 0.1, 8), ("tsh", "mIU/L", 0.05, 12), ("hs_crp", "mg/L", 0.2, 25),
    ("bmd_tscore", "{T-score}", -3.5, 1.0), ("calcium_total", "mg/dL", 7.5, 11), ("homocysteine", "umol/L", 4, 30),
    ("symptom_fatigue", "{score}", 0, 10), ("symptom_mood", "{score}", 0, 10), ("vitamin_c", "mg/dL", 0.1, 2.5),
    ("b12", "pg/mL", 100, 1200), ("hba1c", "%", 4, 9), ("omega3_index", "%", 2, 12), ("vitamin_a", "ug/dL", 10, 120),
    ("zinc", "umol/L", 5, 25), ("folate_serum", "ng/mL", 1, 30), ("coq10", "ug/mL", 0.2, 2.0),
]  # fmt: skip
# (substance, dose, unit, every n days, route)
SUBSTANCES = [
    ("testosterone_cypionate", 100, "mg", 7, "IM"), ("testosterone_cypionate", 200, "mg", 14, "IM"),
    ("testosterone_gel", 50, "mg", 1, "transdermal"), ("anastrozole", 0.5, "mg", 3.5, "oral"),
    ("enclomiphene", 12.5, "mg", 1, "oral"), ("levothyroxine", 75, "ug", 1, "oral"),
    ("micronized_progesterone", 100, "mg", 1, "oral"), ("estradiol", 0.05, "mg", 3.5, "transdermal"),
    ("zinc", 30, "mg", 1, "oral"), ("vitamin_d3", 5000, "IU", 1, "oral"), ("calcium", 1200, "mg", 1, "oral"),
    ("copper", 2, "mg", 1, "oral"), ("vitamin_k2", 100, "ug", 1, "oral"), ("magnesium", 400, "mg", 1, "oral"),
]  # fmt: skip

# (analyte index, share of its span, comparator, days ago)
lab = st.tuples(
    st.integers(0, len(ANALYTES) - 1),
    st.floats(0, 1),
    st.sampled_from([None, None, None, "<", ">"]),
    st.integers(-3, 1200),
)
# (substance index, days since it began, dose doubled half-way)
drug = st.tuples(st.integers(0, len(SUBSTANCES) - 1), st.integers(1, 1500), st.booleans())


def random_chart(kb: KnowledgeBase, sex: str, age: int, drugs: list, labs: list) -> Chart:
    """A chart with the drawn regimen rows and lab results."""
    chart = Chart(kb, sex=sex, age=age)
    for index, start, raised in drugs:
        substance, dose, unit, every, route = SUBSTANCES[index]
        row = chart.on(substance, dose, unit, every, start=start, route=route)
        if raised and start > 60:
            chart.change_dose(row, dose * 2, days_ago=start // 2)
    for index, share, comparator, days_ago in labs:
        analyte, unit, low, high = ANALYTES[index]
        value = round(low + share * (high - low), 2)
        chart.lab(analyte, value, unit, days_ago=days_ago, comparator=comparator)
    return chart
