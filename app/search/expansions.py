"""Prefix terms (`kazakh*`) are bounded by the words of the index they stand for.

A prefix matches every indexed word that starts with it, and an engine's cost grows with those
words: FTS5 merges the document lists of all of them before it can return one match (`a*` took
5 s on the 100,000-release archive, `gar*`, 1,500 words, 1.7 s). So before a search runs, each
backend looks its prefixes up in the vocabulary ingestion keeps (`search_term`: every word it
has indexed, on both engines), and a query whose prefixes stand for more than MAX_EXPANSIONS words
in all is refused with a 400 that says so, as Elasticsearch's `max_expansions` and Lucene's clause
limit bound theirs. (The index beside SQLite, tantivy, matches a prefix with a regular expression
over its own words; the bound keeps the answer the same on both engines.) The words found serve
the SQLite highlighter too: a long release's passage is picked for exact words.
"""

from collections.abc import Callable

from app.errors import BadRequest
from app.search.grammar import AllOf, Term, prefixes
from app.text.words import folded_words

MAX_EXPANSIONS = 128

# lookup(word, limit): up to `limit` words of the index that start with the folded `word`, in
# the index's order.
Lookup = Callable[[str, int], list[str]]


def words(text: str) -> list[str]:
    """The folded words of a term's text, as the analyser splits it (`U.S*` is the word `u` and
    the prefix `s`)."""
    return folded_words(text)


def expand(query: AllOf, lookup: Lookup) -> dict[Term, list[str]]:
    """Each prefix term of the query and the indexed words its last word stands for; BadRequest
    when they are more than MAX_EXPANSIONS in all."""
    found: dict[Term, list[str]] = {}
    left = MAX_EXPANSIONS
    terms = prefixes(query)
    for term in terms:
        parts = words(term.text)
        if not parts:
            continue
        expansions = lookup(parts[-1], left + 1)
        if len(expansions) > left:
            several = " in all" if len(terms) > 1 else ""
            raise BadRequest(
                f"The prefix {term.text}* stands for more than {left} words of the index"
                f"{several} (a query's prefixes may stand for at most {MAX_EXPANSIONS}): write "
                "more of the word before the *, or search for the whole word."
            )
        left -= len(expansions)
        found[term] = expansions
    return found


def prefix_range(word: str) -> tuple[str, str]:
    """[low, high): the strings that start with `word`, in code point (and UTF-8 byte) order."""
    return word, word[:-1] + chr(ord(word[-1]) + 1)
