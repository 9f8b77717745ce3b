"""The seed format: `NAME.txt`, first line `date YYYY-MM-DD Title`, then one paragraph
per non-empty line. The file stem is the external id."""

import re

from app.ingest.normalize import Rejected, Release, clean_line, iso_date

_FIRST_LINE = re.compile(r"date[ \t]+(?P<date>\S+)(?:[ \t]+(?P<title>.*))?")
FIRST_LINE_HELP = "the first line must be 'date YYYY-MM-DD Title'"


def parse_seed(data: bytes, *, external_id: str) -> Release:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Rejected(
            f"invalid UTF-8 at byte {error.start}: save the file as UTF-8 and ingest it again"
        ) from None
    lines = [clean_line(line) for line in text.removeprefix("\ufeff").splitlines()]
    if not any(lines):
        raise Rejected("the file is empty")

    first = _FIRST_LINE.fullmatch(lines[0])
    if first is None:
        raise Rejected(f"{FIRST_LINE_HELP}, found {lines[0][:60]!r}")
    raw_date = first["date"]
    published_on = iso_date(raw_date, f"{FIRST_LINE_HELP}: {raw_date!r} is not a YYYY-MM-DD date")
    title = (first["title"] or "").strip()
    if not title:
        raise Rejected(f"missing title: {FIRST_LINE_HELP}")
    paragraphs = tuple(line for line in lines[1:] if line)
    if not paragraphs:
        raise Rejected("empty body: put at least one paragraph after the first line")
    return Release(
        external_id=external_id, title=title, published_on=published_on, paragraphs=paragraphs
    )
