"""``python -m drafts``: JSON outline and diff, and one-line errors with status 2."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "ascii"}
    return subprocess.run([sys.executable, "-m", "drafts", *args], capture_output=True,
                          cwd=REPO, env=env, timeout=60, check=False)


@pytest.fixture
def law(tmp_path: Path) -> Path:
    p = tmp_path / "law.md"
    p.write_text("# Закон\n\n## Статья 1. Цель\n\n1. Текст.\n\n## Статья 2. Сфера\n\nВсе.\n",
                 encoding="utf-8")
    return p


def test_outline_prints_utf8_json_even_with_an_ascii_locale(law):
    r = run("outline", str(law))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.decode("utf-8"))
    assert out["title"] == "Закон"
    assert [(c["eid"], c["label"], c["heading"], c["text"]) for c in out["clauses"]] == [
        ("hcontainer_1", "Закон", "Закон", ""),
        ("art_1", "Статья 1", "Цель", "1. Текст."),
        ("art_2", "Статья 2", "Сфера", "Все."),
    ]
    assert set(out["clauses"][0]) == {"key", "eid", "label", "heading", "text"}


def test_diff_json_shape(law, tmp_path):
    new = tmp_path / "new.md"
    new.write_text(law.read_text(encoding="utf-8").replace("Все.", "Все граждане."),
                   encoding="utf-8")
    r = run("diff", str(law), str(new), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.decode("utf-8"))
    assert set(out) == {"changes", "totals"}
    kinds = {"unchanged", "modified", "moved", "inserted", "deleted"}
    for ch in out["changes"]:
        assert ch["kind"] in kinds and {"old", "new", "ops"} <= set(ch)
        assert all(isinstance(op, list) and len(op) == 2 for op in ch["ops"])
    assert out["totals"].get("modified") == 1


@pytest.mark.parametrize("make, extra, message", [
    (lambda d: str(d / "missing.md"), [], "no such file"),
    (lambda d: str(d), [], "is a directory"),
    (lambda d: _write(d / "x.bin", b"\x00\x01\x02binary"), [], "binary"),
    (lambda d: _write(d / "empty.md", b""), [], "empty"),
    (lambda d: _write(d / "latin1.txt", b"caf\xe9"), [], "UTF-8"),
    (lambda d: _write(d / "bad.xml", b"<a><b></a>"), [], "invalid XML"),
    (lambda d: _write(d / "ok.md", b"# x"), ["--format", "pdf"], "unknown format"),
])
@pytest.mark.parametrize("command", ["outline", "diff"])
def test_bad_input_is_one_line_on_stderr_with_status_2(tmp_path, make, extra, message, command):
    path = make(tmp_path)
    args = [command, path] + ([path] if command == "diff" else []) + extra
    r = run(*args)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and r.stdout == b""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_usage_errors_are_one_line_too():
    r = run("outline")
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)
