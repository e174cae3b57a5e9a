"""Language handling that both search engines share, with no engine imported: Uzbek script folding
and suffix stripping, a cheap language guess, the query language (phrases, -exclusions, word*) and
snippets with highlighted matches.

Everything here is pure Python so the Whoosh and PostgreSQL backends agree on what a query means.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

LANGUAGES = ("en", "ru", "de", "uz", "plain")
#: "plain": a language with no analyser here (Karakalpak, Kazakh, Tajik, ...): words split and
#: lower-cased, never stemmed
STEMMED = ("en", "ru", "de", "uz")
MAX_QUERY_CHARS = 500
MAX_CLAUSES = 16

# --- Uzbek: one script for the index ---------------------------------------------------------

# Cyrillic Uzbek -> Latin Uzbek (the 1995 alphabet). "е" is "ye" at the start of a word or after a
# vowel, as in "ер" -> "yer"; handled in to_latin().
_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ё": "yo", "ж": "j", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "x", "ц": "s", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "ʼ", "ы": "i",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "oʻ", "қ": "q", "ғ": "gʻ", "ҳ": "h", "е": "e",
}
_VOWELS_CYR = set("аеёиоуўэюяы")
# o' and g' are written with many look-alike apostrophes; the index uses one letter for each.
_APOSTROPHES = "'`´‘’ʻʼʽ"
_OG = re.compile(rf"([oOgG])[{_APOSTROPHES}]")
_TUTUQ = re.compile(rf"(?<=\w)[{_APOSTROPHES}](?=\w)")
UZ_CYRILLIC_ONLY = set("ўқғҳЎҚҒҲ")


def to_latin(text: str) -> str:
    """Transliterate Cyrillic Uzbek to Latin Uzbek; Latin text passes through unchanged."""
    out: list[str] = []
    prev = ""
    for ch in text:
        low = ch.lower()
        if low in _CYR:
            rep = _CYR[low]
            if low == "е" and (not prev.isalpha() or prev.lower() in _VOWELS_CYR):
                rep = "ye"
            if ch != low and rep:
                rep = rep[0].upper() + rep[1:]
            out.append(rep)
        else:
            out.append(ch)
        prev = ch
    return "".join(out)


def uz_fold(text: str) -> str:
    """Uzbek text in either script -> lower-case Latin with oʻ/gʻ as single letters (ö, ğ).

    The engines' tokenizers split words at apostrophes, so "oʻzbek" would become "o" + "zbek".
    "ō" is how some keyboards and old texts write oʻ."""
    text = to_latin(unicodedata.normalize("NFC", text)).lower().replace("ō", "ö")
    text = _OG.sub(lambda m: "ö" if m.group(1) in "oO" else "ğ", text)
    return _TUTUQ.sub("", text)


# Inflectional suffixes only (derivational ones like -lik, -chi change the word's meaning), longest
# first. Case, possessive and plural suffixes stack (qonun-lar-imiz-ning), so stripping repeats.
_SUFFIXES = tuple(sorted(
    {"gacha", "dagi", "ning", "dan", "tan", "dek", "day", "ga", "ka", "qa", "da", "ta", "ni",
     "imiz", "ingiz", "lari", "miz", "ngiz", "ing", "im", "si", "i", "m", "lar"},
    key=len, reverse=True))
_MIN_STEM = 3
_UZ_VOWELS = set("aeiouö")


def uz_stem(word: str) -> str:
    """Light Uzbek stemmer for folded words: qonunlarning -> qonunlar -> qonu; moddasi -> modda -> mod.

    Stems need not be words: they only have to be the same for the forms of one word. A final ğ
    becomes q (soliq + i -> soliği)."""
    if len(word) <= _MIN_STEM or not word.isalpha():
        return word
    for _round in range(4):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
                word = word[: -len(suffix)]
                break
        else:
            break
    if word.endswith("ğ"):
        word = word[:-1] + "q"
    # "qonuni" is qonun + i, but "moddani" is modda + ni: stripping a vowel's final n makes both
    # readings give one stem (qonun, qonuni, qonunni -> qonu; modda, moddani -> modda).
    if len(word) > _MIN_STEM and word[-1] == "n" and word[-2] in _UZ_VOWELS:
        word = word[:-1]
    return word


_WORD = re.compile(r"\w+(?:[.'’ʻʼ-]\w+)*")
_SIMPLE_WORD = re.compile(r"\w+")


def uz_analyze(text: str) -> list[str]:
    """Folded, stemmed Uzbek words, for engines without an Uzbek stemmer of their own."""
    return [uz_stem(w) for w in _SIMPLE_WORD.findall(uz_fold(text))]


# --- one spelling for look-alike characters, in documents and queries ---------------------------

#: Typographic apostrophes and quotes, hyphen and dash forms and "ō" (Uzbek oʻ) written as the
#: plain characters, so "employer’s" finds "employer's" and "self‐employed" finds "self-employed".
#: (The modifier letters ʻ ʼ count as letters to a tokenizer: "oʻzbek" would be one word and
#: "o'zbek" two.) A soft hyphen is only a hint where a line may break: it goes.
_SAME_CHARS = str.maketrans({
    **dict.fromkeys("‘’‚‛`´ʹʻʼʽ′", "'"), **dict.fromkeys("“”„‟«»″", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"), "\u00ad": None, "ō": "o'", "Ō": "O'",
})
#: A list marker at the start of a line ("(a)", "1.", "ii)", "- **(A)**"): structure, not words,
#: so a quoted phrase may run across it ("provided, that:\n(i) The contents" holds "that the contents").
_LINE_MARKER = re.compile(
    r"^[ \t]*(?:[-+*•][ \t]+)?(?:\*\*)?(?:\([0-9A-Za-zа-яё]{1,5}\)|\d{1,3}(?:\.\d{1,3}){0,3}[a-z]?[.)]"
    r"|[a-zа-яё]{1,2}\))(?:\*\*)?(?=\s)", re.MULTILINE)


def same_chars(text: str) -> str:
    """Look-alike characters as one character each (see ``_SAME_CHARS``)."""
    return text.translate(_SAME_CHARS)


def index_text(text: str) -> str:
    """A document's text as both engines index it: look-alikes unified, line-leading list markers
    dropped (the page still shows them; only word positions change)."""
    text = same_chars(text or "")
    return _LINE_MARKER.sub("", text) if "\n" in text or text[:1] in "(-+*•0123456789" else text


# --- which language a text is in ----------------------------------------------------------------

_DE_WORDS = frozenset(["der", "die", "das", "und", "ist", "nicht", "mit", "für", "von", "zu", "den", "dem", "des", "ein", "eine", "auf", "sich", "auch", "werden", "wird", "sind", "oder", "wir", "ich", "es", "im", "bei", "nach"])
_EN_WORDS = frozenset(["the", "and", "is", "of", "to", "in", "that", "for", "with", "are", "be", "this", "on", "not", "it", "as", "by", "or", "we", "have"])
_UZ_WORDS = frozenset(["va", "uchun", "bilan", "bu", "ham", "yoki", "esa", "emas", "qonun", "modda", "boʻyicha", "bo'yicha", "haqida", "kerak", "mumkin", "etib", "hamda"])

_CYRILLIC, _ASCII_LETTER = re.compile("[\u0400-\u04ff]"), re.compile("[A-Za-z]")
_RU_LETTER, _UMLAUT = re.compile("[ыщэъЫЩЭЪ]"), re.compile("[äöüßÄÖÜ]")
_UZ_CYRILLIC = re.compile("[ўқғҳЎҚҒҲ]")


def detect_language(text: str, hint: str | None = None, *, own: bool = False) -> str:
    """Guess en, ru, de or uz from letters and common words; ``hint`` (the draft's language) settles
    unclear cases. A wrong guess costs only stemming variants: exact words still match."""
    if own and hint and hint not in STEMMED:
        return "plain"  # the draft's own text, in a language we have no stemmer for
    sample = text[:2000]
    if len(_CYRILLIC.findall(sample)) > len(_ASCII_LETTER.findall(sample)):  # counted in C: every hit's snippet asks
        if _UZ_CYRILLIC.search(sample):
            return "uz"
        if hint == "uz" and not _RU_LETTER.search(sample):
            return "uz"
        return "ru"
    words = [w.lower() for w in _SIMPLE_WORD.findall(sample)][:300]
    if _OG.search(sample) and hint == "uz" or sum(w in _UZ_WORDS for w in words) >= 2:
        return "uz"
    de = sum(w in _DE_WORDS for w in words) + 3 * len(_UMLAUT.findall(sample))
    en = sum(w in _EN_WORDS for w in words)
    if de > en and de >= 2:
        return "de"
    if hint in ("uz", "de") and en == 0:
        return hint
    return "en"


# --- the query language ---------------------------------------------------------------------

# Words that make a question read naturally but say nothing about what is sought.
QUESTION_WORDS = frozenset(["what", "which", "who", "whom", "whose", "where", "when", "why", "how", "does", "do", "did", "say", "says", "said", "about", "tell", "me", "there", "any", "comment", "comments", "commented", "new", "что", "кто", "как", "где", "когда", "почему", "какой", "какие", "какая", "о", "об", "про", "ли", "говорит", "говорится", "сказано", "nima", "kim", "qanday", "qayerda", "qachon", "nega", "haqida", "was", "wer", "wie", "wo", "wann", "warum", "welche", "welcher", "über", "sagt"])
_OPERATORS = frozenset({"and", "or", "not", "&&", "||", "+", "-", "*", "|", "&", "!"})
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_EDGE = ".,;:!?()[]{}<>«»„“”\"‘’'`´"


@dataclass(frozen=True)
class Clause:
    """One part of a query: a word, a quoted phrase or a word prefix (``word*``)."""
    kind: str  # "term" | "phrase" | "prefix"
    text: str


@dataclass
class ParsedQuery:
    must: list[Clause] = field(default_factory=list)
    must_not: list[Clause] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.must


def clean_text(raw: str) -> str:
    """Normalise Unicode, drop control and format characters, squeeze whitespace."""
    text = same_chars(unicodedata.normalize("NFKC", raw or ""))
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") else ch
                   for ch in text)
    return " ".join(text.split())


def _word_clause(word: str) -> Clause | None:
    prefix = word.endswith("*")
    word = word.strip(_EDGE + "*+").strip()
    word = word.lstrip("-")
    if not word or not any(ch.isalnum() for ch in word):
        return None
    if prefix:
        return Clause("prefix", word) if len(word) >= 2 else Clause("term", word)
    return Clause("term", word)


def parse_query(raw: str) -> ParsedQuery:
    """Read a search box: words (all must match), "quoted phrases", -exclusions and prefix*.

    Never raises: unbalanced quotes, lone operators and overlong input are repaired, and what was
    changed is said in ``notices`` so the page can tell the person."""
    parsed = ParsedQuery()
    text = clean_text(raw)
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        parsed.notices.append(_("Your search was long, so only its first %(n)d characters were used.", n=MAX_QUERY_CHARS))
    if text.count('"') % 2:
        i = text.rfind('"')
        text = text[:i] + " " + text[i + 1:]
        parsed.notices.append(_("A quotation mark was not closed, so it was ignored."))
    parsed.text = text
    negate_next = False
    for m in _TOKEN.finditer(text):
        neg, phrase, word = m.group(1), m.group(2), m.group(3)
        if word is not None and word.lower() in _OPERATORS:
            negate_next = word.lower() in ("not", "-", "!")
            continue
        if phrase is not None:
            words = phrase.split()
            clause = (Clause("phrase", " ".join(words)) if len(words) > 1
                      else _word_clause(words[0]) if words else None)
            negated = bool(neg)
        else:
            negated = word.startswith("-") and len(word) > 1
            clause = _word_clause(word)
        negated = negated or negate_next
        negate_next = False
        if clause is None:
            continue
        target = parsed.must_not if negated else parsed.must
        if clause not in target:
            target.append(clause)
    questions = [c for c in parsed.must if c.kind == "term" and c.text.lower() in QUESTION_WORDS]
    if questions and len(questions) < len(parsed.must):
        parsed.must = [c for c in parsed.must if c not in questions]
    if len(parsed.must) + len(parsed.must_not) > MAX_CLAUSES:
        parsed.must = parsed.must[:MAX_CLAUSES]
        parsed.must_not = parsed.must_not[: max(0, MAX_CLAUSES - len(parsed.must))]
        parsed.notices.append(_("Only the first %(n)d words of your search were used.", n=MAX_CLAUSES))
    if not parsed.must and parsed.must_not:
        parsed.notices.append(_("Add at least one word to look for: a search of only -exclusions finds nothing."))
    return parsed


# --- snippets -----------------------------------------------------------------------------------

MARK_START, MARK_END = "\x02", "\x03"


def make_snippet(text: str, matches: Callable[[str], bool], width: int = 32) -> str:
    """A window of about ``width`` words around the densest run of matching words, with matches
    between MARK_START/MARK_END; plain text otherwise (escaped later by marks_to_html)."""
    words = list(_WORD.finditer(text))
    if not words:
        return text[:200]
    hits = [i for i, w in enumerate(words) if matches(w.group())]
    start = 0
    if hits:
        start = max(0, _densest(hits, width) - 4)
    end = min(len(words), start + width)
    hit_set = set(hits)
    out: list[str] = ["…" if start else ""]
    pos = words[start].start() if start else 0
    for i in range(start, end):
        w = words[i]
        out.append(text[pos:w.start()])
        out.append(f"{MARK_START}{w.group()}{MARK_END}" if i in hit_set else w.group())
        pos = w.end()
    out.append(text[pos:words[end - 1].end() + 1].rstrip() if end == len(words) else "…")
    return " ".join("".join(out).split())


def _densest(hits: list[int], width: int) -> int:
    """The first hit that begins the run of ``width`` words holding the most hits (in one pass: a
    long clause of the tax code holds "tax" hundreds of times)."""
    best, most, end = hits[0], 0, 0
    for first, i in enumerate(hits):
        while end < len(hits) and hits[end] < i + width:
            end += 1
        if end - first > most:
            best, most = i, end - first
    return best


def marks_to_html(snippet: str) -> str:
    """Escape a snippet and turn its markers into <mark>; the only HTML a snippet ever carries."""
    escaped = html.escape(snippet, quote=False)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


# --- clause numbers -------------------------------------------------------------------------------

#: words that name a clause before its number -> the kinds it may have in a parsed law
_REF_WORDS = {
    "article": ("article",), "art": ("article",), "artikel": ("article",), "статья": ("article",),
    "статьи": ("article",), "статью": ("article",), "статье": ("article",), "ст": ("article",),
    "стаття": ("article",), "section": ("section",), "sec": ("section",), "§": ("section", "article"),
    "§§": ("section", "article"), "paragraph": ("paragraph", "section"), "para": ("paragraph",),
    "пункт": ("paragraph", "point"), "п": ("paragraph", "point"),
    "modda": ("article",), "moddasi": ("article",), "модда": ("article",), "моддаси": ("article",),
}
#: abbreviations searched as the word they stand for (a Russian label says "Статья", never "ст.")
_REF_SPELLED = {"ст": "статья", "п": "пункт", "§": "", "§§": ""}
_NUM = r"\d{1,6}(?:[-.]\d{1,6}){0,4}[a-zA-Zа-я]{0,3}"
_KWS = "|".join(sorted((re.escape(k) for k in _REF_WORDS), key=len, reverse=True))
_REF_BEFORE = re.compile(rf"(?i)(?P<kw>{_KWS})\.?\s*(?P<num>{_NUM})")
_REF_AFTER = re.compile(r"(?i)(?P<num>\d{1,4}[a-zа-я]?)\s*-?\s*(?P<kw>modda(?:si)?|модда(?:си)?)")
_REF_BARE = re.compile(rf"(?P<num>{_NUM})")


@dataclass(frozen=True)
class ClauseRef:
    """A query that names a clause by its number: ``Article 4``, ``4-modda``, ``ст. 2``, ``§ 2-1402.11``."""
    num: str
    kinds: tuple[str, ...] = ()  #: () for a bare number: any kind, articles and sections first
    bare: bool = False
    #: what the engine looks for: the designation as one phrase ("статья 2" also finds "статьи 2"
    #: in citations; not "2" anywhere near "статья"), or the number alone
    words: str = field(default="", compare=False)


def clause_reference(text: str) -> ClauseRef | None:
    """The clause number a whole query names, or None when the query is anything else."""
    query = same_chars(text).strip().rstrip(".,;:?!").strip()
    m = _REF_BEFORE.fullmatch(query)
    if m:
        kw, num = m["kw"].lower(), m["num"].rstrip(".")
        return ClauseRef(num, _REF_WORDS.get(kw, ("article",)), words=f"{_REF_SPELLED.get(kw, kw)} {num}".strip())
    m = _REF_AFTER.fullmatch(query)
    if m:
        return ClauseRef(m["num"], ("article",), words=f"{m['num']}-{m['kw'].lower()}")
    m = _REF_BARE.fullmatch(query)
    return ClauseRef(m["num"].rstrip("."), (), bare=True, words=m["num"].rstrip(".")) if m else None
