"""Distribution rules (客户数据挖掘分配规则) and their targets

Revision ID: b6c7d8e9f0a1
Revises: e3f4a5b6c7d8
Create Date: 2026-12-03 11:00:00.000000

Self-contained: only creates and drops its own tables. It needs mining_condition (the condition
engine's migration) before it; down_revision is re-pointed to that chain when merged.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b6c7d8e9f0a1'
down_revision = 'e3f4a5b6c7d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('distribution_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('auto', sa.Boolean(), nullable=False),
    sa.Column('semi', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.Enum('to_groups', 'to_people', name='rulekind', native_enum=False,
                              create_constraint=False, length=12), nullable=False),
    sa.Column('method', sa.Enum('average', 'random', 'weight', name='method', native_enum=False,
                                create_constraint=False, length=10), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=True),
    sa.Column('time_field', sa.Enum('created_at', 'pool_changed_at', name='timefield', native_enum=False,
                                    create_constraint=False, length=20), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('recent_days', sa.Integer(), nullable=True),
    sa.Column('pools', sa.JSON(), nullable=False),
    sa.Column('max_per_run', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['condition_id'], ['mining_condition.id'],
                            name=op.f('fk_distribution_rule_condition_id_mining_condition')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_distribution_rule_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_distribution_rule_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distribution_rule'))
    )
    with op.batch_alter_table('distribution_rule', schema=None) as batch_op:
        batch_op.create_index('ix_distribution_rule_auto', ['enabled', 'auto', 'sort'], unique=False)
        batch_op.create_index(batch_op.f('ix_distribution_rule_condition_id'), ['condition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_distribution_rule_org_id'), ['org_id'], unique=False)

    op.create_table('distribution_rule_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_distribution_rule_target_org_id_org')),
    sa.ForeignKeyConstraint(['rule_id'], ['distribution_rule.id'],
                            name=op.f('fk_distribution_rule_target_rule_id_distribution_rule'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seat_id'], ['users.id'], name=op.f('fk_distribution_rule_target_seat_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distribution_rule_target'))
    )
    with op.batch_alter_table('distribution_rule_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_distribution_rule_target_rule_id'), ['rule_id'], unique=False)


def downgrade():
    with op.batch_alter_table('distribution_rule_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_distribution_rule_target_rule_id'))
    op.drop_table('distribution_rule_target')

    with op.batch_alter_table('distribution_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_distribution_rule_org_id'))
        batch_op.drop_index(batch_op.f('ix_distribution_rule_condition_id'))
        batch_op.drop_index('ix_distribution_rule_auto')
    op.drop_table('distribution_rule')
