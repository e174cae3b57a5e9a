"""The numbering conventions of real laws, as regular expressions and small pure functions.

Two families: *headings* ("§ 5", "Article 5", "Статья 5.", "5-modda.", "Глава 2", "Buch 1 -",
"Erster Abschnitt") that open a part/chapter/article, and *markers* ("(1)", "1.", "1)", "a)",
"(a)", "**(A)**", "aa)") that open a paragraph or point inside one. Every pattern is anchored
and uses bounded repetitions only, so matching a line costs O(line length).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Heading keyword -> provision kind. Keys are lower case; matching ignores case.
KEYWORDS: dict[str, str] = {
    "§": "section", "§§": "section", "section": "section", "sec.": "section", "параграф": "section",
    "article": "article", "art.": "article", "art": "article", "artikel": "article", "статья": "article",
    "modda": "article", "модда": "article",
    "chapter": "chapter", "kapitel": "chapter", "глава": "chapter", "bob": "chapter", "боб": "chapter",
    "subchapter": "subchapter", "unterkapitel": "subchapter",
    "part": "part", "teil": "part", "часть": "part", "qism": "part", "қисм": "part",
    "book": "book", "buch": "book", "книга": "book",
    "title": "title", "titel": "title", "subtitle": "subtitle", "untertitel": "subtitle",
    "division": "division", "abschnitt": "division", "раздел": "division", "bo'lim": "division",
    "bo‘lim": "division", "boʻlim": "division", "bo’lim": "division", "бўлим": "division",
    "subdivision": "subdivision", "unterabschnitt": "subdivision", "подраздел": "subdivision",
    "annex": "annex", "schedule": "annex", "appendix": "annex", "anlage": "annex",
    "anhang": "annex", "приложение": "annex", "ilova": "annex", "илова": "annex",
}
ARTICLE_KINDS = frozenset({"article", "section"})
GROUP_KINDS = frozenset({"book", "part", "title", "subtitle", "chapter", "subchapter",
                         "division", "subdivision", "annex"})
SUFFIX_KEYWORDS = ("modda", "модда", "bob", "боб", "qism", "қисм", "bo'lim", "bo‘lim", "boʻlim",
                   "bo’lim", "бўлим", "ilova", "илова")

#: Ordinal words used instead of numbers ("Erster Abschnitt", "ЧАСТЬ ПЕРВАЯ", "Part One").
ORDINALS: dict[str, int] = {}
for _i, _stems in enumerate([
        "erst eins one first перв", "zweit two second втор", "dritt three third трет",
        "viert four fourth четвёрт четверт", "fünft five fifth пят", "sechst six sixth шест",
        "siebt siebent seven seventh седьм", "acht eight eighth восьм",
        "neunt nine ninth девят", "zehnt ten tenth десят"], start=1):
    for _stem in _stems.split():
        ORDINALS[_stem] = _i
_ORD_WORD = r"(?:[A-Za-zÄÖÜäöüßА-Яа-яЁё]{3,12})"
_NUM = (r"(?:\d{1,6}(?:[-–.]\d{1,6}){0,4}[a-zA-Z]{0,3}(?:\.\d{1,4}){0,2}"
        r"|(?:[IVXLCDM]{1,8}|[A-Z])(?:-[A-Za-z0-9]{1,4})?)(?=[\s.:]|\Z)")
_KW = "|".join(sorted((re.escape(k) for k in KEYWORDS
                       if k not in SUFFIX_KEYWORDS and not k.startswith("§")),
                      key=len, reverse=True))
_SUFFIX = "|".join(re.escape(k) for k in SUFFIX_KEYWORDS)
HEADING_RE = re.compile(
    rf"(?P<m>(?:(?P<para>§§?)\s{{0,3}}|(?i:(?P<kw>{_KW}))\s{{1,3}})(?P<num>{_NUM}"
    rf"(?:\s{{1,3}}(?:bis|to|und|and|-|–)\s{{1,3}}{_NUM})?)"
    rf"|(?P<num2>\d{{1,4}}[a-z]?)[-–](?i:(?P<kw2>{_SUFFIX}))(?![\w])"
    rf"|(?P<ord>{_ORD_WORD})\s{{1,3}}(?i:(?P<kw3>{_KW}))(?![\w])"
    rf"|(?i:(?P<kw4>{_KW}))\s{{1,3}}(?P<ord2>{_ORD_WORD})(?![\w]))"
    r"(?P<sep>\s{0,3}[.:]|\s{1,3}[-–—](?=\s|\Z))?"
)
#: words that follow "§ 5" in a cross-reference, not in a heading ("§ 5 Abs. 2 gilt ...")
REF_WORDS = frozenset(("abs", "absatz", "satz", "nr", "nummer", "buchst", "buchstabe", "halbsatz",
                       "alt", "alternative", "bis", "und", "oder", "sowie", "of", "and", "or",
                       "to", "bgb", "hgb", "zpo", "stgb", "gg", "der", "des", "dieses"))

#: numbered markers at the start of a line: "(1)", "(a)", "(iv)", "(2A)", "1.", "1.2.", "1)",
#: "a)", "aa)", "а)"; optionally in bold ("**(a)**") and after a list bullet ("- **(A)**").
MARKER_RE = re.compile(
    r"(?P<bullet>[-+*]\s{1,4})?(?P<bold>\*\*)?"
    r"(?:\((?P<pn>\d{1,4}[A-Za-z]{0,2}(?:-\d{1,3})?|[A-Za-z]{1,2}(?:-\d{1,3})?|[ivxlcdm]{1,7}"
    r"|[IVXLCDM]{1,7}|[а-яё]{1,2})\)"
    r"|(?P<dn>\d{1,3}(?:\.\d{1,3}){0,3}[a-z]?)(?P<dd>[.)])"
    r"|(?P<ln>[a-z]{1,2}|[а-яё]{1,2})\))"
    r"(?P=bold)?(?=\s|\Z)"
)
BULLET_RE = re.compile(r"(?:[-+*•–—]\s+)+")
ATX_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|\Z)")
SETEXT_RE = re.compile(r" {0,3}(=+|-+)[ \t]*\Z")
RULE_RE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})\Z")
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_CYR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "-", "y", "-", "e", "yu", "ya"]))


@dataclass(frozen=True)
class Heading:
    """A recognised heading designation: ``marker`` is the printed prefix, ``rest`` the title."""

    kind: str
    num: str
    marker: str
    rest: str


@dataclass(frozen=True)
class Marker:
    """A recognised paragraph/point marker at the start of a line."""

    num: str
    marker: str  #: printed form without bullet and bold: "(a)", "1.", "a)"
    form: str  #: bracket form: "()" | "." | ")"
    classes: tuple[str, ...]  #: digit | lower | upper | roman | ROMAN | lower2 | cyr | multi
    end: int  #: where the text after the marker starts in the matched line


def roman_value(s: str) -> int:
    """Value of a Roman numeral (0 if it is not one)."""
    total, prev = 0, 0
    for ch in reversed(s.lower()):
        v = _ROMAN.get(ch, 0)
        if not v:
            return 0
        total, prev = (total - v, prev) if v < prev else (total + v, v)
    return total


def match_heading(line: str) -> Heading | None:
    """Recognise a heading designation at the start of ``line`` (any text after it is the title)."""
    m = HEADING_RE.match(line)
    if not m:
        return None
    kw = (m["para"] or m["kw"] or m["kw2"] or m["kw3"] or m["kw4"]).lower()
    num = m["num"] or m["num2"] or m["ord"] or m["ord2"] or ""
    if (m["ord"] or m["ord2"]) and ordinal_value(num) is None:
        return None
    sep = m["sep"] or ""
    return Heading(KEYWORDS[kw], num.replace("–", "-"), (m["m"] + sep).strip(),
                   line[m.end():].strip())


def ordinal_value(word: str) -> int | None:
    """1 for "Erster", "ПЕРВАЯ", "one" ...; None if the word is no ordinal."""
    w = word.lower()
    for stem, value in ORDINALS.items():
        if w.startswith(stem) and len(w) - len(stem) <= 4:
            return value
    return None


def plausible_heading_line(h: Heading) -> bool:
    """Whether a line that is not a Markdown heading still reads as a heading, not as a sentence
    that starts with a cross-reference ("§ 929 Satz 2 gilt ...", "Article 5 shall apply") or
    a wrapped line that starts with one ("статья 5 ...": headings are capitalised)."""
    if h.marker[0].islower():
        return False
    if h.marker[-1] in ".:)-–—" or not h.rest:
        return True
    if h.rest.rstrip()[-1] in ".,;:":
        return False
    if h.rest[0] == "(":
        return len(h.rest) <= 120
    first = h.rest.split()[0].strip("\"“«„'").rstrip(".,;:")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    return first.lower() not in REF_WORDS and len(h.rest) <= 250


def match_marker(line: str) -> Marker | None:
    """Recognise a numbered paragraph/point marker at the start of ``line`` (no indentation)."""
    m = MARKER_RE.match(line)
    if not m:
        return None
    if m["pn"] is not None:
        num, form = m["pn"], "()"
    elif m["dn"] is not None:
        num, form = m["dn"], m["dd"]
    else:
        num, form = m["ln"], ")"
    if m["bullet"] and not m["bold"] and form != "()":
        return None  # "- 1. x" is a bullet whose text starts with a number, keep it as text
    printed = {"()": f"({num})", ".": f"{num}.", ")": f"{num})"}[form]
    return Marker(num, printed, form, marker_classes(num), m.end())


@lru_cache(maxsize=4096)  # a law numbers thousands of paragraphs with a few dozen numbers
def marker_classes(num: str) -> tuple[str, ...]:
    """The numbering classes a marker's number may belong to, the likeliest first: "(i)" opens a
    Roman list unless it follows "(h)"; "(ii)" is Roman unless it follows "(hh)"."""
    if num[0].isdigit():
        return ("multi",) if "." in num else ("digit",)
    if "а" <= num[0].lower() <= "я" or num[0] in "ёЁ":
        return ("cyr",)
    roman = "roman" if num.islower() else "ROMAN"
    letter = "lower" if num.islower() else "upper"
    if len(num) == 1:
        return (roman, letter) if num in "iI" else (letter, roman) if num in "vVxX" else (letter,)
    if roman_value(num) and num.lower() not in ("cc", "dd", "ll", "mm", "vv"):
        return (roman, "lower2") if num.lower() in ("ii", "xx") else (roman,)
    return ("lower2",) if num[0] == num[1] else (letter,)


def follows(cls: str, prev: str, num: str) -> bool:
    """Whether ``num`` is the next number after ``prev`` in class ``cls`` (gaps of repealed
    items allowed for digits; letters and Roman numerals must be consecutive)."""
    if cls in ("roman", "ROMAN"):
        return roman_value(num) == roman_value(prev) + 1
    if cls in ("lower", "upper", "cyr", "lower2"):
        return len(num) == len(prev) and ord(num[-1].lower()) == ord(prev[-1].lower()) + 1
    return True


@lru_cache(maxsize=4096)
def eid_num(num: str) -> str:
    """The number as it may appear in an eid: ASCII lower case, [a-z0-9.-] only."""
    n = num.strip().lower()
    value = ordinal_value(n) if n.isalpha() and len(n) >= 3 and not roman_value(n) else None
    if value is not None:
        return str(value)
    if not n.isascii():
        n = "".join(_CYR.get(ch, ch) for ch in n)
    n = re.sub(r"[^a-z0-9.]+", "-", n).strip("-.")
    return n
