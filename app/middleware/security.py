"""The security headers every answer carries, and its Content-Security-Policy."""

from starlette.types import Message, Receive, Scope, Send

from app.middleware.headers import HttpMiddleware, get

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"cross-origin"),
    (b"x-frame-options", b"DENY"),
]
# A JSON or XML answer loads nothing and is framed by nobody. The documentation pages need their
# own scripts and styles, inline ones included (Swagger UI and ReDoc start from an inline script).
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)


class SecurityHeaders(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                html = (get(headers, b"content-type") or b"").startswith(b"text/html")
                headers += [
                    *SECURITY_HEADERS,
                    (b"content-security-policy", DOCS_CSP if html else API_CSP),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_secured)
