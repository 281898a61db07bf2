"""A stand-in web side for the worker's fetches: serves files by path, can fail first, counts requests."""

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class FetchLog:
    files: dict[str, bytes]
    failures: list[int] = field(default_factory=list)  # statuses answered, in order, before serving
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization)


@contextmanager
def fetch_server(log: FetchLog) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering from `log`; yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.requests.append((self.path, self.headers.get("Authorization", "")))
            status = log.failures.pop(0) if log.failures else 200
            body = log.files.get(self.path) if status == 200 else b"failed"
            if body is None:
                status, body = 404, b"missing"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
