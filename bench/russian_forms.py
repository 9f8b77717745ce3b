"""Russian base forms: three strategies measured on the table of tests/russian_forms.py.

    cd /work/main && .venv/bin/python -m bench.russian_forms

The strategies: Snowball alone (PyStemmer's Russian), pymorphy3's best lemma alone, and the rule
of app/text/russian.py (`base_form` for documents, `base_forms` for queries). For the first two a
query's word stands for the one form the same function gives it.

For each strategy:
- lexemes met: the lexemes whose every form finds every other form (a query typed in form `a`
  finds a document holding form `b`: the document's base form of `b` is among the query's forms
  of `a`), documents capitalised as they would be (PROPER lexemes capitalised, the others not);
  "either case" asks it for documents in both cases;
- failing pairs: the ordered pairs of forms (a, b), a ≠ b, of one lexeme that do not meet;
- colliding lexemes: the pairs of different lexemes sharing a document base form (documents
  capitalised as they would be);
- words/s: the document side over the table's forms, caches cleared before each round
  (uncached) or warm (cached); the combined rule's query side likewise.
Then the failing pairs and collisions of each strategy, and the query side's sizes.

Everything but the speeds and the memory is deterministic.
"""

import itertools
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import Stemmer

from app.text import russian
from tests.russian_forms import LEXEMES, PROPER

ROUNDS = 5
SHOWN = 12  # failing examples shown per strategy


@dataclass(frozen=True)
class Strategy:
    name: str
    document: Callable[[str, bool], str]  # (word, capitalised) → its base form
    query: Callable[[str], tuple[str, ...]]  # word → the base forms it stands for
    clear: Callable[[], None]


@cache
def _snowball() -> Any:
    return Stemmer.Stemmer("russian", 0)


def _snowball_form(word: str) -> str:
    return str(_snowball().stemWord(word))


def _pymorphy_form(word: str) -> str:
    return str(russian._morph().parse(word)[0].normal_form).replace("ё", "е")


def _single(name: str, function: Callable[[str], str]) -> Strategy:
    cached = lru_cache(maxsize=russian.CACHE_WORDS)(function)

    def document(word: str, capitalised: bool) -> str:
        return cached(word)

    def query(word: str) -> tuple[str, ...]:
        return (cached(word),)

    return Strategy(name, document, query, cached.cache_clear)


STRATEGIES = (
    _single("Snowball alone", _snowball_form),
    _single("pymorphy3 best lemma", _pymorphy_form),
    Strategy("combined rule", russian.base_form, russian.base_forms, russian.clear_caches),
)


def failing_pairs(strategy: Strategy, lexeme: str, both_cases: bool) -> list[tuple[str, str, bool]]:
    """(query form, document form, document capitalised) that do not meet."""
    natural = lexeme in PROPER
    cases = (True, False) if both_cases else (natural,)
    failing = []
    for a, b in itertools.permutations(dict.fromkeys(LEXEMES[lexeme]), 2):
        failing += [
            (a, b, cap) for cap in cases if strategy.document(b, cap) not in strategy.query(a)
        ]
    return failing


def document_forms(strategy: Strategy, lexeme: str) -> set[str]:
    return {strategy.document(form, lexeme in PROPER) for form in LEXEMES[lexeme]}


def collisions(strategy: Strategy) -> list[tuple[str, str, set[str]]]:
    forms = {lexeme: document_forms(strategy, lexeme) for lexeme in LEXEMES}
    found = []
    for one, other in itertools.combinations(LEXEMES, 2):
        if shared := forms[one] & forms[other]:
            found.append((one, other, shared))
    return found


def _words() -> list[tuple[str, bool]]:
    return [(form, lexeme in PROPER) for lexeme, forms in LEXEMES.items() for form in forms]


def speed(strategy: Strategy, query: bool, cached: bool) -> float:
    """Words per second over the table's forms, best of ROUNDS."""
    words = _words()

    def run() -> None:
        for word, cap in words:
            if query:
                strategy.query(word)
            else:
                strategy.document(word, cap)

    best = float("inf")
    for _ in range(ROUNDS):
        strategy.clear()
        if cached:
            run()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    strategy.clear()
    return len(words) / best


def cache_bytes_per_word(words: int = 5_000) -> float:
    """What one more cached word costs the document-side cache, in bytes (synthetic unknown
    words of 8 to 11 letters, which Snowball answers: the cache's cost, not pymorphy3's)."""
    letters = "бвгдклмнпрст"
    vowels = "аеиоуя"
    syllables = [c + v for c in letters for v in vowels]
    made = ("".join(p) + "ов" for p in itertools.product(syllables, repeat=4))
    sample = list(itertools.islice(made, words))
    russian.clear_caches()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    for word in sample:
        russian.base_form(word, False)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    russian.clear_caches()
    return (after - before) / words


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def main() -> None:
    russian.base_form("казахстана", True)  # the dictionary loaded before any timing
    pairs = sum(len(forms) * (len(forms) - 1) for forms in LEXEMES.values())
    print(
        f"{len(LEXEMES)} lexemes, {sum(map(len, LEXEMES.values()))} forms, {pairs} ordered pairs"
        f" of forms; speeds best of {ROUNDS} rounds\n"
    )
    print(
        "| strategy | lexemes met | lexemes met, either case | failing pairs"
        " | failing pairs, either case | colliding lexemes | words/s uncached | words/s cached |"
    )
    print("|---|---|---|---|---|---|---|---|")
    details = []
    for strategy in STRATEGIES:
        natural = {lexeme: failing_pairs(strategy, lexeme, False) for lexeme in LEXEMES}
        strict = {lexeme: failing_pairs(strategy, lexeme, True) for lexeme in LEXEMES}
        met = sum(not failing for failing in natural.values())
        met_strict = sum(not failing for failing in strict.values())
        failing = sum(len({(a, b) for a, b, _ in found}) for found in natural.values())
        failing_strict = sum(len({(a, b) for a, b, _ in found}) for found in strict.values())
        collided = collisions(strategy)
        print(
            f"| {strategy.name} | {met}/{len(LEXEMES)} | {met_strict}/{len(LEXEMES)}"
            f" | {failing} | {failing_strict} | {len(collided)}"
            f" | {_rate(speed(strategy, False, False))} | {_rate(speed(strategy, False, True))} |"
        )
        details.append((strategy, natural, strict, collided))
    combined = STRATEGIES[-1]
    print(
        f"| combined rule, query side | | | | | | {_rate(speed(combined, True, False))}"
        f" | {_rate(speed(combined, True, True))} |"
    )

    for strategy, natural, strict, collided in details:
        print(f"\n## {strategy.name}\n")
        shown = 0
        for lexeme in LEXEMES:
            found = natural[lexeme]
            met_not = {(a, b) for a, b, _ in found}
            extra = [(a, b, cap) for a, b, cap in strict[lexeme] if (a, b) not in met_not]
            if not found and not extra:
                continue
            examples = [
                f"{a} → {b}{'' if cap == (lexeme in PROPER) else ' (other case)'}"
                f" [{strategy.document(b, cap)} ∉ {', '.join(strategy.query(a))}]"
                for a, b, cap in (found + extra)[:3]
            ]
            if shown < SHOWN:
                counts = f"{len(met_not)} pairs"
                if extra:
                    counts += f" (+{len(extra)} in the other case)"
                print(f"- {lexeme}: {counts}; " + "; ".join(examples))
            shown += 1
        if shown > SHOWN:
            print(f"- … and {shown - SHOWN} more lexemes")
        if not shown:
            print("- every lexeme's forms meet")
        for one, other, shared in collided:
            print(f"- collision: {one} / {other}: {', '.join(sorted(shared))}")

    sizes = [len(russian.base_forms(form)) for form, _ in _words()]
    print(
        f"\nquery side: {sum(sizes) / len(sizes):.2f} forms per word on average, at most"
        f" {max(sizes)} (cap {russian.MAX_FORMS})"
    )
    per_word = cache_bytes_per_word()
    print(
        f"document-side cache: {per_word:.0f} bytes per word, so"
        f" {per_word * russian.CACHE_WORDS / 2**20:.1f} MB when full"
        f" ({russian.CACHE_WORDS:,} words)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (dictionary loaded, table analysed): {rss:.0f} MB")


if __name__ == "__main__":
    main()
