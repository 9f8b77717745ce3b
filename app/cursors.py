"""Opaque keyset cursors. A cursor holds the sort key of the last row served and a fingerprint of
the request it belongs to, so a cursor replayed on another query, sort or filter set is refused
instead of silently serving the wrong page."""

import base64
import binascii
import hashlib
import json
import math
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from app.errors import BadRequest

_VERSION = 1


@lru_cache(maxsize=1024)  # a page and the next ask for the same one: hash it once
def fingerprint(*parts: Hashable) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:12]


def encode(key: Sequence[Any], owner: str) -> str:
    raw = json.dumps({"v": _VERSION, "o": owner, "k": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Every integer a cursor holds is an id or a block bound, which both engines keep in 64 bits: a
# larger one cannot be bound as a parameter (OverflowError in sqlite3), so it is no cursor of ours.
_INT64 = range(-(2**63), 2**63)


def _strict_int(value: Any) -> int:
    if type(value) is not int or value not in _INT64:
        raise TypeError(value)
    return value


def _strict_float(value: Any) -> float:
    # a score is a finite number: NaN compares false with everything and would end any walk
    if type(value) not in (int, float) or not math.isfinite(value):
        raise TypeError(value)
    return float(value)


_PARSERS: dict[type, Callable[[Any], Any]] = {
    date: date.fromisoformat,
    int: _strict_int,
    float: _strict_float,
}


Kind = type | tuple[type, None]  # (type, None): that type, or null


def _parse(kind: Kind, value: Any) -> Any:
    if isinstance(kind, tuple):
        return None if value is None else _PARSERS[kind[0]](value)
    return _PARSERS[kind](value)


def decode(cursor: str, owner: str, types: Sequence[Kind]) -> tuple[Any, ...]:
    """The sort key of the cursor, typed as `types`, or BadRequest saying what to do instead."""
    key: tuple[Any, ...] = ()
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = (
            isinstance(raw, dict)
            and raw.get("v") == _VERSION
            and isinstance(raw.get("o"), str)
            and isinstance(raw.get("k"), list)
            and len(raw["k"]) == len(types)
        )
        if valid:
            key = tuple(_parse(t, v) for t, v in zip(types, raw["k"], strict=True))
    except (binascii.Error, ValueError, TypeError):
        valid = False
    if not valid:
        raise BadRequest(
            "The cursor is not one this API issued. Pass the next_cursor of a previous page "
            "unchanged, or leave cursor out to start from the first page."
        )
    if raw["o"] != owner:
        raise BadRequest(
            "The cursor belongs to a different query, sort or filter set. Repeat the request that "
            "returned it with the same parameters, or leave cursor out to start again."
        )
    return key
