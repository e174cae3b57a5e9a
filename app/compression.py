"""Compressed responses (Flask-Compress: Brotli or gzip) for pages, JSON, CSV and static text files;
and streamed downloads, which Flask-Compress leaves alone, gzipped here as they are written."""
from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Iterator

from flask import Flask, Response, current_app, request

from app.extensions import compress

#: static text files read whole so they can be compressed (they are a few kilobytes)
_WHOLE = ("text/css", "text/javascript", "application/javascript", "image/svg+xml", "text/plain")


def init_app(app: Flask) -> None:
    compress.init_app(app)

    # Registered after Flask-Compress, so it runs before it (after_request runs in reverse order).
    @app.after_request
    def _read_static_whole(response):
        if request.endpoint == "static" and response.status_code == 200 and response.is_streamed \
                and response.mimetype in _WHOLE:
            data = b"".join(response.iter_encoded())
            response.close()
            response.direct_passthrough = False
            response.set_data(data)
        return response


def streamed(chunks: Iterable[bytes], **kwargs) -> Response:
    """A response sent as ``chunks`` come (constant memory however long it is), gzipped as a stream
    when the client takes gzip. A body that ends below COMPRESS_MIN_SIZE is sent whole, as any
    small response is."""
    chunks = iter(chunks)
    head, size = [], 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size >= current_app.config["COMPRESS_MIN_SIZE"]:
            break
    else:
        return Response(b"".join(head), **kwargs)
    body = itertools.chain(head, chunks)
    if "gzip" not in request.accept_encodings:
        return Response(body, **kwargs)
    response = Response(_gzip(body), **kwargs)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def _gzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: with the gzip header and trailer
    for chunk in chunks:
        if packed := packer.compress(chunk):
            yield packed
    yield packer.flush()
