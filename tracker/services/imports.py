"""Import batches: keep the uploaded file with its preview, then apply exactly that preview.

The preview (services/import_preview.py) is stored with the batch, its rows one by one (ImportRow)
as they are made (StoredRows: a 130,000-row workbook's results are never all held), so a file is
parsed once and a page of its preview reads that page's rows. A dry run without a report counts its
rows instead (CountedRows).
确认导入 applies it through the same service functions the web forms use — update_record and
update_milestone_progress (versions, rules, history) — and adds new records in batches with the
same checks made up front, reading the stored rows back a chunk at a time (commit_import → _apply);
one transaction, refused if anything it touches moved since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.excel.reader import Workbook
from tracker.models import (
    Department,
    ImportBatch,
    ImportRow,
    Investment,
    InvestmentFunding,
    Milestone,
    Plan,
    Project,
    User,
    ids_in,
    set_change_context,
    utcnow,
)
from tracker.services import ServiceError, bulk, security_log
from tracker.services.import_preview import (  # noqa: F401 — the preview's names, for this module's callers
    APPLICABLE,
    DEPARTMENT_LISTS,
    FIELDS,
    MODELS,
    OUTCOME_LABELS,
    OUTCOMES,
    PROBLEM_LIMIT,
    PROBLEMS,
    SHEET_STRIDE,
    WITH_DEPARTMENT_LISTS,
    ImportRefused,
    Operation,
    Preview,
    RowResult,
    StalePreview,
    amend_row,
    chunks,
    preview_workbook,
    value_from_preview,
)
from tracker.services.progress_updates import update_milestone_progress
from tracker.services.records import EditConflict, update_record
from tracker.vocab import ChangeSource, FundingSource, ImportStatus, SecurityEvent

# -- Batches: keep, show, apply ------------------------------------------------------------------

STORE_CHUNK = 5000  # preview rows written or updated per statement
# What each view of a preview shows (None: every outcome); any other: the rows with changes or problems.
SHOWN = {"all": None, "skipped": ("skipped",), "applied": APPLICABLE}


def stage_import(
    session: Session,
    data: bytes,
    filename: str,
    user: User | None,
    source: ChangeSource,
    plan_code: str | None = None,
    opened: Callable[[], Workbook] | None = None,
) -> tuple[ImportBatch, Preview]:
    """Preview a workbook and keep it, with its preview; writes no plan data. The preview's rows are
    stored as they are made (read back a page at a time: preview_page); the Preview returned holds
    their counts, the sheets' and columns' lines and the notes, not the rows. Refused, it leaves nothing."""
    batch = ImportBatch(
        user=user,
        source=source,
        filename=filename[:255] or "workbook.xlsx",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        status=ImportStatus.PREVIEWED,
        counts={},
        seen_versions={},
    )
    session.add(batch)
    session.flush()  # its id, for the rows stored as they are made
    rows = StoredRows(session, batch.id)
    try:
        preview = preview_workbook(
            session, data, user=user, plan_code=plan_code, filename=filename, opened=opened, rows=rows
        )
    except ServiceError:
        session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
        session.delete(batch)
        session.flush()
        raise
    rows.flush()
    batch.plan, batch.department = preview.plan, preview.department
    batch.counts, batch.seen_versions, batch.preview = preview.counts, preview.seen_versions, preview.to_json()
    batch.creations = rows.creations.to_json()
    session.flush()
    return batch, preview


class StoredRows:
    """A preview's rows written to its batch (ImportRow) as they are made, STORE_CHUNK at a time."""

    def __init__(self, session: Session, batch_id: int) -> None:
        self.session, self.batch_id = session, batch_id
        self.rows: list[RowResult] = []  # none held: a page is read back when shown
        self.pending: list[dict] = []
        self.counted: Counter[str] = Counter()
        self.creations = Creations()

    def add(self, result: RowResult) -> None:
        self.counted[result.outcome] += 1
        self.creations.note(result)
        self.pending.append(
            {
                "batch_id": self.batch_id,
                "position": result.position,
                "outcome": result.outcome,
                "applied": False,
                "data": result.stored(),
            }
        )
        if len(self.pending) >= STORE_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:  # Core: a fifth faster than the ORM's bulk insert for 120,000 rows
            self.session.execute(ImportRow.__table__.insert(), self.pending)
            self.pending = []

    def amend(self, messages: dict[int, list[str]]) -> None:
        self.flush()
        table = ImportRow.__table__
        statement = (
            table.update()
            .where(table.c.batch_id == self.batch_id, table.c.position == bindparam("at"))
            .values(outcome=bindparam("now"), data=bindparam("stored"))
        )
        for chunk in chunks(sorted(messages), 5000):
            query = select(ImportRow.position, ImportRow.data).where(
                ImportRow.batch_id == self.batch_id, ImportRow.position.in_(chunk)
            )
            rows = _stored_rows(self.session, query)
            for row in rows:
                self.counted[row.outcome] -= 1
                amend_row(row, messages[row.position])
                self.counted[row.outcome] += 1
            self.session.execute(statement, [{"at": r.position, "now": r.outcome, "stored": r.stored()} for r in rows])

    def counts(self) -> dict[str, int]:
        return {outcome: self.counted.get(outcome, 0) for outcome in OUTCOMES}


class CountedRows:
    """A dry run's rows: counted, the first problems kept to be printed, nothing else held but one byte
    per row — its outcome, in case a later row makes it an error (two rows for one record)."""

    def __init__(self, limit: int = PROBLEM_LIMIT) -> None:
        self.rows: list[RowResult] = []  # none kept
        self.limit = limit
        self.counted: Counter[str] = Counter()
        self.outcomes: dict[int, bytearray] = {}  # a sheet's place → outcome number by row number
        self.sheet_names: dict[int, str] = {}  # a sheet's place → its name
        self.problems: list[RowResult] = []  # the rows in error or conflict that come first

    def add(self, result: RowResult) -> None:
        self.counted[result.outcome] += 1
        place, row = divmod(result.position, SHEET_STRIDE)
        self.sheet_names.setdefault(place, result.sheet)
        codes = self.outcomes.setdefault(place, bytearray())
        if len(codes) <= row:
            codes.extend(bytes(max(row + 1 - len(codes), len(codes))))
        codes[row] = OUTCOMES.index(result.outcome)
        if result.outcome in PROBLEMS:
            self._keep(result)

    def _keep(self, result: RowResult) -> None:
        self.problems.append(result)
        if len(self.problems) > 2 * self.limit:  # rows come projects first: keep the first by position
            self.problems = sorted(self.problems, key=lambda r: r.position)[: self.limit]

    def amend(self, messages: dict[int, list[str]]) -> None:
        kept = {r.position: r for r in self.problems}
        for position, more in messages.items():
            place, row = divmod(position, SHEET_STRIDE)
            outcome = OUTCOMES[self.outcomes[place][row]]
            if outcome == "skipped":
                continue
            self.counted[outcome] -= 1
            self.counted["error"] += 1
            self.outcomes[place][row] = OUTCOMES.index("error")
            if position in kept:
                amend_row(kept[position], more)
            else:  # its key is not kept: the messages name its cell
                self._keep(RowResult(self.sheet_names[place], row, "error", "", list(more), position=position))

    def counts(self) -> dict[str, int]:
        return {outcome: self.counted.get(outcome, 0) for outcome in OUTCOMES}

    def problem_lines(self) -> list[str]:
        return Preview.problem_lines(sorted(self.problems, key=lambda r: r.position)[: self.limit])


def stored_problems(session: Session, batch: ImportBatch, limit: int) -> list[str]:
    """The first `limit` rows in error or conflict, as the CLI prints them."""
    query = select(ImportRow.position, ImportRow.data).where(*_kept(batch, PROBLEMS)).limit(limit)
    return Preview.problem_lines(_stored_rows(session, query))


def stored_reports(session: Session, batch: ImportBatch):
    """Every stored row's report (--report-json), read a chunk at a time."""
    last = -1
    while True:
        query = (
            select(ImportRow.position, ImportRow.data)
            .where(ImportRow.batch_id == batch.id, ImportRow.position > last)
            .limit(STORE_CHUNK)
        )
        rows = _stored_rows(session, query)
        if not rows:
            return
        yield from (row.report() for row in rows)
        last = rows[-1].position


def load_preview(
    session: Session, batch: ImportBatch, user: User | None = None, *, outcomes: tuple[str, ...] | None = None
) -> Preview:
    """The preview as it was shown when the file was uploaded (not read again), with its rows of these
    outcomes (all of them if None) in the order shown."""
    if batch.preview is None:  # batches kept before previews were stored
        preview = preview_workbook(
            session,
            batch.content,
            user=user,
            plan_code=batch.plan.code if batch.plan else None,
            filename=batch.filename,
        )
        if outcomes is not None:
            preview.rows = [r for r in preview.rows if r.outcome in outcomes]
        return preview
    rows = (
        _stored_rows(session, select(ImportRow.position, ImportRow.data).where(*_kept(batch, outcomes)))
        if outcomes != ()
        else []
    )
    return Preview.from_json(session, batch.preview, rows, batch.counts, batch.seen_versions)


def preview_page(
    session: Session, batch: ImportBatch, *, show: str, page: int, per_page: int, user: User | None = None
) -> tuple[Preview, int]:
    """(the preview with one page of rows, how many rows the choice shows). `show`: "all", "skipped",
    "applied" (after 确认导入: the rows written), or "" — the rows with changes or problems."""
    outcomes = SHOWN.get(show, APPLICABLE + PROBLEMS)
    if batch.preview is None:  # batches kept before previews were stored: read again, then paged here
        preview = load_preview(session, batch, user, outcomes=outcomes)
        rows = [r for r in preview.rows if r.applied or show != "applied"]
        preview.rows = rows[(page - 1) * per_page : page * per_page]
        return preview, len(rows)
    where = _kept(batch, outcomes, applied_only=show == "applied")
    total = session.scalar(select(func.count()).select_from(ImportRow).where(*where))
    query = select(ImportRow.position, ImportRow.data).where(*where).limit(per_page).offset((page - 1) * per_page)
    rows = _stored_rows(session, query)
    return Preview.from_json(session, batch.preview, rows, batch.counts, {}), total  # versions: for 确认导入 only


def _kept(batch: ImportBatch, outcomes: tuple[str, ...] | None, *, applied_only: bool = False) -> list:
    """The batch's stored rows of these outcomes (all if None), only those applied if asked."""
    where = [ImportRow.batch_id == batch.id]
    if outcomes is not None:
        where.append(ImportRow.outcome.in_(outcomes))
    if applied_only:
        where.append(ImportRow.applied.is_(True))
    return where


def _stored_rows(session: Session, query) -> list[RowResult]:
    """The stored rows a query of (position, data) selects, in the order shown; fetched a few thousand at a
    time, so 110,000 rows to apply are not held twice (as fetched and as read)."""
    rows = session.execute(query.order_by(ImportRow.position).execution_options(yield_per=STORE_CHUNK))
    return [RowResult.from_dict(data, at) for at, data in rows]


def moved_since(session: Session, seen_versions: dict) -> list[str]:
    """Records ("entity:id") whose version is no longer the one a preview saw. `seen_versions`: entity →
    id → version (Preview.seen_versions), or "entity:id" → version as batches kept them before."""
    if any(":" in key for key in seen_versions):
        by_entity: dict[str, dict] = defaultdict(dict)
        for key, version in seen_versions.items():
            entity, _, record_id = key.partition(":")
            by_entity[entity][record_id] = version
        seen_versions = by_entity
    moved = []
    for entity, versions in seen_versions.items():
        model = MODELS[entity]
        ids = [int(record_id) for record_id in versions]
        current: dict[int, int] = {}
        for start in range(0, len(ids), 5000):
            current.update(
                session.execute(
                    select(model.id, model.version).where(ids_in(session, model.id, ids[start : start + 5000]))
                ).all()
            )
        moved += [
            f"{entity}:{i}" for i, version in zip(ids, versions.values(), strict=True) if current.get(i) != version
        ]
    return moved


PREVIEW_LIFETIME = dt.timedelta(days=7)
EXPIRED_PREVIEW = "这个预览已超过 7 天没有确认，期间数据可能已变化：请重新上传工作簿"


def abandoned_before(now: dt.datetime | None = None) -> dt.datetime:
    """Previews made before this and never applied are abandoned: off the list, never applied."""
    return (now or utcnow()) - PREVIEW_LIFETIME


def is_abandoned(batch: ImportBatch, now: dt.datetime | None = None) -> bool:
    return batch.status is ImportStatus.PREVIEWED and batch.created_at < abandoned_before(now)


def check_committable(
    session: Session,
    batch: ImportBatch,
    *,
    valid_only: bool = False,
    expected_sha256: str | None = None,
) -> Preview:
    """The stored preview without its rows (its counts, lines and notes), if it may be applied now; else a
    ServiceError saying why."""
    if batch.status is ImportStatus.APPLYING:
        raise ServiceError("这个导入正在写入中，请稍候刷新页面")
    if batch.status is not ImportStatus.PREVIEWED:
        raise ServiceError("这个导入已经处理过了")
    if is_abandoned(batch):
        raise ServiceError(EXPIRED_PREVIEW)
    if expected_sha256 is not None and expected_sha256 != batch.sha256:
        raise StalePreview()
    preview = load_preview(session, batch, outcomes=())
    if preview.blocked and not valid_only:
        raise ServiceError("有错误或冲突的行，未导入任何数据。请修正后重新导入，或选择“只导入无误的行”。")
    return preview


def commit_import(
    session: Session,
    batch: ImportBatch,
    user: User | None,
    *,
    valid_only: bool = False,
    expected_sha256: str | None = None,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    in_background: bool = False,
) -> int:
    """Apply the batch's stored preview in the caller's transaction; every change recorded as from this import.

    The stored rows are read back a chunk at a time, applied and marked applied (with the new records'
    ids, for the page after 确认导入), so a whole plan's 120,000 rows are never all held. `progress(done)`
    is told how many rows are written, chunk by chunk; `in_background`: the batch was marked 正在导入 by
    the request that started the work. Refused half-way, the caller rolls back: nothing stays written,
    the stored preview included.
    """
    if in_background and batch.status is ImportStatus.APPLYING:
        batch.status = ImportStatus.PREVIEWED  # in this transaction only: the others still see 正在导入
    preview = check_committable(session, batch, valid_only=valid_only, expected_sha256=expected_sha256)
    if moved_since(session, batch.seen_versions):
        raise StalePreview()
    set_change_context(session, ChangeSource.IMPORT, user, batch)
    if batch.preview is None:  # kept before previews were stored: read again, as its page shows it
        held = load_preview(session, batch, user, outcomes=APPLICABLE).rows
        rows: _HeldRows | _BatchRows = _HeldRows(held)
        creations = Creations.of(held)
    else:
        rows = _BatchRows(session, batch)
        creations = Creations.from_json(batch.creations)
        if creations is None:  # kept before they were noted as the rows were stored: found by reading them
            creations = Creations.of(row for some in rows.chunks() for row in some)
    applied = _apply(session, preview.plan, rows, creations, today=today, progress=progress)
    batch.status = ImportStatus.APPLIED
    batch.applied_at = utcnow()
    batch.applied_rows = "valid" if preview.blocked else "all"
    batch.applied_count = applied
    security_log.record(
        session,
        SecurityEvent.IMPORT_APPLIED,
        user=user,
        detail=f"导入 #{batch.id}（{batch.filename}）：写入 {applied} 处",
    )
    session.flush()
    return applied


def apply_preview(
    session: Session,
    preview: Preview,
    *,
    valid_only: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply a preview made from a file and held whole (not kept as a batch); flushes, never commits."""
    if preview.blocked and not valid_only:
        raise ImportRefused("有错误或冲突的行：请修正后重新导入，或选择只导入无误的行")
    rows = preview.applicable
    return _apply(session, preview.plan, _HeldRows(rows), Creations.of(rows), today=today, progress=progress)


class Creations:
    """What applying needs before its first chunk, noted as the rows are stored: the rows creating projects
    (their positions: 10,000 for a whole plan, read alone in the first pass, not all 110,000 rows), and
    for each project the highest 序号 the file gives a new milestone (a blank one comes after it)."""

    def __init__(self, creating: list[int] | None = None, highest_given: dict[str, int] | None = None) -> None:
        self.creating = creating if creating is not None else []
        self.highest_given = highest_given if highest_given is not None else {}  # "project_id:5" → 序号

    @classmethod
    def of(cls, rows: Iterable[RowResult]) -> Creations:
        creations = cls()
        for row in rows:
            creations.note(row)
        return creations

    def note(self, row: RowResult) -> None:
        if row.outcome not in APPLICABLE:
            return
        for op in row.operations:
            if op.id is None and op.entity == "project":
                self.creating.append(row.position)
            elif op.id is None and op.entity == "milestone" and op.values.get("ordinal") is not None:
                kind, parent = next(iter(op.parent.items()))
                key = f"{kind}:{parent}"
                self.highest_given[key] = max(self.highest_given.get(key, 0), op.values["ordinal"])

    def highest_given_by_project(self, created: dict[str, int]) -> dict[int, int]:
        """Project id → the highest 序号 given, once the new projects have their ids."""
        given: dict[int, int] = {}
        for key, ordinal in self.highest_given.items():
            kind, _, parent = key.partition(":")
            project_id = created.get(parent) if kind == "project_row" else int(parent)
            if project_id is not None:
                given[project_id] = max(given.get(project_id, 0), ordinal)
        return given

    def to_json(self) -> dict:
        return {"creating": self.creating, "highest_given": self.highest_given}

    @classmethod
    def from_json(cls, data: dict | None) -> Creations | None:
        return None if data is None else cls(list(data["creating"]), dict(data["highest_given"]))


class _HeldRows:
    """The rows to apply of a preview held in memory."""

    def __init__(self, rows: list[RowResult]) -> None:
        self.rows = rows

    def chunks(
        self, first: int | None = None, last: int | None = None, positions: list[int] | None = None
    ) -> Iterator[list[RowResult]]:
        rows = self.rows if first is None else [r for r in self.rows if first <= (r.position or 0) <= last]
        if positions is not None:
            wanted = set(positions)
            rows = [r for r in rows if r.position in wanted]
        return chunks(rows, STORE_CHUNK)

    def save(self, rows: list[RowResult]) -> None:
        pass  # the rows are the preview's own


class _BatchRows:
    """The rows to apply of a stored preview, read back STORE_CHUNK at a time and written back as applied."""

    def __init__(self, session: Session, batch: ImportBatch) -> None:
        self.session, self.batch_id = session, batch.id

    def chunks(
        self, first: int | None = None, last: int | None = None, positions: list[int] | None = None
    ) -> Iterator[list[RowResult]]:
        """The rows to apply in the order shown (from `first` to `last`, or only those at `positions`)."""
        if positions is not None:
            for some in chunks(sorted(positions), STORE_CHUNK):
                query = select(ImportRow.position, ImportRow.data).where(
                    ImportRow.batch_id == self.batch_id,
                    ImportRow.outcome.in_(APPLICABLE),
                    ids_in(self.session, ImportRow.position, some),
                )
                yield _stored_rows(self.session, query)
            return
        after = -1 if first is None else first - 1
        while True:
            query = select(ImportRow.position, ImportRow.data).where(
                ImportRow.batch_id == self.batch_id, ImportRow.outcome.in_(APPLICABLE), ImportRow.position > after
            )
            if last is not None:
                query = query.where(ImportRow.position <= last)
            rows = _stored_rows(self.session, query.limit(STORE_CHUNK))
            if not rows:
                return
            yield rows
            after = rows[-1].position

    def save(self, rows: list[RowResult]) -> None:
        """The stored rows now say what was applied, with the new records' ids."""
        if not rows:  # e.g. two rows creating one project, both errors once both were read
            return
        table = ImportRow.__table__
        statement = (
            table.update()
            .where(table.c.batch_id == self.batch_id, table.c.position == bindparam("at"))
            .values(applied=bindparam("applied"), data=bindparam("stored"))
        )
        self.session.execute(statement, [{"at": r.position, "applied": r.applied, "stored": r.stored()} for r in rows])


@bulk
def _apply(
    session: Session,
    plan: Plan,
    source: _HeldRows | _BatchRows,
    creations: Creations,
    *,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply the rows `source` gives, in three passes, a chunk at a time; flushes, never commits.

    1. New projects, wherever their rows are (a 节点 sheet before the 项目 sheet may hold their milestones):
       only the rows `creations` names are read.
    2. Changes, through the services the forms use (update_record, and for milestones
       update_milestone_progress: versions, rules, history); then new milestones and investment years
       of the chunk, added in bulk with the same checks made up front (unique ordinals and years).
    3. New sources of money, once every investment year the file adds exists.
    Each chunk's records leave the session once flushed, so memory stays flat however many rows there are.
    """
    tell = progress or (lambda _done: None)
    held_before = {id(obj) for obj in session.identity_map.values()}  # the caller's objects stay attached
    created: dict[str, int] = {}  # a new project's row → its id
    fundings: list[int] = []  # positions of the first and last rows adding a source of money
    applied = 0
    try:
        with session.no_autoflush:
            new_codes = _new_codes(session, plan)
            for rows in source.chunks(positions=creations.creating):
                new_projects = [(r, o) for r, o in _ops(rows) if o.entity == "project" and o.id is None]
                _create_projects(session, plan, new_projects, new_codes, created)
                source.save([row for row, _op in new_projects])
                _let_go(session, held_before)
            given = creations.highest_given_by_project(created)
            for rows in source.chunks():
                ops = _ops(rows)
                _update_records(session, [(r, o) for r, o in ops if o.id is not None], today)
                children = [(r, o) for r, o in ops if o.entity not in ("project", "funding") and o.id is None]
                _create_children(session, children, created, given)
                positions = [r.position for r, o in ops if o.entity == "funding" and o.id is None]
                if positions:
                    fundings = [min(fundings[:1] + positions), max(fundings[1:] + positions)]
                for row in rows:
                    row.applied = True
                source.save(rows)
                _let_go(session, held_before)  # flushed first
                applied += len(rows)
                tell(applied)
            if fundings:
                for rows in source.chunks(*fundings):
                    made = _create_fundings(session, [(r, o) for r, o in _ops(rows) if o.entity == "funding"], created)
                    source.save(made)
                    _let_go(session, held_before)
        session.flush()
    except EditConflict:
        raise StalePreview() from None
    except IntegrityError:
        raise ServiceError("导入失败：数据不符合规则（重复或超出范围），未写入任何数据。请重新预览。") from None
    return applied


def _ops(rows: list[RowResult]) -> list[tuple[RowResult, Operation]]:
    """The operations that write: new records, and records with changes."""
    return [(row, op) for row in rows for op in row.operations if op.id is None or op.changes]


def _let_go(session: Session, held_before: set[int]) -> None:
    """A flushed chunk's records leave the session (those the caller held before stay)."""
    session.flush()
    for obj in list(session.identity_map.values()):
        if getattr(obj, "__audited__", False) and id(obj) not in held_before and obj in session:
            session.expunge(obj)  # (unless a project's expunged roles went with it)


def _values_of(session: Session, op: Operation, departments: dict[int, Department]) -> dict:
    return {
        name: value_from_preview(session, op.entity, name, value, departments)
        for name, value in op.values.items()
        if name in FIELDS[op.entity]
    }


def _departments_named(session: Session, ops: list) -> dict[int, Department]:
    ids = {d for _r, op in ops for name in DEPARTMENT_LISTS for d in (op.values.get(name) or [])}
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))} if ids else {}


def _update_records(session: Session, updates: list, today: dt.date | None) -> None:
    departments = _departments_named(session, updates)
    records = _records(session, updates)
    for _row, op in updates:
        record = records.get((op.entity, op.id))
        if record is None:
            raise StalePreview()
        values = _values_of(session, op, departments)
        if op.entity == "milestone":
            update_milestone_progress(session, record, values, op.version, today)
        else:
            update_record(session, record, values, op.version)


def _records(session: Session, updates: list) -> dict[tuple[str, int], Any]:
    wanted: dict[str, list[int]] = defaultdict(list)
    for _row, op in updates:
        wanted[op.entity].append(op.id)
    records = {}
    for entity, ids in wanted.items():
        model = MODELS[entity]
        lists = WITH_DEPARTMENT_LISTS if model is Project else ()  # an update may replace them
        for chunk in chunks(ids, 5000):
            for obj in session.scalars(select(model).where(ids_in(session, model.id, chunk)).options(*lists)):
                records[(entity, obj.id)] = obj
    return records


def _create_projects(session: Session, plan: Plan, ops: list, new_codes, created: dict[str, int]) -> None:
    """New projects, flushed for their ids; each row's reference → its project's id in `created`."""
    departments = _departments_named(session, ops)
    made = []
    for row, op in ops:
        values = _values_of(session, op, departments)
        values["code"] = op.values.get("code") or next(new_codes)
        project = Project(plan_id=plan.id, **values)
        session.add(project)
        made.append((row, project))
    session.flush()
    for row, project in made:
        created[row.ref] = row.entity_id = row.project_id = project.id


def _create_children(session: Session, ops: list, created: dict[str, int], given: dict[int, int]) -> None:
    """New milestones and investment years: a blank 序号 comes after every existing one and every one the
    file gives (`given`: project → the highest); checked against what is stored, this import's earlier
    chunks included."""
    if not ops:
        return
    parents = sorted({_parent_of(op.parent, created) for _r, op in ops})
    taken: set[tuple[int, int]] = set()
    years: set[tuple[int, int]] = set()
    for chunk in chunks(parents, 5000):
        taken.update(
            session.execute(
                select(Milestone.project_id, Milestone.ordinal).where(ids_in(session, Milestone.project_id, chunk))
            )
        )
        years.update(
            session.execute(
                select(Investment.project_id, Investment.year).where(ids_in(session, Investment.project_id, chunk))
            )
        )
    next_free = {p: given.get(p, 0) + 1 for p in parents}
    for project_id, ordinal in taken:
        next_free[project_id] = max(next_free[project_id], ordinal + 1)
    departments = _departments_named(session, ops)
    made: list[tuple[RowResult, Any, bool]] = []
    for row, op in ops:
        project_id = _parent_of(op.parent, created)
        row.project_id = row.project_id or project_id
        if op.entity == "investment":
            if (project_id, op.values["year"]) in years:
                raise StalePreview()  # someone added that year since the preview
            years.add((project_id, op.values["year"]))
            record = Investment(project_id=project_id, year=op.values["year"], **_values_of(session, op, departments))
        else:
            ordinal = op.values.get("ordinal")
            if ordinal is None:
                ordinal = next_free[project_id]
                next_free[project_id] += 1
            if (project_id, ordinal) in taken:
                raise StalePreview()
            taken.add((project_id, ordinal))
            record = Milestone(project_id=project_id, ordinal=ordinal, **_values_of(session, op, departments))
        session.add(record)
        made.append((row, record, op is row.operations[0]))
    session.flush()
    for row, record, first in made:
        if first:
            row.entity_id = record.id


def _create_fundings(session: Session, ops: list, created: dict[str, int]) -> list[RowResult]:
    """New sources of a year's money, each under its project-year (made here when the year is new);
    the rows that made them."""
    if not ops:
        return []
    wanted = {(_parent_of(op.parent, created), op.values["year"]) for _r, op in ops}
    investments: dict[tuple[int, int], int] = {}
    for chunk in chunks(sorted({p for p, _y in wanted}), 5000):
        investments.update(
            {
                (p, y): i
                for i, p, y in session.execute(
                    select(Investment.id, Investment.project_id, Investment.year).where(
                        ids_in(session, Investment.project_id, chunk)
                    )
                )
            }
        )
    missing = [Investment(project_id=p, year=y) for p, y in sorted(wanted - set(investments))]
    session.add_all(missing)
    session.flush()
    investments.update({(i.project_id, i.year): i.id for i in missing})
    made = []
    for row, op in ops:
        project_id = _parent_of(op.parent, created)
        row.project_id = row.project_id or project_id
        made.append(
            (
                row,
                InvestmentFunding(
                    investment_id=investments[(project_id, op.values["year"])],
                    project_id=project_id,
                    source=FundingSource(op.values["source"]),
                    amount=Decimal(op.values["amount"]) if op.values.get("amount") is not None else None,
                    note=op.values.get("note"),
                ),
            )
        )
    session.add_all([funding for _row, funding in made])
    session.flush()
    for row, funding in made:
        row.entity_id = funding.id
    return [row for row, _funding in made]


def _parent_of(parent: dict, created: dict[str, int]) -> int:
    """The project an operation's record belongs to: stored, or created by the row it names."""
    if "project_row" in parent:
        if parent["project_row"] not in created:
            raise StalePreview()
        return created[parent["project_row"]]
    return parent["project_id"]


def _new_codes(session: Session, plan: Plan):
    """新增-1, 新增-2 … for new projects a workbook gives no 项目编号, skipping those already taken."""
    taken = set(session.scalars(select(Project.code).where(Project.plan_id == plan.id, Project.code.like("新增-%"))))
    number = 0
    while True:
        number += 1
        if f"新增-{number}" not in taken:
            yield f"新增-{number}"
