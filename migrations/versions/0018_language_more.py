"""One language per person: the account's language serves pages, emails and in-app notices. The email
settings' own language is folded into the account (where the person had none) and dropped.

Revision ID: 0018_language_more
Revises: 0016_moderation_more
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_language_more"
down_revision = "0016_moderation_more"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE user_account SET language = (SELECT m.language FROM mail_settings m "
               "WHERE m.user_id = user_account.id) WHERE language IS NULL AND EXISTS "
               "(SELECT 1 FROM mail_settings m WHERE m.user_id = user_account.id)")
    with op.batch_alter_table("mail_settings") as batch:
        batch.drop_column("language")


def downgrade():
    with op.batch_alter_table("mail_settings") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=False, server_default="en"))
    op.execute("UPDATE mail_settings SET language = COALESCE((SELECT u.language FROM user_account u "
               "WHERE u.id = mail_settings.user_id), 'en')")
