"""How many people live in each mahalla of a district, as its staff enter them (one by one on the
staff desk, or from a CSV file): the anomaly report flags a project with more votes than its
mahalla has residents."""
from __future__ import annotations

import csv
import io
import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import BudgetMahalla, BudgetRound, User
from app.services.audit import audit
from app.services.rules import RuleError, authorize, clean_text

MAX_RESIDENTS = 10_000_000  #: far above any mahalla (the largest have tens of thousands)
MAX_ROWS = 5_000


def mahalla_key(name: str | None) -> str:
    """The name as residents' free text is matched to it: case, apostrophes (oʻ, o', o’) and
    spacing do not count."""
    return re.sub(r"\s+", " ", re.sub(r"[ʻʼ'’‘`]", "", name or "").casefold()).strip()


def _residents(value, field: str | None = "residents") -> int:
    text = str(value if value is not None else "").replace(" ", "").replace("\u00a0", "").replace(",", "")
    if not text.isdigit() or int(text) > MAX_RESIDENTS:
        raise RuleError(_("The number of residents must be a whole number from 0 to %(max)d.", max=MAX_RESIDENTS),
                        field=field)
    return int(text)


def set_residents(actor: User | None, budget_round: BudgetRound, name: str, residents) -> BudgetMahalla:
    """Record how many people live in a mahalla of the round's district (replacing the last number)."""
    if actor is not None:
        authorize(actor, budget_round)
    name = clean_text(name, _("The mahalla"), 200)
    residents = _residents(residents)
    key = mahalla_key(name)
    if not key:
        raise RuleError(_("%(what)s: the text is empty.", what=_("The mahalla")), field="mahalla")
    row = db.session.scalar(select(BudgetMahalla).where(BudgetMahalla.agency_id == budget_round.agency_id,
                                                        BudgetMahalla.key == key))
    if row is None:
        row = BudgetMahalla(agency_id=budget_round.agency_id, key=key)
        db.session.add(row)
    row.name, row.residents = name, residents
    row.updated_by_id, row.updated_at = (actor.id if actor else None), utcnow()
    db.session.flush()
    audit(actor, "budget.residents", f"agency:{budget_round.agency_id}", f"{name}: {residents}")
    return row


def import_residents(actor: User | None, budget_round: BudgetRound, data: bytes) -> list[BudgetMahalla]:
    """Residents per mahalla from CSV (``mahalla,residents``): all rows or none.

    :raise RuleError: 400 listing every bad row by line number; nothing is recorded."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError(_("The file is not UTF-8 text.")) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"mahalla", "residents"} - set(reader.fieldnames or ())
    if missing:
        raise RuleError(_("The file needs the columns mahalla,residents; missing: %(cols)s.",
                          cols=", ".join(sorted(missing))))
    rows, errors = [], []
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise RuleError(_("The file has more than %(max)d rows.", max=MAX_ROWS), 413)
        try:
            name = clean_text(row.get("mahalla"), _("The mahalla"), 200)
            rows.append((name, _residents(row.get("residents"), None)))
        except RuleError as exc:
            errors.append(_("line %(line)d: %(error)s", line=line, error=exc.message))
    if errors:
        raise RuleError("\n".join(errors))
    if not rows:
        raise RuleError(_("The file has no rows."))
    return [set_residents(actor, budget_round, name, residents) for name, residents in rows]


def of_district(budget_round: BudgetRound) -> list[BudgetMahalla]:
    return list(db.session.scalars(select(BudgetMahalla).where(BudgetMahalla.agency_id == budget_round.agency_id)
                                   .order_by(BudgetMahalla.key)))
