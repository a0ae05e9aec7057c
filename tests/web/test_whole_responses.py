"""gunicorn's responses leave in one piece: the headers with the first part of the body."""

from __future__ import annotations

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.parser import RequestParser

from campaign.web import whole_responses
from campaign.web.whole_responses import WholeResponse


class Wire:
    """A socket that records each sendall and sendfile as one piece on the wire."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.pieces.append(bytes(data))

    def sendfile(self, file, offset=0, count=None) -> int:
        file.seek(offset)
        self.pieces.append(b"<file>" + file.read(count))
        return count or 0


def respond(method: str, status: str, headers: list[tuple[str, str]]):
    """A WholeResponse to one request, made as gunicorn makes it, and its wire."""
    config = Config()
    request = next(
        RequestParser(
            config, iter([f"{method} / HTTP/1.1\r\nHost: x\r\n\r\n".encode()]), ("127.0.0.1", 1)
        )
    )
    wire = Wire()
    response, _ = wsgi.create(
        request, wire, ("127.0.0.1", 1), ("127.0.0.1", 8000), config, response_class=WholeResponse
    )
    response.start_response(status, headers)
    return response, wire


def test_the_headers_leave_with_the_body_in_one_write():
    response, wire = respond("GET", "200 OK", [("Content-Length", "7")])
    response.write(b"%PDF-1.")
    response.close()
    assert len(wire.pieces) == 1
    head, body = wire.pieces[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 7" in head
    assert body == b"%PDF-1."


def test_an_answer_without_a_body_sends_its_headers_when_it_closes():
    response, wire = respond(
        "POST", "303 See Other", [("Location", "/thanks"), ("Content-Length", "0")]
    )
    assert wire.pieces == []  # held until the answer is complete...
    response.close()
    assert len(wire.pieces) == 1  # ...then sent
    assert wire.pieces[0].startswith(b"HTTP/1.1 303 See Other\r\n")
    assert b"Location: /thanks\r\n" in wire.pieces[0]


def test_a_head_request_gets_its_headers_alone():
    response, wire = respond("HEAD", "200 OK", [("Content-Length", "5")])
    response.write(b"hello")  # dropped: no body on a HEAD
    response.close()
    assert len(wire.pieces) == 1 and wire.pieces[0].endswith(b"\r\n\r\n")


def test_a_chunked_answer_sends_the_headers_with_its_first_chunk():
    response, wire = respond("GET", "200 OK", [])  # no length: chunked
    response.write(b"abc")
    response.write(b"de")
    response.close()
    first, *rest = wire.pieces
    assert b"Transfer-Encoding: chunked" in first and first.endswith(b"\r\n\r\n3\r\nabc\r\n")
    assert b"".join(rest) == b"2\r\nde\r\n0\r\n\r\n"


def test_a_file_is_sent_after_its_headers(tmp_path):
    (tmp_path / "admin.css").write_bytes(b"body")
    response, wire = respond("GET", "200 OK", [("Content-Length", "4")])
    with (tmp_path / "admin.css").open("rb") as file:
        assert response.sendfile(wsgi.FileWrapper(file))
    response.close()
    assert len(wire.pieces) == 2
    assert wire.pieces[0].startswith(b"HTTP/1.1 200 OK") and wire.pieces[1] == b"<file>body"


def test_install_makes_gunicorn_build_whole_responses(monkeypatch):
    monkeypatch.setattr(wsgi, "Response", wsgi.Response)  # restored after the test
    whole_responses.install()
    config = Config()
    request = next(
        RequestParser(config, iter([b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]), ("127.0.0.1", 1))
    )
    response, _ = wsgi.create(request, Wire(), ("127.0.0.1", 1), ("127.0.0.1", 8000), config)
    assert isinstance(response, WholeResponse)


@pytest.mark.parametrize("data", [b"x", memoryview(b"xy")])
def test_the_held_socket_joins_any_bytes(data):
    wire = Wire()
    held = whole_responses.HeldSocket(wire)
    held.sendall(b"head")
    held.sendall(data)
    assert wire.pieces == [b"head" + bytes(data)]
