"""Word matching, typo tolerance, highlights and snippets of search (no database)."""

from hypothesis import given
from hypothesis import strategies as st

from rapport.search.text import (
    SNIPPET_CHARS,
    Marked,
    analyse,
    edit_distance,
    fold,
    fold_with_map,
    query_words,
    variants,
    word_match,
)


def test_fold_lowers_and_strips_accents_as_unaccent_does():
    assert fold("Müller Łódź STRAßE Ærø") == "muller lodz strasse aero"


def test_query_words_are_folded_distinct_and_drop_words_that_start_another():
    assert query_words("  Acme, acm ACME  trading!! ") == ["acme", "trading"]
    assert query_words("“quotes” AND (x OR y*) 100%") == ["quotes", "and", "x", "or", "y", "100"]
    assert query_words("!!! ---") == []


def test_edit_distance_counts_a_swap_of_neighbours_as_one_edit():
    assert edit_distance("trdaing", "trading", 2) == 1
    assert edit_distance("smtih", "smith", 1) == 1
    assert edit_distance("acme", "acne", 1) == 1
    assert edit_distance("kitten", "sitting", 5) == 3
    # Capped: anything beyond the limit answers limit + 1.
    assert edit_distance("abcdef", "uvwxyz", 1) == 2


def test_word_match_prefix_infix_and_typos():
    assert word_match("acm", "acme")[0] > 0  # typing
    assert word_match("acme", "acme")[0] > word_match("acm", "acme")[0]
    assert word_match("cme", "acme")[1:] == (1, 4)  # part of a word, three letters or more
    assert word_match("cm", "acme")[0] == 0  # two letters must start the word
    assert word_match("trdaing", "trading")[0] > 0
    assert word_match("tradng", "trading")[0] > 0
    assert word_match("trdai", "trading")[0] > 0  # typing, with a typo
    assert word_match("acme", "came")[0] == 0  # the first letter counts
    assert word_match("acm", "abm")[0] == 0  # no typos in words under four letters
    assert word_match("trading", "tracking")[0] == 0  # too far


def test_variants_contain_the_right_spelling_for_swaps_and_deletions():
    assert "trading" in variants("trdaing")
    assert "product" in variants("prodduct")
    assert "smith" in variants("smtih")
    assert all(len(v) >= 4 for v in variants("smtih"))
    assert variants("abc") == ["abc"]
    # A long word's halves: one survives any single substitution.
    assert {"kowa", "lsky"} <= set(variants("kowalsky"))


def test_analyse_requires_every_word_and_marks_each_match():
    found = analyse(["acme", "trad"], "Acme Trading", [("E-mails", "info@acme.test")])
    assert found is not None
    assert found.title.ranges == [(0, 4), (5, 9)]
    assert found.snippet_label == "E-mails"
    assert found.snippet.ranges == [(5, 9)]
    assert analyse(["acme", "zebra"], "Acme Trading", []) is None


def test_analyse_ranks_title_matches_above_body_matches():
    in_title = analyse(["acme"], "Acme", [("Comment", "nothing")])
    in_body = analyse(["acme"], "Globex", [("Comment", "bought from acme")])
    assert in_title.score > in_body.score


def test_highlights_map_back_to_the_original_text_with_accents():
    found = analyse(["muller"], "Hans Müller", [])
    assert found.title.parts() == [("Hans ", False), ("Müller", True)]
    # Folding that changes the length ("ß" -> "ss") still maps onto the original letters.
    found = analyse(["strasse"], "Große Straße 5", [])
    assert [piece for piece, hit in found.title.parts() if hit] == ["Straße"]


def test_long_snippets_are_cut_around_the_match():
    body = "word " * 100 + "needle " + "word " * 100
    found = analyse(["needle"], "Title", [("Body", body)])
    snippet = found.snippet
    assert len(snippet.text) <= SNIPPET_CHARS + 2
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert [piece for piece, hit in snippet.parts() if hit] == ["needle"]


@given(st.text(max_size=300), st.text(min_size=1, max_size=20))
def test_marked_parts_always_rebuild_the_text(text, query):
    words = query_words(query)
    if not words:
        return
    found = analyse(words, text, [("Body", text * 3)])
    for marked in [found.title, found.snippet] if found else []:
        assert "".join(piece for piece, _ in marked.parts()) == marked.text
        assert all(0 <= a < b <= len(marked.text) for a, b in marked.ranges)


@given(st.text(max_size=200))
def test_fold_with_map_points_inside_the_original(text):
    folded, index = fold_with_map(text)
    assert folded == fold(text)
    if index is not None:
        assert len(index) == len(folded)
        assert all(0 <= i < len(text) for i in index)
    else:
        assert len(folded) == len(text)


def test_marked_parts_of_text_without_matches():
    assert Marked("plain").parts() == [("plain", False)]
