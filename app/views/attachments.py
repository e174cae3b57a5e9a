"""Downloading the documents that came with a comment or proposal.

Only as a download, never shown by the browser: ``Content-Disposition: attachment`` with the cleaned
name, the type the content was recognised as, ``nosniff`` and a policy that lets nothing run. A
contribution that is not public (hidden by a moderator or pending review) serves no files."""
from __future__ import annotations

from flask import Blueprint, abort, send_file

from app import queries
from app.extensions import db
from app.models import Attachment, Comment, Proposal
from app.services import attachments
from app.views.common import get_draft

bp = Blueprint("attachments", __name__)

#: nothing in the file may run, load or be framed, even if a browser were to open it
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _public_target(attachment: Attachment) -> Comment | Proposal | None:
    target = attachment.comment or attachment.proposal
    if not queries.is_public(target):
        return None
    # a comment on a proposal is shown only with its proposal
    if (isinstance(target, Comment) and target.proposal_id is not None
            and not queries.is_public(db.session.get(Proposal, target.proposal_id))):
        return None
    return target


@bp.route("/drafts/<slug>/attachments/<int:attachment_id>")
def download(slug: str, attachment_id: int):
    """A document attached to a public comment or proposal of a draft the reader may see."""
    draft = get_draft(slug)
    attachment = db.session.get(Attachment, attachment_id)
    target = _public_target(attachment) if attachment is not None else None
    if target is None or target.draft_id != draft.id:
        abort(404)
    path = attachments.file_of(attachment)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=attachments.MIME_TYPES[attachment.kind], as_attachment=True,
                         download_name=attachment.name, conditional=True, etag=attachment.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-cache"  # hiding it later must take effect at once
    return response
