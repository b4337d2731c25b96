"""Knowledge base: categories, articles with reviewed versions, attachments, search rows

Revision ID: 19a0000000001
Revises: 18b0000000001
Create Date: 2026-12-16 08:00:00.000000

kb_article.live_version_id points at kb_article_version, created after it: that foreign key is added last.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '19a0000000001'
down_revision = '18b0000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['kb_category.id'], name=op.f('fk_kb_category_parent_id_kb_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_category')),
    sa.UniqueConstraint('parent_id', 'name', name='uq_kb_category_parent_name')
    )
    with op.batch_alter_table('kb_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_category_parent_id'), ['parent_id'], unique=False)

    op.create_table('kb_article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('live_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kb_article_author_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['kb_category.id'], name=op.f('fk_kb_article_category_id_kb_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article'))
    )
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_category_id'), ['category_id'], unique=False)

    op.create_table('kb_article_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('process_instance_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_article_version_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kb_article_version_author_id_users')),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], name=op.f('fk_kb_article_version_process_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_kb_article_version_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['template_id'], ['notice_template.id'], name=op.f('fk_kb_article_version_template_id_notice_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_version')),
    sa.UniqueConstraint('article_id', 'number', name='uq_kb_article_version_number')
    )
    with op.batch_alter_table('kb_article_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_version_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_kb_article_version_status', ['status'], unique=False)

    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_kb_article_live_version', 'kb_article_version', ['live_version_id'], ['id'])

    op.create_table('kb_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_kb_attachment_uploaded_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['kb_article_version.id'], name=op.f('fk_kb_attachment_version_id_kb_article_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_attachment'))
    )
    with op.batch_alter_table('kb_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_attachment_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_attachment_version_id'), ['version_id'], unique=False)

    op.create_table('kb_search',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachment_text', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], name=op.f('fk_kb_search_article_id_kb_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['kb_category.id'], name=op.f('fk_kb_search_category_id_kb_category')),
    sa.ForeignKeyConstraint(['version_id'], ['kb_article_version.id'], name=op.f('fk_kb_search_version_id_kb_article_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', name=op.f('pk_kb_search'))
    )
    with op.batch_alter_table('kb_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_search_category_id'), ['category_id'], unique=False)



def downgrade():
    with op.batch_alter_table('kb_search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_search_category_id'))

    op.drop_table('kb_search')
    with op.batch_alter_table('kb_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_attachment_version_id'))
        batch_op.drop_index(batch_op.f('ix_kb_attachment_sha256'))

    op.drop_table('kb_attachment')
    with op.batch_alter_table('kb_article_version', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_version_status')
        batch_op.drop_index(batch_op.f('ix_kb_article_version_article_id'))

    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.drop_constraint('fk_kb_article_live_version', type_='foreignkey')
    op.drop_table('kb_article_version')
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_category_id'))
        batch_op.drop_index(batch_op.f('ix_kb_article_author_id'))

    op.drop_table('kb_article')
    with op.batch_alter_table('kb_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_category_parent_id'))

    op.drop_table('kb_category')
