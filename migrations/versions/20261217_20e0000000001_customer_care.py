"""Customer care: care templates over the content templates, care records, care tasks, daily reminders

Revision ID: 20e0000000001
Revises: 19c0000000001
Create Date: 2026-12-17 09:00:00.000000

care_reminder's unique (seat_id, reminded_on) makes the daily reminder at most one notice per seat and day,
even when two scheduler runs race.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '20e0000000001'
down_revision = '19c0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('care_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['notice_template.id'],
                            name=op.f('fk_care_template_template_id_notice_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_template')),
    sa.UniqueConstraint('template_id', name=op.f('uq_care_template_template_id'))
    )
    with op.batch_alter_table('care_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_template_kind'), ['kind'], unique=False)

    op.create_table('care_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('occasion', sa.Date(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('cared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('task_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_care_record_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_care_record_customer_id_customer')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_care_record_org_id_org')),
    sa.ForeignKeyConstraint(['template_id'], ['notice_template.id'],
                            name=op.f('fk_care_record_template_id_notice_template'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_record'))
    )
    with op.batch_alter_table('care_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_record_by_id'), ['by_id'], unique=False)
        batch_op.create_index('ix_care_record_customer_at', ['customer_id', 'cared_at'], unique=False)

    op.create_table('care_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_care_task_created_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['mining_task.id'], name=op.f('fk_care_task_task_id_mining_task'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_task')),
    sa.UniqueConstraint('task_id', name=op.f('uq_care_task_task_id'))
    )

    op.create_table('care_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_care_reminder_notice_id_notice'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seat_id'], ['users.id'], name=op.f('fk_care_reminder_seat_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_reminder')),
    sa.UniqueConstraint('seat_id', 'reminded_on', name='uq_care_reminder_seat_day')
    )
    with op.batch_alter_table('care_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_reminder_reminded_on'), ['reminded_on'], unique=False)


def downgrade():
    with op.batch_alter_table('care_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_reminder_reminded_on'))
    op.drop_table('care_reminder')
    op.drop_table('care_task')
    with op.batch_alter_table('care_record', schema=None) as batch_op:
        batch_op.drop_index('ix_care_record_customer_at')
        batch_op.drop_index(batch_op.f('ix_care_record_by_id'))
    op.drop_table('care_record')
    with op.batch_alter_table('care_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_template_kind'))
    op.drop_table('care_template')
