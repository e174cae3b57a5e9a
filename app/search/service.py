"""One search, whatever the engine: parse, resolve filters in the database, ask the engine for ids,
show hits from the database (re-checking visibility) with snippets, and count facets."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.models import Agency, BudgetProject, Comment, Draft
from app.search import EngineQuery, get_backend, outbox
from app.search.analysis import (
    LANGUAGES,
    ClauseRef,
    clause_reference,
    marks_to_html,
    parse_query,
)
from app.search.analysis import (
    Clause as AnalysedClause,
)
from app.search.documents import KINDS, Shown, numbered_clauses
from app.search.notices import why_nothing

STATUSES = ("open", "closed", "upcoming", "adopted")
SORTS = ("relevance", "date")


class SearchInputError(ValueError):
    """A filter value that cannot be understood; the message is shown as is."""


@dataclass
class Spec:
    q: str = ""
    kind: str | None = None
    agency: str | None = None
    status: str | None = None
    lang: str | None = None
    draft: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "relevance"
    all_revisions: bool = False
    page: int = 1
    per_page: int = 10


@dataclass
class Hit:
    shown: Shown
    snippet_html: str


@dataclass
class Response:
    spec: Spec
    groups: dict[str, list[Hit]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    total: int = 0
    notices: list[str] = field(default_factory=list)
    any_terms: bool = False
    agency_names: dict[str, str] = field(default_factory=dict)
    draft_titles: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        if not self.spec.kind:
            return 1
        return max(1, -(-self.counts.get("kind", {}).get(self.spec.kind, 0) // self.spec.per_page))


_WHOLE = re.compile(r"[0-9]{1,4}")  # ASCII only: "²".isdigit() is true, int("²") fails
MAX_QUERY_CHARS = 2000


def _date(raw: str, name: str, end: bool) -> datetime | None:
    if not raw:
        return None
    try:
        day = datetime.strptime(raw[:10], "%Y-%m-%d").date()
    except ValueError:
        raise SearchInputError(_("%(name)s must be a date like 2026-01-31.", name=name)) from None
    return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=UTC) - \
        (timedelta(microseconds=1) if end else timedelta(0))


def spec_from_args(args) -> Spec:
    """Read request arguments; :raise SearchInputError: with a message a person can act on."""
    def choice(name: str, allowed) -> str | None:
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            raise SearchInputError(_("%(name)s must be one of: %(values)s.", name=name, values=", ".join(allowed)))
        return value or None

    page_raw = (args.get("page") or "1").strip()
    if not _WHOLE.fullmatch(page_raw) or not 0 < int(page_raw) <= 1000:
        raise SearchInputError(_("page must be a whole number from 1 to 1000."))
    per_raw = (args.get("per_page") or "").strip()
    if per_raw and (not _WHOLE.fullmatch(per_raw) or not 0 < int(per_raw) <= 50):
        raise SearchInputError(_("per_page must be a whole number from 1 to 50."))
    kind = choice("kind", tuple(KINDS))
    # the query is echoed into every facet and page link: a million characters must not make a 37 MB page
    return Spec(q=(args.get("q", "") or "")[:MAX_QUERY_CHARS], kind=kind,
                agency=(args.get("agency") or "").strip() or None,
                status=choice("status", STATUSES), lang=choice("lang", LANGUAGES),
                draft=(args.get("draft") or "").strip() or None,
                date_from=_date(args.get("from", ""), "from", False), date_to=_date(args.get("to", ""), "to", True),
                sort=choice("sort", SORTS) or "relevance",
                all_revisions=(args.get("revisions") or "") in ("all", "1", "true"),
                page=int(page_raw), per_page=int(per_raw) if per_raw else (20 if kind else 5))


def _drafts(spec: Spec, now: datetime) -> tuple[dict[int, dict], set[int], set[int] | None]:
    """Published drafts (id -> facts for facets), unpublished ids, and the ids the filters allow."""
    rows = db.session.execute(select(Draft.id, Draft.slug, Draft.title, Draft.published, Draft.opens_at,
                                     Draft.closes_at, Draft.current_revision_number, Agency.slug, Agency.name,
                                     Draft.language)
                              .join(Agency, Agency.id == Draft.agency_id)).all()
    public, hidden = {}, set()
    for r in rows:
        if not r.published:
            hidden.add(r.id)
            continue
        status = "upcoming" if now < r.opens_at else "open" if now < r.closes_at else "closed"
        public[r.id] = {"slug": r.slug, "title": r.title, "status": status, "rev": r.current_revision_number,
                        "agency": r[7], "agency_name": r[8], "language": r.language}
    only = None
    if spec.agency or spec.status or spec.draft:
        only = {i for i, d in public.items()
                if (not spec.agency or d["agency"] == spec.agency)
                and (not spec.status or d["status"] == spec.status)  # "adopted": no draft is, yet
                and (not spec.draft or d["slug"] == spec.draft)}
    return public, hidden, only


def search(spec: Spec) -> Response:
    """Run a search for a page or the API; never raises on odd input."""
    response = Response(spec)
    parsed = parse_query(spec.q)
    response.notices.extend(parsed.notices)
    ref = clause_reference(parsed.text) if not parsed.must_not else None
    if ref is not None and ref.words:  # the designation as one phrase, so "Статья 2" is not every "2"
        parsed.must = [AnalysedClause("phrase" if " " in ref.words or "-" in ref.words else "term", ref.words)]
    if parsed.empty:
        if not parsed.must_not:
            response.notices.append(_("Type some words to search for."))
        return response
    backend = get_backend()
    exclude: set[str] = set()
    if outbox.pending_count():
        if current_app.config.get("SEARCH_PROCESS_ON_REQUEST", True):
            outbox.try_process_now()
        exclude = outbox.pending_keys()
    if not backend.filters_visibility:  # the index may lag behind moderation: the database decides
        exclude |= _hidden_comment_keys()
        exclude |= {f"project:{i}" for i in db.session.scalars(select(BudgetProject.id)
                                                              .where(~queries.public(BudgetProject)))}
    public, hidden, only = _drafts(spec, utcnow())
    kinds = [spec.kind] if spec.kind else list(KINDS)
    eq = EngineQuery(parsed=parsed, kinds=kinds, current_revisions={i: d["rev"] for i, d in public.items()},
                     hidden_drafts=hidden, only_drafts=only, exclude_keys=exclude,
                     all_revisions=spec.all_revisions, lang=spec.lang, date_from=spec.date_from,
                     date_to=spec.date_to, sort=spec.sort, limit=spec.per_page,
                     offset=(spec.page - 1) * spec.per_page)
    result = backend.search(eq)
    if result.dropped:
        response.notices.append(_("Left out as too common to search for: %(words)s.", words=", ".join(result.dropped)))
    if not sum(result.counts.get("kind", Counter()).values()) and len(parsed.must) > 1:
        eq.any_terms = response.any_terms = True
        result = backend.search(eq)
        if sum(result.counts.get("kind", Counter()).values()):
            response.notices.append(_("Nothing contained all of your words; these results contain some of them."))
    if ref is not None and "clause" in kinds:
        _pin_numbered(ref, spec, result, public, only)
    found: dict[str, list[Shown]] = {}
    for kind in kinds:
        ids = result.hits.get(kind, [])
        shown = KINDS[kind].show(ids) if ids else {}
        found[kind] = [shown[i] for i in ids if i in shown]
    snippets = iter(backend.snippets(parsed, [hit for hits in found.values() for hit in hits]))
    for kind, hits in found.items():
        response.groups[kind] = [Hit(hit, marks_to_html(next(snippets))) for hit in hits]
    _count(response, result.counts, public)
    if not response.total:
        response.notices.extend(why_nothing(
            backend, eq, filtered=bool(spec.kind or only is not None or spec.lang or spec.date_from or spec.date_to),
            status=spec.status, draft_facts=public, draft_languages={d["language"] for d in public.values()}))
    return response


_HIDDEN = "muhokama.search_hidden_comments"


def _hidden_comment_keys() -> frozenset[str]:
    """The index keys of the comments not shown, kept per process under a stamp of them (how many,
    and their ids' sum, least and greatest: any hide or restore moves it), read from the partial
    index of hidden comments. Reading all their ids every time cost 5-9 ms of each search at
    2,000 hidden comments."""
    not_shown = ~queries.public(Comment)
    stamp = tuple(db.session.execute(select(func.count(), func.sum(Comment.id), func.min(Comment.id),
                                            func.max(Comment.id)).where(not_shown)).one())
    kept = current_app.extensions.get(_HIDDEN)
    if kept is None or kept[0] != stamp:
        keys = frozenset(f"comment:{i}" for i in db.session.scalars(select(Comment.id).where(not_shown)))
        kept = current_app.extensions[_HIDDEN] = (stamp, keys)
    return kept[1]


def _pin_numbered(ref: ClauseRef, spec: Spec, result, public: dict[int, dict], only: set[int] | None) -> None:
    """A query that names a clause number puts the clauses with that number first: in every draft
    the filters allow for ``Article 4``, only within the chosen draft for a bare ``4``. Counts
    include them even when the engine did not match their words."""
    if (ref.bare and not spec.draft) or spec.lang or spec.date_from or spec.date_to or spec.sort != "relevance" \
            or spec.all_revisions:
        return
    pinned = numbered_clauses(ref.num, ref.kinds, set(public) if only is None else only)
    if not pinned:
        return
    hits = result.hits.get("clause", [])
    if spec.page == 1:
        result.hits["clause"] = (pinned + [i for i in hits if i not in pinned])[:spec.per_page]
    else:
        result.hits["clause"] = [i for i in hits if i not in pinned]
    counts = result.counts.setdefault("kind", Counter())
    counts["clause"] = max(counts.get("clause", 0), len(pinned))


def _count(response: Response, counts: dict[str, Counter], public: dict[int, dict]) -> None:
    by_agency: Counter = Counter()
    by_status: Counter = Counter()
    by_draft: Counter = Counter()
    for draft_id, n in counts.get("draft", Counter()).items():
        d = public.get(int(draft_id))
        if d is None:
            continue
        by_agency[d["agency"]] += n
        by_status[d["status"]] += n
        by_draft[d["slug"]] += n
    agency_names = {d["agency"]: d["agency_name"] for d in public.values()}
    response.counts = {
        "kind": {k: int(counts.get("kind", Counter()).get(k, 0)) for k in KINDS},
        "lang": {k: int(v) for k, v in counts.get("lang", Counter()).most_common()},
        "agency": {k: int(v) for k, v in by_agency.most_common()},
        "status": {k: int(by_status.get(k, 0)) for k in STATUSES},
        "draft": {k: int(v) for k, v in by_draft.most_common(20)},
    }
    response.agency_names = agency_names
    response.draft_titles = {d["slug"]: d["title"] for d in public.values()}
    kinds = [response.spec.kind] if response.spec.kind else list(KINDS)
    response.total = sum(response.counts["kind"][k] for k in kinds)
