"""Compressed responses (Flask-Compress: Brotli or gzip) for pages, JSON, CSV and static text files."""
from __future__ import annotations

from flask import Flask, request

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
