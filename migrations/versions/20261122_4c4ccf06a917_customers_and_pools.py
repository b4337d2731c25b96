"""Customers and pools: customers with phones, addresses, classification tree and aliases; follow-ups and
appointments; pool history and red-flag applications; phone blacklist marks; import jobs and staged rows;
named number sequences.

Indexes serve the pool screens and the recycle sweep: (pool, service_org_id) for the department and
public pools, (pool, pool_changed_at) for "longest waiting first", (pool, assigned_at) for the
time-based recycle rules, pool_move_batch (partial, non-null only) for the history INSERT … SELECT after a set-based move,
service_seat_id for personal pools, (actor_id, reason, at) on pool_history for the daily extraction
count, phone on customer_phone and phone_blacklist_mark for duplicate checks and the blacklist.

Self-contained (no app imports) so it can be re-pointed at merge time.

Revision ID: 4c4ccf06a917
Revises: 54ff27a01c94
Create Date: 2026-11-22 16:07:13.042288

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4c4ccf06a917'
down_revision = '54ff27a01c94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['customer_category.id'], name=op.f('fk_customer_category_parent_id_customer_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_category'))
    )
    with op.batch_alter_table('customer_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_category_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_category_path'), ['path'], unique=False)

    op.create_table('number_sequence',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_number_sequence'))
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('id_type', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('import_batch', sa.String(length=40), nullable=False),
    sa.Column('tags', sa.String(length=255), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('service_seat_id', sa.Integer(), nullable=True),
    sa.Column('service_org_id', sa.Integer(), nullable=False),
    sa.Column('pool', sa.String(length=12), nullable=False),
    sa.Column('pool_reason', sa.String(length=30), nullable=False),
    sa.Column('pool_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pool_move_batch', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prev_seat_id', sa.Integer(), nullable=True),
    sa.Column('followup_count', sa.Integer(), nullable=False),
    sa.Column('valid_call_count', sa.Integer(), nullable=False),
    sa.Column('last_followup_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_valid_call_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recycle_count', sa.Integer(), nullable=False),
    sa.Column('red_flag_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('red_flag_reason', sa.String(length=200), nullable=False),
    sa.Column('red_flag_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['customer_category.id'], name=op.f('fk_customer_category_id_customer_category')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_customer_created_by_id_users')),
    sa.ForeignKeyConstraint(['prev_seat_id'], ['users.id'], name=op.f('fk_customer_prev_seat_id_users')),
    sa.ForeignKeyConstraint(['red_flag_by_id'], ['users.id'], name=op.f('fk_customer_red_flag_by_id_users')),
    sa.ForeignKeyConstraint(['service_org_id'], ['org.id'], name=op.f('fk_customer_service_org_id_org')),
    sa.ForeignKeyConstraint(['service_seat_id'], ['users.id'], name=op.f('fk_customer_service_seat_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('number', name=op.f('uq_customer_number'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_import_batch'), ['import_batch'], unique=False)
        batch_op.create_index('ix_customer_pool_assigned', ['pool', 'assigned_at'], unique=False)
        batch_op.create_index('ix_customer_pool_changed', ['pool', 'pool_changed_at'], unique=False)
        batch_op.create_index('ix_customer_pool_move_batch', ['pool_move_batch'], unique=False,
                              sqlite_where=sa.text('pool_move_batch IS NOT NULL'),
                              postgresql_where=sa.text('pool_move_batch IS NOT NULL'))
        batch_op.create_index('ix_customer_pool_org', ['pool', 'service_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_prev_seat_id'), ['prev_seat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_service_org_id'), ['service_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_service_seat_id'), ['service_seat_id'], unique=False)

    op.create_table('customer_import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_path', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('valid_rows', sa.Integer(), nullable=False),
    sa.Column('error_rows', sa.Integer(), nullable=False),
    sa.Column('imported_rows', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_customer_import_job_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_import_job')),
    sa.UniqueConstraint('number', name=op.f('uq_customer_import_job_number'))
    )
    with op.batch_alter_table('customer_import_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_import_job_user_id'), ['user_id'], unique=False)

    op.create_table('phone_blacklist_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_phone_blacklist_mark_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_blacklist_mark')),
    sa.UniqueConstraint('phone', 'user_id', name=op.f('uq_phone_blacklist_mark_phone'))
    )
    with op.batch_alter_table('phone_blacklist_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_blacklist_mark_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_blacklist_mark_user_id'), ['user_id'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_appointment_customer_id_customer')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_appointment_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_appointment_user_at', ['user_id', 'at'], unique=False)

    op.create_table('customer_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_address_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_address'))
    )
    with op.batch_alter_table('customer_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_address_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('former_name', sa.String(length=50), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_alias_customer_id_customer')),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_customer_alias_merged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_alias')),
    sa.UniqueConstraint('number', name=op.f('uq_customer_alias_number'))
    )
    with op.batch_alter_table('customer_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_alias_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer_import_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('errors', sa.Text(), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('id_type', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('phone2', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('tags', sa.String(length=255), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['customer_import_job.id'], name=op.f('fk_customer_import_row_job_id_customer_import_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_import_row'))
    )
    with op.batch_alter_table('customer_import_row', schema=None) as batch_op:
        batch_op.create_index('ix_customer_import_row_job_row', ['job_id', 'row_no'], unique=False)
        batch_op.create_index('ix_customer_import_row_job_seq', ['job_id', 'seq'], unique=False)

    op.create_table('customer_phone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('remark', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_phone_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phone')),
    sa.UniqueConstraint('customer_id', 'phone', name=op.f('uq_customer_phone_customer_id'))
    )
    with op.batch_alter_table('customer_phone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_phone_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_phone_phone'), ['phone'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('connected', sa.Boolean(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=30), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_follow_up_customer_id_customer')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follow_up_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_customer_at', ['customer_id', 'at'], unique=False)
        batch_op.create_index('ix_follow_up_user_at', ['user_id', 'at'], unique=False)

    op.create_table('pool_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_pool', sa.String(length=12), nullable=True),
    sa.Column('to_pool', sa.String(length=12), nullable=False),
    sa.Column('from_seat_id', sa.Integer(), nullable=True),
    sa.Column('to_seat_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_pool_history_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_history'))
    )
    with op.batch_alter_table('pool_history', schema=None) as batch_op:
        batch_op.create_index('ix_pool_history_actor_reason_at', ['actor_id', 'reason', 'at'], unique=False)
        batch_op.create_index('ix_pool_history_customer_at', ['customer_id', 'at'], unique=False)

    op.create_table('red_flag_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_red_flag_application_customer_id_customer')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_red_flag_application_decided_by_id_users')),
    sa.ForeignKeyConstraint(['seat_id'], ['users.id'], name=op.f('fk_red_flag_application_seat_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_flag_application'))
    )
    with op.batch_alter_table('red_flag_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_red_flag_application_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_red_flag_application_seat_at', ['seat_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('red_flag_application', schema=None) as batch_op:
        batch_op.drop_index('ix_red_flag_application_seat_at')
        batch_op.drop_index(batch_op.f('ix_red_flag_application_customer_id'))

    op.drop_table('red_flag_application')
    with op.batch_alter_table('pool_history', schema=None) as batch_op:
        batch_op.drop_index('ix_pool_history_customer_at')
        batch_op.drop_index('ix_pool_history_actor_reason_at')

    op.drop_table('pool_history')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_user_at')
        batch_op.drop_index('ix_follow_up_customer_at')

    op.drop_table('follow_up')
    with op.batch_alter_table('customer_phone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phone_phone'))
        batch_op.drop_index(batch_op.f('ix_customer_phone_customer_id'))

    op.drop_table('customer_phone')
    with op.batch_alter_table('customer_import_row', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_import_row_job_seq')
        batch_op.drop_index('ix_customer_import_row_job_row')

    op.drop_table('customer_import_row')
    with op.batch_alter_table('customer_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_alias_customer_id'))

    op.drop_table('customer_alias')
    with op.batch_alter_table('customer_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_address_customer_id'))

    op.drop_table('customer_address')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_user_at')
        batch_op.drop_index(batch_op.f('ix_appointment_customer_id'))

    op.drop_table('appointment')
    with op.batch_alter_table('phone_blacklist_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_blacklist_mark_user_id'))
        batch_op.drop_index(batch_op.f('ix_phone_blacklist_mark_phone'))

    op.drop_table('phone_blacklist_mark')
    with op.batch_alter_table('customer_import_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_import_job_user_id'))

    op.drop_table('customer_import_job')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_service_seat_id'))
        batch_op.drop_index(batch_op.f('ix_customer_service_org_id'))
        batch_op.drop_index(batch_op.f('ix_customer_prev_seat_id'))
        batch_op.drop_index('ix_customer_pool_org')
        batch_op.drop_index('ix_customer_pool_move_batch', sqlite_where=sa.text('pool_move_batch IS NOT NULL'),
                            postgresql_where=sa.text('pool_move_batch IS NOT NULL'))
        batch_op.drop_index('ix_customer_pool_changed')
        batch_op.drop_index('ix_customer_pool_assigned')
        batch_op.drop_index(batch_op.f('ix_customer_import_batch'))
        batch_op.drop_index(batch_op.f('ix_customer_id_number'))
        batch_op.drop_index(batch_op.f('ix_customer_category_id'))

    op.drop_table('customer')
    op.drop_table('number_sequence')
    with op.batch_alter_table('customer_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_category_path'))
        batch_op.drop_index(batch_op.f('ix_customer_category_parent_id'))

    op.drop_table('customer_category')
