"""Call centre: seat extensions (分机号), CTI screen-pops (来电弹屏), call-backs (回访) and the call-back strategy

Revision ID: 20c0000000001
Revises: 20a0000000001
Create Date: 2026-12-17 09:00:00.000000

users.extension is unique where set (NULLs do not collide on either database). The seat's browser polls
screen_pop by (seat_id, seen_at, id), so one index range answers it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '20c0000000001'
down_revision = '20a0000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension', sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_extension'), ['extension'])

    op.create_table('screen_pop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('extension', sa.String(length=20), nullable=False),
    sa.Column('caller', sa.String(length=20), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('match_count', sa.Integer(), nullable=False),
    sa.Column('outside_scope', sa.Boolean(), nullable=False),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('blacklist_reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_screen_pop_customer_id_customer')),
    sa.ForeignKeyConstraint(['seat_id'], ['users.id'], name=op.f('fk_screen_pop_seat_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_pop'))
    )
    with op.batch_alter_table('screen_pop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screen_pop_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_screen_pop_seat_pending', ['seat_id', 'seen_at', 'id'], unique=False)

    op.create_table('callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('missed_calls', sa.Integer(), nullable=False),
    sa.Column('extension', sa.String(length=20), nullable=False),
    sa.Column('result_note', sa.Text(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_callback_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_callback_customer_id_customer')),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_up.id'], name=op.f('fk_callback_follow_up_id_follow_up')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_callback_org_id_org')),
    sa.ForeignKeyConstraint(['seat_id'], ['users.id'], name=op.f('fk_callback_seat_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback'))
    )
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_callback_org_status_due', ['org_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_callback_phone_status', ['phone', 'status'], unique=False)
        batch_op.create_index('ix_callback_seat_status_due', ['seat_id', 'status', 'due_at'], unique=False)

    op.create_table('callback_strategy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('queue_org_id', sa.Integer(), nullable=True),
    sa.Column('due_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['queue_org_id'], ['org.id'], name=op.f('fk_callback_strategy_queue_org_id_org')),
    sa.ForeignKeyConstraint(['rule_id'], ['distribution_rule.id'],
                            name=op.f('fk_callback_strategy_rule_id_distribution_rule'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_strategy'))
    )


def downgrade():
    op.drop_table('callback_strategy')
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_seat_status_due')
        batch_op.drop_index('ix_callback_phone_status')
        batch_op.drop_index('ix_callback_org_status_due')
        batch_op.drop_index(batch_op.f('ix_callback_customer_id'))
    op.drop_table('callback')
    with op.batch_alter_table('screen_pop', schema=None) as batch_op:
        batch_op.drop_index('ix_screen_pop_seat_pending')
        batch_op.drop_index(batch_op.f('ix_screen_pop_customer_id'))
    op.drop_table('screen_pop')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_extension'), type_='unique')
        batch_op.drop_column('extension')
