"""Instance links: the business objects a process instance concerns (its own key and related ones)

Revision ID: 329725f62ced
Revises: 4c4ccf06a917
Create Date: 2026-11-22 17:28:28.539830

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '329725f62ced'
down_revision = '4c4ccf06a917'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('instance_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('business_key', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_instance_link_instance_id_process_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instance_link')),
    sa.UniqueConstraint('instance_id', 'business_key', name=op.f('uq_instance_link_instance_id'))
    )
    with op.batch_alter_table('instance_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_link_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_instance_link_instance_id'), ['instance_id'], unique=False)

    # Existing instances concern at least their own business object.
    op.execute("INSERT INTO instance_link (instance_id, business_key) "
               "SELECT id, business_key FROM process_instance WHERE business_key <> ''")



def downgrade():
    with op.batch_alter_table('instance_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_link_instance_id'))
        batch_op.drop_index(batch_op.f('ix_instance_link_business_key'))

    op.drop_table('instance_link')
