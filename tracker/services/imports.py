"""Import batches: keep the uploaded file with its preview, then apply exactly that preview.

The preview (services/import_preview.py) is stored with the batch, its rows one by one (ImportRow)
as they are made (StoredRows: a 130,000-row workbook's results are never all held), so a file is
parsed once and a page of its preview reads that page's rows. A dry run without a report counts its
rows instead (CountedRows).
确认导入 applies it through the same service functions the web forms use — update_record and
update_milestone_progress (versions, rules, history) — and adds new records in batches with the
same checks made up front; one transaction, refused if anything it touches moved since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
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
    keep_rows: bool = False,
) -> tuple[ImportBatch, Preview]:
    """Preview a workbook and keep it, with its preview; writes no plan data. The preview's rows are
    stored as they are made (read back a page at a time: preview_page); the Preview returned holds
    their counts, the sheets' and columns' lines and the notes, and the rows too only if `keep_rows`
    (a command that applies them at once, not reading 110,000 rows back). Refused, it leaves nothing."""
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
    rows = StoredRows(session, batch.id, keep=keep_rows)
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
    session.flush()
    return batch, preview


class StoredRows:
    """A preview's rows written to its batch (ImportRow) as they are made, STORE_CHUNK at a time."""

    def __init__(self, session: Session, batch_id: int, *, keep: bool = False) -> None:
        self.session, self.batch_id, self.keep = session, batch_id, keep
        self.rows: list[RowResult] = []  # kept only if asked: a page is read back when shown
        self.pending: list[dict] = []
        self.counted: Counter[str] = Counter()

    def add(self, result: RowResult) -> None:
        self.counted[result.outcome] += 1
        if self.keep:
            self.rows.append(result)
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
        for result in self.rows:
            if result.position in messages:
                amend_row(result, messages[result.position])
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
    rows = _stored_rows(session, select(ImportRow.position, ImportRow.data).where(*_kept(batch, outcomes)))
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
    preview: Preview | None = None,
) -> Preview:
    """The stored preview, if it may be applied now; else a ServiceError saying why. `preview`: that stored
    preview, when the caller holds it already (read or made and stored in this transaction)."""
    if batch.status is ImportStatus.APPLYING:
        raise ServiceError("这个导入正在写入中，请稍候刷新页面")
    if batch.status is not ImportStatus.PREVIEWED:
        raise ServiceError("这个导入已经处理过了")
    if is_abandoned(batch):
        raise ServiceError(EXPIRED_PREVIEW)
    if expected_sha256 is not None and expected_sha256 != batch.sha256:
        raise StalePreview()
    preview = preview if preview is not None else load_preview(session, batch, outcomes=APPLICABLE)
    if preview.blocked and not valid_only:
        raise ServiceError("有错误或冲突的行，未导入任何数据。请修正后重新导入，或选择“只导入无误的行”。")
    return preview


def operations_count(preview: Preview) -> int:
    return sum(len(r.operations) for r in preview.applicable)


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
    preview: Preview | None = None,
) -> int:
    """Apply the batch's stored preview in the caller's transaction; every change recorded as from this import.

    `progress(done)` is told how many records are written, every few thousand; `in_background`: the
    batch was marked 正在导入 by the request that started the work; `preview`: the stored preview when
    the caller holds it already (check_committable, or stage_import in the same transaction), so a
    100,000-row preview is not read back and held twice; it is updated with what was applied, or left as
    it was if applying is refused.
    """
    if in_background and batch.status is ImportStatus.APPLYING:
        batch.status = ImportStatus.PREVIEWED  # in this transaction only: the others still see 正在导入
    preview = check_committable(session, batch, valid_only=valid_only, expected_sha256=expected_sha256, preview=preview)
    if moved_since(session, preview.seen_versions):
        raise StalePreview()
    set_change_context(session, ChangeSource.IMPORT, user, batch)
    # Applying marks the rows applied and gives new ones their ids; refused half-way (the caller rolls
    # back), the preview goes back to saying what was previewed.
    as_previewed = [(row.applied, row.entity_id, row.project_id) for row in preview.rows]
    try:
        applied = apply_preview(session, preview, valid_only=valid_only, today=today, progress=progress)
    except ServiceError:
        for row, state in zip(preview.rows, as_previewed, strict=True):
            row.applied, row.entity_id, row.project_id = state
        raise
    batch.status = ImportStatus.APPLIED
    batch.applied_at = utcnow()
    batch.applied_rows = "valid" if preview.blocked else "all"
    batch.applied_count = applied
    _store_applied(session, batch, preview.applicable)
    security_log.record(
        session,
        SecurityEvent.IMPORT_APPLIED,
        user=user,
        detail=f"导入 #{batch.id}（{batch.filename}）：写入 {applied} 处",
    )
    session.flush()
    return applied


def _store_applied(session: Session, batch: ImportBatch, rows: list[RowResult]) -> None:
    """The stored rows now say what was applied, with the new records' ids (the page after 确认导入)."""
    table = ImportRow.__table__
    statement = (
        table.update()
        .where(table.c.batch_id == batch.id, table.c.position == bindparam("at"))
        .values(applied=True, data=bindparam("stored"))
    )
    applied = [{"at": row.position, "stored": row.stored()} for row in rows if row.applied]
    for start in range(0, len(applied), STORE_CHUNK):
        session.execute(statement, applied[start : start + STORE_CHUNK])


@bulk
def apply_preview(
    session: Session,
    preview: Preview,
    *,
    valid_only: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply the preview's new and changed rows; flushes, never commits.

    Changes go through the services the forms use (update_record, and for milestones
    update_milestone_progress: versions, rules, history). New records are added in batches
    with the same checks made up front (unique codes and ordinals), so 100,000 rows stay fast.
    """
    if preview.blocked and not valid_only:
        raise ImportRefused("有错误或冲突的行：请修正后重新导入，或选择只导入无误的行")
    rows = preview.applicable
    ops = [(row, op) for row in rows for op in row.operations if op.id is None or op.changes]
    for row in rows:
        row.applied = True
    departments = _departments_named(session, ops)
    tell = progress or (lambda _done: None)

    def values_of(op: Operation) -> dict:
        return {
            name: value_from_preview(session, op.entity, name, value, departments)
            for name, value in op.values.items()
            if name in FIELDS[op.entity]
        }

    try:
        with session.no_autoflush:
            new_projects = [(r, o) for r, o in ops if o.entity == "project" and o.id is None]
            created = _create_projects(session, preview.plan, new_projects, values_of)
            done = len(new_projects)
            tell(done)
            updates = [(r, o) for r, o in ops if o.id is not None]
            records = _records(session, updates)
            for number, (_row, op) in enumerate(updates, start=1):
                if number % 1000 == 0:
                    tell(done + number)
                record = records.get((op.entity, op.id))
                if record is None:
                    raise StalePreview()
                if op.entity == "milestone":
                    update_milestone_progress(session, record, values_of(op), op.version, today)
                else:
                    update_record(session, record, values_of(op), op.version)
            done += len(updates)
            children = [(r, o) for r, o in ops if o.entity not in ("project", "funding") and o.id is None]
            _create_children(session, children, created, values_of, lambda n: tell(done + n))
            _create_fundings(session, [(r, o) for r, o in ops if o.entity == "funding" and o.id is None], created)
        session.flush()
    except EditConflict:
        raise StalePreview() from None
    except IntegrityError:
        raise ServiceError("导入失败：数据不符合规则（重复或超出范围），未写入任何数据。请重新预览。") from None
    return len(rows)


BATCH = 2000


def _departments_named(session: Session, ops: list) -> dict[int, Department]:
    ids = {d for _r, op in ops for name in DEPARTMENT_LISTS for d in (op.values.get(name) or [])}
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))} if ids else {}


def _records(session: Session, updates: list) -> dict[tuple[str, int], Any]:
    wanted: dict[str, list[int]] = defaultdict(list)
    for _row, op in updates:
        wanted[op.entity].append(op.id)
    records = {}
    for entity, ids in wanted.items():
        model = MODELS[entity]
        lists = WITH_DEPARTMENT_LISTS if model is Project else ()  # an update may replace them
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for obj in session.scalars(select(model).where(ids_in(session, model.id, chunk)).options(*lists)):
                records[(entity, obj.id)] = obj
    return records


def _create_projects(session: Session, plan: Plan, ops: list, values_of) -> dict[str, int]:
    """New projects, flushed in batches for their ids; row reference → project id."""
    created: dict[str, int] = {}
    pending: list[tuple[RowResult, Project]] = []
    new_codes = _new_codes(session, plan)
    for row, op in ops:
        values = values_of(op)
        values["code"] = op.values.get("code") or next(new_codes)
        project = Project(plan_id=plan.id, **values)
        session.add(project)
        pending.append((row, project))
        if len(pending) >= BATCH:
            pending = _flush_projects(session, pending, created)
    _flush_projects(session, pending, created)
    return created


def _flush_projects(session: Session, pending: list, created: dict) -> list:
    session.flush()
    for row, project in pending:
        created[row.ref] = row.entity_id = row.project_id = project.id
    return []


def _create_children(
    session: Session, ops: list, created: dict[str, int], values_of, tell: Callable[[int], None]
) -> None:
    """New milestones and investment years: ordinals after the existing ones, checked in bulk."""

    parents = {_parent_of(op, created) for _r, op in ops}
    taken: set[tuple[int, int]] = set()
    years: set[tuple[int, int]] = set()
    parent_list = sorted(parents)
    for start in range(0, len(parent_list), 5000):
        chunk = parent_list[start : start + 5000]
        taken.update(
            (p, o)
            for p, o in session.execute(
                select(Milestone.project_id, Milestone.ordinal).where(ids_in(session, Milestone.project_id, chunk))
            )
        )
        years.update(
            (p, y)
            for p, y in session.execute(
                select(Investment.project_id, Investment.year).where(ids_in(session, Investment.project_id, chunk))
            )
        )
    next_free: dict[int, int] = defaultdict(lambda: 1)
    for project_id, ordinal in taken:
        next_free[project_id] = max(next_free[project_id], ordinal + 1)
    # Ordinals the file gives are kept; blank ones come after every existing and given one.
    for _row, op in ops:
        if op.entity == "milestone" and op.values.get("ordinal") is not None:
            project_id = _parent_of(op, created)
            next_free[project_id] = max(next_free[project_id], op.values["ordinal"] + 1)
    pending: list[tuple[RowResult, Any, bool]] = []
    made = 0
    for row, op in ops:
        project_id = _parent_of(op, created)
        row.project_id = row.project_id or project_id
        if op.entity == "investment":
            if (project_id, op.values["year"]) in years:
                raise StalePreview()  # someone added that year since the preview
            years.add((project_id, op.values["year"]))
            record = Investment(project_id=project_id, year=op.values["year"], **values_of(op))
        else:
            ordinal = op.values.get("ordinal")
            if ordinal is None:
                ordinal = next_free[project_id]
                next_free[project_id] += 1
            if (project_id, ordinal) in taken:
                raise StalePreview()
            taken.add((project_id, ordinal))
            record = Milestone(project_id=project_id, ordinal=ordinal, **values_of(op))
        session.add(record)
        pending.append((row, record, op is row.operations[0]))
        if len(pending) >= BATCH:
            made += len(pending)
            pending = _flush_children(session, pending)
            tell(made)
    _flush_children(session, pending)


def _create_fundings(session: Session, ops: list, created: dict[str, int]) -> None:
    """New sources of a year's money, each under its project-year (made here when the year is new)."""
    if not ops:
        return
    wanted = {(_parent_of(op, created), op.values["year"]) for _r, op in ops}
    project_ids = sorted({p for p, _y in wanted})
    investments: dict[tuple[int, int], int] = {}
    for start in range(0, len(project_ids), 5000):
        investments.update(
            {
                (p, y): i
                for i, p, y in session.execute(
                    select(Investment.id, Investment.project_id, Investment.year).where(
                        ids_in(session, Investment.project_id, project_ids[start : start + 5000])
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
        project_id = _parent_of(op, created)
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


def _parent_of(op: Operation, created: dict[str, int]) -> int:
    if "project_row" in op.parent:
        if op.parent["project_row"] not in created:
            raise StalePreview()
        return created[op.parent["project_row"]]
    return op.parent["project_id"]


def _flush_children(session: Session, pending: list) -> list:
    session.flush()
    for row, record, first in pending:
        if first:
            row.entity_id = record.id
        session.expunge(record)  # memory stays flat however many rows the file creates
    return []


def _new_codes(session: Session, plan: Plan):
    """新增-1, 新增-2 … for new projects a workbook gives no 项目编号, skipping those already taken."""
    taken = set(session.scalars(select(Project.code).where(Project.plan_id == plan.id, Project.code.like("新增-%"))))
    number = 0
    while True:
        number += 1
        if f"新增-{number}" not in taken:
            yield f"新增-{number}"
