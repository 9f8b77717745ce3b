"""HEAD, and the caching of whole answers: for a 200 JSON or Atom GET (and the documentation's
scripts and styles), a strong ETag, Cache-Control, If-None-Match → 304, and gzip when the client
accepts it and the body is over 1 KB."""

import gzip
import hashlib

from starlette.types import Message, Receive, Scope, Send

from app.middleware.headers import Header, HttpMiddleware, get, vary, without

GZIP_MINIMUM = 1024
CACHED_TYPES = (b"application/json", b"application/atom+xml")
DEFAULT_CACHE_CONTROL = b"public, max-age=60"
# The documentation's scripts and styles (Swagger UI's bundle is 1.5 MB, ReDoc's 1.1): compressed
# like the API's answers, once per process, and cached a day (they change with a release only).
DOCS_ASSETS = "/static-offline-docs/"
ASSET_TYPES = (b"text/css", b"text/javascript", b"application/javascript")
ASSET_CACHE_CONTROL = b"public, max-age=86400"
_compressed_assets: dict[str, bytes] = {}


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header, compared weakly (RFC 9110 §13.1.2) and without
    the `-gzip` mark that tells the two encodings apart."""
    tags = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/")
        tags.add(tag.replace('-gzip"', '"'))
    return tags


def _accepts_gzip(header: str) -> bool:
    """Whether Accept-Encoding admits gzip (`gzip;q=0` refuses it)."""
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            weight = params.strip()
            try:
                return not weight.startswith("q=") or float(weight[2:]) > 0
            except ValueError:
                return False
    return False


def _asset_gzip(digest: str, body: bytes) -> bytes:
    """A documentation asset compressed, once per process (its few versions are kept)."""
    if (zipped := _compressed_assets.get(digest)) is None:
        zipped = _compressed_assets[digest] = gzip.compress(body, compresslevel=9, mtime=0)
    return zipped


def _bodiless(send: Send) -> Send:
    """`send`, with every body left out (the headers, Content-Length included, go as they are)."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head


class ConditionalGet(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":  # RFC 9110 §9.3.2: what GET would answer, without the body
            scope, send = {**scope, "method": "GET"}, _bodiless(send)
        await self.app(scope, receive, _Representation(scope, send).send)


class _Representation:
    """One GET's answer on its way out: a cacheable one is held until its body is whole."""

    __slots__ = ("asset", "chunks", "held", "request_headers", "send_next")

    def __init__(self, scope: Scope, send: Send) -> None:
        self.request_headers: list[Header] = scope["headers"]
        self.send_next = send
        self.asset = scope["path"].startswith(DOCS_ASSETS)
        self.held: Message | None = None  # a 200 JSON or Atom start, until its body is whole
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            content_type = get(headers, b"content-type") or b""
            types = ASSET_TYPES if self.asset else CACHED_TYPES
            if message["status"] == 200 and content_type.startswith(types):
                message["headers"] = headers
                self.held = message
                return
            await self.send_next(message)
        elif self.held is None:
            await self.send_next(message)
        else:
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._represent(self.held, b"".join(self.chunks))

    async def _represent(self, start: Message, body: bytes) -> None:
        """ETag, Cache-Control, If-None-Match and gzip for a whole 200 JSON or Atom body."""
        headers = vary(start["headers"], b"Accept-Encoding")
        if get(headers, b"cache-control") is None:
            headers.append(
                (b"cache-control", ASSET_CACHE_CONTROL if self.asset else DEFAULT_CACHE_CONTROL)
            )
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        accepted = (get(self.request_headers, b"accept-encoding") or b"").decode("latin-1")
        compress = len(body) >= GZIP_MINIMUM and _accepts_gzip(accepted)
        etag = f'"{digest}-gzip"' if compress else f'"{digest}"'
        headers = [*without(headers, b"etag"), (b"etag", etag.encode())]
        wanted = get(self.request_headers, b"if-none-match")
        if wanted is not None:
            tags = _tags(wanted.decode("latin-1"))
            if f'"{digest}"' in tags or "*" in tags:
                start["status"] = 304
                start["headers"] = without(headers, b"content-length", b"content-type")
                await self.send_next(start)
                await self.send_next({"type": "http.response.body", "body": b""})
                return
        if compress:
            body = _asset_gzip(digest, body) if self.asset else gzip.compress(body, 6, mtime=0)
            headers = [*without(headers, b"content-encoding"), (b"content-encoding", b"gzip")]
        start["headers"] = [
            *without(headers, b"content-length"),
            (b"content-length", b"%d" % len(body)),
        ]
        await self.send_next(start)
        await self.send_next({"type": "http.response.body", "body": body})
