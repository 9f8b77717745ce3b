"""Absolute URLs in answers: a release's detail, a page's next page. Built on Starlette's own
`Request.base_url` (the Host header, the scheme as the proxy headers set it, the root path) and
`URL.include_query_params`."""

from fastapi import Request

RELEASES_PATH = "/v1/press-releases"


def detail_url_prefix(request: Request) -> str:
    """A release's detail URL less its key, to which each row's id is appended: made once per
    answer, where `request.url_for` per row would cost a page of 20 a route lookup each."""
    return f"{request.base_url}{RELEASES_PATH.removeprefix('/')}/"


def next_link(request: Request, next_cursor: str | None) -> dict[str, str]:
    """The `Link: rel="next"` header of a page that has a next one: this request's URL with the
    cursor replaced (last, the other parameters as they came)."""
    if next_cursor is None:
        return {}
    return {"Link": f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'}
