"""import_rows: a plan workbook's preview rows, one table row each, instead of one list in the batch's JSON

A page of a 120,000-row preview read and built every row to show 500 (1.3–1.9 s a view); now it
reads its page. Previews already kept move over, in the order they were shown.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

batches = sa.table(
    'import_batches',
    sa.column('id', sa.Integer),
    sa.column('period_id', sa.Integer),
    sa.column('preview', sa.JSON),
    sa.column('seen_versions', sa.JSON),
)
rows = sa.table(
    'import_rows',
    sa.column('batch_id', sa.Integer),
    sa.column('position', sa.Integer),
    sa.column('outcome', sa.String),
    sa.column('applied', sa.Boolean),
    sa.column('data', sa.JSON),
)


def upgrade() -> None:
    op.create_table(
        'import_rows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('applied', sa.Boolean(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'],
                                name=op.f('fk_import_rows_batch_id_import_batches'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_rows')),
        sa.UniqueConstraint('batch_id', 'position', name=op.f('uq_import_rows_batch_id_position')),
    )
    op.create_index('ix_import_rows_batch_id_outcome', 'import_rows', ['batch_id', 'outcome'], unique=False)
    connection = op.get_bind()
    kept = connection.execute(
        sa.select(batches.c.id).where(batches.c.period_id.is_(None), batches.c.preview.is_not(None))
    ).scalars().all()
    for batch_id in kept:  # one preview in memory at a time
        preview = connection.execute(sa.select(batches.c.preview).where(batches.c.id == batch_id)).scalar()
        stored = preview.pop('rows', None) or []
        preview.pop('seen_versions', None)  # the batch's own column holds them
        for start in range(0, len(stored), 5000):
            connection.execute(rows.insert(), [
                {'batch_id': batch_id, 'position': position, 'outcome': _outcome(row),
                 'applied': _applied(row), 'data': row}
                for position, row in enumerate(stored[start:start + 5000], start=start)
            ])
        connection.execute(batches.update().where(batches.c.id == batch_id).values(preview=preview))


def _outcome(row) -> str:
    return row[2] if isinstance(row, list) else row['outcome']


def _applied(row) -> bool:
    return False if isinstance(row, list) else bool(row.get('applied'))


def downgrade() -> None:
    connection = op.get_bind()
    kept = connection.execute(sa.select(rows.c.batch_id).distinct()).scalars().all()
    for batch_id in kept:
        preview, seen = connection.execute(
            sa.select(batches.c.preview, batches.c.seen_versions).where(batches.c.id == batch_id)
        ).one()
        preview = preview or {}
        preview['seen_versions'] = seen or {}
        preview['rows'] = connection.execute(
            sa.select(rows.c.data).where(rows.c.batch_id == batch_id).order_by(rows.c.position)
        ).scalars().all()
        connection.execute(batches.update().where(batches.c.id == batch_id).values(preview=preview))
    op.drop_index('ix_import_rows_batch_id_outcome', table_name='import_rows')
    op.drop_table('import_rows')
