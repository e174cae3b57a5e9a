"""``python -m drafts``: outline a law as JSON clauses, or compare two revisions.

    python -m drafts outline FILE [--format md|text|akn|uslm|docx]
    python -m drafts diff OLD NEW [--json|--html|--text] [--format ...]

Bad input (missing file, a directory, binary or empty file, invalid UTF-8 or XML, an unknown
format) ends with one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace

import drafts  # for its lazily loaded drafts.diff: outline runs without it
from drafts.document import Document
from drafts.errors import ParseError
from drafts.load import FORMATS, load

TYPE_CHECKING = False  # not typing's: importing typing costs a few ms per run
if TYPE_CHECKING:
    import argparse

EXIT_BAD_INPUT = 2
_OUTPUTS = {"--json": "json", "--html": "html", "--text": "text"}


class _BadInput(Exception):
    pass


def _quick_args(argv: list[str]) -> SimpleNamespace | None:
    """The plain command lines (``diff OLD NEW [--json] [--format md]``) without argparse,
    which with gettext and shutil costs about 10 ms of a 0.1 s run; None for anything else
    (help, abbreviations, errors), which argparse then handles as before."""
    if not argv or argv[0] not in ("diff", "outline"):
        return None
    files: list[str] = []
    output = fmt = None
    rest = iter(argv[1:])
    for arg in rest:
        if not arg.startswith("-"):
            files.append(arg)
        elif arg in _OUTPUTS and argv[0] == "diff" and output is None:
            output = _OUTPUTS[arg]
        elif arg == "--format" and fmt is None:
            fmt = next(rest, None)
            if fmt is None or fmt.startswith("-"):
                return None
        else:
            return None
    if argv[0] == "outline":
        return SimpleNamespace(command="outline", file=files[0], fmt=fmt) if len(files) == 1 else None
    if len(files) != 2:
        return None
    return SimpleNamespace(command="diff", old=files[0], new=files[1], output=output, fmt=fmt)


def _parser() -> argparse.ArgumentParser:
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # one line, status 2, like every other bad input
            raise _BadInput(message)

    p = _Parser(prog="python -m drafts", description="Outline or compare laws.")
    sub = p.add_subparsers(dest="command", required=True)
    o = sub.add_parser("outline", help="print the clauses of FILE as JSON")
    o.add_argument("file")
    d = sub.add_parser("diff", help="compare two revisions clause by clause")
    d.add_argument("old")
    d.add_argument("new")
    out = d.add_mutually_exclusive_group()
    for flag in ("json", "html", "text"):
        out.add_argument(f"--{flag}", dest="output", action="store_const", const=flag)
    for s in (o, d):
        s.add_argument("--format", dest="fmt", help=f"one of {', '.join(FORMATS)} (default: detect)")
        # subparsers are built by argparse itself: route their errors to ours too
        s.error = p.error  # type: ignore[method-assign]
    return p


def read(path: str, fmt: str | None) -> Document:
    """Load one file, turning every file-system problem into a ParseError."""
    if fmt is not None and fmt not in FORMATS:
        raise ParseError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    try:
        with open(path or ".", "rb") as f:  # "" is the current directory, as for pathlib
            data = f.read()
    except FileNotFoundError:
        raise ParseError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ParseError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ParseError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return load(data, fmt=fmt, filename=os.path.basename(path))
    except ParseError as exc:
        raise ParseError(f"{path}: {exc}") from None


def dumps(obj: object) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=1)``, the same text. With ``indent`` set,
    json falls back to its pure-Python encoder, which took 0.03 s for the BGB diff."""
    parts: list[str] = []
    _dump(obj, "\n", parts)
    return "".join(parts)


def _dump(obj: object, nl: str, out: list[str]) -> None:
    """Append obj as indented JSON; ``nl`` is the newline and indentation of its own level."""
    if type(obj) is str:
        out.append(_string(obj))
    elif type(obj) is int:
        out.append(repr(obj))
    elif obj is None:
        out.append("null")
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        inner, sep = nl + " ", "{"
        for key, value in obj.items():
            if type(key) is not str:
                raise TypeError("only string keys are written here")
            out.append(f"{sep}{inner}{_string(key)}: ")
            _dump(value, inner, out)
            sep = ","
        out.append(nl + "}")
    elif isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        inner, sep = nl + " ", "["
        for value in obj:
            out.append(sep + inner)
            _dump(value, inner, out)
            sep = ","
        out.append(nl + "]")
    else:
        out.append(json.dumps(obj))  # floats, booleans, int and str subclasses


_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # the C one when built


def outline(doc: Document) -> dict:
    return {"title": doc.title, "clauses": [c.as_dict() for c in doc.clauses()]}


def main(argv: list[str] | None = None) -> int:
    try:
        args = _quick_args(sys.argv[1:] if argv is None else argv) or _parser().parse_args(argv)
        if args.command == "outline":
            result = dumps(outline(read(args.file, args.fmt)))
        else:
            diff = drafts.diff  # the other half of the engine, loaded on first use
            old, new = read(args.old, args.fmt), read(args.new, args.fmt)
            changes = diff.compare(old.clauses(), new.clauses())
            if args.output == "html":
                result = diff.comparison_html(changes)
            elif args.output == "text":
                result = diff.comparison_text(changes)
            else:
                result = dumps(diff.comparison_json(changes))
    except (ParseError, _BadInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    if out is not None:
        out.write((result + "\n").encode("utf-8"))
        out.flush()
    else:
        print(result)
    return 0
