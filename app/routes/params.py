"""Query parameter types shared by the list, search and feed routes."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import BeforeValidator, StringConstraints

from app.codes import ISO_DATE, LANGUAGE_PATTERN
from app.errors import BadRequest
from app.queries import Filters

LimitParam = Annotated[
    int, Query(ge=1, le=100, description="How many releases a page holds (1 to 100).")
]
KeyParam = Annotated[
    str,
    Path(max_length=200, description="The release's numeric `id` or its `slug`.", examples=["1"]),
]
CursorParam = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="The `next_cursor` of the previous page, unchanged; leave out for the first "
        "page. A cursor only works with the parameters of the request that returned it. In the "
        "date orders a release added meanwhile never makes a row repeat or vanish; in relevance "
        "order a walk visits every match once while the archive is unchanged (a release added "
        "meanwhile stays out of it, but an ingest changes the statistics that scores come "
        "from, and so the order).",
    ),
]


def _iso_date(value: object) -> object:
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise ValueError("Input should be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]


async def filter_params(  # async: pure validation, no reason to hop to a worker thread
    from_: Annotated[
        IsoDate | None,
        Query(alias="from", description="Only releases published on or after this date."),
    ] = None,
    to: Annotated[
        IsoDate | None, Query(description="Only releases published on or before this date.")
    ] = None,
    source: Annotated[
        list[Source], Query(description="Only these sources; repeat for several (OR).")
    ] = [],  # noqa: B006  (FastAPI copies a parameter's default for each request)
    language: Annotated[
        list[Language],
        Query(description="Only these ISO 639-1 languages; repeat for several (OR)."),
    ] = [],  # noqa: B006
) -> Filters:
    if from_ is not None and to is not None and from_ > to:
        raise BadRequest(f"from ({from_}) is after to ({to}): swap them or drop one.")
    return Filters(from_date=from_, to_date=to, sources=tuple(source), languages=tuple(language))


FiltersDep = Annotated[Filters, Depends(filter_params)]
