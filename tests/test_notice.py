"""The mahalla office's printable notice, its short link, and confirming an email address signing
the person in and taking them back to where they were."""
from __future__ import annotations

import re

from smtp_sink import smtp  # noqa: F401 - fixture
from sqlalchemy import select


def test_printable_notice_has_summary_deadline_how_to_take_part_and_a_short_link(client, app, make_draft):
    from app.extensions import db
    from app.models import Draft

    slug = make_draft(title="Suvdan foydalanish toʻgʻrisida", lang="uz")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        draft.summary = "Qonun mahallada suv navbatini adolatli qiladi."
        db.session.commit()
        draft_id = draft.id
    client.set_cookie("lang", "uz")
    html = client.get(f"/drafts/{slug}/notice").get_data(as_text=True)
    assert "Fikringizni bildiring: Suvdan foydalanish toʻgʻrisida" in html
    assert "suv navbatini adolatli" in html
    assert "gacha qabul qilinadi" in html and "Qanday ishtirok etish mumkin" in html
    short = re.search(r'class="short-link">([^<]+)<', html).group(1)
    assert short == f"localhost/d/{draft_id}"
    response = client.get(f"/d/{draft_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/drafts/{slug}")
    assert client.get("/d/99999").status_code == 404
    assert f"/drafts/{slug}/notice" in client.get(f"/drafts/{slug}").get_data(as_text=True)


def test_short_link_of_an_unpublished_draft_is_not_found(client, make_draft):
    slug = make_draft(published=False)
    from app.extensions import db
    from app.models import Draft
    with client.application.app_context():
        draft_id = db.session.scalar(select(Draft.id).where(Draft.slug == slug))
    assert client.get(f"/d/{draft_id}").status_code == 404


def test_confirming_the_email_signs_in_and_returns_to_the_page(app, client):
    from app.extensions import db
    from app.models import User
    from app.services import mail

    client.post("/register?next=/drafts", data={"email": "gulnora@example.org", "display_name": "Gulnora",
                                                "password": "correct horse battery"})
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == "gulnora@example.org"))
        token = mail.make_confirm_token(user, "/drafts")
    assert client.get(f"/confirm/{token}").status_code == 200  # a page with one button: scanners confirm nothing
    response = client.post(f"/confirm/{token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/drafts")
    assert client.get("/account").status_code == 200  # signed in
    # the link works once: a second use neither signs in again nor errs
    client.post("/logout")
    again = client.post(f"/confirm/{token}")
    assert again.status_code == 302 and client.get("/account").status_code == 302


def test_a_confirm_link_cannot_send_people_to_another_site(app, client):
    from app.extensions import db
    from app.models import User
    from app.services import accounts, mail

    with app.test_request_context():
        user = accounts.create_user(email="x@example.org", password="correct horse battery", display_name="X")
        db.session.commit()
        token = mail.make_confirm_token(db.session.get(User, user.id), "https://evil.example/")
    response = client.post(f"/confirm/{token}")
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_the_emailed_confirmation_link_returns_the_person_to_their_page(app_factory, smtp):  # noqa: F811
    """Register from a clause's "register to take part" link: the worker's email carries the page
    back, and confirming signs the person in there. A next to another site is dropped on the way."""
    from test_mail import path_of, run_worker

    app = app_factory(**smtp.config)
    client = app.test_client()
    client.post("/register?next=/drafts%3Fstatus%3Dopen", data={
        "email": "gulnora@example.org", "display_name": "Gulnora", "password": "correct horse battery"})
    run_worker(app)
    [link] = smtp.wait_for("gulnora@example.org").links()
    response = client.post(path_of(link))
    assert response.status_code == 302 and response.headers["Location"].endswith("/drafts?status=open")
    assert client.get("/account").status_code == 200  # signed in

    other = app.test_client()
    other.post("/register?next=//evil.example/", data={
        "email": "evil@example.org", "display_name": "Eve", "password": "correct horse battery"})
    run_worker(app)
    [link] = smtp.wait_for("evil@example.org").links()
    response = other.post(path_of(link))
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
