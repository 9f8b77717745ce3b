"""The words of a bench database's search index, with how many releases hold each: what the
benchmarks draw their queries from, so that no two rounds ask the same thing."""

from pathlib import Path

from app.search import side_index


def word_counts(database: Path) -> list[tuple[str, int]]:
    """(word, releases holding it in the title or the body, at most), in word order."""
    index = side_index.opened(side_index.location(database))
    index.reload()
    searcher = index.searcher()
    counts: dict[str, int] = {}
    for field in side_index.FIELDS:
        for term, n in searcher.terms_with_prefix(field, ""):
            counts[term] = max(counts.get(term, 0), n)
    return sorted(counts.items())
