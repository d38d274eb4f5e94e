"""projects.milestone_done_weight / milestone_total_weight: each project's 已完成 and counted (not
取消) milestone weight, kept current by triggers on milestones, so a roll-up over 10,000 projects reads
10,000 project rows, not 100,000 milestones

The triggers add and subtract what a statement changed (never recount), so two transactions changing
one project's milestones at once both count: PostgreSQL re-reads the project row it waited for.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

DONE = "CASE WHEN {m}.status = 'done' THEN {m}.weight ELSE 0 END"
COUNTED = "CASE WHEN {m}.status <> 'cancelled' THEN {m}.weight ELSE 0 END"


def _add(m: str, sign: str) -> str:
    return (f"milestone_done_weight = milestone_done_weight {sign} ({DONE.format(m=m)}), "
            f"milestone_total_weight = milestone_total_weight {sign} ({COUNTED.format(m=m)})")


def upgrade() -> None:
    with op.batch_alter_table('projects') as batch_op:
        batch_op.add_column(sa.Column('milestone_done_weight', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('milestone_total_weight', sa.Integer(), server_default='0', nullable=False))
    op.execute(f"""
        UPDATE projects SET
          milestone_done_weight = (SELECT coalesce(sum({DONE.format(m='m')}), 0) FROM milestones m
                                   WHERE m.project_id = projects.id),
          milestone_total_weight = (SELECT coalesce(sum({COUNTED.format(m='m')}), 0) FROM milestones m
                                    WHERE m.project_id = projects.id)""")
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute(f"CREATE TRIGGER milestones_weights_insert AFTER INSERT ON milestones BEGIN "
                   f"UPDATE projects SET {_add('NEW', '+')} WHERE id = NEW.project_id; END")
        op.execute(f"CREATE TRIGGER milestones_weights_delete AFTER DELETE ON milestones BEGIN "
                   f"UPDATE projects SET {_add('OLD', '-')} WHERE id = OLD.project_id; END")
        op.execute(f"CREATE TRIGGER milestones_weights_update AFTER UPDATE OF status, weight, project_id "
                   f"ON milestones BEGIN "
                   f"UPDATE projects SET {_add('OLD', '-')} WHERE id = OLD.project_id; "
                   f"UPDATE projects SET {_add('NEW', '+')} WHERE id = NEW.project_id; END")
    if dialect == 'postgresql':
        # Inserts and deletes per statement (an import adds 100,000 milestones in a few statements);
        # updates per row, and only when what counts changed.
        for name, sign in (('added', '+'), ('removed', '-')):
            op.execute(f"""
                CREATE FUNCTION tracker_milestones_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  UPDATE projects p SET
                    milestone_done_weight = p.milestone_done_weight {sign} d.done,
                    milestone_total_weight = p.milestone_total_weight {sign} d.total
                  FROM (SELECT c.project_id, sum({DONE.format(m='c')}) AS done, sum({COUNTED.format(m='c')}) AS total
                        FROM changed_rows c GROUP BY c.project_id) d
                  WHERE p.id = d.project_id;
                  RETURN NULL;
                END $$""")
        op.execute("CREATE TRIGGER milestones_weights_insert AFTER INSERT ON milestones "
                   "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT "
                   "EXECUTE FUNCTION tracker_milestones_added()")
        op.execute("CREATE TRIGGER milestones_weights_delete AFTER DELETE ON milestones "
                   "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT "
                   "EXECUTE FUNCTION tracker_milestones_removed()")
        op.execute(f"""
            CREATE FUNCTION tracker_milestones_updated() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              UPDATE projects SET {_add('OLD', '-')} WHERE id = OLD.project_id;
              UPDATE projects SET {_add('NEW', '+')} WHERE id = NEW.project_id;
              RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER milestones_weights_update AFTER UPDATE OF status, weight, project_id "
                   "ON milestones FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
                   "OR OLD.weight IS DISTINCT FROM NEW.weight OR OLD.project_id IS DISTINCT FROM NEW.project_id) "
                   "EXECUTE FUNCTION tracker_milestones_updated()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for action in ('insert', 'delete', 'update'):
        if dialect == 'sqlite':
            op.execute(f"DROP TRIGGER IF EXISTS milestones_weights_{action}")
        if dialect == 'postgresql':
            op.execute(f"DROP TRIGGER IF EXISTS milestones_weights_{action} ON milestones")
    if dialect == 'postgresql':
        for name in ('added', 'removed', 'updated'):
            op.execute(f"DROP FUNCTION IF EXISTS tracker_milestones_{name}()")
    with op.batch_alter_table('projects') as batch_op:
        batch_op.drop_column('milestone_total_weight')
        batch_op.drop_column('milestone_done_weight')
