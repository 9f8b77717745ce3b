"""Near-duplicate texts: MinHash over word shingles, banded for lookup (locality-sensitive
hashing), and the exact resemblance that confirms a candidate.

A release's body is read as its lower-cased, white-space separated tokens (punctuation kept:
a repost copies it), each run of SHINGLE consecutive tokens a shingle. Not the analyser's words:
so the bands depend on the text alone, and a new analyser changes none of them (a release's bands
are computed again from its stored body to delete them: app/ingest/links.py). And cheap: 17 µs
for a body of 220 words, where the word pattern's scan took 100.
Two bodies resemble each other by the Jaccard index of their shingle sets: a repost with another
headline is 1 (the title is not shingled), one with a credit line added about 0.95, one with a
paragraph of four left out about 0.75.

The signature is one-permutation MinHash: each shingle is hashed once (its tokens' CRC-32s
mixed into 64 bits), the hash picks one of PERMUTATIONS bins and a value, and each bin keeps its
least value. A batch's shingles go through numpy at once, each bin's least value kept by
`np.minimum.at` (a tenth of the cost of sorting them): about 25 µs a release, three quarters of
it the tokens looked up in a dict of their hashes (60 ns a token), where datasketch's classic
MinHash (`update_batch`, 64 permutations) took 460 µs and brings scipy with it. Two signatures
agree at one bin with about the probability of their bodies' Jaccard index. Cut into BANDS bands
of ROWS values, two bodies share at least one band with the probability 1 - (1 - J^ROWS)^BANDS:
0.86 at J = 0.6, 0.97 at 0.7, 0.998 at 0.8, 0.06 at 0.2 (boilerplate); measured on random bodies
cut to a given resemblance, 0.97 at 0.75 and 0.24 at 0.33. A band holding an empty bin (a short
body) is left out. A shared band only makes a candidate: resemblance() over both bodies decides
(DUPLICATE_AT).

Everything here is a pure function of the text, stable across processes and machines (no
salted hash): the bands computed at ingest by one process are compared with the bands another
process computed years before.
"""

import itertools
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

SHINGLE = 3
BANDS, ROWS = 8, 3
PERMUTATIONS = BANDS * ROWS
DUPLICATE_AT = 0.6  # the Jaccard index of the shingle sets from which two bodies are duplicates
MIN_SHINGLES = 24  # a body with fewer shingles is too short to be told from another

# The constants that mix three token hashes into a shingle's, and a band's values into its key
# (the golden ratio's and MurmurHash3's): changing them changes every band stored.
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_VALUE_BITS = 40  # a bin's value: the top 40 bits of its shingle's hash
_VALUE_MASK = (1 << _VALUE_BITS) - 1
_EMPTY = np.uint64(_VALUE_MASK + 1)  # a bin no shingle fell in
_BAND_WEIGHTS = np.array([1, 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F], dtype=np.uint64)[:ROWS]
_SIGNED = (1 << 63) - 1  # band keys are kept below 2**63: a BIGINT on both engines
_BAND_BITS = 3
BAND_NUMBER = (1 << _BAND_BITS) - 1  # a band key's lowest bits hold its band's number


class _WordHashes(dict[str, int]):
    """Each token's 32-bit hash, of its lower case, remembered (bounded like the analyser's own
    caches). Looked up through `map(hashes.__getitem__, …)`: a token met before costs no Python
    call at all. Lower-casing each token is lower-casing the text (a word's case never depends
    on the next word's), so the tokens of ingest's own split of a body (app/ingest/analysis.py)
    hash as `words()` of it do."""

    MAX = 200_000

    def __missing__(self, word: str) -> int:
        if len(self) >= self.MAX:
            self.clear()
        found = self[word] = token_hash(word)
        return found


def token_hash(token: str) -> int:
    """The 32-bit hash of a token that shingles are made of (its lower case's)."""
    return zlib.crc32(token.lower().encode())


_WORD_HASHES = _WordHashes()


def words(text: str) -> list[str]:
    """The tokens of a body, as shingles are made of."""
    return text.lower().split()


def shingles(words: Sequence[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def resemblance(first: Sequence[str], second: Sequence[str]) -> float:
    """The Jaccard index of the two word sequences' shingle sets (0 when either has none)."""
    a, b = shingles(first), shingles(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def bands(bodies: Sequence[Sequence[str]]) -> list[list[int]]:
    """The BANDS band keys of each body's words (`words()`, or the body split at white space
    as it is: the same keys; each band's number and values hashed into one
    integer); none for a body too short to compare, and none for a band with an empty bin. A
    batch at a time: numpy's cost is per operation, and one operation over a batch's shingles
    costs about what it costs over one body's."""
    lengths = [len(words) for words in bodies]
    tokens = itertools.chain.from_iterable(bodies)
    hashes = np.fromiter(map(_WORD_HASHES.__getitem__, tokens), dtype=np.uint64, count=sum(lengths))
    return bands_of(lengths, hashes)


def bands_of(lengths: Sequence[int], hashes: npt.NDArray[np.uint64]) -> list[list[int]]:
    """bands() of bodies given as their tokens' hashes (`token_hash`), one body after the other,
    and each body's number of tokens."""
    found: list[list[int]] = [[] for _ in lengths]
    long_enough = [length >= SHINGLE + MIN_SHINGLES - 1 for length in lengths]
    kept = [i for i, enough in enumerate(long_enough) if enough]
    if not kept:
        return found
    if len(kept) < len(lengths):
        hashes = hashes[np.repeat(long_enough, lengths)]
    sizes = np.array([lengths[i] for i in kept], dtype=np.int64)
    ends = np.cumsum(sizes)
    with np.errstate(over="ignore"):
        mixed = hashes[:-2] * _MIX[0] + hashes[1:-1] * _MIX[1] + hashes[2:]  # modulo 2**64
        mixed = (mixed ^ (mixed >> np.uint64(29))) * _MIX[1]
    # the shingles that run across two bodies are left out: each body's last SHINGLE - 1 starts
    owner = np.repeat(np.arange(len(kept), dtype=np.uint64), sizes)[: len(mixed)]
    inside = np.ones(len(mixed), dtype=bool)
    for back in range(1, SHINGLE):
        inside[(ends - back)[ends - back < len(mixed)]] = False
    mixed, owner = mixed[inside], owner[inside]
    # one-permutation hashing: a shingle's hash picks its bin and its value; each bin keeps
    # its least value (numpy's unbuffered minimum: a tenth of the cost of sorting for it)
    cell = (owner * np.uint64(PERMUTATIONS) + mixed % np.uint64(PERMUTATIONS)).astype(np.intp)
    values = np.full(len(kept) * PERMUTATIONS, _EMPTY, dtype=np.uint64)
    np.minimum.at(values, cell, mixed >> np.uint64(64 - _VALUE_BITS))
    signatures = values.reshape(len(kept), BANDS, ROWS)
    with np.errstate(over="ignore"):
        keys = (signatures * _BAND_WEIGHTS).sum(axis=2).tolist()
    empty = (signatures == _EMPTY).any(axis=2).tolist()
    for i, release_keys, release_empty in zip(kept, keys, empty, strict=True):
        found[i] = [
            (key << _BAND_BITS | band) & _SIGNED
            for band, (key, hollow) in enumerate(zip(release_keys, release_empty, strict=True))
            if not hollow
        ]
    return found
