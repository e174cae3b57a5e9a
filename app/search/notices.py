"""Why a search found nothing, where that can be known: the words are written in another language
than every published draft, or the filters hide every match (a closed draft hidden by the
consultation filter said as such). Asked only when a search has no results, so the extra engine
query costs nothing on searches that find something."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

from flask_babel import gettext as _
from flask_babel import ngettext

from app.search.analysis import detect_language
from app.search.base import Backend, EngineQuery

_CYRILLIC = ("\u0400", "\u04ff")


def language_names() -> dict[str, str]:
    return {"en": _("English"), "ru": _("Russian"), "de": _("German"), "uz": _("Uzbek")}


def _could_be(text: str) -> set[str]:
    """Languages a query's words may be in, judged by their letters (Uzbek is indexed in both
    scripts); empty when the letters say nothing (numbers only)."""
    cyrillic = any(_CYRILLIC[0] <= ch <= _CYRILLIC[1] for ch in text)
    latin = any(ch.isascii() and ch.isalpha() for ch in text)
    if cyrillic and not latin:
        return {"ru", "uz"}
    if latin and not cyrillic:
        return {"de"} if any(ch in "äöüßÄÖÜ" for ch in text) else {"en", "de", "uz"}
    return set()


def why_nothing(backend: Backend, eq: EngineQuery, *, filtered: bool, status: str | None,
                draft_facts: dict[int, dict], draft_languages: set[str]) -> list[str]:
    """Notices for a search with no results. ``filtered``: the person chose filters (kind,
    agency, status, language, draft or dates); ``draft_facts``: published draft id -> facts with
    its "status"; ``draft_languages``: the languages of the published drafts."""
    if filtered:
        wide = backend.search(replace(eq, only_drafts=None, lang=None, date_from=None, date_to=None,
                                      kinds=["draft", "clause", "comment"], limit=1, offset=0))
        total = sum(wide.counts.get("kind", Counter()).values())
        if total:
            statuses = {draft_facts[int(d)]["status"] for d in wide.counts.get("draft", {})
                        if int(d) in draft_facts}
            notices = []
            if status and status != "closed" and "closed" in statuses:
                notices.append(_("Your words are in a closed draft, which the consultation filter hides: "
                                 "choose “Any status” or “Closed” to see it."))
            notices.append(ngettext("Nothing matches with the filters you chose; without them %(num)d result does.",
                                    "Nothing matches with the filters you chose; without them %(num)d results do.",
                                    total))
            return notices
    words = " ".join(c.text for c in eq.parsed.must)
    possible = _could_be(words)
    if possible and draft_languages and not possible & draft_languages:
        names = language_names()
        languages = ", ".join(names.get(lang, lang) for lang in sorted(draft_languages))
        if len(possible) > 2:  # Latin letters: English, German or Uzbek, the letters do not say
            return [_("Your words are in the Latin alphabet, but the published drafts are in: %(languages)s. "
                      "Try words in one of those languages.", languages=languages)]
        guess = detect_language(words)
        guess = guess if guess in possible else min(possible)
        return [_("Your words look like %(language)s, but the published drafts are in: %(languages)s. "
                  "Try words in one of those languages.", language=names[guess], languages=languages)]
    return []
