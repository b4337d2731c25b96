"""Quotas (配额) per level and tier from a date, daily facts (每日实绩) and intent-customer marks

Revision ID: 13a1c0000001
Revises: 13a5f0000005
Create Date: 2026-12-10 09:00:00.000000

Self-contained: only creates and drops its own tables (quota, quota_daily_fact, quota_intent_mark).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '13a1c0000001'
down_revision = '13a5f0000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=30), nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('intent', sa.Integer(), nullable=True),
    sa.Column('valid_call', sa.Integer(), nullable=True),
    sa.Column('visit', sa.Integer(), nullable=True),
    sa.Column('invitation', sa.Integer(), nullable=True),
    sa.Column('remark', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_quota_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota')),
    sa.UniqueConstraint('level', 'tier', 'effective_from', name='uq_quota_level_tier_from')
    )
    op.create_table('quota_daily_fact',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('intent', sa.Integer(), nullable=False),
    sa.Column('valid_call', sa.Integer(), nullable=False),
    sa.Column('visit', sa.Integer(), nullable=False),
    sa.Column('invitation', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quota_daily_fact_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_quota_daily_fact'))
    )
    op.create_table('quota_intent_mark',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quota_intent_mark_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', 'customer_id', name=op.f('pk_quota_intent_mark'))
    )
    with op.batch_alter_table('quota_intent_mark', schema=None) as batch_op:
        batch_op.create_index('ix_quota_intent_mark_day', ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('quota_intent_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_quota_intent_mark_day')
    op.drop_table('quota_intent_mark')
    op.drop_table('quota_daily_fact')
    op.drop_table('quota')
