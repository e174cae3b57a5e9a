"""What browsers and crawlers ask of every site: the icon and robots.txt."""
from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("site", __name__)

#: Crawlers may index drafts, clauses, comments and the register, not people's own pages or the
#: endless combinations of search filters and language links.
ROBOTS = """User-agent: *
Disallow: /staff/
Disallow: /account
Disallow: /notifications
Disallow: /lang/
Disallow: /search
Disallow: /login
Disallow: /register
Disallow: /password/
Disallow: /confirm/
"""


@bp.route("/robots.txt")
def robots():
    return current_app.response_class(ROBOTS, mimetype="text/plain", headers={"Cache-Control": "public, max-age=86400"})


@bp.route("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/x-icon", max_age=7 * 86400)
