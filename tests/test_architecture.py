"""Architecture guards, read from the source text (AST) without importing anything.

* drafts/ (the document engine) imports no web code and not the app.
* The import graph of app/ and drafts/: no cycles; imports at the top of modules only (with an
  allow-list); views, services and the CLI import only what their layer may.
* No module of app/ or drafts/ is longer than MAX_LINES.
"""
from __future__ import annotations

import ast
import textwrap
import warnings
from collections import deque
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DRAFTS = REPO / "drafts"
PACKAGES = ("app", "drafts")
MAX_LINES = 400

#: (file relative to the repo, qualified function name: "f", "Class.method", "outer.inner")
#: -> why that function may import. Only lazy loads of heavy parts, for speed.
ALLOWED_LOCAL_IMPORTS: dict[tuple[str, str], str] = {
    ("drafts/cli.py", "_parser"):
        "argparse (with gettext, shutil) is ~10 ms of a 0.1 s `python -m drafts` run; the plain "
        "command lines are read without it (_quick_args)",
    ("drafts/load.py", "detect"):
        "drafts.formats.xml loads lxml (~10 ms): only when the input starts with '<'",
    ("drafts/load.py", "load"):
        "drafts.formats.xml/.docx load lxml and python-docx (~70 ms): only for XML or .docx "
        "input, so Markdown uploads and `python -m drafts` do without them",
}
#: The app factory registers blueprints and extensions late by design: always allowed.
FACTORY = ("app/__init__.py", "create_app")

FORBIDDEN = ("flask", "sqlalchemy", "whoosh", "app")


# -- drafts/ imports no web code -------------------------------------------------------------

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


# -- the import graph: reading the source ----------------------------------------------------

@dataclass(frozen=True)
class Import:
    source: str  #: importing module, dotted
    target: str  #: imported module of the project; a package is its __init__.py
    path: str  #: file of the import statement, relative to the repo
    line: int
    type_only: bool  #: under `if TYPE_CHECKING:`

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


class Project:
    """The .py files of app/ and drafts/ (or of a made-up tree, for the rule tests)."""

    def __init__(self, files: dict[str, str]) -> None:
        """``files``: {path relative to the repo: source text}."""
        self.trees: dict[str, ast.Module] = {}
        self.lengths = {path: len(text.splitlines()) for path, text in files.items()}
        self.modules: dict[str, str] = {}  #: dotted name -> path
        for path in sorted(files):
            with warnings.catch_warnings():  # a bad escape in a regex is ruff's business
                warnings.simplefilter("ignore")
                self.trees[path] = ast.parse(files[path], filename=path)
            name, is_package = module_name(path)
            if is_package or name not in self.modules:  # app/services/ shadows app/services.py
                self.modules[name] = path
        self.imports = [
            Import(name, target, path, node.lineno, type_only)
            for name, path in self.modules.items()
            for node, _, type_only in statements(self.trees[path].body)
            for target in self.resolve(node, name, path.endswith("/__init__.py"))
            if target != name
        ]

    def resolve(self, node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
        """The project modules an import loads: ``import a.b`` -> a.b; ``from a import b`` ->
        a.b if that is a module, else a; relative imports count from the importing package.
        Names that are no module of ours (flask, a module moved away) give no edge."""
        if isinstance(node, ast.Import):
            return sorted({a.name for a in node.names if a.name in self.modules})
        base = node.module or ""
        if node.level:
            package = module if is_package else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = ".".join(filter(None, (package, base)))
        found = {f"{base}.{a.name}" if f"{base}.{a.name}" in self.modules else base
                 for a in node.names}
        return sorted(m for m in found if m in self.modules)

    def in_files(self, package: str) -> list[str]:
        return sorted(p for p in self.trees if p.startswith(f"{package}/"))


def module_name(path: str) -> tuple[str, bool]:
    """("app.views.reading", False) for app/views/reading.py; ("app", True) for app/__init__.py."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` (typing's or drafts' own ``TYPE_CHECKING = False``) or ``typing.TYPE_CHECKING``."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def statements(nodes, scope: str = "", function: str = "", type_only: bool = False):
    """Every import statement in or below ``nodes``, as (node, qualified name of the enclosing
    function or "", whether it sits under ``if TYPE_CHECKING:``)."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, function, type_only
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{scope}.{node.name}" if scope else node.name
            inner = function if isinstance(node, ast.ClassDef) else name
            # the body only: decorators and defaults run in the enclosing scope
            yield from statements(node.body, name, inner, type_only)
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            yield from statements(node.body, scope, function, True)
            yield from statements(node.orelse, scope, function, type_only)
        else:
            yield from statements(ast.iter_child_nodes(node), scope, function, type_only)


# -- the import graph: the rules -------------------------------------------------------------

def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The shortest cycle through each node that lies on one, each cycle once, as
    [a, b, ..., a] starting at its smallest node."""
    cycles = set()
    for start in graph:
        parent: dict[str, str] = {}
        queue = deque([start])
        while queue and start not in parent:
            node = queue.popleft()
            for nxt in sorted(graph.get(node, ())):
                if nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if start in parent:
            path = [start]
            while len(path) == 1 or path[-1] != start:
                path.append(parent[path[-1]])
            path = path[::-1][:-1]  # start ... last, without the repeated start
            i = path.index(min(path))
            cycles.add(tuple(path[i:] + path[:i]))
    return [[*c, c[0]] for c in sorted(cycles)]


def cycle_offenders(project: Project, package: str) -> list[str]:
    """Import cycles touching ``package``, each with the file:line of every edge."""
    edges: dict[tuple[str, str], Import] = {}
    for imp in project.imports:
        if not imp.type_only:
            edges.setdefault((imp.source, imp.target), imp)
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    return [" -> ".join(c) + "  (" + ", ".join(edges[e].where for e in pairwise(c)) + ")"
            for c in find_cycles(graph) if any(in_package(m, package) for m in c)]


def local_import_offenders(project: Project, package: str,
                           allowed: dict[tuple[str, str], str] = ALLOWED_LOCAL_IMPORTS) -> list[str]:
    return [f"{path}:{node.lineno} in {function}(): {ast.unparse(node)}"
            for path in project.in_files(package)
            for node, function, _ in statements(project.trees[path].body)
            if function and (path, function) != FACTORY and (path, function) not in allowed]


def stale_allowances(project: Project, allowed: dict[tuple[str, str], str]) -> list[str]:
    used = {(path, function) for path, tree in project.trees.items()
            for _, function, _ in statements(tree.body) if function}
    return [f"{path} {function}()" for path, function in allowed if (path, function) not in used]


def defines_blueprint(tree: ast.Module) -> bool:
    """Whether the module has a module-level ``bp = Blueprint(...)``."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        func = value.func if isinstance(value, ast.Call) else None
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name == "Blueprint" and any(isinstance(t, ast.Name) and t.id == "bp" for t in targets):
            return True
    return False


# The layer rules below count `if TYPE_CHECKING:` imports too: they still couple the layers.

def view_offenders(project: Project) -> list[str]:
    views = {m for m, path in project.modules.items()
             if in_package(m, "app.views") and defines_blueprint(project.trees[path])}
    return [f"{imp.where}: view {imp.source} imports view {imp.target}"
            for imp in project.imports if imp.source in views and imp.target in views]


FLASK_MODULES = frozenset({"flask", "flask.globals", "flask_login", "flask_login.utils"})
REQUEST_STATE = frozenset({"request", "g", "session", "current_user"})


def request_state_uses(tree: ast.Module) -> list[tuple[int, str]]:
    """Where a module imports or reads Flask's per-request state: ``from flask import g``,
    ``flask.request``, ``flask_login.current_user``, also renamed with ``as`` or via ``*``.
    Names imported one by one are reported at the import, which is what has to go.
    (``db.session`` is SQLAlchemy's and a parameter named ``session`` the caller's: fine.)"""
    found: list[tuple[int, str]] = []
    aliases: dict[str, str] = {}  #: local name -> the Flask module it stands for
    starred = False  #: `from flask import *`: the bare names are the request state
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in FLASK_MODULES:
                    top = a.name.split(".")[0]  # `import flask.globals` binds `flask`
                    aliases[a.asname or top] = a.name if a.asname else top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in FLASK_MODULES:
            for a in node.names:
                if a.name in REQUEST_STATE:
                    found.append((node.lineno, f"imports {node.module}.{a.name}"))
                elif a.name == "*":
                    starred = True
                elif f"{node.module}.{a.name}" in FLASK_MODULES:  # from flask import globals
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in REQUEST_STATE:
            dotted = ast.unparse(node.value)
            head, _, rest = dotted.partition(".")
            if head in aliases and ".".join(filter(None, (aliases[head], rest))) in FLASK_MODULES:
                found.append((node.lineno, f"uses {dotted}.{node.attr}"))
        elif (starred and isinstance(node, ast.Name) and node.id in REQUEST_STATE
              and isinstance(node.ctx, ast.Load)):
            found.append((node.lineno, f"uses {node.id} (from a * import)"))
    return sorted(found)


def service_offenders(project: Project) -> list[str]:
    out = [f"{imp.where}: service {imp.source} imports {imp.target}"
           for imp in project.imports
           if in_package(imp.source, "app.services") and in_package(imp.target, "app.views")]
    for module, path in sorted(project.modules.items()):
        if in_package(module, "app.services"):
            out += [f"{path}:{line}: service {module} {what}"
                    for line, what in request_state_uses(project.trees[path])]
    return out


def cli_offenders(project: Project) -> list[str]:
    return [f"{imp.where}: {imp.source} imports {imp.target}" for imp in project.imports
            if in_package(imp.source, "app.cli") and in_package(imp.target, "app.views")]


def long_files(project: Project, package: str, limit: int = MAX_LINES) -> list[str]:
    return [f"{path}: {project.lengths[path]} lines" for path in project.in_files(package)
            if project.lengths[path] > limit]


# -- the rules applied to app/ and drafts/ ---------------------------------------------------

@pytest.fixture(scope="module")
def project() -> Project:
    return Project({p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8")
                    for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))})


def listing(offenders: list[str]) -> str:
    return "".join(f"\n  {o}" for o in offenders)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(project, package):
    cycles = cycle_offenders(project, package)
    assert not cycles, (f"{len(cycles)} import cycle(s) in {package}/ (the shortest through each "
                        f"module on one; `if TYPE_CHECKING:` imports do not count):{listing(cycles)}")


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_sit_at_the_top_of_modules(project, package):
    found = local_import_offenders(project, package)
    assert not found, (f"{len(found)} import(s) inside functions in {package}/: move them to the "
                       f"top (or, for a lazy load of something heavy, add them with the reason "
                       f"to ALLOWED_LOCAL_IMPORTS):{listing(found)}")


def test_every_allowed_local_import_is_still_there(project):
    stale = stale_allowances(project, ALLOWED_LOCAL_IMPORTS)
    assert not stale, f"ALLOWED_LOCAL_IMPORTS entries with no import left:{listing(stale)}"


def test_views_do_not_import_each_other(project):
    found = view_offenders(project)
    assert not found, (f"view modules (app/views/ with a module-level `bp = Blueprint(...)`) "
                       f"importing one another: move what they share to a helper module in "
                       f"app/views/ or to app/services/ / app/queries.py:{listing(found)}")


def test_services_know_nothing_of_views_or_the_request(project):
    found = service_offenders(project)
    assert not found, (f"app/services/ must not import app.views nor use request, g, session "
                       f"or current_user (pass what they need as arguments):{listing(found)}")


def test_cli_does_not_import_views(project):
    found = cli_offenders(project)
    assert not found, f"app/cli.py imports view modules:{listing(found)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_are_short(project, package):
    found = long_files(project, package)
    assert not found, f"modules in {package}/ longer than {MAX_LINES} lines:{listing(found)}"


# -- the rules themselves, on made-up trees --------------------------------------------------

def made_up(files: dict[str, str]) -> Project:
    return Project({path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()})


def test_find_cycles_on_toy_graphs():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}}) == [
        ["a", "b", "c", "a"], ["d", "e", "d"]]
    assert find_cycles({"a": {"b", "c"}, "b": {"a"}, "c": {"a"}}) == [["a", "b", "a"], ["a", "c", "a"]]
    assert find_cycles({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}) == []  # a diamond
    assert find_cycles({}) == []


TREE = {"app/__init__.py": "", "app/models.py": "", "app/services/__init__.py": "",
        "app/services/votes.py": "", "app/services.py": "", "app/views/reading.py": "",
        "drafts/__init__.py": "", "drafts/parse.py": ""}


@pytest.mark.parametrize("statement, path, targets", [
    ("from app import services", "app/cli.py", ["app.services"]),  # a submodule
    ("from app import create_app", "app/cli.py", ["app"]),  # a name in app/__init__.py
    ("from app import models, create_app", "app/cli.py", ["app", "app.models"]),
    ("import app.models", "app/cli.py", ["app.models"]),
    ("import app.services.votes as v", "app/cli.py", ["app.services.votes"]),
    ("from .. import models", "app/services/votes.py", ["app.models"]),
    ("from ..models import Vote", "app/services/votes.py", ["app.models"]),
    ("from .votes import cast", "app/services/__init__.py", ["app.services.votes"]),
    ("from . import votes", "app/services/__init__.py", ["app.services.votes"]),
    ("from app.views import reading", "app/cli.py", ["app.views.reading"]),  # no __init__.py
    ("from drafts import parse", "app/cli.py", ["drafts.parse"]),  # module and function
    ("import flask, drafts", "app/cli.py", ["drafts"]),
    ("from app.gone import x", "app/cli.py", []),  # moved away: no module, no edge
])
def test_import_resolution(statement, path, targets):
    project = made_up(TREE)
    name, is_package = module_name(path)
    assert project.resolve(ast.parse(statement).body[0], name, is_package) == targets


def test_the_package_shadows_a_module_of_the_same_name():
    assert made_up(TREE).modules["app.services"] == "app/services/__init__.py"


def test_a_cycle_is_reported_with_its_path_also_through_a_function_level_import():
    project = made_up({"app/__init__.py": "", "app/a.py": "from app import b\n",
                       "app/b.py": "def f():\n    from app.a import x\n", "drafts/x.py": ""})
    assert cycle_offenders(project, "app") == ["app.a -> app.b -> app.a  (app/a.py:1, app/b.py:2)"]
    assert cycle_offenders(project, "drafts") == []


@pytest.mark.parametrize("guarded, cycle", [
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.a import A\n", False),
    ("import typing\nif typing.TYPE_CHECKING:\n    from app.a import A\n", False),
    ("TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from app import a\n", False),  # drafts' way
    ("def f():\n    if TYPE_CHECKING:\n        from app.a import A\n", False),
    ("if TYPE_CHECKING:\n    pass\nelse:\n    from app.a import A\n", True),
    ("if DEBUG:\n    from app.a import A\n", True),
])
def test_type_checking_imports_make_no_edges(guarded, cycle):
    project = made_up({"app/__init__.py": "", "app/a.py": "from app.b import B\n", "app/b.py": guarded})
    assert bool(cycle_offenders(project, "app")) is cycle


LOCAL_IMPORTS = """
    import os
    try:
        import ujson
    except ImportError:
        ujson = None
    if os.name == "nt":
        import ntpath
    class C:
        import json
        def m(self):
            import re
    def f():
        def inner():
            from app import models
        return inner
    async def g():
        for _ in range(1):
            import asyncio
    def create_app():
        from app import views
"""


def local_functions(project: Project, allowed: dict[tuple[str, str], str] | None = None) -> set[str]:
    found = local_import_offenders(project, "app", allowed or {})
    return {o.split(" in ")[1].split("()")[0] for o in found}


def test_local_import_detector():
    assert local_functions(made_up({"app/x.py": LOCAL_IMPORTS})) == {"C.m", "f.inner", "g", "create_app"}
    # the factory may import, in app/__init__.py only
    assert local_functions(made_up({"app/__init__.py": LOCAL_IMPORTS})) == {"C.m", "f.inner", "g"}
    assert local_functions(made_up({"app/x.py": LOCAL_IMPORTS}), {("app/x.py", "g"): "why"}) == {
        "C.m", "f.inner", "create_app"}
    assert local_functions(made_up({"app/x.py": "import os\ndef f():\n    return os\n"})) == set()


def test_stale_allowances_are_found():
    project = made_up({"app/x.py": "def f():\n    import re\ndef g():\n    pass\n"})
    assert stale_allowances(project, {("app/x.py", "f"): "", ("app/x.py", "g"): ""}) == ["app/x.py g()"]


def test_view_detector():
    project = made_up({
        "app/__init__.py": "",
        "app/views/reading.py": """
            from flask import Blueprint
            from app.views import staff, common
            bp = Blueprint("reading", __name__)
        """,
        "app/views/staff.py": """
            import flask
            from .pages import render
            bp: flask.Blueprint = flask.Blueprint("staff", __name__)
        """,
        "app/views/pages.py": """
            from flask import Blueprint
            from .common import helper
            from app.views import forms
            bp = Blueprint("pages", __name__)
        """,
        "app/views/common.py": "def helper():\n    pass\n",  # no bp: a helper module
        "app/views/forms.py": "from app.views import common\n",
        "app/views/api.py": """
            from flask import Blueprint
            from app.views import staff
            api_bp = Blueprint("api", __name__)
            def make():
                bp = Blueprint("inner", __name__)
        """,
    })
    assert view_offenders(project) == [
        "app/views/reading.py:2: view app.views.reading imports view app.views.staff",
        "app/views/staff.py:2: view app.views.staff imports view app.views.pages",
    ]


def test_service_detector():
    project = made_up({
        "app/__init__.py": "", "app/views/reading.py": "", "app/services/__init__.py": "",
        "app/services/votes.py": """
            from flask import current_app, request
            from flask_login import current_user as user
            from app.views import reading
            from app.extensions import db
            def vote(session, draft):
                db.session.add(draft)
                session.commit()
                return request.args, user.id
        """,
        "app/services/audit.py": """
            import flask
            import flask_login as fl
            def who():
                return flask.g.user, fl.current_user, flask.current_app
        """,
        "app/services/star.py": "from flask import *\ndef f():\n    return session['x']\n",
        "app/services/clean.py": """
            from flask import abort, current_app
            from app.extensions import db
            def f(session, g):
                db.session.add(g)
                return session
        """,
        "app/other.py": "from flask import request\nfrom app.views import reading\n",  # no service
    })
    assert service_offenders(project) == [
        "app/services/votes.py:3: service app.services.votes imports app.views.reading",
        "app/services/audit.py:4: service app.services.audit uses fl.current_user",
        "app/services/audit.py:4: service app.services.audit uses flask.g",
        "app/services/star.py:3: service app.services.star uses session (from a * import)",
        "app/services/votes.py:1: service app.services.votes imports flask.request",
        "app/services/votes.py:2: service app.services.votes imports flask_login.current_user",
    ]


def test_cli_detector():
    files = {"app/__init__.py": "", "app/views/reading.py": "", "app/views/staff.py": "",
             "app/services/__init__.py": "",
             "app/cli.py": "from app.views import reading\nfrom app import services\n"
                           "def f():\n    from app.views.staff import x\n"}
    assert cli_offenders(made_up(files)) == ["app/cli.py:1: app.cli imports app.views.reading",
                                             "app/cli.py:4: app.cli imports app.views.staff"]
    files["app/cli.py"] = "from app import services\n"
    assert cli_offenders(made_up(files)) == []


def test_layer_rules_find_nothing_without_views_or_services():
    project = made_up({"app/__init__.py": "", "app/cli.py": "import app\nfrom flask import g\n"})
    assert view_offenders(project) == service_offenders(project) == cli_offenders(project) == []


def test_long_file_detector():
    project = made_up({"app/long.py": "x = 1\n" * 401, "app/ok.py": "x = 1\n" * 400})
    assert long_files(project, "app") == ["app/long.py: 401 lines"]
