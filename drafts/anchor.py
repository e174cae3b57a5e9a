"""Anchor a comment to a phrase of a clause, and find that phrase again in a later revision.

A quote is stored like a W3C Web Annotation TextQuoteSelector (exact text, prefix, suffix)
plus a TextPositionSelector (start offset). Re-anchoring tries exact occurrences first (the one
whose surroundings agree best, then the nearest to the old offset), then a fuzzy search over
word windows of about the same length. A fuzzy hit must resemble the phrase *and* stand in the
same surroundings: a comment that says "the phrase is gone" is better than one that points at
other words that merely look alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_WORD = re.compile(r"\w+")

FUZZY_MIN_TEXT = 0.7  #: character similarity of the candidate to the quoted phrase
FUZZY_MIN_CONTEXT = 0.6  #: similarity of the surroundings (prefix and suffix)
EXACT_MIN_CONTEXT = 0.3  #: a short phrase found verbatim still needs some agreeing context
DISTINCTIVE_WORDS = 3  #: ...unless it has this many words and DISTINCTIVE_CHARS characters
DISTINCTIVE_CHARS = 15


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.exact)

    def selectors(self) -> list[dict]:
        """The quote as W3C Web Annotation selectors (JSON-ready)."""
        return [
            {"type": "TextQuoteSelector", "exact": self.exact, "prefix": self.prefix,
             "suffix": self.suffix},
            {"type": "TextPositionSelector", "start": self.start, "end": self.end},
        ]


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    score: float  #: 1.0 = same words in the same surroundings
    exact_match: bool


def make_quote(text: str, start: int, end: int, context: int = 32) -> Quote:
    """The quote of text[start:end] with up to ``context`` characters on each side."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"empty or out-of-range selection {start}:{end} of {len(text)} characters")
    return Quote(text[start:end], text[max(0, start - context):start], text[end:end + context], start)


def quote_from_exact(text: str, exact: str) -> Quote | None:
    """The quote of the first occurrence of ``exact`` (what a web form sends). Whitespace may
    differ (browsers collapse it in selections); None when the phrase is not in the text."""
    if not exact.strip():
        return None
    pos = text.find(exact)
    if pos >= 0:
        return make_quote(text, pos, pos + len(exact))
    pattern = r"\s+".join(map(re.escape, exact.split()))
    m = re.search(pattern, text)
    return make_quote(text, m.start(), m.end()) if m else None


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _side(stored: str, actual: str) -> float:
    """How well one side's surroundings agree. An empty stored side means the quote touched the
    edge of the clause: full agreement if it still does, neutral otherwise."""
    if not stored:
        return 1.0 if not actual else 0.5
    return _ratio(stored, actual)


def _context(text: str, start: int, end: int, quote: Quote) -> float:
    before = text[max(0, start - len(quote.prefix)):start] if quote.prefix else text[:start][-1:]
    after = text[end:end + len(quote.suffix)] if quote.suffix else text[end:end + 1]
    return (_side(quote.prefix, before) + _side(quote.suffix, after)) / 2


def _exact(text: str, quote: Quote) -> Anchor | None:
    """The best verbatim occurrence: best context, then closest to the old offset."""
    best: tuple[float, int, int] | None = None
    pos = text.find(quote.exact)
    while pos >= 0:
        cand = (_context(text, pos, pos + len(quote.exact), quote), -abs(pos - quote.start), pos)
        best = cand if best is None or cand > best else best
        pos = text.find(quote.exact, pos + 1)
    if best is None:
        return None
    ctx, _, pos = best
    distinctive = (len(_WORD.findall(quote.exact)) >= DISTINCTIVE_WORDS
                   and len(quote.exact) >= DISTINCTIVE_CHARS)
    if ctx < EXACT_MIN_CONTEXT and not distinctive:
        return None
    return Anchor(pos, pos + len(quote.exact), round(0.5 + 0.5 * ctx, 3), True)


def _fuzzy(text: str, quote: Quote) -> Anchor | None:
    """Word windows of about the phrase's length that share enough of its words, scored on
    characters; accepted only when the surroundings agree as well."""
    qwords = [w.lower() for w in _WORD.findall(quote.exact)]
    if not qwords:
        return None
    vocab = set(qwords)
    words = list(_WORD.finditer(text))
    shared = [0]
    for m in words:  # prefix sums: how many words so far belong to the phrase
        shared.append(shared[-1] + (m.group().lower() in vocab))
    k, slack = len(qwords), max(1, len(qwords) // 4)
    best: tuple[float, int, int, int, float] | None = None
    for size in range(max(1, k - slack), k + slack + 1):
        for s in range(len(words) - size + 1):
            if shared[s + size] - shared[s] < max(1, (k + 1) // 2):
                continue
            start, end = words[s].start(), words[s + size - 1].end()
            sim = _ratio(quote.exact, text[start:end])
            if sim < FUZZY_MIN_TEXT:
                continue
            ctx = _context(text, start, end, quote)
            if ctx < FUZZY_MIN_CONTEXT:
                continue
            cand = (0.6 * sim + 0.4 * ctx, -abs(start - quote.start), start, end, sim)
            best = cand if best is None or cand > best else best
    if best is None:
        return None
    score, _, start, end, _ = best
    return Anchor(start, end, round(score, 3), False)


def find_quote(text: str, quote: Quote) -> Anchor | None:
    """Where the quoted phrase is in a later text of the same clause, or None if it is gone."""
    if not quote.exact:
        return None
    return _exact(text, quote) or _fuzzy(text, quote)


def spans(text: str, quotes: list[tuple[Quote, bool]]) -> list[tuple[int, int]]:
    """Where the quoted phrases are in ``text``, overlapping ones merged, in order: what a clause
    page highlights. Each quote comes with whether it was made on this very text, when its stored
    offset is checked first (no search); others are found again as ``find_quote`` does."""
    found = []
    for quote, same_text in quotes:
        if same_text and quote.exact and text[quote.start:quote.end] == quote.exact:
            found.append((quote.start, quote.end))
            continue
        anchor = find_quote(text, quote)
        if anchor is not None:
            found.append((anchor.start, anchor.end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
