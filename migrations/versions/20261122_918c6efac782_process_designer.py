"""Process designer: drafts of diagrams and decision tables, task forms defined in the browser, published DMN tables

Revision ID: 918c6efac782
Revises: 8a13c37d4e9a
Create Date: 2026-11-22 16:11:15.015051

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '918c6efac782'
down_revision = '8a13c37d4e9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decision_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('decision_ids', sa.JSON(), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('deployed_by_id', sa.Integer(), nullable=True),
    sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deployed_by_id'], ['users.id'], name=op.f('fk_decision_table_deployed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_table')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_decision_table_key'))
    )
    with op.batch_alter_table('decision_table', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_table_key'), ['key'], unique=False)

    op.create_table('design_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_design_draft_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_design_draft')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_design_draft_kind'))
    )
    op.create_table('task_form_definition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_task_form_definition_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_form_definition')),
    sa.UniqueConstraint('key', name=op.f('uq_task_form_definition_key'))
    )


def downgrade():
    op.drop_table('task_form_definition')
    op.drop_table('design_draft')
    with op.batch_alter_table('decision_table', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_table_key'))

    op.drop_table('decision_table')
