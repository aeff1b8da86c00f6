"""Receive a multipart upload as a stream: to disk in chunks, limits checked as bytes arrive.

Nothing about the upload is trusted: not its name, extension or MIME type. The bytes go to
a temporary file in the data directory; past the size limit the request is refused (413)
at once; once a few MiB are in, the container header is read and a clip longer than the
duration limit is refused too, before the rest arrives. The finished file is checked by
the project's video probe (:func:`formcheck.capture.video.probe_video`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from formcheck.web.errors import WebError
from formcheck.web.security import CSRF_FIELD

FILE_FIELDS = ("video", "file")
MAX_FIELD_BYTES = 64 * 1024  # a text field of a form is small
HEADER_CHECK_BYTES = 4 << 20  # read the container header once this much has arrived
FLUSH_BYTES = 1 << 20  # write to disk in 1 MiB pieces
MULTIPART_SLACK = 64 * 1024  # form fields and boundaries around the file


@dataclass
class Upload:
    """A received upload: its text fields and the temporary file holding its bytes."""

    fields: dict[str, str]
    path: Path | None
    filename: str
    size: int


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    value: bytearray = field(default_factory=bytearray)


class _Receiver:
    """Callbacks of the streaming multipart parser: fields to memory, the file to disk."""

    def __init__(self, tmp: Path, max_bytes: int, max_duration_s: float | None,
                 csrf_pending: str | None) -> None:
        self.tmp, self.max_bytes, self.max_duration_s = tmp, max_bytes, max_duration_s
        self.csrf_pending = csrf_pending
        self.fields: dict[str, str] = {}
        self.part = _Part()
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.fh: Any = None
        self.buffer = bytearray()
        self.size = 0
        self.filename = ""
        self.header_checked = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done, "on_part_data": self._data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self.part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        self.part.headers[self.header_name.decode("latin-1").lower()] = (
            self.header_value.decode("utf-8", "replace"))
        self.header_name, self.header_value = bytearray(), bytearray()

    def _headers_done(self) -> None:
        _, opts = parse_options_header(self.part.headers.get("content-disposition", ""))
        self.part.name = opts.get(b"name", b"").decode("utf-8", "replace")
        raw = opts.get(b"filename")
        self.part.filename = raw.decode("utf-8", "replace") if raw is not None else None
        if self.part.filename is not None:
            # Without the header the form must send its csrf field before the file.
            if self.csrf_pending is not None and not secrets.compare_digest(
                    self.fields.get(CSRF_FIELD, ""), self.csrf_pending):
                raise WebError(403, "expected the csrf field before the file in the form",
                               code="csrf_failed")
            if self.part.name not in FILE_FIELDS or self.fh is not None:
                raise WebError(400, f"expected one file in the field 'video', got a file in "
                                    f"{self.part.name!r}")
            self.filename = Path(self.part.filename.replace("\\", "/")).name[:200]
            self.fh = self.tmp.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part.filename is None:
            self.part.value += data[start:end]
            if len(self.part.value) > MAX_FIELD_BYTES:
                raise WebError(413, f"expected form fields under {MAX_FIELD_BYTES} bytes, "
                                    f"field {self.part.name!r} is longer")
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise WebError(413, f"expected a video of at most {_mb(self.max_bytes)}; "
                                "this upload is larger", code="too_large")
        self.buffer += data[start:end]
        if len(self.buffer) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.fh is not None and self.buffer:
            self.fh.write(self.buffer)
            self.buffer = bytearray()
            if not self.header_checked and self.size >= HEADER_CHECK_BYTES:
                self.header_checked = True
                self.fh.flush()
                check_header_duration(self.tmp, self.max_duration_s)

    def _part_end(self) -> None:
        if self.part.filename is None:
            self.fields[self.part.name] = self.part.value.decode("utf-8", "replace")
        else:
            self.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n} bytes"


def check_header_duration(path: Path, max_duration_s: float | None) -> None:
    """Raise 413 when the container header of a partial file says the clip is too long.

    A file whose header is not readable yet (the index at the end) passes here; the full
    probe after the upload checks it again.
    """
    if max_duration_s is None:
        return
    import av

    try:
        with av.open(str(path)) as container:
            duration = container.duration
    except Exception:  # an incomplete or odd header: the probe decides at the end
        return
    if duration is not None and duration / 1e6 > max_duration_s:
        raise WebError(413, f"expected a clip of at most {max_duration_s:g} s; "
                            f"this one is {duration / 1e6:.0f} s", code="too_long")


async def receive_upload(request: Request, tmp_dir: Path, max_bytes: int,
                         max_duration_s: float | None) -> Upload:
    """Return the fields and the file of a multipart request, streamed to ``tmp_dir``.

    Raises
    ------
    WebError
        413 past the size or duration limit (the partial file is removed), 400 for a
        request that is not multipart, 403 for a form whose csrf field is missing.
    """
    kind, opts = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in opts:
        raise WebError(400, f"expected multipart/form-data with a boundary, got "
                            f"{request.headers.get('content-type', 'no content type')!r}")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + MULTIPART_SLACK:
        raise WebError(413, f"expected a video of at most {_mb(max_bytes)}; this upload is "
                            f"{_mb(int(declared))}", code="too_large")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"upload-{secrets.token_hex(8)}.part"
    receiver = _Receiver(tmp, max_bytes, max_duration_s,
                         request.scope.get("state", {}).get("csrf_pending"))
    parser = MultipartParser(opts[b"boundary"], receiver.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        receiver.flush()
    except BaseException:
        receiver.close()
        tmp.unlink(missing_ok=True)
        raise
    receiver.close()
    if receiver.csrf_pending is not None and not secrets.compare_digest(
            receiver.fields.get(CSRF_FIELD, ""), receiver.csrf_pending):
        tmp.unlink(missing_ok=True)
        raise WebError(403, "expected the csrf field in the form", code="csrf_failed")
    return Upload(fields=receiver.fields, path=tmp if receiver.fh is not None else None,
                  filename=receiver.filename, size=receiver.size)
