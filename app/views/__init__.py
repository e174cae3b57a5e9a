"""The blueprints, one per thing a person does. No view module imports another: what several share
lives in ``common`` (lookups and arguments), ``forms`` and ``pages`` (pages shown by more than one)."""
from __future__ import annotations

from flask import Flask

from app.views import (
    accounts,
    alerts,
    api,
    assisted,
    attachments,
    budget,
    budget_staff,
    feeds,
    history,
    humans,
    moderation,
    participation,
    positions,
    privacy,
    proposals,
    reading,
    report,
    review,
    search,
    shared_pages,
    site,
    staff,
)

BLUEPRINTS = (reading.bp, participation.bp, proposals.bp, staff.bp, review.bp, history.bp, accounts.bp,
              search.bp, api.bp, alerts.bp, feeds.bp, report.bp, budget.bp, budget_staff.bp, site.bp,
              assisted.bp, moderation.bp, privacy.bp, positions.bp, attachments.bp)


def register(app: Flask) -> None:
    app.jinja_env.globals["human_fields"] = humans.fields
    app.jinja_env.globals["hole"] = shared_pages.hole  # a reader's own part of a shared page
    app.jinja_env.globals["unread_label"] = shared_pages.unread_label
    app.jinja_env.globals["own_choice"] = shared_pages.own_choice
    app.jinja_env.globals["rendering_shared"] = shared_pages.rendering_shared
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
