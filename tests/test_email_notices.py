"""Notice emails through the job outbox, sent by workers over real SMTP (aiosmtpd): a follower of a
draft or of a single clause gets the redline after a revision is published, with two workers
running at once and nothing sent twice; digests, unsubscribing, replies, decisions, announcements."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import SAMPLE_MD
from smtp_sink import smtp  # noqa: F401 - fixture
from sqlalchemy import func, select, update

REVISED_MD = SAMPLE_MD.replace("Everyone may read in a public library free of charge.",
                               "Everyone may read and borrow books in a public library free of charge.") \
    .replace("a collection of books open to all", "a collection of books and media open to all")


def run_worker(app) -> int:
    from app.cli import WORKER_HANDLERS, WORKER_PERIODIC
    from app.services import jobs
    with app.app_context():
        return jobs.work(WORKER_HANDLERS, WORKER_PERIODIC, once=True)


def revise(app, slug: str, text: str = REVISED_MD, note: str = "After the first round") -> None:
    from app.extensions import db
    from app.models import Draft
    from app.services import revisions
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        revisions.revise_draft(draft, text.encode(), fmt="md", note=note, author=None)
        db.session.commit()


def follow_draft(app, user_id: int, slug: str) -> None:
    from app.extensions import db
    from app.models import Draft, User
    from app.services import notifications
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        notifications.follow(db.session.get(User, user_id), draft, True)
        db.session.commit()


def follow_clause(client, slug: str, eid: str):
    return client.post(f"/drafts/{slug}/clauses/{eid}/follow", data={"follow": "1"})


def job_counts(app) -> dict[str, int]:
    from app.extensions import db
    from app.models import Job
    with app.app_context():
        return dict(db.session.execute(select(Job.status, func.count()).group_by(Job.status)).all())


@pytest.mark.both_backends
def test_followers_get_the_redline_once_with_two_workers_at_once(app, smtp, make_user, make_draft,  # noqa: F811
                                                                  client, login_as):
    """Thirty followers of the draft and one follower of article 3: after a revision, two workers
    drain the outbox together; everyone gets exactly one email, with the redline in it."""
    from app.cli import WORKER_HANDLERS
    from app.services import jobs
    app.config.update(smtp.config)
    slug = make_draft()
    followers = [make_user(f"f{i}@example.org") for i in range(30)]
    for user_id in followers:
        follow_draft(app, user_id, slug)
    clause_fan = make_user("clause@example.org", name="Dilnoza")
    login_as(client, clause_fan)
    assert follow_clause(client, slug, "chp_2__art_3").status_code == 302
    revise(app, slug)

    stop = threading.Event()

    def worker():
        with app.app_context():
            jobs.work(WORKER_HANDLERS, once=False, poll_seconds=0.05, stop=stop)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        smtp.wait_for("clause@example.org", timeout=60)
        for i in range(30):
            smtp.wait_for(f"f{i}@example.org", timeout=60)
        deadline = time.monotonic() + 30
        while job_counts(app).get("done", 0) < 31 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert job_counts(app) == {"done": 31}
    recipients = [m.rcpt_tos[0] for m in smtp.messages]
    assert len(recipients) == len(set(recipients)) == 31  # nobody got it twice
    assert len({m.message["Message-ID"] for m in smtp.messages}) == 31

    mine = smtp.to("clause@example.org")[0]
    assert mine.subject == "Revision 2 of Law on Public Libraries is published"
    text = mine.message.get_body(("plain",)).get_content()
    assert "Hello, Dilnoza." in text
    assert "Article 3" in text and "read {+and borrow books +}in a public library" in text
    assert "Article 2" not in text  # only the clause this person follows
    assert "What changed and why: After the first round" in text
    html = mine.message.get_body(("html",)).get_content()
    assert "<ins>and borrow books </ins>" in html
    assert mine.message["List-Unsubscribe"].startswith("<http://localhost/email/unsubscribe/")
    assert mine.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    follower = smtp.to("f0@example.org")[0].message.get_body(("plain",)).get_content()
    assert "Article 2" in follower and "Article 3" in follower  # a draft follower sees every change
    assert "books {+and media +}open to all" in follower


def test_one_click_unsubscribe_stops_notices(app_factory, smtp, make_user):  # noqa: F811
    """The mail program's one-click POST (no form, no CSRF token) turns notices off; a link scanner's
    GET changes nothing; a forged token is refused."""
    app = app_factory(WTF_CSRF_ENABLED=True, **smtp.config)
    from app.extensions import db
    from app.services import accounts, emails, revisions
    with app.app_context():
        user = accounts.create_user(email="nodir@example.org", password="correct horse battery",
                                    display_name="Nodir", confirmed=True)
        draft = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Law on Public Libraries",
                                       agency_name="Ministry of Culture", lang="en",
                                       opens_at=user.created_at - timedelta(days=1),
                                       closes_at=user.created_at + timedelta(days=30), author=None)
        db.session.commit()
        user_id, slug = user.id, draft.slug
    follow_draft(app, user_id, slug)
    revise(app, slug)
    run_worker(app)
    url = smtp.wait_for("nodir@example.org").message["List-Unsubscribe"].strip("<>")
    received = len(smtp.to("nodir@example.org"))  # the revision, and the consultation's opening
    path = url.removeprefix("http://localhost")
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Stop these emails" in page.get_data(as_text=True)
    with app.app_context():
        assert emails.settings_for(user_id).frequency == "immediate"
    assert client.post(path[:-3] + "xyz").status_code == 400
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "we will not email you" in done.get_data(as_text=True)
    with app.app_context():
        assert emails.settings_for(user_id).frequency == "off"
    revise(app, slug, REVISED_MD.replace("Everyone", "Every person"))
    run_worker(app)
    assert len(smtp.to("nodir@example.org")) == received


def test_daily_digest_collects_notices_into_one_email(app, smtp, make_user, make_draft, client, login_as):  # noqa: F811
    """A person on the daily digest gets nothing at once, then one email with every event."""
    from app.extensions import db
    from app.models import Job
    app.config.update(smtp.config)
    slug = make_draft()
    user_id = make_user("daily@example.org")
    login_as(client, user_id)
    assert client.post("/account/email", data={"frequency": "daily", "language": "en"}).status_code == 302
    follow_draft(app, user_id, slug)
    revise(app, slug)
    revise(app, slug, REVISED_MD.replace("Everyone", "Every person"), note="Second round")
    run_worker(app)
    assert smtp.to("daily@example.org") == []
    with app.app_context():
        due = db.session.scalar(select(func.min(Job.run_after)).where(Job.status == "pending"))
        assert due.astimezone(ZoneInfo("Asia/Tashkent")).hour == 7  # the morning in the person's zone
        db.session.execute(update(Job).values(run_after=due - timedelta(days=1)))
        db.session.commit()
    run_worker(app)
    [digest] = smtp.to("daily@example.org")
    assert digest.subject == "Muhokama: 3 updates"
    body = digest.message.get_body(("plain",)).get_content()
    assert "Revision 2 of Law on Public Libraries" in body and "Revision 3 of Law on Public Libraries" in body
    assert "Consultation opened: Law on Public Libraries" in body


def test_replies_decisions_and_answers_are_emailed(app, smtp, make_user, make_draft, client, login_as):  # noqa: F811
    """A reply, a staff decision and an official answer on one's comment each reach its author."""
    app.config.update(smtp.config)
    slug = make_draft()
    author = make_user("author@example.org", name="Aziza")
    other = make_user("other@example.org", name="Bekzod")
    staff = make_user("staff@example.org", role="staff", agency="Ministry of Culture")
    login_as(client, author)
    client.post(f"/drafts/{slug}/comments", data={"body": "Please define 'public'.", "clause_key": "chp_1__art_1"})
    from app.extensions import db
    from app.models import Comment, User
    from app.services import comments, decisions
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment is not None, "the comment was not posted"
        comments.add_comment(db.session.get(User, other), comment.revision.draft, body="I agree.", parent=comment)
        comments.add_comment(db.session.get(User, author), comment.revision.draft, body="Thanks.", parent=comment)
        decisions.dispose_comment(db.session.get(User, staff), comment, "accepted", "We add a definition.")
        decisions.official_answer(db.session.get(User, staff), comment, "Article 2 will define it.")
        db.session.commit()
    run_worker(app)
    subjects = sorted(m.subject for m in smtp.to("author@example.org"))
    assert subjects == ["An official answer to your comment on Law on Public Libraries",
                        "Bekzod replied to your comment on Law on Public Libraries",
                        "We received your comment on Law on Public Libraries",  # the comment's receipt
                        "We received your comment on Law on Public Libraries",  # ... and the reply's
                        "Your comment on Law on Public Libraries was marked accepted"]
    [receipt] = smtp.to("other@example.org")  # nobody is told about their own reply, but gets its receipt
    assert "Its receipt number is C000002-6." in receipt.message.get_body(("plain",)).get_content()


def test_consultation_opening_and_closing_soon_are_announced_once(app, smtp, make_user, make_draft,  # noqa: F811
                                                                   client, login_as):
    """An agency's follower hears that a consultation opened; a draft's follower is reminded once
    that it closes soon, however often the worker runs."""
    from app.extensions import db
    from app.models import Draft
    from app.services import notifications
    app.config.update(smtp.config)
    fan = make_user("agency@example.org")
    login_as(client, fan)
    make_draft(slug="first")  # the agency exists from here on
    assert client.post("/agencies/ministry-of-culture/follow", data={"follow": "1"}).status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == "first"))
        draft.closes_at = draft.opens_at + timedelta(days=3)
        db.session.commit()
        notifications.announce_consultations(draft.opens_at + timedelta(hours=1))
    run_worker(app)
    run_worker(app)
    subjects = sorted(m.subject for m in smtp.to("agency@example.org"))
    assert subjects == ["Closing soon: Law on Public Libraries", "Consultation opened: Law on Public Libraries"]


def test_forgot_password_queues_the_same_work_for_any_address(app, client, make_user):
    """Known or unknown address: the page queues one job and answers the same; only the worker
    looks the address up."""
    make_user("known@example.org")
    before = sum(job_counts(app).values())
    client.post("/password/forgot", data={"email": "known@example.org"})
    client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert sum(job_counts(app).values()) == before + 2
    assert run_worker(app) == 2


def test_worker_command_once(app, runner, make_user):
    make_user("cli@example.org")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "Done:" in result.output


@pytest.mark.parametrize("path, data, status", [
    ("/drafts/{slug}/clauses/no_such/follow", {"follow": "1"}, 404),
    ("/drafts/no-such-draft/clauses/chp_1__art_1/follow", {"follow": "1"}, 404),
    ("/agencies/no-such-agency/follow", {"follow": "1"}, 404),
    ("/account/email", {"frequency": "hourly", "language": "en"}, 400),
    ("/account/email", {"frequency": "daily", "language": "xx"}, 400),
])
def test_bad_requests_are_refused_clearly(app, client, make_user, make_draft, login_as, path, data, status):
    slug = make_draft()
    login_as(client, make_user())
    assert client.post(path.format(slug=slug), data=data).status_code == status


def test_following_needs_an_account(client, make_draft):
    slug = make_draft()
    assert client.post(f"/drafts/{slug}/clauses/chp_1__art_1/follow").status_code == 302
    assert client.get("/account/email").status_code == 302


@pytest.mark.both_backends
def test_a_daily_digest_is_one_email_with_two_workers_at_once(app, smtp, make_user, make_draft):  # noqa: F811
    """Twenty people on the daily digest, three notices each, all due at once: two workers race for
    them, and everyone gets exactly one email with all three."""
    from app.cli import WORKER_HANDLERS
    from app.extensions import db
    from app.models import Job, User
    from app.services import emails, jobs
    app.config.update(smtp.config)
    slug = make_draft()
    people = [make_user(f"d{i}@example.org") for i in range(20)]
    with app.app_context():
        for user_id in people:
            emails.save_settings(db.session.get(User, user_id), frequency="daily")
        db.session.commit()
    for user_id in people:
        follow_draft(app, user_id, slug)
    revise(app, slug)
    revise(app, slug, REVISED_MD.replace("Everyone", "Every person"), note="Second round")
    revise(app, slug, REVISED_MD.replace("Everyone", "Each person"), note="Third round")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 60
        due = db.session.scalar(select(func.min(Job.run_after)))
        for i, user_id in enumerate(people):  # this morning has come; each person's notices next in line
            db.session.execute(update(Job).where(Job.batch_key == f"digest:{user_id}")
                               .values(run_after=due - timedelta(days=1, seconds=60 - i)))
        db.session.commit()
    stop = threading.Event()

    def worker():
        with app.app_context():
            jobs.work(WORKER_HANDLERS, once=False, poll_seconds=0.01, stop=stop)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while job_counts(app).get("done", 0) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert job_counts(app) == {"done": 60}
    for i in range(20):
        [digest] = smtp.to(f"d{i}@example.org")  # one email, never two halves
        assert digest.subject == "Muhokama: 3 updates"
