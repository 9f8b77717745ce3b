"""Passages: how a snippet is found in a long release at the cost of a short one.

A snippet is cut from the text it is given, all of which a highlighter reads (FTS5's snippet()
took 28 ms a megabyte on this machine, PostgreSQL's ts_headline 125, before app/search/highlight.py
replaced both), so one 4.5 MB release made every search that hit it take seconds. A body longer than
LONG_BODY_CHARS is therefore also stored cut into passages of at most PASSAGE_CHARS, on paragraph
boundaries where it has them, each indexed on its own. The snippet of a long release comes from the
passage that best matches the query's words (any of them: a passage rarely holds every word of an
AND) among the first PASSAGE_CANDIDATES passages that hold one, found by the passage index among
that release's passages only, and cut from that passage alone. Releases are still matched and
ranked by their whole text.
"""

from collections.abc import Iterator

LONG_BODY_CHARS = 8192
PASSAGE_CHARS = 4096
# The snippet comes from the best of the first passages (in body order) that hold any of the
# query's words: ranking every one of a 5 MB release's 1,280 passages costs more than the rest of
# a search.
PASSAGE_CANDIDATES = 32
# A passage's id: its release's id × SPAN + its number, so a release's passages are one range.
SPAN = 2**20


def passages(body: str) -> Iterator[tuple[int, str]]:
    """(start, text) of each passage of a long body: whole paragraphs packed up to PASSAGE_CHARS,
    a longer paragraph cut at the last space before the limit (or at the limit, if it has none).
    The passages cover the body in order; the paragraph breaks between them are left out."""
    start, end = 0, 0  # the passage being packed: body[start:end]
    position = 0
    for paragraph in body.split("\n\n"):
        at = position
        position += len(paragraph) + 2
        if end > start and at + len(paragraph) - start <= PASSAGE_CHARS:
            end = at + len(paragraph)  # the paragraph joins the passage
            continue
        if end > start:
            yield start, body[start:end]
        start, end = at, at + len(paragraph)
        while end - start > PASSAGE_CHARS:
            cut = body.rfind(" ", start + 1, start + PASSAGE_CHARS + 1)
            cut = start + PASSAGE_CHARS if cut == -1 else cut
            yield start, body[start:cut]
            start = cut + 1 if body[cut] == " " else cut
    if end > start:
        yield start, body[start:end]


def passage_rows(release_id: int, body: str) -> list[dict[str, object]]:
    """The press_release_passage rows of a release: none for a body that is not long."""
    if len(body) <= LONG_BODY_CHARS:
        return []
    return [
        {"id": release_id * SPAN + n, "release_id": release_id, "start": start, "body": text}
        for n, (start, text) in enumerate(passages(body))
    ]
