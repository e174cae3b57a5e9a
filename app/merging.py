"""Turn accepted proposals into revision N+1, and tell people what happened to their input."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

import drafts
from drafts.merge import MergeResult, merge_proposal, merge_proposals
from app import services
from app.amendments import _require_staff, _text, notify
from app.extensions import db
from app.models import Attribution, Clause, Comment, Draft, Follow, Proposal, Revision, User, utcnow
from app.services import RuleError


@dataclass
class MergeItem:
    """One clause touched by the selected proposals (or one new clause to insert)."""
    key: str  #: the clause's lineage key (for an insertion: the new clause's key)
    label: str
    action: str  #: replace | delete | insert_after
    current: str  #: the clause's text in the head revision ("" for an insertion)
    proposals: list[Proposal] = field(default_factory=list)
    merged: str | None = None  #: the text merge computed; None when staff must resolve
    conflict: str = ""  #: why staff must resolve this by hand
    result: MergeResult | None = None

    @property
    def conflicted(self) -> bool:
        return bool(self.conflict)


def mergeable_proposals(draft: Draft) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(
        Proposal.draft_id == draft.id, Proposal.status.in_(("accepted", "partly_accepted")),
        Proposal.merged_revision_id.is_(None)).order_by(Proposal.id)))


def plan_merge(draft: Draft, proposal_ids: list[int]) -> list[MergeItem]:
    """What merging these proposals into the head revision gives, clause by clause."""
    chosen = [p for p in mergeable_proposals(draft) if p.id in set(proposal_ids)]
    missing = set(proposal_ids) - {p.id for p in chosen}
    if missing:
        raise RuleError("Only accepted proposals that are not merged yet can be merged "
                        f"(not: {', '.join('#' + str(i) for i in sorted(missing))}).", 409)
    head = services.current_revision(draft)
    clauses = {c.key: c for c in services.revision_clauses(head)}
    by_key: dict[str, list[Proposal]] = {}
    for p in chosen:
        by_key.setdefault(p.clause_key, []).append(p)
    items: list[MergeItem] = []
    for key, group in by_key.items():
        clause = clauses.get(key)
        label = clause.label if clause else key
        inserts = [p for p in group if p.action == "insert_after"]
        edits = [p for p in group if p.action != "insert_after"]
        for p in inserts:
            item = MergeItem(key=f"{key}+p{p.id}", label=f"New clause after {label}", action="insert_after",
                             current="", proposals=[p], merged=p.proposed_text)
            if clause is None:
                item.conflict, item.merged = f"{label} no longer exists, so there is nothing to insert after.", None
            items.append(item)
        if not edits:
            continue
        item = MergeItem(key=key, label=label, action=edits[0].action, current=clause.text if clause else "",
                         proposals=edits)
        actions = {p.action for p in edits}
        if clause is None:
            item.conflict = "The clause no longer exists in the current revision."
        elif actions == {"replace", "delete"}:
            item.conflict = "One proposal deletes this clause and another rewrites it."
        elif actions == {"delete"}:
            if any(p.base_text != clause.text for p in edits):
                item.conflict = "The clause changed after the deletion was proposed."
            else:
                item.merged = ""
        else:
            item.result = merge_proposals(clause.text, [(p.base_text, p.proposed_text) for p in edits])
            if item.result.status == "conflict":
                item.conflict = ("These proposals change the same words as each other or as a later revision."
                                 if len(edits) > 1 else "The clause changed since the proposal was made, in the same words.")
            else:
                item.merged = item.result.text
        items.append(item)
    return items


def publish_merge(staff: User, draft: Draft, proposal_ids: list[int], *, texts: dict[str, str],
                  deletions: set[str], edits: dict[str, str], note: str) -> Revision:
    """Publish revision N+1 with the chosen proposals merged.

    :param texts: final text per item key as staff saw and possibly edited it; required for conflicts
    :param deletions: item keys staff chose to delete (a resolution of a conflict)
    :param edits: direct edits by staff to other clauses of the head revision, by key
    :raise RuleError: when a conflict is left unresolved, or nothing would change
    """
    _require_staff(staff, draft)
    note = _text(note, "The change note", 5000)
    if not proposal_ids and not edits:
        raise RuleError("Choose at least one accepted proposal, or edit a clause.")
    items = plan_merge(draft, proposal_ids)
    head = services.current_revision(draft)
    clauses = services.revision_clauses(head)
    keys = {c.key for c in clauses}
    replace: dict[str, str] = {}
    delete: set[str] = set()
    inserts: dict[str, list[tuple[str, str, Proposal]]] = {}
    partly: dict[int, bool] = {}
    for item in items:
        submitted = (texts.get(item.key) or "").replace("\r\n", "\n").strip()
        if item.key in deletions:
            final = None
        elif item.conflicted:
            if not submitted:
                raise RuleError(f"Resolve the conflict in {item.label} by hand before publishing.", 409)
            final = submitted
        else:
            final = submitted or item.merged
            if item.action == "delete" and not submitted:
                final = None
        for p in item.proposals:
            partly[p.id] = p.status == "partly_accepted" or item.conflicted or (final or "") != (item.merged or "")
        if item.action == "insert_after":
            if final:
                anchor = item.key.rsplit("+p", 1)[0]
                inserts.setdefault(anchor, []).append((item.key, final, item.proposals[0]))
        elif final is None:
            delete.add(item.key)
        else:
            replace[item.key] = final
    for key, text in edits.items():
        if key not in keys:
            raise RuleError("A clause you edited is not part of the current revision.", 404)
        if key not in replace and key not in delete:
            replace[key] = _text(text, "The edited text", 50_000)
    new_clauses: list[drafts.Clause] = []
    for c in clauses:
        if c.key not in delete:
            new_clauses.append(c if c.key not in replace else
                               drafts.Clause(key=c.key, eid=c.eid, label=c.label, heading=c.heading,
                                             text=replace[c.key], kind=c.kind, num=c.num))
        for new_key, text, p in inserts.get(c.key, []):
            new_clauses.append(drafts.Clause(key=new_key, eid=f"{c.eid}__ins_p{p.id}", label=f"{c.label} (new)",
                                             heading="", text=text, kind=c.kind, num=""))
    if drafts.clauses_content_hash(new_clauses) == head.content_hash:
        raise RuleError("Nothing would change: the merged text equals the current revision.")
    revision = services._add_revision(draft, new_clauses, number=head.number + 1, parent=head, note=note,
                                      author=staff, fmt="md")
    draft.current_revision_number = revision.number
    for item in items:
        for p in item.proposals:
            p.merged_revision_id = revision.id
            p.updated_at = utcnow()
            db.session.add(Attribution(revision_id=revision.id, clause_key=item.key, proposal_id=p.id,
                                       partly=partly[p.id]))
    services.audit(staff, "draft.merge", f"draft:{draft.slug}",
                   f"revision {revision.number}: proposals {sorted(proposal_ids)}")
    after_new_revision(draft, head, revision)
    return revision


def after_new_revision(draft: Draft, old: Revision, new: Revision) -> None:
    """Supersede open proposals the new text makes moot, and tell people what happened to their input."""
    old_text = {c.key: c.text for c in services.revision_clauses(old)}
    new_clauses = {c.key: c for c in services.revision_clauses(new)}
    changed = {k for k, t in old_text.items() if k not in new_clauses or new_clauses[k].text != t}
    diff_link = f"/drafts/{draft.slug}/diff?from={old.number}&to={new.number}"
    for p in db.session.scalars(select(Proposal).where(
            Proposal.draft_id == draft.id, Proposal.status == "open", Proposal.clause_key.in_(changed))):
        clause = new_clauses.get(p.clause_key)
        if clause is None:
            reason = f"The clause was deleted in revision {new.number}."
        elif p.action == "insert_after":
            continue
        else:
            outcome = merge_proposal(p.base_text, p.proposed_text, clause.text).status if p.action == "replace" else "conflict"
            if outcome in ("clean", "merged"):
                continue  # the proposal still applies to the new text
            reason = (f"Revision {new.number} already contains this change." if outcome == "noop" else
                      f"The clause changed in revision {new.number} in the words this proposal changes.")
        p.status, p.decision_reason, p.decided_at, p.updated_at = "superseded", reason, utcnow(), utcnow()
        notify(p.author_id, draft, "proposal.superseded", f"Your proposal was superseded: {reason}",
               f"/drafts/{draft.slug}/proposals/{p.id}")
    for p in db.session.scalars(select(Proposal).where(Proposal.merged_revision_id == new.id)):
        notify(p.author_id, draft, "proposal.merged",
               f"Your proposal was merged into revision {new.number} of {draft.title}.", diff_link)
    touched: dict[int, set[str]] = {}
    if changed:
        for author_id, key in db.session.execute(select(Comment.author_id, Comment.clause_key).where(
                Comment.draft_id == draft.id, Comment.status == "visible", Comment.clause_key.in_(changed),
                Comment.is_official.is_(False))).all():
            touched.setdefault(author_id, set()).add(key)
    for user_id, keys in touched.items():
        deleted = sum(1 for k in keys if k not in new_clauses)
        notify(user_id, draft, "comment.clause_changed",
               f"Revision {new.number} of {draft.title} changed {len(keys) - deleted} and deleted {deleted} "
               f"of the clauses you commented on.", diff_link)
    for (user_id,) in db.session.execute(select(Follow.user_id).where(Follow.draft_id == draft.id,
                                                                      Follow.following.is_(True))).all():
        notify(user_id, draft, "draft.revised", f"Revision {new.number} of {draft.title} is published.", diff_link)


@dataclass(frozen=True)
class Fate:
    """What a later revision did to the clause a comment was made on."""
    kind: str  #: carried | changed | changed_as_proposed | deleted
    since: int  #: the revision number the comment was made on
    quote: str | None = None  #: found | gone, for comments on a quoted phrase


def comment_fates(draft: Draft, comments: list[Comment]) -> dict[int, Fate]:
    head = services.current_revision(draft)
    old = [c for c in comments if c.clause_key and c.revision_id != head.id]
    if not old:
        return {}
    keys = {c.clause_key for c in old}
    rev_ids = {c.revision_id for c in old} | {head.id}
    texts = {(r, k): t for r, k, t in db.session.execute(select(Clause.revision_id, Clause.key, Clause.text).where(
        Clause.revision_id.in_(rev_ids), Clause.key.in_(keys)))}
    numbers = dict(db.session.execute(select(Revision.id, Revision.number).where(Revision.id.in_(rev_ids))).all())
    attributed = {(k, n) for k, n in db.session.execute(
        select(Attribution.clause_key, Revision.number).join(Revision, Revision.id == Attribution.revision_id)
        .where(Revision.draft_id == draft.id, Attribution.clause_key.in_(keys)))}
    fates: dict[int, Fate] = {}
    for c in old:
        before, now = texts.get((c.revision_id, c.clause_key)), texts.get((head.id, c.clause_key))
        since = numbers[c.revision_id]
        if now is None:
            fates[c.id] = Fate("deleted", since)
            continue
        if now == before:
            kind = "carried"
        elif any((c.clause_key, n) in attributed for n in range(since + 1, head.number + 1)):
            kind = "changed_as_proposed"
        else:
            kind = "changed"
        quote = None
        if c.quote_exact:
            found = drafts.find_quote(now, drafts.Quote(exact=c.quote_exact, prefix=c.quote_prefix or "",
                                                        suffix=c.quote_suffix or "", start=c.quote_start or 0))
            quote = "found" if found else "gone"
        fates[c.id] = Fate(kind, since, quote)
    return fates
