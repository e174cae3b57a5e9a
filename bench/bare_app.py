"""The baseline of bench/bench_web.py: one Flask route returning a small HTML page, served by
gunicorn exactly like the real app (``gunicorn --chdir bench bare_app:app``)."""
from flask import Flask

app = Flask(__name__)

PAGE = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bare · Muhokama</title></head>\n"
        "<body><main><h1>Bare route</h1><p>The baseline page of the web benchmark.</p></main></body></html>\n")


@app.route("/")
def index():
    return PAGE
