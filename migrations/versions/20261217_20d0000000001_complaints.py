"""Complaints (投诉): categories and complaints

Revision ID: 20d0000000001
Revises: 20e0000000001
Create Date: 2026-12-17 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '20d0000000001'
down_revision = '20e0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('handler_role', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('sla_hours', sa.Integer(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_complaint_category_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_category')),
    sa.UniqueConstraint('name', name=op.f('uq_complaint_category_name'))
    )
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('process_instance_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['complaint_category.id'], name=op.f('fk_complaint_category_id_complaint_category')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_complaint_customer_id_customer')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_complaint_filed_by_id_users')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_complaint_handler_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_complaint_org_id_org')),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], name=op.f('fk_complaint_process_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('number', name=op.f('uq_complaint_number'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_customer_created', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_complaint_handler_status', ['handler_id', 'status'], unique=False)
        batch_op.create_index('ix_complaint_org_created', ['org_id', 'created_at'], unique=False)
        batch_op.create_index('ix_complaint_status_due', ['status', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_status_due')
        batch_op.drop_index('ix_complaint_org_created')
        batch_op.drop_index('ix_complaint_handler_status')
        batch_op.drop_index('ix_complaint_customer_created')

    op.drop_table('complaint')
    op.drop_table('complaint_category')
