"""The layer rule of ARCHITECTURE.md, enforced on every module under app/."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"

STDLIB_OK = True  # every layer may use the standard library

# package prefix -> allowed third-party top-level packages and app packages
RULES = {
    "app.core": ({"tomllib"}, {"app.core"}),
    "app.store": ({"sqlite_utils", "sqlcipher3"}, {"app.core", "app.store"}),
    "app.security": ({"argon2"}, {"app.core", "app.security"}),
    "app.reports": ({"reportlab"}, {"app.core", "app.reports"}),
    "app.services": (
        {"argon2"},
        {
            "app.core",
            "app.store",
            "app.reports",
            "app.security",
            "app.services",
            "app.paths",
            "app",
        },
    ),
    # shiboken6 is PySide6's own binding runtime (isValid on a widget Qt may have deleted).
    "app.ui": (
        {"PySide6", "shiboken6", "pyqtgraph", "numpy"},
        {"app.core", "app.services", "app.ui", "app"},
    ),
}
THIRD_PARTY = {
    "PySide6",
    "pyqtgraph",
    "numpy",
    "sqlite_utils",
    "sqlcipher3",
    "reportlab",
    "platformdirs",
    "argon2",
    "pypdf",
    "hypothesis",
    "shiboken6",
}


def _module_name(path: Path, root: Path = APP) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def _violations(root: Path = APP) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        rule = next((RULES[p] for p in RULES if module == p or module.startswith(p + ".")), None)
        if rule is None:
            continue  # bootstrap, cli, paths and friends may import anything
        allowed_third, allowed_app = rule
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            top = name.split(".")[0]
            if top == "app":
                if name == "app":
                    ok = "app" in allowed_app
                else:
                    ok = any(
                        name == a or name.startswith(a + ".") for a in allowed_app if a != "app"
                    )
                    ok = ok or ("app" in allowed_app and name in ("app", "app.paths"))
                if not ok:
                    problems.append(f"{module} imports {name}")
            elif top in THIRD_PARTY and top not in allowed_third:
                problems.append(f"{module} imports {name}")
    return problems


def test_every_module_respects_the_layer_rule():
    assert _violations() == []


def test_the_checker_catches_core_importing_qt_or_the_store(tmp_path):
    core = tmp_path / "app" / "core"
    core.mkdir(parents=True)
    (core / "bad.py").write_text("import PySide6.QtCore\nfrom app.store.database import x\n")
    (tmp_path / "app" / "ui").mkdir()
    (tmp_path / "app" / "ui" / "bad.py").write_text("from app.store import patients\n")
    assert _violations(tmp_path / "app") == [
        "app.core.bad imports PySide6.QtCore",
        "app.core.bad imports app.store.database",
        "app.ui.bad imports app.store",
    ]


def test_no_sql_outside_the_store():
    offenders = []
    for path in APP.rglob("*.py"):
        module = _module_name(path)
        if module.startswith("app.store"):
            continue
        text = path.read_text(encoding="utf-8")
        for keyword in ("INSERT INTO", "DELETE FROM", "UPDATE patients", "CREATE TABLE"):
            if keyword in text:
                offenders.append(f"{module}: {keyword}")
    assert offenders == []
