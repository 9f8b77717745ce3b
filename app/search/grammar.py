"""The search grammar: user text → a small AST, the same for every engine.

    words are ANDed       climate energy
    exact phrase          "central asia"
    alternatives          almaty OR astana      (almaty astana) OR tashkent
    exclusion             -visa   -"press service"
    prefix                kazakh*
    title only            title:almaty   title:"un center"

`OR` (upper case) binds tighter than the implicit AND: `a b OR c` is a AND (b OR c). Every other
character is literal text: the text analyser (app/text) reduces a term like `U.S.` or
`Kazakhstan's` to the words inside it, so nothing the user types is ever engine syntax. A query
that cannot mean anything (only punctuation, only exclusions) is a `BadRequest` saying why.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from app.errors import BadRequest

MAX_TERMS = 32
MAX_DEPTH = 8
_HAS_WORD = re.compile(r"[^\W_]")


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    prefix: bool = False
    title_only: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    title_only: bool = False


@dataclass(frozen=True, slots=True)
class AnyOf:
    options: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    required: tuple["Node", ...]
    excluded: tuple["Node", ...] = ()


Node = Term | Phrase | AnyOf | AllOf


@dataclass(frozen=True, slots=True)
class _Atom:
    node: Node
    excluded: bool


_OR, _OPEN, _CLOSE, _EXCLUDE_GROUP = "OR", "(", ")", "-("
_Token = _Atom | str


def _tokens(text: str) -> list[_Token]:
    """Split the text into atoms (terms and phrases with their modifiers), OR and parentheses."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(char)
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()"':
                i += 1
            word = text[start:i]
            if word == _OR:
                tokens.append(_OR)
                continue
            excluded = word.startswith("-")
            word = word.lstrip("-")
            if excluded and word == "" and _at(text, i, "("):
                tokens.append(_EXCLUDE_GROUP)
                i += 1
                continue
            title_only = word.lower().startswith("title:") and (len(word) > 6 or _at(text, i, '"'))
            if title_only:
                word = word[6:]
            if word == "" and _at(text, i, '"'):
                end = text.find('"', i + 1)
                end = n if end == -1 else end  # an unclosed quote runs to the end
                phrase, i = text[i + 1 : end], end + 1
                if _HAS_WORD.search(phrase):
                    tokens.append(_Atom(Phrase(" ".join(phrase.split()), title_only), excluded))
                continue
            prefix = word.endswith("*")
            word = word.rstrip("*")
            if _HAS_WORD.search(word):
                tokens.append(_Atom(Term(word, prefix, title_only), excluded))
    return tokens


def _at(text: str, index: int, char: str) -> bool:
    return index < len(text) and text[index] == char


class _Parser:
    def __init__(self, tokens: list[_Token], original: str) -> None:
        self.tokens = tokens
        self.position = 0
        self.original = original

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def all_of(self, depth: int) -> AllOf | None:
        """A conjunction, up to the closing parenthesis of its group or the end."""
        if depth > MAX_DEPTH:
            raise BadRequest(f"The query nests parentheses more than {MAX_DEPTH} deep; flatten it.")
        required: list[Node] = []
        excluded: list[Node] = []
        while (token := self.peek()) is not None and token != _CLOSE:
            if token == _OR:  # an OR with nothing on its left means nothing
                self.take()
                continue
            unit = self.any_of(depth)
            if isinstance(unit, _Atom):
                (excluded if unit.excluded else required).append(unit.node)
            elif unit is not None:
                required.append(unit)
        if not required and excluded:
            raise BadRequest(
                f"The query {self.original[:80]!r} only excludes words: add at least one word to "
                "search for, e.g. `central asia -visa`."
            )
        return AllOf(tuple(required), tuple(excluded)) if required else None

    def any_of(self, depth: int) -> Node | _Atom | None:
        """One unit, or several joined by OR."""
        units = [self.unit(depth)]
        while self.peek() == _OR:
            self.take()
            if (token := self.peek()) is None or token in (_OR, _CLOSE):
                continue  # an OR with nothing on its right means nothing
            units.append(self.unit(depth))
        present = [u for u in units if u is not None]
        if len(present) <= 1:
            return present[0] if present else None
        options: list[Node] = []
        for unit in present:
            if isinstance(unit, _Atom):
                if unit.excluded:
                    raise BadRequest(
                        f"The query {self.original[:80]!r} puts an excluded word in an OR: "
                        "exclusions apply to the whole query; move it out of the OR."
                    )
                options.append(unit.node)
            else:
                options.append(unit)
        return AnyOf(tuple(options))

    def unit(self, depth: int) -> Node | _Atom | None:
        token = self.take()
        if token in (_OPEN, _EXCLUDE_GROUP):
            group = self.all_of(depth + 1)
            if self.peek() == _CLOSE:
                self.take()
            if group is None:
                return None
            node = _simplest(group)
            return _Atom(node, excluded=True) if token == _EXCLUDE_GROUP else node
        if isinstance(token, _Atom):
            return token
        return None  # a stray closing parenthesis is literal text, and text without words


def _separated(text: str) -> str:
    """The text with its control and format characters (NUL, DEL, a zero-width space…) made
    spaces: they are no text, and they separate words as they do in a release's text."""
    if text.isprintable():  # a C-speed check: most queries have none
        return text
    return "".join(" " if unicodedata.category(char) in ("Cc", "Cf") else char for char in text)


def parse(text: str) -> AllOf:
    """The query's AST; BadRequest when the text cannot be a query."""
    clean = unicodedata.normalize("NFC", _separated(text))
    parser = _Parser(_tokens(clean), text)
    query = parser.all_of(depth=0)
    while parser.peek() is not None:  # text after a stray `)`: parse on, as a new conjunction
        parser.take()
        rest = parser.all_of(depth=0)
        if rest is not None:
            query = _merge(query, rest)
    if query is not None and len(query.required) == 1 and not query.excluded:
        only = query.required[0]
        query = only if isinstance(only, AllOf) else query
    if query is None:
        raise BadRequest(
            f"The query {text[:80]!r} has no searchable word: it holds only punctuation or "
            "white space. Search for at least one word or number."
        )
    if (count := _count(query)) > MAX_TERMS:
        raise BadRequest(
            f"The query has {count} terms; at most {MAX_TERMS} are allowed. Drop some words."
        )
    return query


def _simplest(group: AllOf) -> Node:
    """A group of one required node is that node."""
    return group.required[0] if len(group.required) == 1 and not group.excluded else group


def _merge(first: AllOf | None, second: AllOf) -> AllOf:
    if first is None:
        return second
    return AllOf(first.required + second.required, first.excluded + second.excluded)


def _count(node: Node) -> int:
    match node:
        case AllOf(required, excluded):
            return sum(_count(n) for n in required + excluded)
        case AnyOf(options):
            return sum(_count(n) for n in options)
        case _:
            return 1


@lru_cache(maxsize=1024)  # a pure function of a query: its repeats are common
def highlighted(node: Node, *, titles: bool = False) -> AnyOf | None:
    """What a snippet marks: every term and phrase the query looks for (not the excluded ones),
    as alternatives; with `titles`, those for the title only too. None when there is none."""
    leaves: list[Node] = []

    def collect(node: Node) -> None:
        match node:
            case AllOf(required, _excluded):
                for child in required:
                    collect(child)
            case AnyOf(options):
                for child in options:
                    collect(child)
            case Term() | Phrase():
                if (titles or not node.title_only) and node not in leaves:
                    leaves.append(node)

    collect(node)
    return AnyOf(tuple(leaves)) if leaves else None


@lru_cache(maxsize=1024)
def prefixes(node: Node) -> tuple[Term, ...]:
    """The prefix terms of the query (`kazakh*`), excluded ones too, each once."""
    return tuple(_prefixes(node))


def _prefixes(node: Node) -> list[Term]:
    found: list[Term] = []
    match node:
        case AllOf(required, excluded):
            for child in (*required, *excluded):
                found += [term for term in _prefixes(child) if term not in found]
        case AnyOf(options):
            for child in options:
                found += [term for term in _prefixes(child) if term not in found]
        case Term(prefix=True):
            found.append(node)
    return found
