"""JSON Lines: one object per line with `id`, `title`, `published_on`, `body`
(paragraphs separated by blank lines), and optional `source`, `language`, `url`, `change_note`
(what this version changed), `withdrawn` (true: the release is withdrawn, and `reason` says why),
`translation_of` (the id of the release this one translates).
A bad line is rejected on its own; the lines around it are kept."""

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from app.codes import LANGUAGE, LANGUAGE_EXAMPLE
from app.ingest.normalize import Rejected, Release, clean_line, iso_date

REQUIRED = ("id", "title", "published_on", "body")
OPTIONAL = ("source", "language", "url", "change_note", "reason", "translation_of")
FLAGS = ("withdrawn",)  # the optional fields that are booleans
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def read_jsonl(lines: Iterable[bytes | Rejected]) -> Iterator[tuple[int, Release | Rejected]]:
    """Each non-blank line's number and its release, or why it was rejected (a line may come
    rejected already: too long to read, say). Streams: one line in memory at a time."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, Rejected):
            yield number, raw
            continue
        if not raw.strip():
            continue
        try:
            yield number, parse_line(raw)
        except Rejected as rejected:
            yield number, rejected


def parse_line(raw: bytes) -> Release:
    try:
        item = json.loads(raw.removeprefix(b"\xef\xbb\xbf"))
    except UnicodeDecodeError as error:
        raise Rejected(f"invalid UTF-8 at byte {error.start} of the line") from None
    except json.JSONDecodeError as error:
        raise Rejected(f"invalid JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(item, dict):
        raise Rejected(f"expected a JSON object, found {type(item).__name__}")
    if missing := [name for name in REQUIRED if name not in item]:
        raise Rejected(f"missing field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    if unknown := sorted(set(item) - set(REQUIRED) - set(OPTIONAL) - set(FLAGS)):
        raise Rejected(
            f"unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(allowed: {', '.join(REQUIRED + OPTIONAL + FLAGS)})"
        )
    for name in (*REQUIRED, *OPTIONAL):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise Rejected(f"{name} must be a string, found {type(value).__name__}")

    external_id = clean_line(item["id"])
    if not external_id:
        raise Rejected("empty id")
    title = clean_line(item["title"])
    if not title:
        raise Rejected("missing title")
    published_on = _date(item["published_on"])
    paragraphs = tuple(
        p
        for p in (clean_line(" ".join(block.split("\n"))) for block in _paragraphs(item["body"]))
        if p
    )
    if not paragraphs:
        raise Rejected("empty body")
    language = item.get("language")
    if language is not None and not LANGUAGE.fullmatch(language):
        raise Rejected(f"language {language!r} is not {LANGUAGE_EXAMPLE}")
    source = clean_line(item["source"]) if item.get("source") else None
    note = clean_line(item["change_note"]) if item.get("change_note") else None
    translation_of = clean_line(item["translation_of"]) if item.get("translation_of") else None
    if translation_of == external_id:
        raise Rejected(
            f"translation_of names the release itself ({external_id!r}): give the id of the "
            "release in another language that this one translates"
        )
    return Release(
        external_id=external_id,
        title=title,
        published_on=published_on,
        paragraphs=paragraphs,
        source=source or None,
        language=language,
        change_note=note or None,
        withdrawal=_withdrawal(item),
        translation_of=translation_of or None,
    )


def _withdrawal(item: dict[str, Any]) -> str | None:
    """The reason the line withdraws its release; None when it does not."""
    withdrawn, reason = item.get("withdrawn"), item.get("reason")
    reason = clean_line(reason) if reason is not None else None
    if withdrawn is None:
        if reason is not None:
            raise Rejected(
                'reason is given without "withdrawn": true (it says why a release is withdrawn)'
            )
        return None
    if withdrawn is not True:
        raise Rejected(
            f"withdrawn must be true when given, found {json.dumps(withdrawn)}: leave it out to "
            "publish the release (`pressroom restore` publishes a withdrawn one again)"
        )
    if not reason:
        raise Rejected('"withdrawn": true needs a reason: say why the release is withdrawn')
    return reason


def _paragraphs(body: str) -> list[str]:
    return _BLANK_LINE.split(body.replace("\r\n", "\n").replace("\r", "\n"))


def _date(value: Any) -> date:
    return iso_date(value, f"published_on {value!r} is not a YYYY-MM-DD date")
