"""rules.toml: it loads, it is graded and cited, and bad edits are refused with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eval_chart import Chart, compile_text, edit_rule, outcome, rule_span

from app.core.evaluation import RuleError, default_rules_path, rules_for
from app.core.evaluation.rulebook import DOSE_PATTERN

HEDGES = ("may", "is associated with", "are associated with", "might", "could", "not measurable")
OVERCLAIMS = (
    "proves",
    "proven",
    "guarantee",
    "definitely",
    "dramatically",
    "non-negotiable",
    " will ",
)
RULE_LINE = re.compile(r"^rules\.toml: [\w.\[\]-]+: .+")


@pytest.fixture
def rules_text() -> str:
    return default_rules_path().read_text(encoding="utf-8")


def problems_for(kb, tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RuleError) as raised:
        compile_text(kb, tmp_path, text)
    lines = raised.value.problems
    for line in lines:
        assert RULE_LINE.match(line), line
    return lines


# --- the bundled pack ------------------------------------------------------------------


def test_bundled_rules_load(kb):
    pack = rules_for(kb)
    assert len(pack.rules) >= 40
    assert pack.kb_version == kb.version
    assert re.match(r"^\d{4}\.\d{1,2}\.\d+$", pack.version)


def _all_citations(rule) -> tuple[str, ...]:
    return (*rule.citations, *(c for entry in rule.by_sex.values() for c in entry.citations))


def test_every_rule_is_graded_and_cited(kb):
    for rule in rules_for(kb).rules:
        assert rule.evidence_grade in (
            "guideline",
            "randomised_trial",
            "observational",
            "mechanistic",
            "expert_opinion",
        ), rule.id
        # A rule whose sources differ by sex (by_sex) is cited for each sex; a
        # monitoring rule's findings cite their schedule items (protocols.toml).
        sexed = [rule.by_sex.get(sex) for sex in ("male", "female")]
        assert (
            rule.citations
            or rule.kind == "monitoring"
            or all(s is not None and s.citations for s in sexed)
        ), rule.id
        for key in _all_citations(rule):
            assert key in kb.citations, f"{rule.id}: {key}"


def test_every_rule_title_is_unique(kb):
    """The worklist lists rules by title: two rules with one title cannot be told apart."""
    seen: dict[str, str] = {}
    for rule in rules_for(kb).rules:
        title = rule.title.strip().casefold()
        assert title not in seen, f"{rule.id} has the same title as {seen[title]}: {rule.title!r}"
        seen[title] = rule.id


def test_the_z_score_bone_rule_names_its_ages(kb):
    by_id = {rule.id: rule for rule in rules_for(kb).rules}
    assert by_id["bone_density_falling"].title == "Bone density falling on hormone therapy"
    assert by_id["bone_density_falling_z_score_ages"].title == (
        "Bone density falling on hormone therapy (men under 50, women not known postmenopausal)"
    )


def test_wording_matches_the_grade(kb):
    for rule in rules_for(kb).rules:
        text = f"{rule.clinician_text} {rule.rationale}".lower()
        for word in OVERCLAIMS:
            assert word not in f" {text} ", f"{rule.id}: overclaims with {word!r}"
        if rule.evidence_grade in ("observational", "mechanistic", "expert_opinion"):
            assert any(h in text for h in HEDGES), (
                f"{rule.id}: {rule.evidence_grade} text needs hedging"
            )


def test_guideline_grade_needs_a_guideline_source(kb):
    for rule in rules_for(kb).rules:
        if rule.kind == "monitoring":
            continue  # each finding is graded by its schedule item's own source
        # What a patient of either sex is shown: the rule's sources and their sex's.
        for sex in ("male", "female"):
            extra = rule.by_sex[sex].citations if sex in rule.by_sex else ()
            kinds = {kb.citations[key].kind for key in (*rule.citations, *extra)}
            if rule.evidence_grade == "guideline":
                assert kinds & {"guideline", "consensus"}, (rule.id, sex)
            if kinds == {"seed"}:
                assert rule.evidence_grade in ("mechanistic", "observational"), (rule.id, sex)


def test_next_steps_and_messages_carry_no_dose(kb):
    pack = rules_for(kb)
    for rule in pack.rules:
        assert not DOSE_PATTERN.search(rule.next_step), rule.id
    for key, template in pack.messages.items():
        if key.startswith("next_step"):
            assert not DOSE_PATTERN.search(template), key


def test_fingerprints_are_stable_and_distinct(kb, tmp_path, rules_text):
    first = rules_for(kb)
    again = compile_text(kb, tmp_path, rules_text)
    assert [r.fingerprint for r in first.rules] == [r.fingerprint for r in again.rules]
    assert len({r.fingerprint for r in first.rules}) == len(first.rules)


# --- the source documents are represented ---------------------------------------------

SEED_NUTRIENTS = (
    "zinc", "magnesium", "vitamin_d", "vitamin_b6", "selenium", "iodine", "vitamin_a", "folate",
    "vitamin_b12", "omega_3", "coq10", "calcium", "vitamin_k2", "vitamin_c", "copper", "boron", "silicon",
)  # fmt: skip


def test_every_seed_nutrient_has_a_rule(kb):
    pack = rules_for(kb)
    covered = set()
    for rule in pack.rules:
        covered.add(rule.marker)
        for spec in rule.inputs.values():
            for nutrient in kb.nutrients.values():
                if spec.analyte in nutrient.related_analytes:
                    covered.add(nutrient.key)
        for leaf in re.findall(r"taking (\w+) supplement", rule.describe()):
            covered.add(leaf)
    assert set(SEED_NUTRIENTS) <= covered, set(SEED_NUTRIENTS) - covered


def test_seed_mechanisms_have_rules(kb):
    analytes = {spec.analyte for rule in rules_for(kb).rules for spec in rule.inputs.values()}
    # SHBG binding, inflammation, insulin resistance, methylation, bone density, PTH axis
    for analyte in (
        "shbg",
        "hs_crp",
        "hba1c",
        "homocysteine",
        "bmd_tscore",
        "pth",
        "free_testosterone_calc",
    ):
        assert analyte in analytes, analyte


def test_every_protocol_has_rules(kb):
    pack = rules_for(kb)
    for key, protocol in kb.protocols.items():
        roles = {component.role for component in protocol.components}
        applying = [
            r for r in pack.rules
            if r.applies_to.any_hormone or r.applies_to.everyone or roles & set(r.applies_to.roles)
        ]  # fmt: skip
        specific = [r for r in applying if roles & set(r.applies_to.roles)]
        assert specific, f"{key}: no rule keyed on its components"


# --- loader errors ---------------------------------------------------------------------


def test_unknown_condition_vocabulary_is_refused(kb, tmp_path, rules_text):
    text = edit_rule(
        rules_text,
        "zinc_on_aromatase_inhibitor",
        'condition = { input = "zinc", status_in = ["deficient", "insufficient"] }',
        "condition = { input = \"zinc\", eval = \"__import__('os').system('true')\" }",
    )
    lines = problems_for(kb, tmp_path, text)
    assert any(
        line.startswith("rules.toml: zinc_on_aromatase_inhibitor: condition") for line in lines
    )


@pytest.mark.parametrize(
    ("rule_id", "old", "new", "message"),
    [
        (
            "vitamin_d_status",
            'input = "vitd", status_in',
            'input = "vitdx", status_in',
            "does not declare",
        ),
        (
            "vitamin_d_status",
            'analyte = "vitamin_d_25oh", freshness_days = 365 }',
            'analyte = "vitamin_d_99", freshness_days = 365 }',
            "unknown analyte",
        ),
        ("vitamin_d_status", '"es_2011_vitamin_d",', '"holick_2099",', "unknown citation"),
        ("hematocrit_above_54_on_trt", 'unit = "%"', 'unit = "furlongs"', "cannot be used"),
        (
            "hematocrit_above_54_on_trt",
            'status = "high"',
            'status = "bad"',
            "status must be one of",
        ),
        (
            "hematocrit_above_54_on_trt",
            "{hct} is above",
            "{hct.vlaue} is above",
            "unknown placeholder",
        ),
        (
            "hematocrit_above_54_on_trt",
            'next_step = "Clinician review now:',
            'next_step = "Take 500 mg aspirin. Clinician review now:',
            "must not contain a dose",
        ),
        (
            "hematocrit_above_54_on_trt",
            'evidence_grade = "guideline"',
            'evidence_grade = "anecdote"',
            "evidence_grade",
        ),
        (
            "hematocrit_above_54_on_trt",
            'roles = ["androgen"]',
            'roles = ["wizard"]',
            "unknown role",
        ),
        (
            "vitamin_d_high",
            'band_in = ["possible_toxicity"]',
            'band_in = ["very_bad"]',
            "KB status words",
        ),
        (
            "vitamin_d_status",
            'severity = "consider"',
            'severity = "panic"',
            "severity must be one of",
        ),
        ("vitamin_d_status", 'when_missing = "report"', 'when_missing = "shout"', "when_missing"),
        ("vitamin_d_status", "version = 2\n", 'version = "one"\n', "version"),
    ],
)
def test_bad_rule_edits_are_refused(kb, tmp_path, rules_text, rule_id, old, new, message):
    lines = problems_for(kb, tmp_path, edit_rule(rules_text, rule_id, old, new))
    assert any(line.startswith(f"rules.toml: {rule_id}: ") and message in line for line in lines), (
        lines
    )


def test_duplicate_rule_id_is_refused(kb, tmp_path, rules_text):
    start, end = rule_span(rules_text, "coq10_low")
    lines = problems_for(kb, tmp_path, rules_text + "\n" + rules_text[start:end])
    assert "rules.toml: coq10_low: duplicate rule id" in lines


def test_unmapped_kb_status_is_refused(kb, tmp_path, rules_text):
    lines = problems_for(kb, tmp_path, rules_text.replace('marginal = "insufficient"\n', "", 1))
    assert any("status_map" in line and "marginal" in line for line in lines)


def test_every_problem_is_reported_at_once(kb, tmp_path, rules_text):
    text = edit_rule(rules_text, "coq10_low", 'status = "insufficient"', 'status = "meh"')
    text = edit_rule(text, "folate_low", '"who_folate_2015",', '"nobody_2001",')
    lines = problems_for(kb, tmp_path, text)
    assert any("coq10_low" in line for line in lines)
    assert any("folate_low" in line for line in lines)


def test_unreadable_file(kb, tmp_path):
    lines = problems_for(kb, tmp_path, "this is [not toml")
    assert lines[0].startswith("rules.toml: -: cannot read")


# --- the golden cases can fail ---------------------------------------------------------


def test_a_changed_threshold_changes_the_outcome(kb, tmp_path, rules_text):
    """The golden 55% haematocrit case fires with the real pack and not with a 60% limit."""
    chart = Chart(kb)
    chart.gel()
    chart.lab("hematocrit", 55.2)
    assert outcome(chart.evaluate(), "hematocrit_above_54_on_trt").kind == "finding"
    edited = edit_rule(rules_text, "hematocrit_above_54_on_trt", "above = 54,", "above = 60,")
    pack = compile_text(kb, tmp_path, edited)
    assert outcome(chart.evaluate(rules=pack), "hematocrit_above_54_on_trt").kind == "check"
