"""A small OpenAI-compatible chat server for tests: ``POST /v1/chat/completions`` with and
without streaming (server-sent events), on 127.0.0.1, recording every request it gets.

What it answers is decided by ``responder(messages) -> str``; the default quotes the first
sentence of passage 1 and cites it, as a well-behaved model would.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[list[dict[str, Any]]], str]


def quote_first_passage(messages: list[dict[str, Any]]) -> str:
    user = messages[-1]["content"]
    if "Standalone question" in user:
        latest = re.search(r"Latest message: (.*)", user)
        return f"Standalone: {latest.group(1) if latest else ''}"
    match = re.search(r'<passage n="1"[^>]*>\n(.*?)\n</passage>', user, re.S)
    if not match:
        return "The reports do not answer this question."
    text = html.unescape(match.group(1))
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())[0]
    return f"{first} [1]"


class ChatServer:
    """Start with ``with ChatServer() as server: server.url``; stopped on exit."""

    def __init__(self, responder: Responder = quote_first_passage, words_per_chunk: int = 3):
        self.responder = responder
        self.words_per_chunk = words_per_chunk
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404, "only /v1/chat/completions is served")
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                reply = server.responder(body["messages"])
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._json(200, {
                        "id": "chatcmpl-test", "object": "chat.completion",
                        "created": int(time.time()), "model": body.get("model", "test"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": reply}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    })

            def _json(self, status: int, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, body: dict[str, Any], reply: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                tokens = re.findall(r"\S+\s*", reply)
                step = server.words_per_chunk
                pieces = ["".join(tokens[i : i + step]) for i in range(0, len(tokens), step)]
                for number, piece in enumerate(pieces + [None]):
                    delta = {"content": piece} if piece is not None else {}
                    if number == 0:
                        delta["role"] = "assistant"
                    chunk = {
                        "id": "chatcmpl-test", "object": "chat.completion.chunk",
                        "created": int(time.time()), "model": body.get("model", "test"),
                        "choices": [{"index": 0, "delta": delta,
                                     "finish_reason": None if piece is not None else "stop"}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
