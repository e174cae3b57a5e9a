"""History: the diff viewer (pure comparison, HTML, JSON), provenance, "what changed since I last
looked", following and notifications, and the integrity check."""
import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    Attribution,
    Comment,
    Draft,
    Follow,
    Notification,
    Proposal,
    Revision,
)
from app.services import revisions
from drafts.lineage import compare_by_key, fold, sides

# Revision 2 of SAMPLE_MD: Article 1 reworded, Article 2 removed, Article 3 renumbered to 2, a new
# Article 3 whose text carries HTML (which must be shown as text, never run).
V2_MD = """# Law on Public Libraries

## Chapter 1. General provisions

### Article 1. Purpose

(1) This Law sets the rules for public libraries.

(2) It applies to every library and reading room open to the public.

## Chapter 2. Access

### Article 2. Free access

Everyone may read in a public library free of charge.

### Article 3. Opening hours

Libraries open <script>alert(1)</script> at least <b>five</b> days a week.
"""


def c(key, text="", eid=None, label=None, heading=""):
    """A stored clause as the pages get it."""
    return {"key": key, "eid": eid or key, "label": label or key, "heading": heading, "text": text}


# --- the pure comparison -------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, expected", [
    # same key, same text
    ([c("a", "x")], [c("a", "x")], [("unchanged", "a")]),
    # a reflowed paragraph is not a change
    ([c("a", "one  two\nthree")], [c("a", "one two three")], [("unchanged", "a")]),
    ([c("a", "x")], [c("a", "y")], [("modified", "a")]),
    ([c("a")], [c("a"), c("b")], [("unchanged", "a"), ("inserted", "b")]),
    # a deleted clause stays where it stood: before the clause that followed it
    ([c("a"), c("b"), c("c")], [c("a"), c("c")], [("unchanged", "a"), ("deleted", "b"), ("unchanged", "c")]),
    ([c("a"), c("b")], [c("a")], [("unchanged", "a"), ("deleted", "b")]),
    # b jumped ahead of a: a keeps its order (the longest run), b is the one that moved
    ([c("a"), c("b"), c("c")], [c("b"), c("a"), c("c")],
     [("moved", "b"), ("unchanged", "a"), ("unchanged", "c")]),
    # same place, new number: renumbered
    ([c("a", "x", eid="art_5")], [c("a", "x", eid="art_6")], [("moved", "a")]),
    ([], [], []),
])
def test_compare_by_key_classifies_each_clause(old, new, expected):
    assert [(r.kind, r.key) for r in compare_by_key(old, new)] == expected


def test_modified_clause_has_word_level_ops_and_unchanged_has_none():
    rows = compare_by_key([c("a", "the cat sat"), c("b", "same")], [c("a", "the dog sat"), c("b", "same")])
    assert rows[0].ops == ((0, "the "), (-1, "cat"), (1, "dog"), (0, " sat"))
    assert rows[1].ops == ()


def test_renumbered_clause_reads_old_label_to_new_and_keeps_its_edits():
    row, = compare_by_key([c("k", "the cat", eid="art_5", label="Article 5")],
                          [c("k", "the dog", eid="art_6", label="Article 6")])
    assert (row.kind, row.title, row.reordered) == ("moved", "Article 5 → Article 6", False)
    assert (1, "dog") in row.ops


def test_heading_is_part_of_what_is_compared():
    row, = compare_by_key([c("a", "x", heading="Purpose")], [c("a", "x", heading="Aim")])
    assert row.kind == "modified" and (-1, "Purpose") in row.ops and (1, "Aim") in row.ops


def test_fold_folds_unchanged_stretches_unless_asked():
    rows = compare_by_key([c(k) for k in "abcde"], [c("a"), c("b"), c("c", "new"), c("d"), c("e")])
    items = fold(rows)
    assert [type(i).__name__ for i in items] == ["Fold", "Row", "Fold"]
    assert (items[0].start, len(items[0].rows), items[2].start) == (0, 2, 3)
    assert [getattr(i, "kind", "fold") for i in fold(rows, expand=3)] == ["fold", "modified", "unchanged", "unchanged"]
    assert all(not i.folded for i in fold(rows, show_all=True))


def test_sides_split_ops_into_old_and_new_columns():
    assert sides([(0, "a "), (-1, "b"), (1, "c")]) == ([(0, "a "), (-1, "b")], [(0, "a "), (1, "c")])


# --- pages ---------------------------------------------------------------------------------------

def revise(app, slug, text_md, note="Revised after the consultation."):
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        revision = revisions.revise_draft(draft, text_md.encode(), fmt="md", note=note, author=None)
        db.session.commit()
        return revision.number


@pytest.fixture
def revised(app, make_draft):
    slug = make_draft()
    revise(app, slug, V2_MD)
    return slug


def test_diff_page_shows_word_changes_moves_and_folds(client, revised):
    html = client.get(f"/drafts/{revised}/diff").get_data(as_text=True)  # default: previous -> current
    assert "What changed from revision 1 to revision 2" in html
    assert "<ins>and reading room </ins>" in html or "<ins>and reading room</ins>" in html
    assert "Article 3 → Article 2" in html and "Renumbered" in html
    assert "Removed" in html and "<del>Definitions" in html
    assert "2 unchanged clauses" in html and "Revised after the consultation." in html
    assert "1 clause changed" in html and "1 new" in html


def test_html_in_clause_text_is_escaped(client, revised):
    for view in ("inline", "side"):
        html = client.get(f"/drafts/{revised}/diff?view={view}").get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
        assert "&lt;b&gt;five&lt;/b&gt;" in html


def test_side_by_side_shows_old_and_new_columns(client, revised):
    html = client.get(f"/drafts/{revised}/diff?view=side").get_data(as_text=True)
    assert 'class="side-by-side"' in html and "<del>" in html and "<ins>" in html
    assert "Not in this revision." in html  # the inserted and the removed clause
    assert "Show changes in the text" in html


def test_folded_clauses_can_be_shown_without_javascript(client, revised):
    html = client.get(f"/drafts/{revised}/diff").get_data(as_text=True)
    assert "expand=0" in html and "Law on Public Libraries – Chapter 1" in html
    shown = client.get(f"/drafts/{revised}/diff?from=1&to=2&expand=0").get_data(as_text=True)
    assert "2 unchanged clauses" not in shown and 'id="k-chp_1"' in shown
    everything = client.get(f"/drafts/{revised}/diff?context=all").get_data(as_text=True)
    assert 'class="fold"' not in everything and "Hide unchanged clauses" in everything


def test_reversed_range_shows_the_changes_backwards(client, revised):
    r = client.get(f"/drafts/{revised}/diff?from=2&to=1")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "backwards" in html and "<del>and reading room" in html


def test_a_draft_with_one_revision_says_there_is_nothing_to_compare(client, make_draft):
    html = client.get(f"/drafts/{make_draft()}/diff").get_data(as_text=True)
    assert "only one revision" in html


@pytest.mark.parametrize("query, status", [
    ("from=abc", 400),       # not a number
    ("from=-1", 400),        # negative
    ("to=1.5", 400),
    ("from=%201", 400),      # padded
    ("from=99999999", 400),  # absurdly long
    ("from=0", 404),         # revisions start at 1
    ("from=1&to=7", 404),    # no such revision
    ("view=fancy", 400),
    ("context=some", 400),
    ("expand=x", 400),
    ("page=0", 400),
    ("page=50", 404),
])
def test_bad_diff_parameters_are_clear_errors(client, revised, query, status):
    r = client.get(f"/drafts/{revised}/diff?{query}")
    assert r.status_code == status
    if status == 400:
        assert "must" in r.get_data(as_text=True)


@pytest.mark.parametrize("query, status", [("from=abc", 400), ("from=-2", 400), ("to=9", 404), ("from=0", 404)])
def test_api_diff_bad_parameters_are_json(client, revised, query, status):
    r = client.get(f"/api/v1/drafts/{revised}/diff?{query}")
    assert r.status_code == status and r.get_json()["error"]["status"] == status


def test_unknown_or_unpublished_draft_is_404(client, make_draft):
    hidden = make_draft(slug="secret", published=False)
    for url in ("/drafts/nope/diff", f"/drafts/{hidden}/diff", f"/api/v1/drafts/{hidden}/diff", "/drafts/nope/verify"):
        assert client.get(url).status_code == 404


def test_api_diff_has_the_engines_shape(client, revised):
    data = client.get(f"/api/v1/drafts/{revised}/diff?from=1&to=2").get_json()
    kinds = {ch["key"]: ch["kind"] for ch in data["changes"]}
    assert kinds["chp_1__art_1"] == "modified" and kinds["chp_1__art_2"] == "deleted"
    assert kinds["chp_2__art_3"] == "moved" and kinds["chp_2__art_3~2"] == "inserted"
    art1 = next(ch for ch in data["changes"] if ch["key"] == "chp_1__art_1")
    assert [1, "and reading room "] in art1["ops"] and art1["old"] == art1["new"] == "chp_1__art_1"
    assert data["totals"] == {"unchanged": 3, "modified": 1, "moved": 1, "inserted": 1, "deleted": 1}


def test_comparison_is_cached_by_chain_hashes(app, client, revised):
    from app.queries import _comparison
    client.get(f"/drafts/{revised}/diff")
    before = _comparison.cache_info()
    client.get(f"/drafts/{revised}/diff?view=side")
    client.get(f"/api/v1/drafts/{revised}/diff")
    after = _comparison.cache_info()
    assert after.hits == before.hits + 2 and after.misses == before.misses


# --- provenance --------------------------------------------------------------------------------

def attribute(app, slug, make_user):
    """Record that a proposal (accepted) and a comment (partly) caused revision 2's change to Article 1."""
    uid = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        rev1, rev2 = (db.session.scalar(select(Revision).where(Revision.draft_id == draft.id, Revision.number == n))
                      for n in (1, 2))
        p = Proposal(draft_id=draft.id, clause_key="chp_1__art_1", base_revision_id=rev1.id, base_text="x",
                     proposed_text="y", rationale="Reading rooms too.", author_id=uid, status="accepted")
        cm = Comment(draft_id=draft.id, revision_id=rev1.id, clause_key="chp_1__art_1", author_id=uid,
                     body="Please include reading rooms.")
        db.session.add_all([p, cm])
        db.session.flush()
        db.session.add_all([Attribution(revision_id=rev2.id, clause_key="chp_1__art_1", proposal_id=p.id),
                            Attribution(revision_id=rev2.id, clause_key="chp_1__art_1", comment_id=cm.id, partly=True)])
        db.session.commit()
        return p.id, cm.id


def test_changed_clauses_link_to_the_input_they_came_from(app, client, revised, make_user):
    pid, cid = attribute(app, revised, make_user)
    html = client.get(f"/drafts/{revised}/diff").get_data(as_text=True)
    assert f'href="/drafts/{revised}/proposals/{pid}"' in html and f"Proposal #{pid}" in html
    assert f'href="/drafts/{revised}/comments/{cid}"' in html and "(partly)" in html
    data = client.get(f"/api/v1/drafts/{revised}/diff").get_json()
    art1 = next(ch for ch in data["changes"] if ch["key"] == "chp_1__art_1")
    assert [(p["type"], p["id"], p["partly"]) for p in art1["provenance"]] == [("proposal", pid, False), ("comment", cid, True)]
    assert art1["provenance"][0]["url"].startswith("http")
    assert all(not ch["provenance"] for ch in data["changes"] if ch["key"] != "chp_1__art_1")


def test_revision_page_summarises_public_input_and_links_its_diff(app, client, revised, make_user):
    attribute(app, revised, make_user)
    html = client.get(f"/drafts/{revised}").get_data(as_text=True)
    assert "1 change in this revision came from public input" in html
    assert "1 proposal accepted, 0 partly, 1 comment" in html
    assert f"/drafts/{revised}/diff?from=1&amp;to=2" in html
    assert "came from public input" not in client.get(f"/drafts/{revised}/revisions/1").get_data(as_text=True)


def test_hidden_input_is_not_credited(app, client, revised, make_user):
    pid, _ = attribute(app, revised, make_user)
    with app.app_context():
        db.session.get(Proposal, pid).hidden = True
        db.session.commit()
    assert f"Proposal #{pid}" not in client.get(f"/drafts/{revised}/diff").get_data(as_text=True)


# --- what changed since I last looked, following, notifications --------------------------------

def test_a_returning_reader_is_offered_the_diff_since_their_last_visit(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    login_as(client, make_user())
    assert "changed since you last read it" not in client.get(f"/drafts/{slug}").get_data(as_text=True)
    revise(app, slug, V2_MD)
    revise(app, slug, V2_MD.replace("five", "six"))
    html = client.get(f"/drafts/{slug}").get_data(as_text=True)
    assert "changed since you last read it (revision 1; now revision 3)" in html
    assert f"/drafts/{slug}/diff?from=1&amp;to=3" in html
    assert "changed since you last read it" not in client.get(f"/drafts/{slug}").get_data(as_text=True)


def test_viewing_an_old_revision_does_not_count_as_seeing_the_new_one(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    login_as(client, make_user())
    client.get(f"/drafts/{slug}")
    revise(app, slug, V2_MD)
    client.get(f"/drafts/{slug}/revisions/1")
    assert "(revision 1; now revision 2)" in client.get(f"/drafts/{slug}").get_data(as_text=True)


def test_follow_then_unfollow_and_be_notified_of_a_new_revision(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    uid = make_user()
    login_as(client, uid)
    assert "Follow this draft" in client.get(f"/drafts/{slug}").get_data(as_text=True)
    r = client.post(f"/drafts/{slug}/follow", data={"follow": "1", "next": f"/drafts/{slug}"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/drafts/{slug}")
    assert "Stop following this draft" in client.get(f"/drafts/{slug}").get_data(as_text=True)
    revise(app, slug, V2_MD)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Revision 2" in html and f"/drafts/{slug}/diff?from=1&amp;to=2" in html
    client.post(f"/drafts/{slug}/follow", data={"follow": "0", "next": "https://evil.example/"})
    with app.app_context():
        assert db.session.scalar(select(Follow.following).where(Follow.user_id == uid)) is False


def test_follow_needs_a_login(client, make_draft):
    slug = make_draft()
    r = client.post(f"/drafts/{slug}/follow", data={"follow": "1"})
    assert r.status_code in (302, 401) and "/login" in r.headers.get("Location", "/login")


def add_notifications(app, uid, n):
    with app.app_context():
        db.session.add_all(Notification(user_id=uid, kind="test", message=f"Message {i}", link=f"/drafts/x?{i}")
                           for i in range(n))
        db.session.add(Notification(user_id=uid, kind="test", message="Hostile", link="javascript:alert(1)"))
        db.session.commit()


def test_notifications_newest_first_unread_count_and_mark_all_read(app, client, make_user, login_as):
    uid = make_user()
    other = make_user()
    add_notifications(app, uid, 31)
    add_notifications(app, other, 1)
    login_as(client, uid)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Notifications (32)" in html  # the header, on every page
    assert html.index("Hostile") < html.index("Message 30") and "Message 0" not in html  # page 1 of 2
    assert 'href="javascript:' not in html
    assert "Message 0" in client.get("/notifications?page=2").get_data(as_text=True)
    r = client.post("/notifications/read")
    assert r.status_code == 302
    html = client.get("/notifications").get_data(as_text=True)
    assert "Notifications (" not in html and "Mark all as read" not in html
    with app.app_context():  # someone else's stay unread
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == other, Notification.read_at.is_(None))) == 2


def test_notifications_need_a_login(client):
    assert client.get("/notifications").status_code in (302, 401)
    assert client.post("/notifications/read").status_code in (302, 401)


# --- integrity ---------------------------------------------------------------------------------

@pytest.mark.both_backends
def test_verify_detects_a_clause_altered_behind_the_apps_back(app, client, runner, revised, make_draft):
    other = make_draft(title="Law on Museums")
    r = runner.invoke(args=["drafts", "verify"])
    assert r.exit_code == 0 and f"OK {revised} (2 revisions)" in r.output and f"OK {other}" in r.output
    assert "OK: every revision" in client.get(f"/drafts/{revised}/verify").get_data(as_text=True)
    with app.app_context():
        rev2 = db.session.scalar(select(Revision.id).join(Draft).where(Draft.slug == revised, Revision.number == 2))
        db.session.execute(text("UPDATE clause SET text = 'Only members may read.' "
                                "WHERE revision_id = :r AND key = 'chp_2__art_3'"), {"r": rev2})
        db.session.commit()
    r = runner.invoke(args=["drafts", "verify", revised])
    assert r.exit_code == 1 and f"BROKEN {revised}: revision 2" in r.output
    r = runner.invoke(args=["drafts", "verify"])
    assert r.exit_code == 1 and f"OK {other}" in r.output
    html = client.get(f"/drafts/{revised}/verify").get_data(as_text=True)
    assert "Revision 2 does not match its published hashes" in html


def test_verify_notices_a_rewritten_chain(app, runner, revised):
    with app.app_context():
        rev1 = db.session.scalar(select(Revision).join(Draft).where(Draft.slug == revised, Revision.number == 1))
        rev1.chain_hash = "f" * 64
        db.session.commit()
    r = runner.invoke(args=["drafts", "verify", revised])
    assert r.exit_code == 1 and "revision 1: its chain hash" in r.output


def test_verify_unknown_slug_is_a_one_line_error(runner):
    r = runner.invoke(args=["drafts", "verify", "nope"])
    assert r.exit_code == 2 and r.output.strip() == "Error: there is no draft 'nope'"
