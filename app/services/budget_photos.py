"""Photos of initiative budget projects: a resident's with the proposal, staff's of the work.

Every upload is decoded and re-encoded as a JPEG of at most 1280 px a side: pages stay light on slow
connections, and nothing of the original file (camera location data, hidden payloads) is kept."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from app.extensions import db
from app.models import BudgetPhoto, BudgetProject, BudgetRound, User
from app.services.rules import RuleError, authorize, clean_text

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1280
MAX_PER_PROJECT = 12
FORMATS = ("JPEG", "PNG", "WEBP")
Image.MAX_IMAGE_PIXELS = 40_000_000  # larger claims are refused as decompression bombs


def photo_dir() -> Path:
    return Path(current_app.config.get("BUDGET_PHOTO_DIR") or Path(current_app.instance_path) / "budget_photos")


def _reencode(data: bytes) -> bytes:
    if len(data) > MAX_PHOTO_BYTES:
        raise RuleError(_("A photo can be at most 5 MB."), 413, field="photo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise RuleError(_("Send a photo as JPEG, PNG or WebP."), field="photo")
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=75, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise RuleError(_("Send a photo as JPEG, PNG or WebP."), field="photo") from None


def add_photo(uploader: User, budget_round: BudgetRound, project: BudgetProject, data: bytes, *, kind: str,
              caption: str = "") -> BudgetPhoto:
    """:raise RuleError: 403 for an implementation photo by anyone but the district's staff, or a
    proposal photo by anyone but the proposer; 400/413 for what is not a photo; 409 when full."""
    if kind == "implementation":
        authorize(uploader, budget_round)
    elif project.author_id != uploader.id:
        raise RuleError(_("Only the person who proposed the project can add its photos."), 403)
    count = db.session.scalar(select(func.count()).select_from(BudgetPhoto).where(BudgetPhoto.project_id == project.id))
    if count >= MAX_PER_PROJECT:
        raise RuleError(_("This project has as many photos as it can have."), 409, field="photo")
    jpeg = _reencode(data)
    name = hashlib.sha256(jpeg).hexdigest() + ".jpg"
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / name).exists():
        (folder / name).write_bytes(jpeg)  # named by content: a rolled-back upload leaves a harmless file
    photo = BudgetPhoto(project_id=project.id, uploader_id=uploader.id, kind=kind, filename=name,
                        caption=clean_text(caption, _("The caption"), 300, required=False))
    db.session.add(photo)
    db.session.flush()
    return photo


def photos_of(project: BudgetProject) -> list[BudgetPhoto]:
    return list(db.session.scalars(select(BudgetPhoto).where(BudgetPhoto.project_id == project.id)
                                   .order_by(BudgetPhoto.created_at, BudgetPhoto.id)))
