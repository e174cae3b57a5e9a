"""The initiative budget: rounds, projects, the ballot log and voters, verifications, complaints,
implementation updates.

Revision ID: 0007_budget
Revises: 0006

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_budget"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('budget_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('district', sa.String(length=200), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('envelope', sa.BigInteger(), nullable=False),
    sa.Column('max_cost', sa.BigInteger(), nullable=True),
    sa.Column('requires', sa.String(length=8), nullable=False),
    sa.Column('phase', sa.String(length=12), nullable=False),
    sa.Column('proposals_open_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('vetting_opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voting_opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voting_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('results_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("phase IN ('proposals', 'vetting', 'voting', 'counting', 'closed')", name=op.f('ck_budget_round_phase')),
    sa.CheckConstraint("requires IN ('email', 'phone', 'staff')", name=op.f('ck_budget_round_requires')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_budget_round_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_round')),
    sa.UniqueConstraint('slug', name=op.f('uq_budget_round_slug'))
    )
    with op.batch_alter_table('budget_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_round_agency_id'), ['agency_id'], unique=False)

    op.create_table('budget_phone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('code_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_budget_phone_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_phone')),
    sa.UniqueConstraint('number', name=op.f('uq_budget_phone_number')),
    sa.UniqueConstraint('user_id', name=op.f('uq_budget_phone_user_id'))
    )
    op.create_table('budget_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('mahalla', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=False),
    sa.Column('approved_cost', sa.BigInteger(), nullable=True),
    sa.Column('mahalla_residents', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('final_votes', sa.Integer(), nullable=True),
    sa.Column('funded', sa.Boolean(), nullable=False),
    sa.Column('contractor', sa.String(length=300), nullable=False),
    sa.Column('contract_amount', sa.BigInteger(), nullable=True),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('online', 'paper')", name=op.f('ck_budget_project_channel')),
    sa.CheckConstraint("status IN ('submitted', 'eligible', 'ineligible', 'disqualified')", name=op.f('ck_budget_project_status')),
    sa.CheckConstraint('cost > 0', name=op.f('ck_budget_project_cost')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_budget_project_author_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['budget_round.id'], name=op.f('fk_budget_project_round_id_budget_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_project'))
    )
    with op.batch_alter_table('budget_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_project_round_id'), ['round_id'], unique=False)

    op.create_table('budget_residency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('mahalla', sa.String(length=200), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_budget_residency_agency_id_agency')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_budget_residency_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_budget_residency_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_residency')),
    sa.UniqueConstraint('user_id', 'agency_id', name=op.f('uq_budget_residency_user_id_agency_id'))
    )
    op.create_table('budget_voter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('network', sa.String(length=64), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['budget_round.id'], name=op.f('fk_budget_voter_round_id_budget_round')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_budget_voter_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_voter')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_budget_voter_round_id_user_id'))
    )
    with op.batch_alter_table('budget_voter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_voter_user_id'), ['user_id'], unique=False)

    op.create_table('budget_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('chain_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['budget_project.id'], name=op.f('fk_budget_ballot_project_id_budget_project')),
    sa.ForeignKeyConstraint(['round_id'], ['budget_round.id'], name=op.f('fk_budget_ballot_round_id_budget_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_ballot')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_budget_ballot_receipt_hash')),
    sa.UniqueConstraint('round_id', 'seq', name=op.f('uq_budget_ballot_round_id_seq'))
    )
    with op.batch_alter_table('budget_ballot', schema=None) as batch_op:
        batch_op.create_index('ix_budget_ballot_round_project', ['round_id', 'project_id'], unique=False)

    op.create_table('budget_complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_budget_complaint_author_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['budget_project.id'], name=op.f('fk_budget_complaint_project_id_budget_project')),
    sa.ForeignKeyConstraint(['round_id'], ['budget_round.id'], name=op.f('fk_budget_complaint_round_id_budget_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_complaint'))
    )
    with op.batch_alter_table('budget_complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_complaint_round_id'), ['round_id'], unique=False)

    op.create_table('budget_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('stage', 'comment', 'problem')", name=op.f('ck_budget_update_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_budget_update_author_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['budget_project.id'], name=op.f('fk_budget_update_project_id_budget_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_update'))
    )
    with op.batch_alter_table('budget_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_update_project_id'), ['project_id'], unique=False)

    op.create_table('budget_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('caption', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('proposal', 'implementation')", name=op.f('ck_budget_photo_kind')),
    sa.ForeignKeyConstraint(['project_id'], ['budget_project.id'], name=op.f('fk_budget_photo_project_id_budget_project')),
    sa.ForeignKeyConstraint(['uploader_id'], ['user_account.id'], name=op.f('fk_budget_photo_uploader_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_photo'))
    )
    with op.batch_alter_table('budget_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_photo_project_id'), ['project_id'], unique=False)



def downgrade():
    with op.batch_alter_table('budget_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_photo_project_id'))

    op.drop_table('budget_photo')
    with op.batch_alter_table('budget_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_update_project_id'))

    op.drop_table('budget_update')
    with op.batch_alter_table('budget_complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_complaint_round_id'))

    op.drop_table('budget_complaint')
    with op.batch_alter_table('budget_ballot', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_ballot_round_project')

    op.drop_table('budget_ballot')
    with op.batch_alter_table('budget_voter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_voter_user_id'))

    op.drop_table('budget_voter')
    op.drop_table('budget_residency')
    with op.batch_alter_table('budget_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_project_round_id'))

    op.drop_table('budget_project')
    op.drop_table('budget_phone')
    with op.batch_alter_table('budget_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_round_agency_id'))

    op.drop_table('budget_round')
