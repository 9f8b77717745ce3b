"""Cross-origin requests from browsers: Starlette's CORSMiddleware, configured for a read-only
API, with a refused preflight answered as a problem document like every other error."""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem_response


class Cors(CORSMiddleware):
    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=["GET", "HEAD"],
            # what a browser app sends to revalidate and to trace its requests
            allow_headers=["If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "Link", "X-Request-ID", "Retry-After"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                response = self.preflight_response(request_headers=headers)
                if response.status_code != 200:  # Starlette says why in text/plain
                    refused = bytes(response.body).decode()
                    response = problem_response(
                        Request(scope),
                        response.status_code,
                        f"The CORS preflight was refused: {refused}. Cross-origin requests may "
                        "use GET and HEAD, with the headers If-None-Match and X-Request-ID.",
                    )
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
