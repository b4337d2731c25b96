"""Daily management (OA): applications with their route and attachments, work calendar, minutes, to-dos,
outlets, activities and invitees; system notices with templates and receipts; chat messages; attendance

Self-contained: only creates and drops its own tables (down_revision may be re-pointed when merged).

Revision ID: 54ff27a01c94
Revises: 918c6efac782
Create Date: 2026-11-22 16:17:39.904255

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '54ff27a01c94'
down_revision = '918c6efac782'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_template')),
    sa.UniqueConstraint('name', name=op.f('uq_notice_template_name'))
    )
    op.create_table('oa_branch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=False),
    sa.Column('district', sa.String(length=50), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('manager', sa.String(length=50), nullable=False),
    sa.Column('business_hours', sa.String(length=100), nullable=False),
    sa.Column('services', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_oa_branch_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_branch')),
    sa.UniqueConstraint('code', name=op.f('uq_oa_branch_code'))
    )
    with op.batch_alter_table('oa_branch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_branch_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_branch_name'), ['name'], unique=False)

    op.create_table('attendance_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_day_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_day')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_attendance_day_user_id'))
    )
    with op.batch_alter_table('attendance_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_day_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_day_user_id'), ['user_id'], unique=False)

    op.create_table('chat_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_chat_message_recipient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_chat_message_sender_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_message'))
    )
    with op.batch_alter_table('chat_message', schema=None) as batch_op:
        batch_op.create_index('ix_chat_message_pair', ['sender_id', 'recipient_id', 'id'], unique=False)
        batch_op.create_index('ix_chat_message_unread', ['recipient_id', 'read_at'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('major', sa.Boolean(), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('audience_org_id', sa.Integer(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['audience_org_id'], ['org.id'], name=op.f('fk_notice_audience_org_id_org')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_notice_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_published_at'), ['published_at'], unique=False)

    op.create_table('oa_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['oa_branch.id'], name=op.f('fk_oa_activity_branch_id_oa_branch')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_oa_activity_org_id_org')),
    sa.ForeignKeyConstraint(['organizer_id'], ['users.id'], name=op.f('fk_oa_activity_organizer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_activity'))
    )
    with op.batch_alter_table('oa_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_activity_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_activity_starts_at'), ['starts_at'], unique=False)

    op.create_table('oa_calendar_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oa_calendar_entry_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_calendar_entry'))
    )
    with op.batch_alter_table('oa_calendar_entry', schema=None) as batch_op:
        batch_op.create_index('ix_oa_calendar_entry_user_range', ['user_id', 'start_date', 'end_date'], unique=False)

    op.create_table('oa_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_oa_minutes_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_oa_minutes_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_minutes'))
    )
    with op.batch_alter_table('oa_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_minutes_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_minutes_meeting_date'), ['meeting_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_minutes_org_id'), ['org_id'], unique=False)

    op.create_table('notice_receipt',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_receipt_notice_id_notice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_receipt_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'user_id', name=op.f('pk_notice_receipt'))
    )
    with op.batch_alter_table('notice_receipt', schema=None) as batch_op:
        batch_op.create_index('ix_notice_receipt_user_ack', ['user_id', 'acknowledged_at'], unique=False)

    op.create_table('oa_activity_invitee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remark', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['oa_activity.id'], name=op.f('fk_oa_activity_invitee_activity_id_oa_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_oa_activity_invitee_invited_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_activity_invitee'))
    )
    with op.batch_alter_table('oa_activity_invitee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_activity_invitee_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_activity_invitee_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_oa_activity_invitee_inviter', ['invited_by_id', 'activity_id'], unique=False)

    op.create_table('oa_minutes_attendee',
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['minutes_id'], ['oa_minutes.id'], name=op.f('fk_oa_minutes_attendee_minutes_id_oa_minutes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oa_minutes_attendee_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('minutes_id', 'user_id', name=op.f('pk_oa_minutes_attendee'))
    )
    with op.batch_alter_table('oa_minutes_attendee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_minutes_attendee_user_id'), ['user_id'], unique=False)

    op.create_table('oa_todo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_oa_todo_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_oa_todo_assignee_id_users')),
    sa.ForeignKeyConstraint(['minutes_id'], ['oa_minutes.id'], name=op.f('fk_oa_todo_minutes_id_oa_minutes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_oa_todo_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_todo'))
    )
    with op.batch_alter_table('oa_todo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_todo_assigned_by_id'), ['assigned_by_id'], unique=False)
        batch_op.create_index('ix_oa_todo_assignee_open', ['assignee_id', 'done_at', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_todo_minutes_id'), ['minutes_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_todo_org_id'), ['org_id'], unique=False)

    op.create_table('oa_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=False),
    sa.Column('current_handler_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('hop_count', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_oa_application_applicant_id_users')),
    sa.ForeignKeyConstraint(['current_handler_id'], ['users.id'], name=op.f('fk_oa_application_current_handler_id_users')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_oa_application_handler_id_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_oa_application_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_oa_application_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_application'))
    )
    with op.batch_alter_table('oa_application', schema=None) as batch_op:
        batch_op.create_index('ix_oa_application_applicant_status', ['applicant_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_application_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_application_current_handler_id'), ['current_handler_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_application_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_application_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_application_type_code'), ['type_code'], unique=False)

    op.create_table('oa_application_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['oa_application.id'], name=op.f('fk_oa_application_attachment_application_id_oa_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_oa_application_attachment_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_application_attachment'))
    )
    with op.batch_alter_table('oa_application_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_application_attachment_application_id'), ['application_id'], unique=False)

    op.create_table('oa_application_hop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handling', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['oa_application.id'], name=op.f('fk_oa_application_hop_application_id_oa_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_oa_application_hop_handled_by_id_users')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_oa_application_hop_handler_id_users')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_oa_application_hop_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oa_application_hop')),
    sa.UniqueConstraint('application_id', 'seq', name=op.f('uq_oa_application_hop_application_id'))
    )
    with op.batch_alter_table('oa_application_hop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oa_application_hop_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_oa_application_hop_handled_by', ['handled_by_id', 'handled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oa_application_hop_handler_id'), ['handler_id'], unique=False)



def downgrade():
    with op.batch_alter_table('oa_application_hop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_application_hop_handler_id'))
        batch_op.drop_index('ix_oa_application_hop_handled_by')
        batch_op.drop_index(batch_op.f('ix_oa_application_hop_application_id'))

    op.drop_table('oa_application_hop')
    with op.batch_alter_table('oa_application_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_application_attachment_application_id'))

    op.drop_table('oa_application_attachment')
    with op.batch_alter_table('oa_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_application_type_code'))
        batch_op.drop_index(batch_op.f('ix_oa_application_status'))
        batch_op.drop_index(batch_op.f('ix_oa_application_org_id'))
        batch_op.drop_index(batch_op.f('ix_oa_application_current_handler_id'))
        batch_op.drop_index(batch_op.f('ix_oa_application_created_at'))
        batch_op.drop_index('ix_oa_application_applicant_status')

    op.drop_table('oa_application')
    with op.batch_alter_table('oa_todo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_todo_org_id'))
        batch_op.drop_index(batch_op.f('ix_oa_todo_minutes_id'))
        batch_op.drop_index('ix_oa_todo_assignee_open')
        batch_op.drop_index(batch_op.f('ix_oa_todo_assigned_by_id'))

    op.drop_table('oa_todo')
    with op.batch_alter_table('oa_minutes_attendee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_minutes_attendee_user_id'))

    op.drop_table('oa_minutes_attendee')
    with op.batch_alter_table('oa_activity_invitee', schema=None) as batch_op:
        batch_op.drop_index('ix_oa_activity_invitee_inviter')
        batch_op.drop_index(batch_op.f('ix_oa_activity_invitee_customer_id'))
        batch_op.drop_index(batch_op.f('ix_oa_activity_invitee_activity_id'))

    op.drop_table('oa_activity_invitee')
    with op.batch_alter_table('notice_receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_receipt_user_ack')

    op.drop_table('notice_receipt')
    with op.batch_alter_table('oa_minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_minutes_org_id'))
        batch_op.drop_index(batch_op.f('ix_oa_minutes_meeting_date'))
        batch_op.drop_index(batch_op.f('ix_oa_minutes_created_by_id'))

    op.drop_table('oa_minutes')
    with op.batch_alter_table('oa_calendar_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_oa_calendar_entry_user_range')

    op.drop_table('oa_calendar_entry')
    with op.batch_alter_table('oa_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_activity_starts_at'))
        batch_op.drop_index(batch_op.f('ix_oa_activity_org_id'))

    op.drop_table('oa_activity')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_published_at'))

    op.drop_table('notice')
    with op.batch_alter_table('chat_message', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_message_unread')
        batch_op.drop_index('ix_chat_message_pair')

    op.drop_table('chat_message')
    with op.batch_alter_table('attendance_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_day_user_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_day_day'))

    op.drop_table('attendance_day')
    with op.batch_alter_table('oa_branch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oa_branch_name'))
        batch_op.drop_index(batch_op.f('ix_oa_branch_city'))

    op.drop_table('oa_branch')
    op.drop_table('notice_template')
