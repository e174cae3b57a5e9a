"""Bulk import of comments received by other channels (letters sent by email or post, paper forms
typed in): a CSV or JSON file, checked whole before anything is written, then inserted in bulk.
All or nothing; each row has an import key, so running the same file again adds nothing."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

import drafts
from app import queries
from app.activity import touch_activity
from app.clock import utcnow
from app.extensions import db
from app.models import (
    IMPORT_CHANNELS,
    AssistedEntry,
    Comment,
    Draft,
    SearchOutbox,
    User,
)
from app.services.audit import audit
from app.services.rules import (
    MAX_COMMENT_CHARS,
    RuleError,
    authorize,
    check_not_blocked,
    check_respondent,
    check_stance,
    clean_text,
)
from drafts import refs

#: the columns a file may have; ``name`` and ``body`` are required
COLUMNS = ("ref", "name", "body", "clause", "quote", "stance", "channel", "respondent_type", "organisation")
MAX_ROWS = 200_000
#: errors listed back to the person importing; the rest are counted
MAX_ERRORS_SHOWN = 50


@dataclass
class ImportResult:
    added: int = 0
    #: rows imported by an earlier run of the same file (or an overlapping one)
    already: int = 0
    #: rows repeating an earlier row of the same file
    repeated: int = 0


class ImportRejected(RuleError):
    """The file was refused as a whole; ``errors`` names bad rows (line or item number, message)."""

    def __init__(self, errors: list[tuple[int, str]], total: int):
        shown = "; ".join(f"{line}: {message}" for line, message in errors[:5])
        super().__init__(_("Nothing was imported. Rows with errors: %(count)d (%(first)s).", count=total, first=shown))
        self.errors, self.total_errors = errors, total


def read_rows(data: bytes, fmt: str | None = None, filename: str | None = None) -> list[tuple[int, dict]]:
    """(line or item number, row) from CSV (UTF-8, with or without a byte-order mark; a header row
    names the columns) or JSON (a list of objects, or ``{"comments": [...]}``).

    :raise RuleError: 400 when the file cannot be read as either, or names unknown columns.
    """
    fmt = fmt or ("json" if (filename or "").lower().endswith(".json") or data.lstrip()[:1] in (b"[", b"{")
                  else "csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleError(_("The file is not UTF-8 text (byte %(at)d).", at=exc.start)) from exc
    if fmt == "json":
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise RuleError(_("The file is not valid JSON: %(why)s", why=str(exc))) from exc
        if isinstance(items, dict):
            items = items.get("comments")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise RuleError(_("A JSON file must hold a list of comments, each an object with a name and a body."))
        rows = [(number, item) for number, item in enumerate(items, start=1)]
        columns = set().union(*(item.keys() for item in items)) if items else set()
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        try:
            columns = {name.strip().lower() for name in (reader.fieldnames or []) if name is not None}
            reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
            rows = [(reader.line_num, row) for row in reader]
        except csv.Error as exc:
            raise RuleError(_("The CSV file cannot be read at line %(line)d: %(why)s",
                              line=reader.line_num, why=str(exc))) from exc
        if any(None in row for _line, row in rows):
            line = next(line for line, row in rows if None in row)
            raise RuleError(_("Line %(line)d has more cells than the header has columns.", line=line))
    unknown = sorted(str(c) for c in columns - set(COLUMNS))
    if unknown:
        raise RuleError(_("Unknown columns: %(unknown)s. The columns are: %(columns)s.",
                          unknown=", ".join(unknown), columns=", ".join(COLUMNS)))
    if not {"name", "body"} <= columns and rows:
        raise RuleError(_("The file needs the columns name and body."))
    if len(rows) > MAX_ROWS:
        raise RuleError(_("At most %(max)d comments can be imported at once; split the file.", max=MAX_ROWS), 413)
    return rows


class _Clauses:
    """Finds the clause a row names (its key, eid, or a reference such as "12", "Article 12",
    "12-modda"), remembering each answer: a big file names the same clauses many times."""

    def __init__(self, revision):
        self.clauses = queries.cached_clauses(revision)
        self.by_key = {c["key"]: c for c in self.clauses}
        self.by_eid = {c["eid"]: c for c in self.clauses if c.get("eid")}
        self.found: dict[str, dict | None] = {}

    def find(self, reference: str) -> dict | None:
        if reference not in self.found:
            self.found[reference] = (self.by_key.get(reference) or self.by_eid.get(reference)
                                     or refs.find(self.clauses, reference))
        return self.found[reference]


def _text(value) -> str:
    return "" if value is None else str(value)


def _import_key(draft: Draft, row: dict) -> str:
    """A file's own ``ref`` identifies a row; without one, the row's content does."""
    if _text(row.get("ref")).strip():
        identity = ["ref", _text(row["ref"]).strip()]
    else:
        identity = [_text(row.get(name)).strip() for name in COLUMNS[1:]]
    return hashlib.sha256("\x1f".join([str(draft.id), *identity]).encode()).hexdigest()


def _check_row(row: dict, clauses: _Clauses, default_channel: str) -> dict:
    """The comment's fields from one row. :raise RuleError: naming what is wrong with it."""
    for name, value in row.items():
        if value is not None and not isinstance(value, (str, int, float)):
            raise RuleError(_("%(column)s must be text.", column=name))
    name = clean_text(_text(row.get("name")), _l("The citizen's name"), 120)
    body = clean_text(_text(row.get("body")), _l("The comment"), MAX_COMMENT_CHARS)
    stance = check_stance(_text(row.get("stance")).strip().lower() or None)
    channel = _text(row.get("channel")).strip().lower() or default_channel
    if channel not in IMPORT_CHANNELS:
        raise RuleError(_("Unknown channel %(channel)r: use %(channels)s.", channel=channel,
                          channels=", ".join(IMPORT_CHANNELS)))
    respondent_type, organisation = check_respondent(_text(row.get("respondent_type")).strip().lower() or None,
                                                     _text(row.get("organisation")))
    reference, quote = _text(row.get("clause")).strip(), _text(row.get("quote")).strip()
    fields = {"name": name, "body": body, "stance": stance, "channel": channel, "respondent_type": respondent_type,
              "organisation": organisation, "clause_key": None}
    if reference:
        clause = clauses.find(reference)
        if clause is None:
            raise RuleError(_("No clause %(clause)r in the current revision.", clause=reference))
        fields["clause_key"] = clause["key"]
        if quote:
            selector = drafts.quote_from_exact(clause["text"], quote)
            if selector is None:
                raise RuleError(_("The quoted phrase was not found in the clause; copy it exactly."))
            fields.update(quote_exact=selector.exact, quote_prefix=selector.prefix, quote_suffix=selector.suffix,
                          quote_start=selector.start)
    elif quote:
        raise RuleError(_("A quote must come from a clause."))
    return fields


def import_comments(staff: User, draft: Draft, rows: list[tuple[int, dict]], *, channel: str = "post",
                    consent: bool, source: str = "", now: datetime | None = None) -> ImportResult:
    """Check every row, then insert the new ones in bulk in the caller's transaction.

    Comments are published under the name each row gives, marked with their channel and entered by
    ``staff`` (who states that every sender agreed to that), and counted like any other comment.

    :raise RuleError: 403 unless staff of the draft's agency; 400 without consent or before the
        consultation opened. :raise ImportRejected: when any row is bad (nothing is written).
    """
    authorize(staff, draft)
    check_not_blocked(staff, now)
    if channel not in IMPORT_CHANNELS:
        raise RuleError(_("Unknown channel %(channel)r: use %(channels)s.", channel=channel,
                          channels=", ".join(IMPORT_CHANNELS)), field="channel")
    if not consent:
        raise RuleError(_("Every sender must have agreed that their comment is published with their name."),
                        field="consent")
    if draft.status(now) == "upcoming":
        # letters sent by the deadline may be typed in after it; none can predate the opening
        raise RuleError(_("This consultation has not opened yet; comments can be imported once it has."), 403)
    revision = queries.current_revision(draft)
    clauses = _Clauses(revision)
    checked: dict[str, dict] = {}
    errors: list[tuple[int, str]] = []
    total_errors = repeated = 0
    for line, row in rows:
        try:
            fields = _check_row(row, clauses, channel)
        except RuleError as exc:
            total_errors += 1
            if len(errors) < MAX_ERRORS_SHOWN:
                errors.append((line, str(exc.message)))
            continue
        key = _import_key(draft, row)
        if key in checked:
            repeated += 1
        else:
            checked[key] = fields
    if total_errors:
        raise ImportRejected(errors, total_errors)
    known = set(db.session.scalars(select(AssistedEntry.import_key).join(Comment)
                                   .where(Comment.draft_id == draft.id, AssistedEntry.import_key.is_not(None))))
    new = [(key, fields) for key, fields in checked.items() if key not in known]
    result = ImportResult(added=len(new), already=len(checked) - len(new), repeated=repeated)
    if not new:
        return result
    at = (now or utcnow())
    comment_rows = [{"draft_id": draft.id, "revision_id": revision.id, "clause_key": f["clause_key"],
                     "author_id": staff.id, "body": f["body"], "stance": f["stance"],
                     "respondent_type": f["respondent_type"], "organisation": f["organisation"],
                     "quote_exact": f.get("quote_exact"), "quote_prefix": f.get("quote_prefix"),
                     "quote_suffix": f.get("quote_suffix"), "quote_start": f.get("quote_start"),
                     "status": "visible", "is_official": False, "created_at": at, "updated_at": at,
                     "hidden_reason": "", "pending_review": False} for _key, f in new]
    # Ids are taken first (PostgreSQL: from the sequence; SQLite: after the largest, under the write
    # lock this transaction holds), then rows go in bulk: COPY on PostgreSQL, executemany on SQLite.
    # (The ORM's bulk path splices RETURNING batches in quadratic time; multi-row VALUES of a
    # thousand rows spend their time compiling eighteen thousand parameters.)
    db.session.flush()
    connection = db.session.connection()
    ids = _new_comment_ids(connection, len(comment_rows))
    for comment_id, row in zip(ids, comment_rows, strict=True):
        row["id"] = comment_id
    entries = [{"comment_id": comment_id, "channel": f["channel"], "citizen_name": f["name"], "consent_at": at,
                "entered_by_id": staff.id, "import_key": key} for comment_id, (key, f) in zip(ids, new, strict=True)]
    jobs = [{"kind": "comment", "object_id": comment_id, "op": "upsert", "created_at": at} for comment_id in ids]
    for table, batch in ((Comment.__table__, comment_rows), (AssistedEntry.__table__, entries),
                         (SearchOutbox.__table__, jobs)):
        _insert(connection, table, batch)
    touch_activity(draft)
    audit(staff, "comments.imported", f"draft:{draft.slug}",
          f"{result.added} added, {result.already} already imported; {source}".strip("; "))
    return result


def _new_comment_ids(connection, n: int) -> list[int]:
    if connection.dialect.name == "postgresql":
        return list(connection.scalars(text("SELECT nextval(pg_get_serial_sequence('comment', 'id')) "
                                            "FROM generate_series(1, :n)"), {"n": n}))
    start = connection.scalar(select(func.max(Comment.id))) or 0
    return list(range(start + 1, start + n + 1))


def _insert(connection, table, rows: list[dict]) -> None:
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])
