"""Account emails over real SMTP (an aiosmtpd server on 127.0.0.1), queued by the page and sent by
`flask worker`: what a person receives and what happens when they follow the link."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from conftest import login
from smtp_sink import free_port, smtp  # noqa: F401 - fixture

PASSWORD = "correct horse battery"


@pytest.fixture
def mail_app(app_factory, smtp):  # noqa: F811
    return app_factory(**smtp.config)


def run_worker(app) -> int:
    """What `flask worker --once` does: send everything due, then return."""
    from app.cli import WORKER_HANDLERS
    from app.services import jobs
    with app.app_context():
        return jobs.work(WORKER_HANDLERS, once=True)


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def register(client, email="amina@example.org", name="Amina", password=PASSWORD):
    return client.post("/register", data={"display_name": name, "email": email, "password": password})


def add_user(app, email, name, password=PASSWORD, confirmed=True):
    from app.extensions import db
    from app.services import accounts
    with app.app_context():
        accounts.create_user(email=email, password=password, display_name=name, confirmed=confirmed)
        db.session.commit()


def user_row(app, email):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_register_confirm_login_over_smtp(mail_app, smtp):  # noqa: F811
    """The whole way in: register, get the email, follow the link, confirm, log in."""
    client = mail_app.test_client()
    page = register(client, email="Amina@Example.ORG").get_data(as_text=True)
    assert "We have sent an email to amina@example.org" in page

    run_worker(mail_app)

    received = smtp.wait_for("amina@example.org")
    assert received.subject == "Confirm your email address for Muhokama"
    assert received.message["From"] == "Muhokama <noreply@example.org>"
    assert "within 7 days" in received.body
    [link] = received.links()
    assert "/confirm/" in link

    # Logging in before confirming works, but the person is told to confirm first.
    early = client.post("/login", data={"email": "amina@example.org", "password": PASSWORD}, follow_redirects=True)
    assert "your email address is not confirmed yet" in early.get_data(as_text=True)
    client.post("/logout")

    page = client.get(path_of(link))
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert not user_row(mail_app, "amina@example.org").is_confirmed  # a mail scanner's GET confirms nothing

    done = client.post(path_of(link), follow_redirects=True)
    assert "your email address is confirmed" in done.get_data(as_text=True)
    assert user_row(mail_app, "amina@example.org").is_confirmed

    home = client.post("/login", data={"email": "amina@example.org", "password": PASSWORD},
                       follow_redirects=True)
    assert "Welcome, Amina" in home.get_data(as_text=True)

    again = client.get(path_of(link), follow_redirects=True)  # an old link, used again
    assert "already confirmed" in again.get_data(as_text=True)


def test_password_reset_over_smtp_ends_other_sessions(mail_app, smtp):  # noqa: F811
    """Forgot password -> email -> new password; the link works once and other devices are logged out."""
    add_user(mail_app, "bobur@example.org", "Bobur")
    phone, laptop = mail_app.test_client(), mail_app.test_client()
    assert login(phone, "bobur@example.org").status_code == 302
    assert phone.get("/account").status_code == 200

    page = laptop.post("/password/forgot", data={"email": "BOBUR@example.org"}).get_data(as_text=True)
    assert "If an account exists for bobur@example.org" in page
    run_worker(mail_app)
    received = smtp.wait_for("bobur@example.org")
    assert received.subject == "Choose a new password for Muhokama"
    assert "within 2 hours" in received.body
    [link] = received.links()

    form = laptop.get(path_of(link))
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "no-store"
    done = laptop.post(path_of(link), data={"password": "a brand new secret"}, follow_redirects=True)
    assert "Your password is changed" in done.get_data(as_text=True)

    assert phone.get("/account").status_code == 302  # the session on the phone has ended
    old = login(laptop, "bobur@example.org", PASSWORD)
    assert old.status_code == 400 and "password is not correct" in old.get_data(as_text=True)
    assert login(laptop, "bobur@example.org", "a brand new secret").status_code == 302

    reused = laptop.post(path_of(link), data={"password": "yet another secret"})
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_forgot_password_for_unknown_address_sends_nothing_and_says_the_same(mail_app, smtp):  # noqa: F811
    """A stranger cannot learn whether an address has an account."""
    add_user(mail_app, "known@example.org", "Known")
    client = mail_app.test_client()
    known = client.post("/password/forgot", data={"email": "known@example.org"}).get_data(as_text=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert known.replace("known@", "X@") == unknown.replace("nobody@", "X@")
    run_worker(mail_app)
    smtp.wait_for("known@example.org")
    assert smtp.to("nobody@example.org") == []


def test_registering_a_taken_address_looks_the_same_and_warns_the_owner(mail_app, smtp):  # noqa: F811
    """The page does not reveal the account; the owner gets a "you already have an account" email."""
    add_user(mail_app, "dilnoza@example.org", "Dilnoza")
    client = mail_app.test_client()
    taken = register(client, email="dilnoza@example.org", name="Impostor", password="other password")
    fresh = register(client, email="new@example.org", name="Newcomer")
    assert taken.status_code == fresh.status_code == 200
    assert taken.get_data(as_text=True).replace("dilnoza@", "X@") == fresh.get_data(as_text=True).replace("new@", "X@")

    run_worker(mail_app)

    warning = smtp.wait_for("dilnoza@example.org")
    assert warning.subject == "You already have a Muhokama account"
    assert "Impostor" not in warning.body  # nothing the stranger typed is mailed to the owner
    assert user_row(mail_app, "dilnoza@example.org").display_name == "Dilnoza"
    assert login(client, "dilnoza@example.org", "other password").status_code == 400


def test_resend_confirmation_sends_a_new_working_link(mail_app, smtp):  # noqa: F811
    """Someone who lost the first email asks again and can confirm with the second one."""
    client = mail_app.test_client()
    register(client, email="eldor@example.org", name="Eldor")
    run_worker(mail_app)
    smtp.wait_for("eldor@example.org")
    page = client.post("/confirm/again", data={"email": "eldor@example.org"}).get_data(as_text=True)
    assert "we have sent it a new link" in page
    run_worker(mail_app)
    [link] = smtp.wait_for("eldor@example.org", count=2).links()
    client.post(path_of(link))
    assert user_row(mail_app, "eldor@example.org").is_confirmed
    # Once confirmed, asking again sends nothing more (and says the same).
    client.post("/confirm/again", data={"email": "eldor@example.org"})
    assert len(smtp.to("eldor@example.org")) == 2


def test_unreachable_mail_server_is_retried_later_and_the_page_does_not_wait(app_factory, smtp):  # noqa: F811
    """With the SMTP server down the page answers as usual; the worker keeps the email and sends it
    on a later attempt, after a backoff."""
    from sqlalchemy import select, update

    from app.clock import utcnow
    from app.extensions import db
    from app.models import Job
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    response = register(app.test_client(), email="farrukh@example.org", name="Farrukh")
    assert response.status_code == 200 and "We have sent an email" in response.get_data(as_text=True)
    assert user_row(app, "farrukh@example.org") is not None

    assert run_worker(app) == 0
    with app.app_context():
        job = db.session.scalar(select(Job))
        assert (job.status, job.attempts) == ("pending", 1)
        assert job.run_after > utcnow() and job.last_error
    assert run_worker(app) == 0  # not due yet: nothing is tried again at once
    app.config.update(smtp.config)  # the server is back
    with app.app_context():
        db.session.execute(update(Job).values(run_after=utcnow()))  # ... and the backoff has passed
        db.session.commit()
    assert run_worker(app) == 1
    assert smtp.wait_for("farrukh@example.org").subject == "Confirm your email address for Muhokama"
    with app.app_context():
        assert db.session.scalar(select(Job.status)) == "done"


def test_without_mail_server_the_link_goes_to_the_log(app, client, caplog):
    """On a laptop (MAIL_SERVER empty) the worker writes the confirmation link to the log."""
    register(client, email="gulnora@example.org", name="Gulnora")
    with caplog.at_level(logging.WARNING):
        run_worker(app)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "MAIL_SERVER is not set" in logged
    assert "http://localhost/confirm/" in logged


def test_emails_are_in_the_language_the_person_used(mail_app, smtp):  # noqa: F811
    """Registering with the Russian interface gets the confirmation email in Russian."""
    client = mail_app.test_client()
    client.set_cookie("lang", "ru")
    register(client, email="olga@example.org", name="Ольга")
    run_worker(mail_app)
    received = smtp.wait_for("olga@example.org")
    assert received.subject != "Confirm your email address for Muhokama"
    assert "Muhokama" in received.subject and "/confirm/" in received.links()[0]


def test_internationalised_address_gets_its_email(mail_app, smtp):  # noqa: F811
    """An address with a Cyrillic domain (.рф) is accepted and mailed over SMTPUTF8."""
    client = mail_app.test_client()
    assert register(client, email="Ivan@Почта.РФ", name="Иван").status_code == 200
    run_worker(mail_app)
    received = smtp.wait_for("ivan@почта.рф")
    assert received.subject == "Confirm your email address for Muhokama"
    client.post(path_of(received.links()[0]))
    assert user_row(mail_app, "ivan@почта.рф").is_confirmed
