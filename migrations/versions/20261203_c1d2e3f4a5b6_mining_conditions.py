"""Mining conditions (挖掘条件): saved condition specs, and customer indexes the condition engine counts with

Revision ID: c1d2e3f4a5b6
Revises: a5b6c7d8e9f0
Create Date: 2026-12-03 11:00:00.000000

Self-contained: creates its own table and indexes (down_revision may be re-pointed when merged).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c1d2e3f4a5b6'
down_revision = 'a5b6c7d8e9f0'
branch_labels = None
depends_on = None

CUSTOMER_INDEXES = (
    ('ix_customer_type_last_valid_call', ['type', 'last_valid_call_at']),
    ('ix_customer_type_created', ['type', 'created_at']),
    ('ix_customer_source_type', ['source', 'type']),
    ('ix_customer_org_type', ['service_org_id', 'type']),
)


def upgrade():
    op.create_table('mining_condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mining_condition_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_mining_condition_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mining_condition'))
    )
    with op.batch_alter_table('mining_condition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mining_condition_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mining_condition_org_id'), ['org_id'], unique=False)
    for name, columns in CUSTOMER_INDEXES:
        op.create_index(name, 'customer', columns, unique=False)


def downgrade():
    for name, _columns in reversed(CUSTOMER_INDEXES):
        op.drop_index(name, table_name='customer')
    with op.batch_alter_table('mining_condition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mining_condition_org_id'))
        batch_op.drop_index(batch_op.f('ix_mining_condition_created_by_id'))

    op.drop_table('mining_condition')
