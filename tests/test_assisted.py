"""The mahalla office: staff enter a comment a citizen gave on paper, in person or by phone; it is
published under the citizen's name, marked with its channel, and counted like the others."""
from __future__ import annotations

from sqlalchemy import func, select


def _form(**extra):
    return {"citizen_name": "Karimova Zulfiya", "channel": "paper", "clause_key": "", "stance": "",
            "body": "Suv navbati jadvali mahalla idorasida osilsin.", "consent": "y", **extra}


def test_staff_enter_a_paper_comment_shown_under_the_citizens_name(app, client, make_user, login_as, make_draft):
    from app.extensions import db
    from app.models import AssistedEntry, Clause, Comment

    slug = make_draft()
    staff = make_user("office@example.org", role="staff", agency="Mahalla office")
    login_as(client, staff)
    page = client.get(f"/staff/drafts/{slug}/assisted")
    assert page.status_code == 200 and "consent" in page.get_data(as_text=True)
    with app.app_context():
        key, eid = db.session.execute(select(Clause.key, Clause.eid).where(Clause.label == "Article 3")).one()
    r = client.post(f"/staff/drafts/{slug}/assisted", data=_form(clause_key=key, channel="in_person"))
    assert r.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AssistedEntry))
        assert (entry.channel, entry.citizen_name, entry.entered_by_id) == ("in_person", "Karimova Zulfiya", staff)
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
    client.set_cookie("lang", "uz")
    clause_page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert "Karimova Zulfiya" in clause_page and "shaxsan" in clause_page
    assert "1 ta izoh" in clause_page or "1 izoh" in clause_page  # counted like any other


def test_no_consent_no_name_or_no_staff_is_refused_clearly(app, client, make_user, login_as, make_draft):
    from app.extensions import db
    from app.models import Comment

    slug = make_draft()
    citizen = make_user()
    login_as(client, citizen)
    assert client.get(f"/staff/drafts/{slug}/assisted").status_code == 403
    assert client.post(f"/staff/drafts/{slug}/assisted", data=_form()).status_code == 403
    staff = make_user("office@example.org", role="staff", agency="Mahalla office")
    login_as(client, staff)
    no_consent = client.post(f"/staff/drafts/{slug}/assisted", data=_form(consent=""))
    assert no_consent.status_code == 400 and "agree" in no_consent.get_data(as_text=True)
    assert "Suv navbati jadvali" in no_consent.get_data(as_text=True)  # nothing typed is lost
    assert client.post(f"/staff/drafts/{slug}/assisted", data=_form(citizen_name=" ")).status_code == 400
    assert client.post(f"/staff/drafts/{slug}/assisted", data=_form(channel="fax")).status_code == 400
    assert client.post(f"/staff/drafts/{slug}/assisted", data=_form(body="x" * 6000)).status_code == 413
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
