"""Response headers as ASGI carries them: a list of (lowercase name, value) byte pairs."""

from collections.abc import Sequence

Header = tuple[bytes, bytes]


def get(headers: Sequence[Header], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key == name), None)


def without(headers: Sequence[Header], *names: bytes) -> list[Header]:
    return [(key, value) for key, value in headers if key not in names]


def vary(headers: Sequence[Header], *fields: bytes) -> list[Header]:
    """Vary naming `fields` first, then whatever else it named (one header line, no repeats)."""
    named = [part.strip() for key, value in headers if key == b"vary" for part in value.split(b",")]
    wanted = {field.lower() for field in fields}
    others = [name for name in named if name and name.lower() not in wanted]
    return [*without(headers, b"vary"), (b"vary", b", ".join([*fields, *others]))]
