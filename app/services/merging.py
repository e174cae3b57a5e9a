"""Turn accepted proposals into revision N+1. Nothing is merged silently: every proposal goes
through ``drafts.merge``; a clause whose proposals conflict with later edits (or with each other) is
resolved by staff by hand, and a proposal written on an older text is shown with all three texts."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import drafts
from app import queries
from app.clock import utcnow
from app.extensions import db
from app.models import Attribution, Disposition, Draft, Proposal, Revision, User
from app.services.audit import audit
from app.services.revisions import publish_revision
from app.services.rules import MAX_CLAUSE_CHARS, RuleError, authorize, clean_text
from drafts.diff import word_diff
from drafts.merge import MergeResult, merge_proposal, merge_proposals


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

    @property
    def rebased(self) -> list[Proposal]:
        """Proposals written on an older text of the clause: merged three-way, which staff must see."""
        if self.action == "insert_after":
            return []
        return [p for p in self.proposals if p.base_text != self.current]

    @property
    def ops(self) -> list[tuple[int, str]]:
        """The change this item makes to the current text, word by word."""
        after = "" if self.action == "delete" else (self.merged if self.merged is not None else "")
        return word_diff(self.current, after) if not self.conflicted else []


def plan_merge(draft: Draft, proposal_ids: list[int]) -> list[MergeItem]:
    """What merging these proposals into the head revision gives, clause by clause."""
    chosen = [p for p in queries.mergeable_proposals(draft) if p.id in set(proposal_ids)]
    missing = set(proposal_ids) - {p.id for p in chosen}
    if missing:
        raise RuleError(_("Only accepted proposals that are not merged yet can be merged (not: %(ids)s).",
                          ids=", ".join("#" + str(i) for i in sorted(missing))), 409)
    clauses = {c.key: c for c in queries.revision_clauses(queries.current_revision(draft))}
    by_key: dict[str, list[Proposal]] = {}
    for p in chosen:
        by_key.setdefault(p.clause_key, []).append(p)
    items: list[MergeItem] = []
    for key, group in by_key.items():
        clause = clauses.get(key)
        label = clause.label if clause else queries.clause_label(draft, key)
        for p in (p for p in group if p.action == "insert_after"):
            item = MergeItem(key=f"{key}+p{p.id}", label=f"New clause after {label}", action="insert_after",
                             current="", proposals=[p], merged=p.proposed_text)
            if clause is None:
                item.conflict, item.merged = f"{label} no longer exists, so there is nothing to insert after.", None
            items.append(item)
        edits = [p for p in group if p.action != "insert_after"]
        if edits:
            items.append(_edit_item(key, label, clause, edits))
    return items


def _edit_item(key: str, label: str, clause: drafts.Clause | None, edits: list[Proposal]) -> MergeItem:
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
    return item


def merged_in_full(proposal: Proposal, final: str | None) -> bool:
    """The one rule for "accepted" against "partly accepted" once merged: the published text
    (``final``; None when the clause was deleted) carries the proposal's whole change. Staff's own
    further edits to the clause do not make it partial; leaving out part of its change does."""
    if proposal.action == "delete":
        return final is None
    if final is None:
        return False
    if proposal.action == "insert_after":
        return drafts.words(final) == drafts.words(proposal.proposed_text)
    return merge_proposal(proposal.base_text, proposal.proposed_text, final).status == "noop"


def publish_merge(staff: User, draft: Draft, proposal_ids: list[int], *, texts: dict[str, str],
                  deletions: set[str], edits: dict[str, str], note: str) -> Revision:
    """Publish revision N+1 with the chosen proposals merged.

    :param texts: final text per item key as staff saw and possibly edited it; required for conflicts
    :param deletions: item keys staff chose to delete (a resolution of a conflict)
    :param edits: direct edits by staff to other clauses of the head revision, by key
    :raise RuleError: when a conflict is left unresolved, or nothing would change
    """
    authorize(staff, draft)
    note = clean_text(note, _l("The change note"), 5000)
    if not proposal_ids and not edits:
        raise RuleError(_("Choose at least one accepted proposal, or edit a clause."))
    items = plan_merge(draft, proposal_ids)
    head = queries.current_revision(draft)
    clauses = queries.revision_clauses(head)
    keys = {c.key for c in clauses}
    replace: dict[str, str] = {}
    delete: set[str] = set()
    inserts: dict[str, list[tuple[str, str, Proposal]]] = {}
    finals: dict[int, str | None] = {}
    for item in items:
        submitted = (texts.get(item.key) or "").replace("\r\n", "\n").strip()
        if item.key in deletions:
            final = None
        elif item.conflicted:
            if not submitted:
                raise RuleError(_("Resolve the conflict in %(clause)s by hand before publishing.", clause=item.label), 409)
            final = submitted
        else:
            final = submitted or item.merged
            if item.action == "delete" and not submitted:
                final = None
        for p in item.proposals:
            finals[p.id] = final
        if item.action == "insert_after":
            if final:
                inserts.setdefault(item.key.rsplit("+p", 1)[0], []).append((item.key, final, item.proposals[0]))
        elif final is None:
            delete.add(item.key)
        else:
            replace[item.key] = final
    for key, text in edits.items():
        if key not in keys:
            raise RuleError(_("A clause you edited is not part of the current revision."), 404)
        if key not in replace and key not in delete:
            replace[key] = clean_text(text, _l("The edited text"), MAX_CLAUSE_CHARS)
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
        raise RuleError(_("Nothing would change: the merged text equals the current revision."))
    revision_number = head.number + 1
    attributions = []
    for item in items:
        for p in item.proposals:
            partly = p.status == "partly_accepted" or not merged_in_full(p, finals[p.id])
            _settle(p, partly, revision_number)
            attributions.append((item.key, p, partly))
    revision = publish_revision(draft, new_clauses, head=head, note=note, author=staff,
                                merged=[p for _key, p, _partly in attributions])
    for key, p, partly in attributions:
        db.session.add(Attribution(revision_id=revision.id, clause_key=key, proposal_id=p.id, partly=partly))
    db.session.flush()
    audit(staff, "draft.merge", f"draft:{draft.slug}", f"revision {revision.number}: proposals {sorted(proposal_ids)}")
    return revision


def _settle(proposal: Proposal, partly: bool, revision_number: int) -> None:
    """An accepted proposal merged only in part reads "partly accepted" everywhere: on its page, in
    the register, on the draft page and in the diff."""
    proposal.updated_at = utcnow()
    if partly and proposal.status == "accepted":
        proposal.status = "partly_accepted"
        disposition = db.session.scalar(select(Disposition).where(Disposition.proposal_id == proposal.id))
        if disposition is not None:
            disposition.outcome, disposition.updated_at = "partly_accepted", utcnow()
        audit(None, "proposal.partly_merged", f"proposal:{proposal.id}",
              f"merged in part into revision {revision_number}")
