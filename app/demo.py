"""The sample consultation shown by ``flask demo``: a short fictional law, written for this project."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import budget_demo, queries
from app.clock import utcnow
from app.extensions import db
from app.models import Comment, Proposal
from app.services import (
    accounts,
    comments,
    decisions,
    merging,
    positions,
    proposals,
    revisions,
    votes,
)

STAFF_EMAIL = "staff@demo.muhokama.test"
CITIZEN_EMAILS = ["dilnoza@demo.muhokama.test", "sergey@demo.muhokama.test", "amina@demo.muhokama.test"]
PASSWORD = "demo-password"  # a public, local-only demo account

REVISION_1 = """# Law on Community Water Use

## Chapter 1. General provisions

### Article 1. Purpose

(1) This Law governs how villages and towns share water from canals, wells and springs.

(2) It aims at fair access to water for every household and farm.

### Article 2. Definitions

In this Law:

1) "water user" means a household, farm or business that takes water from a shared source;

2) "water committee" means the body elected by the water users of a settlement;

3) "irrigation season" means the period from 1 April to 31 October.

## Chapter 2. Water committees

### Article 3. Election of the committee

(1) The water users of a settlement elect a water committee of five to nine members for three years.

(2) At least one third of the members shall be women.

(3) The election is valid if more than half of the water users take part.

### Article 4. Duties of the committee

(1) The committee draws up the schedule of water turns before each irrigation season.

(2) The committee publishes the schedule at the mahalla office and online within three days.

(3) The committee keeps a register of complaints and answers each complaint within thirty days.

## Chapter 3. Fees and disputes

### Article 5. Water fees

(1) The committee may set a yearly fee per hectare for the upkeep of canals.

(2) Households that use water only for drinking and cooking pay no fee.

### Article 6. Disputes

A water user who disagrees with a decision of the committee may appeal to the district khokimiyat within thirty days.
"""

REVISION_2_NOTE = ("Schedules also sent by text message (proposal by Dilnoza); complaints answered in writing "
                   "within fifteen days; appeal to a court added.")

#: the same law's Russian text, as published with revision 2 (same article numbers): a language version
RUSSIAN = """# Закон об общинном водопользовании

## Глава 1. Общие положения

### Статья 1. Цель

(1) Настоящий Закон регулирует порядок, в котором сёла и города совместно пользуются водой каналов, колодцев и родников.

(2) Его цель — справедливый доступ к воде для каждого домохозяйства и фермерского хозяйства.

### Статья 2. Определения

В настоящем Законе:

1) «водопользователь» — домохозяйство, фермерское хозяйство или предприятие, забирающее воду из общего источника;

2) «водный комитет» — орган, избираемый водопользователями населённого пункта;

3) «поливной сезон» — период с 1 апреля по 31 октября.

## Глава 2. Водные комитеты

### Статья 3. Выборы комитета

(1) Водопользователи населённого пункта избирают водный комитет из пяти–девяти членов сроком на три года.

(2) Не менее одной трети членов комитета составляют женщины.

(3) Выборы действительны, если в них участвует более половины водопользователей.

### Статья 4. Обязанности комитета

(1) Перед каждым поливным сезоном комитет составляет график очерёдности подачи воды.

(2) Комитет в течение трёх дней публикует график в махалле, направляет его SMS-сообщением каждому водопользователю, который об этом просит, и размещает в интернете.

(3) Комитет ведёт журнал жалоб и отвечает на каждую жалобу в письменной форме в течение пятнадцати дней.

## Глава 3. Плата и споры

### Статья 5. Плата за воду

(1) Комитет может установить ежегодную плату с гектара на содержание каналов.

(2) Домохозяйства, использующие воду только для питья и приготовления пищи, плату не вносят.

### Статья 6. Споры

Водопользователь, не согласный с решением комитета, может в течение тридцати дней обжаловать его в районный хокимият, а затем в суд.
"""
RUSSIAN_TITLE = "Закон об общинном водопользовании"


def _duties_as_published(duties_text: str) -> str:
    """Article 4 as staff publish it: the accepted proposal plus staff's own edit of paragraph 3."""
    return duties_text.replace("answers each complaint within thirty days.",
                               "answers each complaint in writing within fifteen days.")


def load() -> str:
    """Create the agency, users, the draft with two revisions, comments, replies and votes."""
    now = utcnow()
    staff = accounts.create_user(email=STAFF_EMAIL, password=PASSWORD, display_name="Water Ministry (staff)",
                                 role="staff", agency_name="Ministry of Water Resources", confirmed=True)
    citizens = [accounts.create_user(email=email, password=PASSWORD, display_name=name, confirmed=True)
                for email, name in zip(CITIZEN_EMAILS, ["Dilnoza", "Sergey", "Amina"])]
    draft = revisions.import_draft(
        REVISION_1.encode(), fmt="md", title="Law on Community Water Use", agency_name=staff.agency.name,
        lang="en", opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=20), author=staff,
        summary="A draft law on how villages share canal, well and spring water. "
                "**Fictional sample** written for Muhokama's demo.")
    dilnoza, sergey, amina = citizens

    def key(phrase: str) -> str:
        """The lineage key of the clause that contains ``phrase`` (independent of the eid scheme)."""
        clauses = queries.revision_clauses(queries.current_revision(draft))
        return next(c.key for c in clauses if phrase in c.text)

    c1 = comments.add_comment(dilnoza, draft, clause_key=key("mahalla office"), stance="against",
                              quote="at the mahalla office and online",
                              body="Many older people in our village have no internet. "
                                   "Please also send the schedule **by text message**.")
    comments.add_comment(sergey, draft, parent=c1, body="Agreed. A text message costs almost nothing.")
    comments.add_comment(amina, draft, clause_key=key("register of complaints"), stance="against",
                         body="Thirty days is too long in the middle of the irrigation season.")
    comments.add_comment(sergey, draft, clause_key=key("may appeal"), stance="for",
                         body="Good, but say that a court can be asked after the khokimiyat.")
    comments.add_comment(amina, draft, body="Overall a useful law. Please publish a summary in Uzbek and Russian.",
                         stance="for")
    for user, clause_key, value in [(dilnoza, key("shall be women"), 1), (sergey, key("shall be women"), 1),
                                    (amina, key("register of complaints"), -1), (sergey, key("pay no fee"), 1)]:
        votes.vote_clause(user, draft, clause_key, value)

    # Amendments: Dilnoza proposes text messages; staff accept it and merge it into revision 2 together
    # with their own edits; a proposal on fees stays open for the demo's visitors to vote on.
    duties, disputes = key("mahalla office"), key("may appeal")
    head = {c.key: c.text for c in queries.revision_clauses(queries.current_revision(draft))}
    proposal = proposals.propose(
        dilnoza, draft, duties, action="replace", rationale="Many older people have no internet; "
        "a text message reaches everyone.", proposed_text=head[duties].replace(
            "at the mahalla office and online", "at the mahalla office, by text message to every water user "
            "who asks for it, and online"))
    votes.vote_proposal(sergey, proposal, 1)
    votes.vote_proposal(amina, proposal, 1)
    fees = proposals.propose(amina, draft, key("pay no fee"), action="replace",
                              rationale="Large families use more water for drinking; the exemption should be "
                                        "written so that nobody has to prove it.",
                              proposed_text=head[key("pay no fee")].replace("pay no fee", "pay no fee and "
                                                                            "need not apply for the exemption"))
    votes.vote_proposal(dilnoza, fees, 1)
    decisions.decide_proposal(staff, proposal, "accepted", "Text messages are cheap and reach older people.")
    comments.add_comment(amina, draft, clause_key=key("register of complaints"), stance="for",
                         body="Please also ask for written answers, not only oral ones.")
    complaint = db.session.scalar(select(Comment).where(Comment.body.startswith("Thirty days")))
    decisions.dispose_comment(staff, complaint, "accepted", "Complaints will be answered within fifteen days.")
    decisions.official_answer(staff, complaint, "Thank you. Revision 2 shortens the period to fifteen days.")
    db.session.flush()
    merged = db.session.get(Proposal, proposal.id)
    merging.publish_merge(
        staff, draft, [merged.id], deletions=set(), note=REVISION_2_NOTE,
        texts={duties: _duties_as_published(merged.proposed_text)},
        edits={disputes: head[disputes].replace("within thirty days.", "within thirty days, and then to a court.")})
    comments.add_comment(dilnoza, draft, clause_key=duties, stance="for", body="Thank you, this is much better.")
    # An organisation's position, signed on to instead of posting copies
    position = positions.publish(amina, draft, respondent_type="ngo", organisation="Water Users' Association",
                                 title="Water committees must answer in writing",
                                 body="Our members ask that every complaint gets a written answer.")
    positions.sign(dilnoza, position, draft, show_name=True)
    positions.sign(sergey, position, draft, show_name=False)
    _russian_text(draft, staff, sergey, amina)
    budget_demo.load(citizens, PASSWORD)
    return draft.slug


def _russian_text(draft, staff, sergey, amina) -> None:
    """The law's Russian text, linked as a language version (the reader switches the text's language),
    with a comment on article 4 and one on the whole text, shown marked on the other text too."""
    russian = revisions.import_draft(
        RUSSIAN.encode(), fmt="md", title=RUSSIAN_TITLE, agency_name=staff.agency.name, lang="ru",
        opens_at=draft.opens_at, closes_at=draft.closes_at, author=staff, version_of=draft,
        summary="Законопроект о том, как сёла делят воду каналов, колодцев и родников. "
                "**Вымышленный пример** для демонстрации Muhokama.")
    duties = queries.find_clause(russian, eid="chp_2__art_4")
    comments.add_comment(sergey, russian, clause_key=duties.key, stance="for",
                         body="Хорошо, что график будут присылать по SMS. Пусть его вывешивают и на бумаге у мечети.")
    comments.add_comment(amina, russian, stance="for",
                         body="Спасибо, что текст опубликован и на русском языке: так его прочтут все соседи.")
