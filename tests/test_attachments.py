"""Documents that come with comments and proposals: recognised by their content, stored outside the
web root under their SHA-256, downloaded only as attachments with safe headers, and only while the
contribution is public."""
import hashlib
import io
import json
import zipfile
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from app import queries
from app.extensions import db
from app.models import Attachment, Comment, Draft, Proposal, User
from app.services import moderation

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_docx(text="Our position on Article 3.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content '
                         'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest/>')
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a document")
    return out.getvalue()


def zip_bomb() -> bytes:
    """A DOCX in every outward respect whose one part unpacks to 110 MB of zeros (~110 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(make_docx())) as real:
            for item in real.infolist():
                archive.writestr(item.filename, real.read(item))
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(110):
                member.write(chunk)
    return out.getvalue()


@pytest.fixture
def citizen(app, client, make_user, login_as):
    uid = make_user("citizen@example.org", name="Nodira")
    login_as(client, uid)
    return uid


def clause_of(app, slug):
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clause = queries.current_revision(draft).clauses[-1]
        return clause.key, clause.eid


def post_comment(client, slug, key, *files, body="See the attached position paper."):
    data = {"body": body, "clause_key": key, "respondent_type": "ngo", "organisation": "Kitob Society"}
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/drafts/{slug}/comments", data=data, content_type="multipart/form-data")


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name, content, kind, mime", [
    ("Position paper.pdf", PDF, "pdf", "application/pdf"),
    ("Позиция.docx", make_docx(), "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("Fikr.odt", make_odt(), "odt", "application/vnd.oasis.opendocument.text"),
])
def test_a_document_comes_with_a_comment_and_downloads_only_as_an_attachment(app, client, make_draft, citizen,
                                                                           name, content, kind, mime):
    slug = make_draft()
    key, eid = clause_of(app, slug)
    response = post_comment(client, slug, key, (name, content))
    assert response.status_code == 302
    page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert name in page and f"({kind.upper()}, " in page
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert (attachment.kind, attachment.name, attachment.size) == (kind, name, len(content))
        link = f"/drafts/{slug}/attachments/{attachment.id}"
    assert link in page
    stored = Path(app.config["ATTACHMENT_DIR"])
    assert [p.name for p in stored.iterdir()] == [hashlib.sha256(content).hexdigest()]  # never the sender's name
    download = client.get(link)
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and body == content
    assert download.headers["Content-Type"] == mime
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "default-src 'none'" in download.headers["Content-Security-Policy"]
    client.get("/logout")
    again = client.get(link)
    again.close()
    assert again.status_code == 200  # anyone may read a public contribution's documents


def test_a_proposal_carries_a_document(app, client, make_draft, citizen):
    slug = make_draft()
    _key, eid = clause_of(app, slug)
    response = client.post(f"/drafts/{slug}/clauses/{eid}/propose", content_type="multipart/form-data", data={
        "action": "replace", "proposed_text": "Everyone may read and borrow free of charge.",
        "rationale": "Borrowing matters.", "send": "1", "attachments": [(io.BytesIO(make_docx()), "study.docx")]})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.proposal_id == db.session.scalar(select(Proposal.id))
    assert "study.docx" in page and f"/drafts/{slug}/attachments/{attachment.id}" in page
    download = client.get(f"/drafts/{slug}/attachments/{attachment.id}")
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and body.startswith(b"PK")


def test_forms_work_without_a_file(app, client, make_draft, citizen):
    slug = make_draft()
    key, _eid = clause_of(app, slug)
    assert post_comment(client, slug, key).status_code == 302
    empty = client.post(f"/drafts/{slug}/comments", content_type="multipart/form-data", data={
        "body": "No file chosen", "clause_key": key, "attachments": [(io.BytesIO(b""), "")]})
    assert empty.status_code == 302
    assert count(app, Comment) == 2 and count(app, Attachment) == 0


@pytest.mark.parametrize("name, content", [
    ("report.pdf", b"<!doctype html><html><script>alert(document.cookie)</script></html>"),
    ("report.docx", plain_zip()),
    ("report.pdf", b"MZ\x90\x00\x03" + bytes(200)),
    ("report.docx", zip_bomb()),
    ("report.odt", make_odt()[:200]),
    ("report.pdf", b"%PDF-1.4 but cut short"),
])
def test_what_is_not_a_document_is_refused_by_its_content(app, client, make_draft, citizen, name, content):
    slug = make_draft()
    key, _eid = clause_of(app, slug)
    response = post_comment(client, slug, key, (name, content), body="My careful words")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a PDF, DOCX or ODT document" in text and "My careful words" in text
    assert count(app, Comment) == 0 and count(app, Attachment) == 0
    assert not Path(app.config["ATTACHMENT_DIR"]).exists() or not any(Path(app.config["ATTACHMENT_DIR"]).iterdir())


def test_an_oversized_file_and_too_many_files_are_refused(app, client, make_draft, citizen):
    app.config.update(ATTACHMENT_MAX_BYTES=1024, ATTACHMENTS_PER_CONTRIBUTION=2)
    slug = make_draft()
    key, _eid = clause_of(app, slug)
    big = post_comment(client, slug, key, ("big.pdf", PDF + b"%" * 2000 + b"\n%%EOF"))
    assert big.status_code == 413 and "big is too large" in big.get_data(as_text=True)
    many = post_comment(client, slug, key, ("a.pdf", PDF), ("b.pdf", PDF), ("c.pdf", PDF))
    assert many.status_code == 400 and "At most 2 files" in many.get_data(as_text=True)
    body = (b'------muhokama\r\nContent-Disposition: form-data; name="attachments"; filename="huge.pdf"\r\n\r\n%PDF-'
            + bytes(20 * 1024 * 1024) + b"\r\n------muhokama--\r\n")  # (bytes: the test client leaks a spooled body)
    huge = client.post(f"/drafts/{slug}/comments", data=body, content_type="multipart/form-data; boundary=----muhokama")
    assert huge.status_code == 413  # beyond the request's room: refused before it is read
    assert count(app, Comment) == 0 and count(app, Attachment) == 0


def test_a_hidden_contribution_serves_no_documents(app, client, make_draft, citizen, make_user, login_as):
    slug = make_draft()
    key, _eid = clause_of(app, slug)
    post_comment(client, slug, key, ("paper.pdf", PDF))
    moderator_id = make_user(role="moderator")
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
        moderator = db.session.get(User, moderator_id)
        moderation.hide(moderator, db.session.scalar(select(Comment)), reason="spam", explanation="Advertising.")
        db.session.commit()
    link = f"/drafts/{slug}/attachments/{attachment_id}"
    assert client.get(link).status_code == 404  # not even its author
    client.get("/logout")
    assert client.get(link).status_code == 404
    assert "paper.pdf" not in client.get(f"/drafts/{slug}/comments/1").get_data(as_text=True)


def test_no_document_of_an_unpublished_draft_or_another_draft(app, client, make_draft, citizen):
    slug = make_draft()
    other = make_draft(title="Law on Roads", agency="Ministry of Transport")
    key, _eid = clause_of(app, slug)
    post_comment(client, slug, key, ("paper.pdf", PDF))
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    assert client.get(f"/drafts/{other}/attachments/{attachment_id}").status_code == 404
    assert client.get(f"/drafts/{slug}/attachments/{attachment_id + 1}").status_code == 404
    with app.app_context():
        db.session.scalar(select(Draft).where(Draft.slug == slug)).published = False
        db.session.commit()
    assert client.get(f"/drafts/{slug}/attachments/{attachment_id}").status_code == 404


def test_the_offered_name_is_cleaned(app, client, make_draft, citizen):
    slug = make_draft()
    key, _eid = clause_of(app, slug)
    post_comment(client, slug, key, ('..\\..\\evil"\r\nX-Header: 1<script>.html', PDF))
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
    assert attachment.name.endswith(".pdf") and not set('"\r\n<>/\\') & set(attachment.name)
    download = client.get(f"/drafts/{slug}/attachments/{attachment.id}")
    download.close()
    disposition = download.headers["Content-Disposition"]
    assert "\n" not in disposition and "X-Header:" not in disposition.split("filename")[0]


def test_no_file_without_a_login_or_a_csrf_token(app, make_draft, make_user, login_as):
    slug = make_draft()
    key, _eid = clause_of(app, slug)
    anonymous = app.test_client()
    response = post_comment(anonymous, slug, key, ("paper.pdf", PDF))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login_as(client, make_user())
    forged = post_comment(client, slug, key, ("paper.pdf", PDF))
    assert forged.status_code == 400 and "expired or was not sent from this site" in forged.get_data(as_text=True)
    assert count(app, Comment) == 0 and count(app, Attachment) == 0
    assert not Path(app.config["ATTACHMENT_DIR"]).exists()


def test_the_export_lists_public_documents_without_copying_them(app, client, make_draft, citizen, make_user):
    slug = make_draft()
    key, _eid = clause_of(app, slug)
    post_comment(client, slug, key, ("paper.pdf", PDF))
    post_comment(client, slug, key, ("secret.odt", make_odt()), body="To be hidden")
    moderator_id = make_user(role="moderator")
    with app.app_context():
        hidden = db.session.scalar(select(Comment).where(Comment.body == "To be hidden"))
        moderation.hide(db.session.get(User, moderator_id), hidden, reason="spam", explanation="Advertising.")
        db.session.commit()
    response = client.get(f"/drafts/{slug}/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    listing = json.loads(archive.read(f"{slug}/attachments.json"))
    assert [(a["name"], a["type"], a["bytes"], a["sha256"]) for a in listing] == [
        ("paper.pdf", "pdf", len(PDF), hashlib.sha256(PDF).hexdigest())]
    assert listing[0]["url"].endswith(f"/drafts/{slug}/attachments/{listing[0]['id']}")
    assert not any(PDF in archive.read(name) for name in archive.namelist())
    manifest = json.loads(archive.read(f"{slug}/manifest.json"))
    assert "attachments.csv" in {f["name"] for f in manifest["files"]}
