"""The white-space separated tokens an ingest's analysis has met (`Kazakhstan's,`), each analysed
once and numbered, so that a body costs one dictionary lookup a token, and the rest is numpy.

A token's words are the analyser's (app/text/analyser.py: a word never spans white space, so a
text's words are its tokens' words, in order), and its hash is the shingles' (app/text/shingles.py):
looked up apart, the two took two lookups a token (23 million tokens for the 100,000-release
bench archive: 2.3 s each) and a Python loop to flatten the words, the worker's largest costs.
A table per analysis (Kazakh or not: a token's forms depend on it), emptied between batches once
it holds MAX tokens (a few tens of MB at most).
"""

from array import array
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.text.analyser import token_terms
from app.text.shingles import token_hash


class TokenTable:
    """The tokens met in the texts of one analysis, by number: their words' base forms (joined by
    spaces, empty for a token without a word: `–`), whether they hold a word, their hash."""

    MAX = 300_000

    def __init__(self, kazakh_text: bool) -> None:
        self.kazakh_text = kazakh_text
        self._empty()

    def _empty(self) -> None:
        self._numbers = _Numbers(self._add)
        self._forms: list[str] = []
        self._words = array("B")
        self._hashes = array("Q")

    def start_batch(self) -> None:
        """Empty the table when it is full: only between batches, whose numbers it must keep."""
        if len(self._numbers) >= self.MAX:
            self._empty()

    def numbers(self, text: str) -> npt.NDArray[np.int64]:
        """The numbers of the text's tokens, the new ones analysed and added."""
        tokens = text.split()
        return np.fromiter(map(self._numbers.__getitem__, tokens), np.int64, len(tokens))

    def _add(self, token: str) -> int:
        forms = token_terms(token, self.kazakh_text)
        number = len(self._forms)
        self._forms.append(" ".join(forms))
        self._words.append(1 if forms else 0)
        self._hashes.append(token_hash(token))
        return number

    def view(self) -> "TableView":
        """The table as arrays, for the texts numbered so far: copies, since an array.array
        that numpy still views cannot grow."""
        return TableView(
            np.array(self._forms, dtype=object),
            np.frombuffer(self._words, dtype=np.uint8).astype(bool),
            np.frombuffer(self._hashes, dtype=np.uint64).copy(),
        )


class _Numbers(dict[str, int]):
    """Each token's number: a token met before costs no Python call (`map(__getitem__, …)`),
    a new one is added to the table."""

    def __init__(self, add: Callable[[str], int]) -> None:
        super().__init__()
        self.add = add

    def __missing__(self, token: str) -> int:
        number = self[token] = self.add(token)
        return number


@dataclass(frozen=True, slots=True)
class TableView:
    forms: npt.NDArray[np.object_]
    words: npt.NDArray[np.bool_]
    hashes: npt.NDArray[np.uint64]

    def text(self, numbers: npt.NDArray[np.int64]) -> str:
        """The analysed text: the base forms of the words of the tokens, separated by spaces."""
        return " ".join(self.forms[numbers[self.words[numbers]]].tolist())

    def word_count(self, numbers: npt.NDArray[np.int64]) -> int:
        """How many of the tokens hold a word (app/ingest/normalize.py's word_count)."""
        return int(np.count_nonzero(self.words[numbers]))

    def vocabulary(self, numbers: npt.NDArray[np.int64]) -> set[str]:
        """Every base form of these tokens' words."""
        met = np.zeros(len(self.forms), dtype=bool)
        met[numbers] = True
        distinct = np.flatnonzero(met & self.words)
        return {word for forms in self.forms[distinct].tolist() for word in forms.split()}
