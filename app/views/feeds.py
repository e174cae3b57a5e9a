"""Open data outside the API: the bulk export of a draft (a streamed ZIP), and Atom feeds of
published revisions: all drafts, one agency's drafts, one draft. Each entry is one
revision, with an id that never changes (a tag: URI from the draft's slug and the revision number),
its change note and its chain hash, so anyone keeping the feed holds the published record."""
from __future__ import annotations

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, current_app, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.links import public_url
from app.models import Agency, Draft, Revision
from app.services import exports
from app.views.common import get_draft

bp = Blueprint("feeds", __name__)

ENTRIES = 50  #: newest revisions per feed
TAG = "tag:muhokama,2026:"  #: stable: does not change with the host name the site is served under


def _feed(feed_id: str, title: str, self_url: str, page_url: str, rows) -> Response:
    fg = FeedGenerator()
    fg.id(TAG + feed_id)
    fg.title(title)
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.generator("Muhokama")
    fg.language(current_app.config["BABEL_DEFAULT_LOCALE"])
    newest = None
    for revision, draft, agency in reversed(rows):  # feedgen puts each added entry first
        entry = fg.add_entry()
        entry.id(f"{TAG}draft/{draft.slug}/revision/{revision.number}")
        entry.title(_("%(title)s: revision %(n)d", title=draft.title, n=revision.number))
        entry.link(href=public_url("reading.draft", slug=draft.slug, number=revision.number))
        entry.author(name=agency.name)
        entry.published(revision.created_at)
        entry.updated(revision.created_at)
        entry.summary(revision.change_note or draft.summary or draft.title)
        entry.content(_("Change note: %(note)s", note=revision.change_note) + "\n"
                      + _("Chain hash (SHA-256): %(hash)s", hash=revision.chain_hash), type="text")
        entry.category(term=agency.slug, label=agency.name)
        newest = max(newest or revision.created_at, revision.created_at)
    if newest is not None:
        fg.updated(newest)
    return Response(fg.atom_str(pretty=False), content_type="application/atom+xml; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


def _revisions(*where):
    return db.session.execute(
        select(Revision, Draft, Agency).join(Draft, Draft.id == Revision.draft_id).join(Agency, Agency.id == Draft.agency_id)
        .where(Draft.published.is_(True), *where)
        .order_by(Revision.created_at.desc(), Revision.id.desc()).limit(ENTRIES)).all()


@bp.route("/feeds/drafts.atom")
def all_drafts():
    """Every published revision of every published draft, newest first."""
    return _feed("drafts", _("Muhokama: new drafts and revisions"), public_url("feeds.all_drafts"),
                 public_url("reading.draft_list"), _revisions())


@bp.route("/agencies/<slug>/feed.atom")
def agency(slug: str):
    """The revisions of one agency's published drafts."""
    found = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if found is None:
        abort(404)
    return _feed(f"agency/{found.slug}", _("Muhokama: drafts of %(agency)s", agency=found.name),
                 public_url("feeds.agency", slug=slug),
                 public_url("reading.draft_list", agency=slug), _revisions(Draft.agency_id == found.id))


@bp.route("/drafts/<slug>/feed.atom")
def draft(slug: str):
    """The revisions of one draft (an unpublished draft has no public feed)."""
    found = get_draft(slug)
    if not found.published:
        abort(404)
    return _feed(f"draft/{found.slug}", _("Muhokama: %(title)s", title=found.title),
                 public_url("feeds.draft", slug=slug),
                 public_url("reading.draft", slug=slug), _revisions(Draft.id == found.id))


@bp.route("/drafts/<slug>/export.zip")
def export(slug: str):
    """Everything public about a draft in one ZIP, streamed as it is written, with a manifest."""
    found = get_draft(slug)
    if not found.published:
        abort(404)
    return Response(stream_with_context(exports.stream_zip(found)), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{found.slug}-export.zip"',
                             "Cache-Control": "no-cache"})
