"""Each gunicorn response leaves in one piece: its headers with the first part of its body.

gunicorn writes a response's headers, then its body, in two writes. A worker killed between
them (SIGKILL, out of memory; the thread may wait milliseconds for the GIL there) leaves the
client a "200 OK" whose body never comes, and a proxy in front cannot send the request again
once it has passed an answer on: the supporter's download fails. Holding the headers back
until the body's first write, and sending both at once, closes that gap: a worker killed
before the write leaves no answer at all, which nginx sends again to another instance
(deploy/nginx.conf); killed after it, the whole answer is in the kernel already. An answer
without a body (a redirect, a HEAD) sends its held headers when it closes.

gunicorn builds every HTTP/1 response with `gunicorn.http.wsgi.create`, whose class is the
module's `Response` unless told otherwise; install() makes it WholeResponse, from
campaign.web.gunicorn_conf (the arbiter loads it before it starts any worker).
"""

from __future__ import annotations

from typing import Any

from gunicorn.http import wsgi  # type: ignore[import-untyped]  # no type information


class HeldSocket:
    """A socket whose first sendall (the headers) waits to go out with the next one."""

    def __init__(self, sock: Any):
        self._sock = sock
        self._held: bytes | None = None
        self._first = True

    def sendall(self, data: bytes) -> None:
        """Hold the first piece; send what is held with the next, in one call."""
        if self._first:
            self._first, self._held = False, bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + data, None
        self._sock.sendall(data)

    def flush(self) -> None:
        """Send what is still held (an answer without a body, or before a sendfile)."""
        if self._held is not None:
            held, self._held = self._held, None
            self._sock.sendall(held)

    def sendfile(self, *args: Any, **kwargs: Any) -> Any:
        """The held headers, then the file."""
        self.flush()
        return self._sock.sendfile(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class WholeResponse(wsgi.Response):
    """gunicorn's response, written through a HeldSocket."""

    def __init__(self, req: Any, sock: Any, cfg: Any, *args: Any):
        super().__init__(req, HeldSocket(sock), cfg, *args)

    def close(self) -> None:
        """Finish the answer, and send anything still held."""
        super().close()
        self.sock.flush()


def install() -> None:
    """Make gunicorn build its HTTP/1 responses as WholeResponse."""
    wsgi.Response = WholeResponse
