"""Pages shown by more than one blueprint: a clause with its comments, the comments on a whole
draft, and a proposal. A GET shows them; a POST whose form has errors shows them again with what
the person typed, so no view needs to import another."""
from __future__ import annotations

from flask import abort, current_app, render_template
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from app import activity, clusters, parallel, queries
from app.clock import utcnow
from app.extensions import db
from app.labels import RESPONDENT_GROUPS
from app.models import (
    Clause,
    ClauseVote,
    Comment,
    Disposition,
    Draft,
    Proposal,
    ProposalVote,
    Revision,
)
from app.views.common import (
    get_clause,
    get_draft,
    get_revision,
    page_number,
    respondent_filter,
)
from app.views.forms import STATUS_LABELS, CommentForm, VoteForm, WithdrawForm
from drafts.anchor import Quote, spans
from drafts.diff import word_diff

#: quoted phrases highlighted in a clause; a clause quoted more often shows the first ones
MAX_HIGHLIGHTS = 200


def highlighted(draft: Draft, revision: Revision, clause: Clause) -> Markup:
    """The clause text with the phrases that visible comments quote in <mark>: server-side, so it
    works without JavaScript. Quotes made on another revision are found again (or left out)."""
    rows = db.session.execute(select(Comment.revision_id, Comment.quote_exact, Comment.quote_prefix,
                                     Comment.quote_suffix, Comment.quote_start).where(
        Comment.draft_id == draft.id, Comment.clause_key == clause.key, queries.public(Comment),
        Comment.quote_exact.is_not(None), Comment.quote_exact != "").order_by(Comment.id).limit(MAX_HIGHLIGHTS))
    quotes = [(Quote(exact, prefix or "", suffix or "", start or 0), rev == revision.id)
              for rev, exact, prefix, suffix, start in rows]
    text, out, at = clause.text, [], 0
    for start, end in spans(text, quotes):
        out += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _threads(draft: Draft, clause_key: str | None, proposal_id: int | None = None, respondent_type: str = ""):
    """A page of threads where each campaign of copies shows once, by its earliest comment."""
    campaign = clusters.draft_campaigns(draft)
    pagination, roots, children, extra = queries.comment_threads(
        draft, clause_key, page_number(), current_app.config["COMMENTS_PER_PAGE"], proposal_id=proposal_id,
        collapsed=campaign.collapsed, respondent_type=respondent_type)
    return pagination, roots, children, {**extra, "campaign": campaign}


def clause_page(slug: str, eid: str, number: int | None = None, *, form=None, vote_form=None,
                status: int = 200):
    """A clause with its comments, proposals and votes."""
    draft = get_draft(slug)
    revision = get_revision(draft, number)
    clause = get_clause(revision, eid)
    pagination, roots, children, extra = _threads(draft, clause.key)
    proposals = db.session.scalars(select(Proposal).where(
        Proposal.draft_id == draft.id, Proposal.clause_key == clause.key, queries.public(Proposal))
        .order_by(Proposal.id.desc()).limit(50)).all()
    counts = activity.draft_activity(draft).counts.get(clause.key, {"comments": 0, "for": 0, "against": 0})
    others = parallel.clause_counterparts(draft, clause.eid, queries.cached_clauses(revision),
                                          parallel.versions(draft, current_user))
    elsewhere, elsewhere_total = parallel.comments_elsewhere(others)
    return render_template(
        "reading/clause.html", draft=draft, revision=revision, clause=clause, pagination=pagination, roots=roots,
        children=children, counts=counts, proposals=proposals,
        proposal_counts=queries.proposal_votes([p.id for p in proposals]),
        form=form or CommentForm(clause_key=clause.key), **extra, vote_form=vote_form or VoteForm(),
        my_vote=queries.my_vote(ClauseVote, current_user, draft_id=draft.id, clause_key=clause.key),
        is_current=revision.number == draft.current_revision_number, now=utcnow(), others=others,
        elsewhere=elsewhere, elsewhere_total=elsewhere_total,
        clause_html=highlighted(draft, revision, clause)), status


def draft_comments_page(slug: str, *, form=None, status: int = 200):
    """The comments on a draft as a whole, all or those of one respondent type (with the count of each)."""
    draft = get_draft(slug)
    respondent = respondent_filter()
    pagination, roots, children, extra = _threads(draft, None, respondent_type=respondent)
    counts = queries.respondent_counts(Comment, Comment.draft_id == draft.id, Comment.parent_id.is_(None),
                                       Comment.proposal_id.is_(None), Comment.clause_key.is_(None))
    others = parallel.versions(draft, current_user)
    elsewhere, elsewhere_total = parallel.draft_comments_elsewhere(draft, others, respondent)
    return render_template("reading/comments.html", draft=draft, pagination=pagination, roots=roots,
                           children=children, form=form or CommentForm(), now=utcnow(), respondent=respondent,
                           respondent_counts=counts, groups=RESPONDENT_GROUPS, others=others, elsewhere=elsewhere,
                           elsewhere_total=elsewhere_total, **extra), status


def get_proposal(slug: str, proposal_id: int) -> tuple[Proposal, Draft]:
    """:raise 404: no such visible proposal on this (visible) draft."""
    draft = get_draft(slug)
    proposal = db.session.get(Proposal, proposal_id)
    if not queries.is_public(proposal) or proposal.draft_id != draft.id:
        abort(404)
    return proposal, draft


def proposal_page(slug: str, proposal_id: int, *, form=None, status: int = 200):
    """One proposal: the change it makes, its votes, its discussion and staff's decision."""
    draft = get_draft(slug)
    hidden = db.session.get(Proposal, proposal_id)
    if hidden is not None and hidden.draft_id == draft.id and not queries.is_public(hidden):
        return render_template("proposals/hidden.html", draft=draft, proposal=hidden), status
    proposal, draft = get_proposal(slug, proposal_id)
    current = queries.find_clause(draft, key=proposal.clause_key)
    pagination, roots, children, extra = _threads(draft, proposal.clause_key, proposal.id)
    disposition = db.session.scalar(select(Disposition).where(Disposition.proposal_id == proposal.id))
    return render_template(
        "proposals/proposal.html", draft=draft, proposal=proposal, ops=word_diff(proposal.base_text,
                                                                                 proposal.proposed_text),
        current=current, label=queries.clause_label(draft, proposal.clause_key), labels=STATUS_LABELS,
        votes=queries.proposal_votes([proposal.id])[proposal.id],
        my_vote=queries.my_vote(ProposalVote, current_user, proposal_id=proposal.id), disposition=disposition,
        pagination=pagination, roots=roots, children=children, form=form or CommentForm(),
        vote_form=VoteForm(), withdraw_form=WithdrawForm(), now=utcnow(),
        proposal_files=queries.files_of(Proposal, [proposal.id]).get(proposal.id, []), **extra), status
