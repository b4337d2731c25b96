"""Workflow engine: process models, instances, task projection, history, messages; scheduler jobs and lease

Revision ID: 8a13c37d4e9a
Revises: 34f7ea000bdc
Create Date: 2026-11-22 15:43:15.991330

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8a13c37d4e9a'
down_revision = '34f7ea000bdc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_name', sa.String(length=100), nullable=False),
    sa.Column('correlation', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('source_instance_id', sa.Integer(), nullable=True),
    sa.Column('delivered_to', sa.JSON(), nullable=False),
    sa.Column('matched', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_log'))
    )
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_log_matched'), ['matched'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_log_message_name'), ['message_name'], unique=False)

    op.create_table('scheduled_job',
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=True),
    sa.Column('cron', sa.String(length=100), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_duration_ms', sa.Integer(), nullable=True),
    sa.Column('last_status', sa.String(length=10), nullable=False),
    sa.Column('last_result', sa.Text(), nullable=False),
    sa.Column('run_count', sa.Integer(), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_scheduled_job'))
    )
    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease'))
    )
    op.create_table('process_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('dmn_xml', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('deployed_by_id', sa.Integer(), nullable=True),
    sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deployed_by_id'], ['users.id'], name=op.f('fk_process_model_deployed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_model')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_process_model_key'))
    )
    with op.batch_alter_table('process_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_model_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_model_sha256'), ['sha256'], unique=False)

    op.create_table('process_instance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('serialized', sa.Text(), nullable=False),
    sa.Column('serializer_version', sa.String(length=40), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_timer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lock_owner', sa.String(length=80), nullable=True),
    sa.Column('lock_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timer_failures', sa.Integer(), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=False),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['process_model.id'], name=op.f('fk_process_instance_model_id_process_model')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_process_instance_org_id_org')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_process_instance_owner_id_users')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_process_instance_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_instance'))
    )
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_instance_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_model_id'), ['model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_process_key'), ['process_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instance_status'), ['status'], unique=False)
        batch_op.create_index('ix_process_instance_timer_due', ['status', 'next_timer_at'], unique=False)

    op.create_table('instance_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('element_id', sa.String(length=100), nullable=False),
    sa.Column('task_name', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=50), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_instance_event_instance_id_process_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instance_event'))
    )
    with op.batch_alter_table('instance_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_event_instance_id'), ['instance_id'], unique=False)

    op.create_table('message_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('message_name', sa.String(length=100), nullable=False),
    sa.Column('correlation', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_message_subscription_instance_id_process_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_subscription'))
    )
    with op.batch_alter_table('message_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_subscription_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_message_subscription_lookup', ['message_name', 'correlation'], unique=False)

    op.create_table('workflow_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_guid', sa.String(length=36), nullable=False),
    sa.Column('element_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('lane', sa.String(length=100), nullable=False),
    sa.Column('candidate_role', sa.String(length=50), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('delegated_from_id', sa.Integer(), nullable=True),
    sa.Column('form_key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=50), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_workflow_task_assignee_id_users')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_workflow_task_completed_by_id_users')),
    sa.ForeignKeyConstraint(['delegated_from_id'], ['users.id'], name=op.f('fk_workflow_task_delegated_from_id_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_workflow_task_instance_id_process_instance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_workflow_task_org_id_org')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_workflow_task_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_task')),
    sa.UniqueConstraint('task_guid', name=op.f('uq_workflow_task_task_guid'))
    )
    with op.batch_alter_table('workflow_task', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_task_assignee', ['assignee_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_task_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_task_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_workflow_task_done_by', ['completed_by_id', 'completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_task_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_workflow_task_open_role', ['status', 'candidate_role', 'created_at'], unique=False)
        batch_op.create_index('ix_workflow_task_open_scope', ['status', 'candidate_role', 'org_id', 'assignee_id', 'owner_id'], unique=False)
        batch_op.create_index('ix_workflow_task_owner', ['owner_id', 'status', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('workflow_task', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_task_owner')
        batch_op.drop_index('ix_workflow_task_open_scope')
        batch_op.drop_index('ix_workflow_task_open_role')
        batch_op.drop_index(batch_op.f('ix_workflow_task_instance_id'))
        batch_op.drop_index('ix_workflow_task_done_by')
        batch_op.drop_index(batch_op.f('ix_workflow_task_created_at'))
        batch_op.drop_index(batch_op.f('ix_workflow_task_business_key'))
        batch_op.drop_index('ix_workflow_task_assignee')

    op.drop_table('workflow_task')
    with op.batch_alter_table('message_subscription', schema=None) as batch_op:
        batch_op.drop_index('ix_message_subscription_lookup')
        batch_op.drop_index(batch_op.f('ix_message_subscription_instance_id'))

    op.drop_table('message_subscription')
    with op.batch_alter_table('instance_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_event_instance_id'))

    op.drop_table('instance_event')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instance_timer_due')
        batch_op.drop_index(batch_op.f('ix_process_instance_status'))
        batch_op.drop_index(batch_op.f('ix_process_instance_process_key'))
        batch_op.drop_index(batch_op.f('ix_process_instance_owner_id'))
        batch_op.drop_index(batch_op.f('ix_process_instance_org_id'))
        batch_op.drop_index(batch_op.f('ix_process_instance_model_id'))
        batch_op.drop_index(batch_op.f('ix_process_instance_business_key'))

    op.drop_table('process_instance')
    with op.batch_alter_table('process_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_model_sha256'))
        batch_op.drop_index(batch_op.f('ix_process_model_key'))

    op.drop_table('process_model')
    op.drop_table('scheduler_lease')
    op.drop_table('scheduled_job')
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_log_message_name'))
        batch_op.drop_index(batch_op.f('ix_message_log_matched'))
        batch_op.drop_index(batch_op.f('ix_message_log_at'))

    op.drop_table('message_log')
