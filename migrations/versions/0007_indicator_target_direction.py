"""indicators: which side of the target counts as 达成 (以上/超过/以内/近), read from the target's own words;
an index of open milestones by planned date (the overdue filter)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# As tracker.parse.target_direction reads them on the day of this migration (copied: a migration
# must not change when the application does).
DIRECTION_WORDS = (
    ('at_most', ('以内', '不超过', '控制在', '以下', '低于')),
    ('above', ('超过', '突破', '高于', '多于')),
    ('at_least', ('以上', '不低于', '不少于', '达到')),
    ('near', ('近', '接近')),
)


OPEN = "status NOT IN ('done', 'cancelled')"


def upgrade() -> None:
    op.create_index('ix_milestones_open_planned_on', 'milestones', ['planned_on'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_direction', sa.Enum('at_least', 'above', 'at_most', 'near',
                                                                  name='target_direction', native_enum=False,
                                                                  create_constraint=True, length=32), nullable=True))
    indicators = sa.table('indicators', sa.column('id', sa.Integer), sa.column('target_text', sa.Text),
                          sa.column('target_direction', sa.String))
    connection = op.get_bind()
    for indicator_id, text in connection.execute(sa.select(indicators.c.id, indicators.c.target_text)).all():
        direction = next((d for d, words in DIRECTION_WORDS if text and any(w in text for w in words)), None)
        if direction:
            connection.execute(indicators.update().where(indicators.c.id == indicator_id)
                               .values(target_direction=direction))


def downgrade() -> None:
    op.drop_index('ix_milestones_open_planned_on', table_name='milestones')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_constraint('target_direction', type_='check')
        batch_op.drop_column('target_direction')
