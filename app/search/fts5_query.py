"""The search grammar's AST as FTS5 query text over the analysed words: the passage index of
long releases is matched with it (app/search/sqlite_hits.py), and it names a query canonically
(the owner of a cursor of the embedded default, app/search/tantivy_search.py)."""

from functools import lru_cache

from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term
from app.text.analyser import Sequences, sequences


def fts5_string(text: str) -> str:
    """An FTS5 string: the engine tokenizes what is inside, and nothing inside is syntax."""
    return '"' + text.replace('"', '""') + '"'


def in_title(expression: str, title_only: bool) -> str:
    """The expression restricted to the title column when the query says `title:`."""
    return f"title : ({expression})" if title_only else expression


def fts5_sequences(found: Sequences) -> str:
    """An FTS5 expression matching any of the sequences: each an FTS5 string (a phrase, when it
    holds several words), `*` after it for a prefix."""
    star = " *" if found.prefix else ""
    options = [fts5_string(" ".join(option)) + star for option in found.options]
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


@lru_cache(maxsize=1024)
def compile_fts5(node: Node) -> str:
    """The AST as an FTS5 MATCH expression over the analysed words, every word quoted, every
    group parenthesised."""
    match node:
        case Term(text, prefix, title_only):
            return in_title(fts5_sequences(sequences(text, prefix)), title_only)
        case Phrase(text, title_only):
            return in_title(fts5_sequences(sequences(text)), title_only)
        case AnyOf(options):
            return "(" + " OR ".join(compile_fts5(option) for option in options) + ")"
        case AllOf(required, excluded):
            expression = " AND ".join(f"({compile_fts5(n)})" for n in required)
            if excluded:
                expression = (
                    f"({expression}) NOT ({' OR '.join(compile_fts5(n) for n in excluded)})"
                )
            return expression
    raise TypeError(node)  # pragma: no cover  (the match above is exhaustive)
