"""Word matching shared by both search backends: folding, typo tolerance, highlights, snippets.

The databases find candidates fast; this module decides, on that small set, which candidates
really match every word of the query and where. A query word matches a word of the record when
it is a prefix of it (typing "acm" finds "Acme"), a part of it of three letters or more, or
within a small edit distance of it or of its beginning (one typo in words of 4-7 letters, two
from 8 letters, the first letter right: "Trdaing" finds "Trading"). Ranges are computed on folded text (lower case, no
accents) and mapped back to the original, so highlights sit on what the user typed into the
record, and are returned as offsets: templates and clients mark them up with escaping.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 8
SNIPPET_CHARS = 160
SNIPPET_LEAD = 50

# Scores of one query word against one record word, best first.
EXACT, PREFIX, INFIX = 1.0, 0.9, 0.75
FUZZY = 0.7  # minus 0.1 per edit
TITLE_BONUS = 0.15
MIN_VARIANT = 4
MAX_VARIANTS = 40


# Letters that Unicode does not decompose into a base letter and an accent, folded as
# PostgreSQL's unaccent does, so "Łódź" is found by "lodz" on both databases.
LETTERS = {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t", "ŀ": "l"}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    # Numbers that are not digits ("৴", "Ⅻ") separate words, as in PostgreSQL's parser.
    return "".join(LETTERS.get(c, c) if c.isalpha() or c.isdecimal() or not c.isalnum() else " " for c in base)


def fold(text: str) -> str:
    """Lower case without accents: "Müller" and "muller" compare equal."""
    if text.isascii():
        return text.lower()
    return "".join([_fold_char(c) for c in text])


def fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, for each of its characters, the index of the original character
    (None when folding kept every character in place, as it does for most text)."""
    if text.isascii():
        return text.lower(), None
    pieces = [_fold_char(c) for c in text]
    folded = "".join(pieces)
    if len(folded) == len(text) and all(len(p) == 1 for p in pieces):
        return folded, None
    index = [i for i, piece in enumerate(pieces) for _ in piece]
    return folded, index


def query_words(query: str) -> list[str]:
    """The distinct folded words of a query, at most MAX_QUERY_WORDS, longest kept first."""
    words = list(dict.fromkeys(WORD.findall(fold(query))))
    # A word that is the start of another adds nothing ("acm acme") and only costs time.
    words = [w for w in words if not any(o != w and o.startswith(w) for o in words)]
    if len(words) > MAX_QUERY_WORDS:
        keep = set(sorted(words, key=len, reverse=True)[:MAX_QUERY_WORDS])
        words = [w for w in words if w in keep]
    return words


def allowed_edits(length: int) -> int:
    return 0 if length < 4 else 1 if length < 8 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def variants(word: str) -> list[str]:
    """Strings one of which a word within `allowed_edits` of `word` contains, for indexes that
    cannot measure edit distance: neighbour swaps and one-letter deletions ("trdaing" ->
    "trading", "prodduct" -> "product"), and for words of eight letters or more their halves,
    one of which survives one substitution or insertion. Variants shorter than four letters,
    or that change the first letter, are left out: they would match far too much."""
    edits = allowed_edits(len(word))
    if not edits:
        return [word]
    found = [word]
    found += [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)]
    found += [word[:i] + word[i + 1 :] for i in range(1, len(word))]
    if len(word) >= 2 * MIN_VARIANT:
        half = len(word) // 2
        found += [word[:half], word[half:]]
    return [v for v in dict.fromkeys(found) if len(v) >= MIN_VARIANT or v == word][:MAX_VARIANTS]


@lru_cache(maxsize=65536)
def word_match(query_word: str, word: str) -> tuple[float, int, int]:
    """(score, start, end) of `query_word` in record word `word`; score 0 when it does not match."""
    if word.startswith(query_word):
        return (EXACT if len(word) == len(query_word) else PREFIX), 0, len(query_word)
    if len(query_word) >= 3:
        at = word.find(query_word)
        if at >= 0:
            return INFIX, at, at + len(query_word)
    limit = allowed_edits(len(query_word))
    # Typos in the first letter are rare, and allowing them makes "acme" find "came".
    if not limit or query_word[0] != word[0]:
        return 0.0, 0, 0
    distance = edit_distance(query_word, word, limit)
    if distance <= limit:
        return FUZZY - 0.1 * distance, 0, len(word)
    # Still typing, with a typo: compare with the word's beginning ("trdai" ~ "tradi…").
    if len(word) > len(query_word):
        for end in (len(query_word), len(query_word) + 1):
            distance = edit_distance(query_word, word[:end], limit)
            if distance <= limit:
                return FUZZY - 0.1 * (distance + 1), 0, end
    return 0.0, 0, 0


@dataclass
class Marked:
    """A text with the [start, end) character ranges that matched the query."""

    text: str
    ranges: list[tuple[int, int]] = field(default_factory=list)

    def parts(self) -> list[tuple[str, bool]]:
        """(piece, matched) pieces in order, for templates that mark matches up."""
        result, position = [], 0
        for start, end in self.ranges:
            if start > position:
                result.append((self.text[position:start], False))
            result.append((self.text[start:end], True))
            position = end
        if position < len(self.text):
            result.append((self.text[position:], False))
        return result


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _scan(words: list[str], text: str, best: dict[str, float], bonus: float) -> Marked:
    """Match every query word against the words of `text`, raising `best`, and mark the hits."""
    folded, index = fold_with_map(text)
    ranges = []
    for found in WORD.finditer(folded):
        for query_word in words:
            score, start, end = word_match(query_word, found.group())
            if score:
                best[query_word] = max(best[query_word], score + bonus)
                a, b = found.start() + start, found.start() + end
                ranges.append((a, b) if index is None else (index[a], index[b - 1] + 1))
    return Marked(text, _merge(ranges))


def _window(marked: Marked) -> Marked:
    """Cut a long text to SNIPPET_CHARS around its first match, keeping the ranges aligned."""
    text = marked.text
    if len(text) <= SNIPPET_CHARS:
        return marked
    first = marked.ranges[0][0] if marked.ranges else 0
    start = max(0, min(first - SNIPPET_LEAD, len(text) - SNIPPET_CHARS))
    # Start and end on a word boundary when one is near, so no word is cut in half.
    if start:
        space = text.find(" ", start, first if marked.ranges else start + 20)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > start else end
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    ranges = [(max(a, start) + shift, min(b, end) + shift) for a, b in marked.ranges if b > start and a < end]
    return Marked(prefix + text[start:end] + suffix, ranges)


@dataclass
class Analysis:
    """How well one record matches: score, marked title, and the snippet to show."""

    score: float
    title: Marked
    snippet: Marked | None
    snippet_label: str


def analyse(words: list[str], title: str, body: list[tuple[str, str]]) -> Analysis | None:
    """Check that every query word matches the record; None when one does not."""
    best = dict.fromkeys(words, 0.0)
    marked_title = _scan(words, title, best, TITLE_BONUS)
    marked_body = [(label, _scan(words, text, best, 0.0)) for label, text in body]
    if not words or min(best.values()) <= 0:
        return None
    score = sum(best.values()) / len(words)
    # The snippet is the first field with a match; with none (all in the title), the first field.
    label, snippet = next(((lb, m) for lb, m in marked_body if m.ranges), marked_body[0] if marked_body else ("", None))
    return Analysis(score, marked_title, _window(snippet) if snippet else None, label)
