"""The OpenAPI 3 document of /api/v1, generated from the code: paths and path parameters from the
URL map, summaries from the views' docstrings, query parameters and response schemas from the
``documented`` decorator next to each view. A route without ``documented`` still appears (with an
open schema), so the document can never miss an endpoint."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "message"],
    "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}}
RATE_LIMIT = "300 requests a minute per client address (HTTP 429 beyond, with a Retry-After header)"


def string(fmt: str | None = None, nullable: bool = False, **extra) -> dict:
    schema = {"type": ["string", "null"] if nullable else "string", **extra}
    if fmt:
        schema["format"] = fmt
    return schema


def integer(nullable: bool = False, **extra) -> dict:
    return {"type": ["integer", "null"] if nullable else "integer", **extra}


BOOLEAN = {"type": "boolean"}
DATETIME = string("date-time")


def obj(required: bool = True, **properties) -> dict:
    """An object with these properties, all of them present unless ``required`` is False."""
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(properties)
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def items_of(item: dict, **extra) -> dict:
    return obj(items=array(item), **extra)


@dataclass
class Param:
    name: str
    schema: dict
    description: str = ""
    required: bool = False


@dataclass
class Doc:
    response: dict = field(default_factory=lambda: {"type": "object"})
    query: tuple[Param, ...] = ()
    errors: tuple[int, ...] = (404,)


_DOCS: dict[str, Doc] = {}


def documented(response: dict, *, query: tuple[Param, ...] = (), errors: tuple[int, ...] = (404,)) -> Callable:
    """Attach the response schema and query parameters of a view (keyed by its function name)."""
    def wrap(view: Callable) -> Callable:
        _DOCS[view.__name__] = Doc(response, query, errors)
        return view
    return wrap


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _operation(endpoint: str, view: Callable, arguments: list[tuple[str, str]]) -> dict:
    doc = _DOCS.get(endpoint.rpartition(".")[2], Doc())
    lines = (view.__doc__ or endpoint).strip().splitlines()
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 0} if conv == "int" else {"type": "string", "minLength": 1}}
              for conv, name in arguments]
    params += [{"name": p.name, "in": "query", "required": p.required, "schema": p.schema,
                **({"description": p.description} if p.description else {})} for p in doc.query]
    responses = {"200": {"description": "OK", "headers": {"ETag": {"schema": {"type": "string"}}},
                         "content": {"application/json": {"schema": doc.response}}},
                 "304": {"description": "Not modified since the ETag given in If-None-Match"},
                 "429": {"description": RATE_LIMIT, "content": {"application/json": {"schema": ERROR}}}}
    for status in (400, *doc.errors):
        responses[str(status)] = {"description": {400: "Bad request", 404: "Not found"}.get(status, "Error"),
                                  "content": {"application/json": {"schema": ERROR}}}
    return {"operationId": endpoint.replace(".", "_"), "summary": lines[0].strip(),
            "description": " ".join(line.strip() for line in lines[1:]).strip(), "parameters": params,
            "responses": responses}


def document(app: Flask, prefix: str = "/api/v1") -> dict:
    """The OpenAPI 3.1 document of every GET route under ``prefix``."""
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(prefix) or "GET" not in (rule.methods or ()):
            continue
        arguments = _CONVERTER.findall(rule.rule)
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        paths[path] = {"get": _operation(rule.endpoint, app.view_functions[rule.endpoint], arguments)}
        paths[path]["get"]["operationId"] += "_" + str(len(paths))  # two rules may share a view
    return {
        "openapi": "3.1.0",
        "info": {"title": "Muhokama open data", "version": "1",
                 "description": "Read-only. Hidden or unpublished things never appear; email addresses never "
                                f"do. Rate limit: {RATE_LIMIT}. Every response carries an ETag: send it back in "
                                "If-None-Match to get 304 Not Modified. Responses are gzip-compressed when the "
                                "client accepts it."},
        "paths": paths,
    }
