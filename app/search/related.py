"""Related releases: the releases closest in content to one release, found with its most
distinctive words as a weighted query (Lucene's "more like this", in a bounded form).

1. The release's words, as the index holds them (app/text/analyser.py `terms`): its title's
   count twice. The TERMS most frequent (ties: the first met) are candidates; digits and words of
   fewer than three letters are not.
2. Each candidate's document frequency is read where the search budget reads it: on the sample of
   the SAMPLE newest releases (app/search/budget.py). Its weight is BM25's: the inverse document
   frequency, log(1 + (S - n + 0.5) / (n + 0.5)), times the saturated term frequency,
   tf (k1 + 1) / (tf + k1). A word held by more than MOST_SHARE of the sample is left out (in an
   archive of at least SAMPLE releases). The QUERY_TERMS heaviest that another release holds
   make the query
   (a word no other release holds is the heaviest and finds nothing: Lucene's MoreLikeThis leaves
   such words out by a minimum document frequency); a word most releases hold weighs next to
   nothing.
3. Each query word's newest HOLDERS releases add its weight to their score; the best `limit`,
   ties by the newest, are the answer: never the release itself, its translations or its
   duplicates (app/ingest/links.py).

A handful of index reads, each bounded, whatever the archive holds; the same answer on both
engines (FTS5's index, PostgreSQL's GIN index). How each engine reads is its own: FTS5 counts a
word's sample holders and lists its newest ones from the index alone, where PostgreSQL visits a
table row for each (app/search/postgres.py: the sample's words counted once per database
version, and each word's holders looked for among the newest ids first).
"""

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.search.budget import SAMPLE
from app.text.analyser import terms

TERMS = 32
QUERY_TERMS = 12
HOLDERS = 200  # (500 cost PostgreSQL 30 ms, a table row visited for each: bench/RESULTS.md)
MOST_SHARE = 0.1  # a word more of the sample holds distinguishes nothing (and costs most)
K1 = 1.2
READ_CHARS = 20_000  # of a long release's body, the first this many characters are read


@dataclass(frozen=True, slots=True)
class Index:
    """What related() reads from an engine's index."""

    archive_size: Callable[[], int]  # the highest id
    # counts(words, since): how many releases with ids above `since` hold each word
    counts: Callable[[Sequence[str], int], dict[str, int]]
    # holders(words, n): for each (word, its count in the sample), the ids of the newest n
    # releases holding the word (the count tells an engine where to look first)
    holders: Callable[[Sequence[tuple[str, int]], int], list[list[int]]]


def _candidates(title: str, body: str, language: str | None) -> Counter[str]:
    found: Counter[str] = Counter()
    for weight, text in ((2, title), (1, body[:READ_CHARS])):
        for word in terms(text, language):
            if len(word) >= 3 and not word.isdigit():
                found[word] += weight
    return found


def query_terms(
    index: Index, title: str, body: str, language: str | None
) -> list[tuple[str, float, int]]:
    """The release's candidate words, their weights and their counts in the sample, heaviest
    first."""
    frequent = _candidates(title, body, language).most_common(TERMS)
    if not frequent:
        return []
    since = index.archive_size() - SAMPLE
    size = max(1, min(SAMPLE, index.archive_size()))
    counts = index.counts([word for word, _ in frequent], since)
    weighted = []
    for word, tf in frequent:
        n = counts.get(word, 0)
        if n > MOST_SHARE * size and size >= SAMPLE:
            continue
        idf = math.log(1 + (size - n + 0.5) / (n + 0.5))
        weighted.append((word, idf * tf * (K1 + 1) / (tf + K1), n))
    weighted.sort(key=lambda item: (-item[1], item[0]))
    return weighted


def related(
    index: Index,
    title: str,
    body: str,
    language: str | None,
    *,
    leave_out: set[int],
    limit: int,
) -> list[int]:
    """The ids of the `limit` releases closest in content, best first."""
    scores: dict[int, float] = {}
    used, start = 0, 0
    weighted = query_terms(index, title, body, language)
    # As many words a read as are still wanted: most releases need no more than the first
    while used < QUERY_TERMS and start < len(weighted):
        chunk = weighted[start : start + QUERY_TERMS - used]
        start += len(chunk)
        found = index.holders([(word, n) for word, _, n in chunk], HOLDERS)
        for (_, weight, _), ids in zip(chunk, found, strict=True):
            holders = [i for i in ids if i not in leave_out]
            for release_id in holders:
                scores[release_id] = scores.get(release_id, 0.0) + weight
            used += bool(holders)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], -item[0]))
    return [release_id for release_id, _ in ranked[:limit]]
