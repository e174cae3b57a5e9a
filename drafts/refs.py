"""Find a clause from what a reader types in "go to": ``45``, ``Article 45``, ``art. 45``,
``45-modda``, ``modda 45``, ``Статья 45``, ``ст. 45``, ``§ 2-1402.11``, ``Chapter 3``, ``3-bob``."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: words naming a kind of clause, in the languages of our drafts, lower-case, without the final dot
KIND_WORDS = {
    "article": "article", "art": "article", "modda": "article", "moddasi": "article", "статья": "article",
    "статьи": "article", "ст": "article", "модда": "article", "моддаси": "article", "artikel": "article",
    "section": "section", "sec": "section", "§": "section", "раздел": "section",
    "chapter": "chapter", "ch": "chapter", "bob": "chapter", "глава": "chapter", "гл": "chapter", "боб": "chapter",
    "part": "part", "qism": "part", "часть": "part", "қисм": "part",
    "boʻlim": "section", "bo'lim": "section", "бўлим": "section",
}
_NUMBER = re.compile(r"\d+(?:[.\-–]\d+)*[a-zа-я]?|\b[ivxlc]+\b", re.IGNORECASE)


def parse(text: str) -> tuple[str | None, str] | None:
    """(kind or None, number) from a reference, or None when it holds no number."""
    text = (text or "").strip().lower().replace("ʻ", "'").replace("‘", "'")[:100]
    numbers = _NUMBER.findall(text.replace("§", " § "))
    numbers = [n for n in numbers if any(ch.isdigit() for ch in n)] or numbers
    if not numbers:
        return None
    number = numbers[0].replace("–", "-")
    words = re.findall(r"§|[^\W\d_]+'?[^\W\d_]*", text)
    kind = next((KIND_WORDS[w] for w in words if w in KIND_WORDS), None)
    return kind, number


def find(clauses: Iterable[Mapping], text: str) -> Mapping | None:
    """The first clause whose number matches the reference (and whose kind does, when one was named);
    articles and sections are preferred to chapters and parts when no kind was named."""
    parsed = parse(text)
    if parsed is None:
        return None
    kind, number = parsed
    candidates = [c for c in clauses if str(c.get("num", "")).strip().lower().rstrip(".") == number.lower()]
    named = [c for c in candidates if c.get("kind") == kind]
    candidates = named or candidates  # a code may call its articles sections: the number decides
    order = {"article": 0, "section": 1}
    candidates.sort(key=lambda c: order.get(c.get("kind"), 2))
    return candidates[0] if candidates else None
