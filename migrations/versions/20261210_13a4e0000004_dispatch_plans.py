"""Dispatch plans (工作计划: 月计划, 周计划, 日计划) and their targets per metric

Revision ID: 13a4e0000004
Revises: 13a1c0000001
Create Date: 2026-12-10 10:00:00.000000

Self-contained: only creates and drops its own tables (plan, plan_target).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '13a4e0000004'
down_revision = '13a1c0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('target_org_id', sa.Integer(), nullable=True),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('target_key', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('publisher_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_plan_org_id_org')),
    sa.ForeignKeyConstraint(['parent_id'], ['plan.id'], name=op.f('fk_plan_parent_id_plan')),
    sa.ForeignKeyConstraint(['publisher_id'], ['users.id'], name=op.f('fk_plan_publisher_id_users')),
    sa.ForeignKeyConstraint(['target_org_id'], ['org.id'], name=op.f('fk_plan_target_org_id_org')),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_plan_target_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('kind', 'period_start', 'target_key', name='uq_plan_kind_period_target')
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_period_end'), ['period_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_publisher_id'), ['publisher_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_target_org_id'), ['target_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_target_user_id'), ['target_user_id'], unique=False)

    op.create_table('plan_target',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_target_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'metric', name=op.f('pk_plan_target'))
    )


def downgrade():
    op.drop_table('plan_target')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_target_user_id'))
        batch_op.drop_index(batch_op.f('ix_plan_target_org_id'))
        batch_op.drop_index(batch_op.f('ix_plan_publisher_id'))
        batch_op.drop_index(batch_op.f('ix_plan_period_end'))
        batch_op.drop_index(batch_op.f('ix_plan_parent_id'))
        batch_op.drop_index(batch_op.f('ix_plan_org_id'))

    op.drop_table('plan')
