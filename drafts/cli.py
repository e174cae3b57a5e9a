"""``python -m drafts``: outline a law as JSON clauses, or compare two revisions.

    python -m drafts outline FILE [--format md|text|akn|uslm|docx]
    python -m drafts diff OLD NEW [--json|--html|--text] [--format ...]

Bad input (missing file, a directory, binary or empty file, invalid UTF-8 or XML, an unknown
format) ends with one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drafts.document import Document
from drafts.errors import ParseError
from drafts.load import FORMATS, load

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2, like every other bad input
        raise _BadInput(message)


class _BadInput(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
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
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ParseError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ParseError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ParseError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return load(data, fmt=fmt, filename=p.name)
    except ParseError as exc:
        raise ParseError(f"{path}: {exc}") from None


def outline(doc: Document) -> dict:
    return {"title": doc.title, "clauses": [c.as_dict() for c in doc.clauses()]}


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "outline":
            result = json.dumps(outline(read(args.file, args.fmt)), ensure_ascii=False, indent=1)
        else:
            from drafts import (
                diff,  # the other half of the engine; outline works without it
            )

            old, new = read(args.old, args.fmt), read(args.new, args.fmt)
            changes = diff.compare(old.clauses(), new.clauses())
            if args.output == "html":
                result = diff.comparison_html(changes)
            elif args.output == "text":
                result = diff.comparison_text(changes)
            else:
                result = json.dumps(diff.comparison_json(changes), ensure_ascii=False, indent=1)
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
