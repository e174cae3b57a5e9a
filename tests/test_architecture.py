"""The document engine stays pure: no module in drafts/ imports the web stack or the app."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

DRAFTS = Path(__file__).resolve().parent.parent / "drafts"
FORBIDDEN = ("flask", "sqlalchemy", "whoosh", "app")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def is_forbidden(module: str) -> bool:
    top = module.split(".")[0].lower()
    return top in FORBIDDEN or top.startswith("flask_")


@pytest.mark.parametrize("path", sorted(DRAFTS.rglob("*.py")), ids=lambda p: str(p.relative_to(DRAFTS)))
def test_engine_module_imports_no_web_code(path):
    assert [m for m in imported_modules(path) if is_forbidden(m)] == []


@pytest.mark.parametrize("module, bad", [("flask", True), ("flask_login", True), ("app.models", True),
                                         ("sqlalchemy.orm", True), ("whoosh", True),
                                         ("application", False), ("lxml.etree", False)])
def test_the_rule_itself(module, bad):
    assert is_forbidden(module) is bad
