"""import_batches.creations: what applying a stored preview needs before its first chunk

The rows creating projects (their positions) and the highest 序号 given per project, noted as the
preview's rows are stored, so 确认导入 reads 10,000 rows in its first pass rather than every row. Kept
apart from `preview`, which every view of the batch reads. Batches kept before stay NULL: they are
found by reading the rows, as before.

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_batches') as batch:
        batch.add_column(sa.Column('creations', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('import_batches') as batch:
        batch.drop_column('creations')
