"""Parse Markdown and plain text laws into a provision tree.

Two passes, both linear in the number of lines: ``scan`` cuts the lines into blocks (headings,
numbered paragraphs/points, bullets, plain paragraphs, front matter), joining hard-wrapped lines
so that one paragraph is one line; ``drafts.tree.build`` then nests the blocks. Only a line that
starts a block can open a heading or a numbered paragraph: a wrapped line that happens to begin
with "§ 129 des ..." or "1. Juni" continues the sentence before it.
"""
from __future__ import annotations

import re

from drafts.document import Document
from drafts.errors import ParseError
from drafts.patterns import (
    ATX_RE,
    BULLET_RE,
    RULE_RE,
    SETEXT_RE,
    Heading,
    Marker,
    match_heading,
    match_marker,
    plausible_heading_line,
)
from drafts.text import clean_inline, squash
from drafts.tree import TEXT_LEVEL, Block, build

FORMATS = ("md", "text")
WRAP_WIDTH = 120  #: plain text whose lines are all this short is taken as hard-wrapped
_CLOSING_HASHES = re.compile(r"(?:^|\s+)#+\s*\Z")
_YAML_KEY = re.compile(r"[\w\- ]{1,60}:(?:\s|\Z)")


def parse(text: str, fmt: str = "md") -> Document:
    """Parse a law written in Markdown (``fmt="md"``) or plain text (``fmt="text"``)."""
    if fmt not in FORMATS:
        raise ParseError(f"unknown text format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not isinstance(text, str):
        raise ParseError("parse() takes text (str); use load() for bytes")
    if "\x00" in text:
        raise ParseError("the document contains NUL characters: is it a binary file?")
    if not text.strip():
        raise ParseError("the document is empty")
    doc = build(scan(text, markdown=fmt == "md"), markdown=fmt == "md")
    if not doc.provisions:
        raise ParseError("the document contains no text, only markup")
    return doc


def scan(text: str, *, markdown: bool) -> list[Block]:
    """Cut the text into blocks (see the module docstring).

    Most lines of a law are the middle of a wrapped sentence: they are recognised by their
    first character and the end of the line before, without running any pattern.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").split("\n")
    blocks: list[Block] = []
    start = _front_matter(lines, blocks) if markdown else 0
    wrapped = markdown or all(len(line) <= WRAP_WIDTH for line in lines)
    special = _SPECIAL_MD if markdown else _SPECIAL_TEXT
    cur: Block | None = None
    prev_heading: Block | None = None  #: a heading line found by its words, just before
    for raw in lines[start:]:
        line = (raw.expandtabs(4) if "\t" in raw else raw).rstrip()
        if not line:
            cur = prev_heading = None
            continue
        body = line.lstrip()
        ph, prev_heading = prev_heading, None
        if not body:
            cur = None
            continue
        c = body[0]
        if c not in special and cur is not None and wrapped and cur.lines and not _ends_sentence(
                cur.lines[-1]):
            cur.lines.append(body)  # the middle of a sentence: nothing below could match
            continue
        indent = len(line) - len(body)
        if markdown and c == ">":
            body = body.lstrip("> ")
            if not body:
                cur = None
                continue
            c = body[0]
        if markdown:
            if c == "#" and (m := ATX_RE.match(line)):
                title = _CLOSING_HASHES.sub("", line[m.end():]).strip()
                _heading(blocks, title, len(m.group(1)), markdown)
                cur = None
                continue
            if c in "=-" and indent < 4 and SETEXT_RE.match(line):
                if ph is not None:
                    ph.level = 1 if c == "=" else 2  # "Article 1" underlined
                    continue
                if cur is not None and cur.kind == "para":
                    blocks.pop()
                    _heading(blocks, " ".join(cur.lines), 1 if c == "=" else 2, markdown)
                    cur = None
                    continue
        if c in "*-_" and RULE_RE.match(line):
            cur = None
            continue
        if c == "|":
            cur = None
            blocks.append(Block("table", [body], indent))
            continue
        at_start = cur is None or not wrapped or not cur.lines or _ends_sentence(cur.lines[-1])
        if at_start or c in "-+*":
            mk = match_marker(body)
            if mk is not None:
                cur = _marker_block(body, indent, mk)
                blocks.append(cur)
                continue
        if at_start:
            h = match_heading(clean_inline(body) if markdown and c in "*_" else body)
            if h is not None and plausible_heading_line(h):
                prev_heading = _heading(blocks, body, TEXT_LEVEL, markdown, h)
                cur = None
                continue
        # Markdown knows only "-+*" as bullets; plain text also "•–—"
        if (c in "-+*" if markdown else at_start and c in "•–—-+*"):
            bullet = BULLET_RE.match(body)
            if bullet is not None:
                cur = Block("bullet", [body[bullet.end():]], indent,
                            content_indent=indent + bullet.end())
                blocks.append(cur)
                continue
        if cur is not None and wrapped:
            cur.lines.append(body)
            continue
        cur = Block("para", [body], indent)
        blocks.append(cur)
    for b in blocks:
        _finish(b, markdown)
    return blocks


#: first characters that may start something other than the continuation of a paragraph
_SPECIAL_MD = frozenset("#=-*_|>+")
_SPECIAL_TEXT = frozenset("-*_|+")
_STOPS = frozenset(".;:!?")
_CLOSERS = "\"'”»)]"


def _ends_sentence(line: str) -> bool:
    """Whether the line ends a sentence: ``[.;:!?]`` and perhaps closing quotes or brackets."""
    last = line[-1:]
    if last in _STOPS:
        return True
    return last != "" and last in _CLOSERS and line.rstrip(_CLOSERS)[-1:] in _STOPS


def _front_matter(lines: list[str], blocks: list[Block]) -> int:
    """YAML front matter: a first line "---", "key: value" lines, then "---" or "..."."""
    if not lines or lines[0].strip() != "---":
        return 0
    for i in range(1, min(len(lines), 1000)):
        if lines[i].strip() in ("---", "...") and i > 1:
            body = [line.rstrip() for line in lines[1:i]]
            if not any(_YAML_KEY.match(line) for line in body):
                return 0
            blocks.append(Block("front", [line for line in body if line.strip()]))
            return i + 1
    return 0


def _heading(blocks: list[Block], title: str, level: int, markdown: bool,
             h: Heading | None = None) -> Block:
    h = h or match_heading(title)
    b = Block("heading", [h.rest if h else title], level=level, heading=h)
    blocks.append(b)
    return b


def _marker_block(body: str, indent: int, mk: Marker) -> Block:
    rest = body[mk.end:]
    text = rest.lstrip()
    text_col = indent + mk.end + len(rest) - len(text)
    loose = indent > 0 or body[0] in "-+*" or len(rest) - len(text) >= 2
    return Block("marker", [text] if text else [], indent, marker=mk,
                 content_indent=text_col if loose else 0)


def _finish(b: Block, markdown: bool) -> None:
    """Turn a block's lines into its final text: one paragraph, one line."""
    if b.kind == "front":
        return
    clean = clean_inline if markdown else squash
    joined = clean(" ".join(b.lines))
    if b.kind == "bullet" and joined:
        joined = "- " + joined
    b.lines = [joined] if joined else []
