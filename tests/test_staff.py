"""Staff publish drafts (upload or paste, preview, publish) and change deadlines in public."""
import io
from datetime import UTC, datetime

import pytest
from conftest import CORPUS, SAMPLE_MD
from sqlalchemy import func, select

from app.extensions import db
from app.models import DeadlineChange, Draft


@pytest.fixture
def staff(app, client, make_user, login_as):
    uid = make_user("staff@example.org", role="staff", agency="Ministry of Culture")
    login_as(client, uid)
    return uid


def form(**extra):
    return {"title": "Law on Museums", "language": "en", "summary": "About museums.",
            "opens": "2026-01-01T09:00", "closes": "2099-02-01T18:00", "fmt": "", **extra}


def test_paste_preview_then_publish(app, client, staff):
    r = client.post("/staff/drafts/new", data=form(text=SAMPLE_MD, fmt="md", preview="1"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Preview" in html and "free of charge" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0  # preview publishes nothing
    r = client.post("/staff/drafts/new", data=form(text=SAMPLE_MD, fmt="md", publish="1"))
    assert r.status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        assert draft.title == "Law on Museums" and draft.agency.name == "Ministry of Culture"
        # 09:00 in Tashkent (the default zone) is 04:00 UTC
        assert draft.opens_at == datetime(2026, 1, 1, 4, 0, tzinfo=UTC)
    assert "free of charge" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_upload_a_file(app, client, staff):
    data = form(file=(io.BytesIO(SAMPLE_MD.encode()), "law.md"), preview="1")
    r = client.post("/staff/drafts/new", data=data, content_type="multipart/form-data")
    assert r.status_code == 200 and "free of charge" in r.get_data(as_text=True)


@pytest.mark.parametrize("upload, message", [
    ((io.BytesIO(b"\x00\x01\x02\xff" * 100), "law.md"), ""),
    ((io.BytesIO(b""), "empty.md"), ""),
    ((io.BytesIO(b"<akomaNtoso><broken"), "law.xml"), ""),
])
def test_bad_uploads_are_refused_with_a_message(app, client, staff, upload, message):
    r = client.post("/staff/drafts/new", data=form(file=upload, preview="1"), content_type="multipart/form-data")
    assert r.status_code == 400 and 'class="errors"' in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


def test_huge_upload_is_413(app, client, staff):
    # a raw body: the test client would otherwise spool a big form into a temporary file it never closes
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.md\"\r\n\r\n"
            + b"a" * (app.config["STAFF_MAX_CONTENT_LENGTH"] + 10) + b"\r\n--b--\r\n")
    r = client.post("/staff/drafts/new", data=body, content_type="multipart/form-data; boundary=b")
    assert r.status_code == 413 and "too large" in r.get_data(as_text=True)


def test_closing_before_opening_is_refused(app, client, staff):
    r = client.post("/staff/drafts/new", data=form(text=SAMPLE_MD, publish="1", closes="2020-01-01T00:00"))
    assert r.status_code == 400 and "close after it opens" in r.get_data(as_text=True)


def test_citizens_cannot_publish_or_change_deadlines(app, client, make_user, login_as, make_draft):
    slug = make_draft()
    login_as(client, make_user())
    assert client.get("/staff/drafts/new").status_code == 403
    assert client.post("/staff/drafts/new", data=form(text=SAMPLE_MD, publish="1")).status_code == 403
    r = client.post(f"/staff/drafts/{slug}/deadline", data={"closes": "2099-01-01T00:00", "reason": "x"})
    assert r.status_code == 403


def test_staff_of_another_agency_cannot_change_the_deadline(app, client, make_user, login_as, make_draft):
    slug = make_draft(agency="Ministry of Culture")
    login_as(client, make_user(role="staff", agency="Tax Committee"))
    r = client.post(f"/staff/drafts/{slug}/deadline", data={"closes": "2099-01-01T00:00", "reason": "x"})
    assert r.status_code == 403


def test_extending_the_deadline_is_public_history(app, client, staff, make_draft):
    slug = make_draft(agency="Ministry of Culture")
    r = client.post(f"/staff/drafts/{slug}/deadline", data={"closes": "2099-03-01T12:00",
                                                           "reason": "Many requests from villages"})
    assert r.status_code == 302
    public = app.test_client().get(f"/drafts/{slug}").get_data(as_text=True)
    assert "Many requests from villages" in public
    api = app.test_client().get(f"/api/v1/drafts/{slug}").get_json()
    assert api["deadline_changes"][0]["reason"] == "Many requests from villages"
    assert api["period"]["closes"] == "2099-03-01T07:00:00Z"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeadlineChange)) == 1


def test_anonymous_staff_pages_redirect_to_login(client):
    r = client.get("/staff/drafts/new")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_deadline_before_the_opening_is_shown_beside_the_field_keeping_what_was_typed(app, client, staff,
                                                                                         make_draft):
    slug = make_draft(agency="Ministry of Culture")
    r = client.post(f"/staff/drafts/{slug}/deadline", data={"closes": "2001-01-01T09:30",
                                                           "reason": "Typed with care by the clerk"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    field = html.split('id="closes"', 1)[1]
    assert '<p class="errors" role="alert">The consultation must close after it opens.' in field.split("<label", 1)[0]
    assert 'value="2001-01-01T09:30"' in html and "Typed with care by the clerk" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeadlineChange)) == 0


RU_TAX_CODE = CORPUS / "ru-nk-part1"


@pytest.mark.skipif(not RU_TAX_CODE.exists(), reason="the corpus of real laws (../shared/corpus) is absent")
def test_a_whole_code_of_law_goes_through_the_web_form(app, client, staff):
    """The Russian Tax Code, part 1 (2.4 MB, about 2,200 clauses): the preview is a summary, the
    text comes back in the form without a 413, publishing it and its next redaction works."""
    text = (RU_TAX_CODE / "v1.md").read_text(encoding="utf-8")
    r = client.post("/staff/drafts/new", data=form(title="Налоговый кодекс, часть первая", language="ru",
                                                   text=text, fmt="md", preview="1"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Outline" in html and "The first 30 clauses" in html
    shown = html.split("Outline", 1)[1]
    assert len(shown.encode()) < 1_000_000  # a summary, not the 2.4 MB text a second time
    r = client.post("/staff/drafts/new", data=form(title="Налоговый кодекс, часть первая", language="ru",
                                                   text=text, fmt="md", publish="1"))
    assert r.status_code == 302 and "/staff/imports/" in r.headers["Location"]  # a job for the worker
    from app.cli import WORKER_HANDLERS
    from app.services import jobs
    with app.app_context():
        jobs.work(WORKER_HANDLERS, once=True)
    assert "clauses published" in client.get(r.headers["Location"]).get_data(as_text=True)
    slug = db_slug(app)
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        assert len(draft.revisions[0].clauses) > 2000
    revised = (RU_TAX_CODE / "v2.md").read_text(encoding="utf-8")
    data = {"note": "Редакция 2", "base": "1", "fmt": "md", "text": revised}
    preview = client.post(f"/staff/drafts/{slug}/revise", data=data)
    assert preview.status_code == 200 and "clauses changed" in preview.get_data(as_text=True)
    assert client.post(f"/staff/drafts/{slug}/revise", data={**data, "publish": "1"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Draft).where(Draft.slug == slug)).current_revision_number == 2


def test_a_big_draft_is_imported_by_the_worker_while_staff_watch_its_status(app, client, staff):
    from app.cli import WORKER_HANDLERS
    from app.services import jobs
    app.config["BACKGROUND_IMPORT_BYTES"] = 100
    r = client.post("/staff/drafts/new", data=form(text=SAMPLE_MD, fmt="md", publish="1"))
    assert r.status_code == 302 and "/staff/imports/" in r.headers["Location"]
    status = r.headers["Location"]
    waiting = client.get(status).get_data(as_text=True)
    assert "Waiting for the import worker" in waiting and "Check again" in waiting
    assert 'http-equiv="refresh"' not in waiting  # reloading is the staff member's choice, and can stop
    assert 'http-equiv="refresh"' in client.get(status + "?auto=1").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
        assert jobs.work(WORKER_HANDLERS, once=True) >= 1
        jobs.work(WORKER_HANDLERS, once=True)  # a second worker round imports nothing again
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 1
    done = client.get(status).get_data(as_text=True)
    assert "clauses published" in done and "Open the draft" in done and 'http-equiv="refresh"' not in done
    slug = db_slug(app)
    assert "free of charge" in client.get(f"/drafts/{slug}").get_data(as_text=True)
    # somebody else's import is nobody else's business
    other = app.test_client()
    assert other.get(status).status_code in (302, 401)


def test_a_big_draft_that_cannot_be_read_fails_with_its_reason(app, client, staff):
    from app.cli import WORKER_HANDLERS
    from app.services import jobs
    app.config["BACKGROUND_IMPORT_BYTES"] = 10
    r = client.post("/staff/drafts/new", data=form(text="This is not Akoma Ntoso XML at all.", fmt="akn", publish="1"))
    status = r.headers["Location"]
    with app.app_context():
        jobs.work(WORKER_HANDLERS, once=True)
    page = client.get(status).get_data(as_text=True)
    assert "The import failed." in page and 'class="flash error"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    # closing before opening is refused before anything is queued, beside the field
    r = client.post("/staff/drafts/new", data=form(text=SAMPLE_MD, publish="1", closes="2020-01-01T00:00"))
    assert r.status_code == 400 and "close after it opens" in r.get_data(as_text=True)


def db_slug(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Draft.slug))
