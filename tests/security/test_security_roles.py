"""The permission matrix matches the documented table (security.md A2)."""

from __future__ import annotations

import pytest

from app.security import roles
from app.security.roles import ACTIONS, ROLES, PermissionDenied, allowed, require

# The table from app/security/roles.py, written out again: A = administrator,
# C = clinician, S = assistant (staff).
DOCUMENTED = {
    "patient.read": "ACS",
    "patient.write": "ACS",
    "clinical.read": "AC",
    "regimen.write": "AC",
    "result.write": "AC",
    "import.commit": "ACS",
    "import.undo": "AC",
    "finding.suppress": "AC",
    "report.generate": "AC",
    "data.export": "AC",
    "user.manage": "A",
    "settings.write": "A",
    "backup.create": "A",
    "backup.restore": "A",
    "audit.view": "A",
    "audit.export": "A",
    "account.password": "ACS",
}
LETTER = {"administrator": "A", "clinician": "C", "assistant": "S"}


def test_every_action_is_documented_and_labelled():
    assert set(ACTIONS) == set(DOCUMENTED)
    assert set(roles.ACTION_LABELS) == set(ACTIONS)
    assert ROLES == ("administrator", "clinician", "assistant")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(DOCUMENTED))
def test_each_role_and_action_matches_the_table(role, action):
    expected = LETTER[role] in DOCUMENTED[action]
    assert allowed(role, action) is expected
    if expected:
        require(role, action)
    else:
        with pytest.raises(PermissionDenied) as denied:
            require(role, action)
        assert denied.value.action == action and denied.value.role == role


def _docstring_table() -> dict[str, str]:
    lines = roles.__doc__.splitlines()
    header = next(line for line in lines if line.startswith("action "))
    columns = {role: header.index(role) for role in ROLES}
    table = {}
    for line in lines:
        name = line.split()[0] if line.strip() else ""
        if name in DOCUMENTED:
            table[name] = "".join(
                LETTER[role] for role in ROLES if line[columns[role] : columns[role] + 1] == "x"
            )
    return table


def test_the_docstring_table_says_the_same():
    assert _docstring_table() == DOCUMENTED


def test_unknown_roles_and_actions_are_refused():
    assert not allowed("superuser", "patient.read")
    assert not allowed("administrator", "patient.delete_everything")


def test_denial_is_one_sentence_for_the_user():
    with pytest.raises(
        PermissionDenied,
        match=r"^Your role \(assistant\) does not allow you to "
        r"suppress findings\.$",
    ):
        require("assistant", "finding.suppress")


def test_break_glass_unlocks_reading_the_chart_only():
    assert roles.emergency_allows("clinical.read")
    for action in ACTIONS:
        if action != "clinical.read":
            assert not roles.emergency_allows(action)
