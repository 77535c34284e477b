"""A stdlib HTTP server on 127.0.0.1 that plays scripted replies per path and counts requests.

It can stall, fail, redirect, cut or trickle a body slowly (to kill a run mid-download), and it
speaks HTTP/1.0, so a body sent without Content-Length ends when the connection closes: the
one truncation a client cannot see in the framing.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """One canned response. `length` overrides the announced Content-Length; None announces
    none; `cut` sends only that many bytes of the body; `trickle` spreads it over seconds."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/pdf"
    length: int | None = -1  # -1: the real length
    cut: int | None = None
    delay: float = 0.0
    trickle: float = 0.0
    location: str = ""  # a redirect's target


class Site:
    """Answers the nth request for a path with its nth reply (the last one repeats)."""

    def __init__(self, port: int = 0) -> None:
        self.routes: dict[str, tuple[Reply, ...]] = {}
        self.hits: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        # Clients hanging up mid-reply (timeouts, kills) are part of the script.
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def serve(self, path: str, *replies: Reply) -> str:
        self.routes[path] = replies
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                site.hits[self.path] += 1
                site.user_agents.append(self.headers.get("User-Agent", ""))
                replies = site.routes.get(self.path)
                if not replies:
                    self.send_error(404)
                    return
                reply = replies[min(site.hits[self.path], len(replies)) - 1]
                if reply.delay and site.stopping.wait(reply.delay):
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                if reply.location:
                    self.send_header("Location", reply.location)
                if reply.length is not None:
                    length = len(reply.body) if reply.length < 0 else reply.length
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                body = reply.body[: reply.cut] if reply.cut is not None else reply.body
                if not reply.trickle:
                    self.wfile.write(body)
                    return
                pieces = 20
                step = max(1, len(body) // pieces)
                for start in range(0, len(body), step):
                    self.wfile.write(body[start : start + step])
                    self.wfile.flush()
                    if site.stopping.wait(reply.trickle / pieces):
                        return

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def wait_for(condition: Callable[[], object], timeout: float, interval: float = 0.005) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass; returns the last result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
