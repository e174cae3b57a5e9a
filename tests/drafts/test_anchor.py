"""Re-finding a commented phrase in a later revision of the clause, or saying it is gone."""
from __future__ import annotations

import pytest

from drafts.anchor import Anchor, Quote, find_quote, make_quote, quote_from_exact

V1 = ("Any person may submit comments within thirty calendar days of publication. "
      "The Ministry publishes all comments received, except those containing personal data.")
PHRASE = "within thirty calendar days"


def quote(text: str = V1, phrase: str = PHRASE) -> Quote:
    q = quote_from_exact(text, phrase)
    assert q is not None
    return q


def found(text: str, q: Quote) -> str | None:
    anchor = find_quote(text, q)
    return None if anchor is None else text[anchor.start:anchor.end]


def test_make_quote_keeps_context_like_a_w3c_selector():
    q = make_quote("abcdefghij", 3, 5, context=2)
    assert q == Quote(exact="de", prefix="bc", suffix="fg", start=3)
    assert q.selectors() == [
        {"type": "TextQuoteSelector", "exact": "de", "prefix": "bc", "suffix": "fg"},
        {"type": "TextPositionSelector", "start": 3, "end": 5}]


@pytest.mark.parametrize(("start", "end"), [(3, 3), (5, 2), (-1, 2), (0, 11)])
def test_make_quote_rejects_empty_or_out_of_range_selections(start, end):
    with pytest.raises(ValueError):
        make_quote("abcdefghij", start, end)


def test_quote_from_exact_takes_the_first_occurrence_and_tolerates_collapsed_whitespace():
    assert quote_from_exact("a b a b", "a b").start == 0
    assert quote_from_exact("thirty\ncalendar days", "thirty calendar").exact == "thirty\ncalendar"
    assert quote_from_exact(V1, "sixty days") is None
    assert quote_from_exact(V1, "  ") is None


def test_unchanged_text():
    assert find_quote(V1, quote()) == Anchor(V1.index(PHRASE), V1.index(PHRASE) + len(PHRASE),
                                             1.0, True)


def test_text_inserted_before_the_quote_shifts_the_offset():
    v2 = "(1) " + V1.replace("Any person", "Any natural or legal person")
    anchor = find_quote(v2, quote())
    assert anchor.exact_match and v2[anchor.start:anchor.end] == PHRASE
    assert anchor.start == v2.index(PHRASE)


def test_lightly_edited_phrase_is_found_fuzzily():
    v2 = V1.replace("thirty calendar days", "thirty working days")
    anchor = find_quote(v2, quote())
    assert not anchor.exact_match
    assert v2[anchor.start:anchor.end] == "within thirty working days"
    assert 0.7 < anchor.score < 1


def test_phrase_twice_the_occurrence_with_the_right_context_wins():
    text = ("Appeals are lodged within thirty calendar days of the decision. "
            "Comments are submitted within thirty calendar days of publication.")
    q = make_quote(text, text.rindex(PHRASE), text.rindex(PHRASE) + len(PHRASE))
    v2 = "(2) " + text  # both occurrences shift by the same amount
    assert find_quote(v2, q).start == v2.rindex(PHRASE)
    swapped = ("Comments are submitted within thirty calendar days of publication. "
               "Appeals are lodged within thirty calendar days of the decision.")
    assert find_quote(swapped, q).start == swapped.index(PHRASE)  # context beats old offset


def test_deleted_phrase_is_gone():
    v2 = V1.replace(" within thirty calendar days of publication", "")
    assert find_quote(v2, quote()) is None


def test_similar_words_elsewhere_are_not_taken_for_the_deleted_phrase():
    """The phrase is gone from its sentence; other words that look alike elsewhere must not
    inherit the comment."""
    v2 = ("Any person may submit comments on the portal. The Ministry publishes all comments "
          "received, except those containing personal data, within thirty working days.")
    assert find_quote(v2, quote()) is None


def test_short_phrase_found_verbatim_in_unrelated_surroundings_is_not_taken():
    q = quote(phrase="personal data")
    v2 = "Fees for personal data requests are set by the Cabinet of Ministers."
    assert find_quote(v2, q) is None


def test_cyrillic_edited_and_shifted():
    v1 = ("Заявление рассматривается в течение тридцати календарных дней со дня его регистрации. "
          "Решение направляется заявителю в письменной форме.")
    q = quote(v1, "в течение тридцати календарных дней")
    v2 = "1. " + v1.replace("тридцати календарных", "тридцати рабочих")
    assert found(v2, q) == "в течение тридцати рабочих дней"
    gone = v1.replace(" в течение тридцати календарных дней со дня его регистрации", "")
    assert find_quote(gone, q) is None


def test_phrase_at_the_start_of_the_clause():
    q = quote(phrase="Any person may submit comments")
    assert q.prefix == ""
    assert found("Any person may submit written comments within a month.", q) == (
        "Any person may submit written comments")
