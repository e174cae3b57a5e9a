"""PostgreSQL full-text search documents (tsvector + GIN); nothing on SQLite.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE TABLE search_document (
            kind varchar(16) NOT NULL,
            object_id integer NOT NULL,
            draft_id integer NOT NULL,
            revision integer NOT NULL DEFAULT 0,
            lang varchar(8) NOT NULL,
            date timestamptz NOT NULL,
            tsv tsvector NOT NULL,
            CONSTRAINT pk_search_document PRIMARY KEY (kind, object_id)
        )""")
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
    op.execute("CREATE INDEX ix_search_document_draft_id ON search_document (draft_id)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_document")
