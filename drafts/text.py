"""Plain-text helpers shared by the parsers and exporters: the ``words()`` normalisation that
defines "nothing is lost", inline Markdown clean-up, and escaping for the Markdown export.

What counts as a word (the same function is applied to the source and to the parsed tree, so
markup that the parser drops is dropped on both sides):

* the text is split on whitespace (any Unicode whitespace, so re-wrapping never matters);
* character references (``&amp;``, ``&#1057;``) are decoded, as Markdown does;
* the Markdown markup characters ``# * _ > ` \\`` are removed from each token;
* a token left empty, or made only of the list/table/rule punctuation ``- + = | : ~ • · – —``, is no
  word (bullets, thematic breaks, setext underlines, table borders, definition-list colons).

Everything else (numbers with their dots and brackets, "§", quotes, punctuation attached to a
word) is a word, so a lost designation like "(2)" or "§ 5" is noticed.
"""
from __future__ import annotations

import html
import re

_MARKUP = str.maketrans("", "", "#*_>`\\")
_PUNCT_ONLY = re.compile(r"[-+=|:~•·–—]*\Z")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# Emphasis: ``**x**``, ``__x__``, ``*x*``, ``_x_`` (the last only at word edges, so snake_case
# and URLs keep their underscores). Bounded classes keep these linear on one line.
_STRONG = re.compile(r"(?<![\\*])\*\*(?=[^\s*])([^*\n]*?[^\s*\\])\*\*(?!\*)")
_STRONG_U = re.compile(r"(?<![\\\w])__(?=[^\s_])([^_\n]*?[^\s_\\])__(?!\w)")
_EM = re.compile(r"(?<![\\*\w])\*(?=[^\s*])([^*\n]*?[^\s*\\])\*(?![*\w])")
_EM_U = re.compile(r"(?<![\\\w])_(?=[^\s_])([^_\n]*?[^\s_\\])_(?!\w)")


def decode_entities(text: str) -> str:
    """Decode HTML character references the way Markdown renderers do (only complete ones)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


def words(text: str) -> list[str]:
    """The words of ``text`` as defined in the module docstring."""
    out = []
    for token in decode_entities(text).split():
        token = token.translate(_MARKUP)
        if token and not _PUNCT_ONLY.match(token):
            out.append(token)
    return out


def squash(text: str) -> str:
    """Collapse whitespace runs (hard wraps included) to single spaces: one paragraph, one line.
    (``str.split`` and the ``\\s`` of ``re`` agree on what whitespace is.)"""
    return " ".join(text.split())


def clean_inline(text: str) -> str:
    """Plain text of one Markdown paragraph: emphasis markers and backslash escapes removed,
    character references decoded, whitespace collapsed."""
    text = squash(text)
    if "*" in text:
        text = _EM.sub(r"\1", _STRONG.sub(r"\1", text))
    if "_" in text:
        text = _EM_U.sub(r"\1", _STRONG_U.sub(r"\1", text))
    if "&" in text:
        text = decode_entities(text)
    if "\\" in text:
        text = _ESCAPED.sub(r"\1", text)
    return text


def escape_inline(text: str) -> str:
    """Escape plain text so that ``clean_inline`` gives it back unchanged."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
    if "&" in text:
        text = _ENTITY.sub(lambda m: "&amp;" + m.group(0)[1:], text)
    return text


def entity(char: str) -> str:
    """A numeric character reference for one character (used to defuse a line start)."""
    return f"&#{ord(char)};"
