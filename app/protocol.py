"""uvicorn's HTTP protocol, answering the requests it cannot parse with a problem document.

A request line or header that is not HTTP (a 64 KB URL, CR or LF inside a header, a method no
parser knows) never reaches the application: uvicorn answers it itself, 400 in text/plain. Every
error of this API is an RFC 9457 problem, those too, so `pressroom serve` runs uvicorn with this
protocol class (uvicorn's documented `http=` setting takes one): the same answer, as
application/problem+json.

The status line's reason phrase comes from Python's http module, whose 3.11 still calls 422
"Unprocessable Entity" where RFC 9110 says "Unprocessable Content", as the problem's `title`
does. uvicorn reads its status lines from one table, built at import; the entry for 422 is
written again here (the phrase is advisory, RFC 9110 §4, but a client showing it should read
the same words as the body).
"""

import json

from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import PROBLEM_JSON, status_title

httptools_impl.STATUS_LINE[422] = f"HTTP/1.1 422 {status_title(422)}\r\n".encode()

DETAIL = (
    "The request is not valid HTTP/1.1: its request line or a header could not be parsed (a URL "
    "over the server's limit, a control character in a header, an unknown method). Check how it "
    "is built and send it again."
)


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        body = json.dumps(
            {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": DETAIL}
        ).encode()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        ]
        head += [
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
