"""A search's work estimated before it runs, and refused when it is too much.

Both engines' cost grows with the postings a query reads (a posting: one release holding one
word): FTS5 counts a query's matches by merging its words' document lists and computes bm25 from
each word's and phrase's document count, a full pass over each; PostgreSQL reads the tsvector of
every match to count and to facet them. Ranking is bounded by the relevance window, snippets by
the page; these passes are not. Measured on the 100,000-release archive: `the` (in every release)
25 ms, but sixteen such words ORed 220 ms, four phrases like "of the" 330 ms, `the` with three
facets 210 ms.

So a query's postings are estimated from a sample, the SAMPLE most recent releases (each word's
share of them, scaled to the archive): a word counts its postings, a phrase PHRASE_WEIGHT times its
rarest word's (positions are compared too), a prefix PREFIX_WEIGHT times the sum of the words it
stands for (FTS5 merges their lists, positions and all, before it can use them), and facets
FACET_WEIGHT times the matches (each match's row is read and grouped). An engine that stops at a
cap of matches (PostgreSQL: `estimate(cap=…)`) facets at most that many, and a single phrase costs
it its rarer word's postings and PHRASE_WEIGHT for each release it compares positions in to find
that many; both engines' indexes hold pairs of common words, and find a phrase's candidates
among the releases of its rarest word or pair; a phrase of just two common words is its pair
alone, which both engines read as a word (app/text/common.py's pair_alone), and is priced as
one. A query estimated above the budget,
SEARCH_BUDGET postings (BUDGET by default, divided by what a posting costs the engine against
FTS5: POSTGRES_COST, TANTIVY_COST; for a single word, the archive's size if larger: a search for
any one word is always answered), is refused with a 400 that says what made it broad and what to
do instead: a deterministic answer for a given archive, like Elasticsearch's clause and bucket
limits, rather than a timeout that depends on the load. The weights were measured on both engines
(bench/RESULTS.md, "Bounded search").
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.errors import BadRequest
from app.search.expansions import words
from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term
from app.text.common import pairs_alone, phrase_pairs

SAMPLE = 2000
BUDGET = 500_000
PHRASE_WEIGHT = 4
PREFIX_WEIGHT = 2
FACET_WEIGHT = 6
# PostgreSQL reads a posting from its GIN index, and the rows of at most the relevance window's
# matches to rank them and 10,001 to count them (app/search/postgres.py's TOTAL_CAP; facets read
# every match's row, FACET_WEIGHT). Measured on the 1,000,000-release archive with the budget
# lifted (bench/RESULTS.md, "A million releases", 63137c0): two common words ORed (500,000 to
# 1,200,000 postings) 204 ms p50, a prefix standing for 2 to 100 words 132, two words both
# required 92, where three facets over 600,000 matches took 810 and a phrase of two common words
# ran past the 2 s limit: a posting cost it about 0.4 of FTS5's, a prefix no more than its
# words. (Before totals were capped, every match's row was read to count it: 8, and a prefix 4
# times more.) Measured again, warm, once the window was found by the GIN index and phrases by
# their pairs ("2026-12-03, evening"): two common words ORed, 555,000 to 1,370,000 postings, 51 to
# 63 ms; a prefix of 750,000 to 990,000, 45 to 55; a phrase whose 275,000 candidates were all
# compared (1,380,000 by this estimate) 702; and on the 100,000 archive 32 common words ORed
# (1,760,000) 1,152. A third of FTS5's, a budget of 1,500,000: the first two are answered, the
# last refused. At 0.4 (1,250,000) two words each in 60 % of the releases sat on the line, and
# the sample's noise refused such a pair one time in 60.
POSTGRES_COST = 1 / 3
POSTGRES_PREFIX_WEIGHT = PREFIX_WEIGHT
# The index beside SQLite (tantivy) reads a word's postings in blocks and ranks with top-k
# pruning: on the 1,000,000-release archive a word half the releases hold took 16 to 34 ms
# whole, two such words ORed 30, a prefix standing for 40 words 24, three facets over 600,000
# matches 28, where a phrase of two of the commonest words (4 times the postings of its rarer
# word, by PHRASE_WEIGHT) took 580 to 710 ms for 2,000,000 postings: a posting costs it about a
# quarter of FTS5's, a prefix no more than its words, a facet a match's single read.
TANTIVY_COST = 0.25
TANTIVY_PREFIX_WEIGHT = 1.0
TANTIVY_FACET_WEIGHT = 1.0
# A search estimated at more than this share of the budget's work runs longer than the fast
# lane's 10 ms slice (app/reader.py): it is sent to the slow lane at once, rather than holding the
# event loop for its whole length, or being stopped at the slice's end and run again from the
# start. At 1,000,000 releases (bench/RESULTS.md, "2026-12-03, evening"), in the fast lane: two
# common words ORed, a third to a half of the budget, 12 to 16 ms; a prefix at a fifth to a
# quarter, 10 to 12 ms.
SLICE_SHARE = 0.25

# shares(words): for each word, the share (0 to 1) of the sampled releases that hold it.
Shares = Callable[[Sequence[str]], dict[str, float]]


@dataclass(frozen=True, slots=True)
class Estimate:
    postings: int
    matches: int
    one_word: bool  # a single word: never refused for its postings (only for facets)

    def work(self, facets: bool, facet_weight: float = FACET_WEIGHT) -> int:
        return self.postings + (round(facet_weight * self.matches) if facets else 0)


def _leaves(node: Node) -> list[Term | Phrase]:
    match node:
        case AllOf(required, excluded):
            return [leaf for child in (*required, *excluded) for leaf in _leaves(child)]
        case AnyOf(options):
            return [leaf for child in options for leaf in _leaves(child)]
        case Term() | Phrase():
            return [node]
    raise TypeError(node)  # pragma: no cover  (the match above is exhaustive)


def _alone(leaf: Term | Phrase) -> list[str] | None:
    """The pairs that alone find a term or phrase of just two common words (`"of the"`), one for
    each sequence it stands for; None for any other."""
    if isinstance(leaf, Term) and leaf.prefix:
        return None
    return pairs_alone(leaf.text)


def _one_word(leaves: list[Term | Phrase]) -> bool:
    """Whether the query is a single word (no prefix, no phrase, not `U.S`), or a single phrase
    of two common words, which both engines find by its pair, a word of their indexes."""
    if len(leaves) != 1:
        return False
    leaf = leaves[0]
    if isinstance(leaf, Term) and not leaf.prefix and len(words(leaf.text)) == 1:
        return True
    return _alone(leaf) is not None


def needs_estimate(query: AllOf, facets: bool) -> bool:
    """Whether the query could go over the budget: a single word cannot (its postings are never
    refused), so the commonest searches are never sampled."""
    return facets or not _one_word(_leaves(query))


def _phrase(leaves: list[Term | Phrase]) -> str | None:
    """The query's text when it is a single phrase of plain words (no prefix, not in the title
    only), as `shares` takes it for the phrase's own share."""
    if len(leaves) != 1 or leaves[0].title_only:
        return None
    leaf = leaves[0]
    parts = words(leaf.text)
    if len(parts) < 2 or (isinstance(leaf, Term) and leaf.prefix):
        return None
    return " ".join(parts).lower()


def estimate(
    query: AllOf,
    shares: Shares,
    matches_share: float,
    archive: int,
    *,
    prefix_weight: float = PREFIX_WEIGHT,
    cap: int | None = None,
) -> Estimate:
    """The postings the query reads and the matches it has, estimated from shares of the
    sample. `shares` is asked for words, and for a prefix term's last word followed by `*`: the
    share of the releases holding any word it stands for.

    `cap`: the engine reads the newest matches until it has found that many, for its total, its
    ranking's first block and its facets (PostgreSQL), so its facets count at most `cap`
    matches, and a single phrase compares the positions of only as many of the releases holding
    its words as it takes to find `cap` matches: `shares` is asked for the phrase too.

    Both engines' indexes hold the pairs of common words standing together (app/text/common.py),
    and `shares` is asked for a phrase's pairs too: its candidates are the releases of its rarest
    word or pair."""
    leaves = _leaves(query)
    needed: list[str] = []
    keys: dict[int, list[str]] = {}  # each phrase leaf's words and pairs (not a prefix's)
    alone: dict[int, list[str]] = {}  # each leaf of two common words: its pairs, words
    for at, leaf in enumerate(leaves):
        parts = words(leaf.text)
        if (lone := _alone(leaf)) is not None:
            alone[at] = parts = lone
        elif isinstance(leaf, Term) and leaf.prefix and parts:
            parts[-1] += "*"
        elif len(parts) > 1:
            keys[at] = parts + phrase_pairs(leaf.text)
            needed += keys[at][len(parts) :]
        needed += parts
    phrase = _phrase(leaves) if cap is not None and not alone else None
    if phrase is not None:
        needed.append(phrase)
    share = shares(list(dict.fromkeys(word.lower() for word in needed)))

    def of(word: str) -> float:
        return share.get(word.lower(), 0.0)

    postings = 0.0
    for at, leaf in enumerate(leaves):
        parts = words(leaf.text)
        if at in alone:
            postings += sum(of(lexeme) for lexeme in alone[at])
        elif isinstance(leaf, Term) and leaf.prefix and parts:
            stands_for = prefix_weight * of(parts[-1] + "*")
            rest = [of(word) for word in parts[:-1]]
            postings += PHRASE_WEIGHT * min([stands_for, *rest]) if rest else stands_for
        elif phrase is not None and cap is not None:
            # the rarest word's (or pair's) postings find the candidates; positions are compared
            # for the share of them the first `cap` matches take (all of them when it has fewer)
            candidates = min(of(key) for key in keys[at])
            found = of(phrase) * archive
            compared = candidates if found <= cap else candidates * cap / found
            postings += candidates + PHRASE_WEIGHT * compared
        elif isinstance(leaf, Phrase) or len(parts) > 1:
            postings += PHRASE_WEIGHT * min((of(key) for key in keys.get(at, parts)), default=0.0)
        else:
            postings += of(parts[0]) if parts else 0.0
    matches = matches_share * archive
    return Estimate(
        postings=round(postings * archive),
        matches=round(matches if cap is None else min(matches, cap)),
        one_word=_one_word(leaves),
    )


@dataclass(frozen=True, slots=True)
class Weights:
    """What a search may read on an engine: `postings` (the budget, in FTS5's postings) divided
    by what a posting costs the engine against FTS5 (`cost`); a facet reads `facet_weight`
    postings for each match."""

    postings: int = BUDGET
    cost: float = 1.0
    facet_weight: float = FACET_WEIGHT

    @property
    def budget(self) -> int:
        """The engine's postings a search may read."""
        return round(self.postings / self.cost)


def check(estimate: Estimate, *, facets: bool, archive: int, weights: Weights = Weights()) -> None:
    """BadRequest when the estimated work is over the budget (for a single word, the archive's
    size if larger)."""
    budget = weights.budget
    facet_weight = weights.facet_weight
    if estimate.one_word:
        budget = max(budget, archive)
    if estimate.work(facets, facet_weight) <= budget:
        return
    if facets and estimate.postings <= budget:
        raise BadRequest(
            f"The query matches about {estimate.matches:,} releases, too many to count facets "
            f"for quickly (a search may read about {budget:,} postings, and facets read "
            f"{facet_weight:g} for each match). Leave out `facets`, or narrow the query with a "
            "rarer word, a date range or a filter."
        )
    raise BadRequest(
        f"The query is too broad to answer quickly: its words and phrases occur about "
        f"{estimate.postings:,} times in the archive, and a search may read about {budget:,}. "
        "Use rarer words, fewer alternatives (OR), or phrases that hold a rarer word."
    )


def outgrows_slice(estimate: Estimate, *, facets: bool, weights: Weights = Weights()) -> bool:
    """Whether the estimated work is more than SLICE_SHARE of the budget: more than SQLite's
    fast lane has time for (app/reader.py)."""
    return estimate.work(facets, weights.facet_weight) > SLICE_SHARE * weights.budget
