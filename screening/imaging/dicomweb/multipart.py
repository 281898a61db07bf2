"""multipart/related bodies (RFC 2387) as DICOMweb uses them: parsed with limits, built as a stream.

Parsing works on the whole body in memory, which the view has already capped in size; the parts
come back as memoryviews of it, so no part is copied until intake needs its bytes.
"""

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.message import Message

MULTIPART_RELATED = "multipart/related"
# RFC 2046: a boundary is 1 to 70 characters from a restricted set.
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")
MAX_PART_HEADER_BYTES = 8 * 1024
DEFAULT_MAX_PARTS = 10_000


class MultipartError(ValueError):
    """The body is not a well-formed multipart/related message (or exceeds a limit)."""


@dataclass(frozen=True)
class ContentType:
    media_type: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]
    body: memoryview

    @property
    def content_type(self) -> ContentType:
        return content_type_parse(self.headers.get("content-type", ""))


def content_type_parse(value: str) -> ContentType:
    """A Content-Type header's media type (lower case) and parameters, quoted or not."""
    message = Message()
    message["content-type"] = value
    params = {key.lower(): str(val) for key, val in (message.get_params(header="content-type") or [])[1:]}
    return ContentType(message.get_content_type().lower(), params)


def multipart_parse(body: bytes, content_type: str, *, max_parts: int = DEFAULT_MAX_PARTS) -> list[Part]:
    """The parts of a multipart/related body; MultipartError when it is malformed or too many."""
    declared = content_type_parse(content_type)
    if declared.media_type != MULTIPART_RELATED:
        raise MultipartError(f"Expected {MULTIPART_RELATED}, got {declared.media_type or 'nothing'}.")
    boundary = declared.params.get("boundary", "")
    if not _BOUNDARY.match(boundary):
        raise MultipartError("The boundary parameter is missing or invalid.")
    delimiter = b"--" + boundary.encode("ascii")
    view = memoryview(body)
    position = _first_delimiter(body, delimiter)
    parts: list[Part] = []
    while True:
        position += len(delimiter)
        if body[position : position + 2] == b"--":
            return parts  # the close delimiter; an epilogue after it is ignored
        line_end = body.find(b"\r\n", position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):
            raise MultipartError("A delimiter is not followed by a line break.")
        header_start = line_end + 2
        next_delimiter = body.find(b"\r\n" + delimiter, header_start)
        if next_delimiter < 0:
            raise MultipartError("The body ends before its closing boundary.")
        if len(parts) >= max_parts:
            raise MultipartError(f"More than {max_parts} parts.")
        parts.append(_part(body, view, header_start, next_delimiter))
        position = next_delimiter + 2


def multipart_stream(parts: Iterable[tuple[dict[str, str], bytes]], boundary: str) -> Iterator[bytes]:
    """The body of a multipart/related message, one part at a time (for streamed responses)."""
    for headers, data in parts:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        yield f"--{boundary}\r\n{head}\r\n".encode("ascii") + data + b"\r\n"
    yield f"--{boundary}--\r\n".encode("ascii")


def multipart_content_type(part_type: str, boundary: str) -> str:
    return f'{MULTIPART_RELATED}; type="{part_type}"; boundary={boundary}'


def new_boundary() -> str:
    return f"screening-{secrets.token_hex(16)}"


def _first_delimiter(body: bytes, delimiter: bytes) -> int:
    if body.startswith(delimiter):
        return 0
    found = body.find(b"\r\n" + delimiter)  # after a preamble
    if found < 0:
        raise MultipartError("The body holds no part.")
    return found + 2


def _part(body: bytes, view: memoryview, start: int, end: int) -> Part:
    header_end = body.find(b"\r\n\r\n", start, end)
    if start == end:
        return Part({}, view[start:end])
    if body[start : start + 2] == b"\r\n":
        return Part({}, view[start + 2 : end])  # no headers at all
    if header_end < 0:
        raise MultipartError("A part's headers do not end with an empty line.")
    if header_end - start > MAX_PART_HEADER_BYTES:
        raise MultipartError("A part's headers are too long.")
    headers: dict[str, str] = {}
    for line in body[start:header_end].split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if not colon:
            raise MultipartError("A part's header line has no colon.")
        headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    return Part(headers, view[header_end + 4 : end])
