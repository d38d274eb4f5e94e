"""change records carry their project, so a project's history is one indexed range

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('change_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_change_records_project_changed', ['project_id', 'changed_at'], unique=False)
    # Existing history: a project's own rows, and its milestones' and investments' rows found
    # through the project_id each of them recorded when it was inserted.
    op.execute("UPDATE change_records SET project_id = entity_id WHERE entity = 'projects'")
    op.execute(
        "UPDATE change_records SET project_id = ("
        " SELECT CAST(MAX(COALESCE(origin.new_value, origin.old_value)) AS INTEGER) FROM change_records origin"
        " WHERE origin.entity = change_records.entity AND origin.entity_id = change_records.entity_id"
        " AND origin.field = 'project_id')"
        " WHERE entity IN ('milestones', 'investments')"
    )


def downgrade() -> None:
    with op.batch_alter_table('change_records', schema=None) as batch_op:
        batch_op.drop_index('ix_change_records_project_changed')
        batch_op.drop_column('project_id')
