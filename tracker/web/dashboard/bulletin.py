"""The 督查通报 of a reporting period: the same figures as the 驾驶舱, for the whole plan, as they stand
for the period — live while it is open, the frozen snapshot once it is closed — printed on A4 and as
an .xlsx in the layout offices send.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from tracker import progress
from tracker.models import PeriodMilestoneSnapshot, PeriodProjectSnapshot, ReportingPeriod
from tracker.models.base import Money
from tracker.web.dashboard import figures

LATE_LIMIT = 30


@dataclass
class LateLine:
    milestone: str
    project: str
    department: str
    planned_on: dt.date
    days_late: int
    project_id: int


@dataclass
class Bulletin(figures.Headline):
    period: ReportingPeriod
    frozen: bool  # from the closed period's snapshot
    projects: int
    by_status: dict
    budget: Decimal | None
    money: progress.PeriodMoney
    schedule: Decimal
    overdue: int
    departments: list[figures.DepartmentRow]  # ranked: 完成年度计划% high to low, no figure last
    late: list[LateLine]

    def headline(self) -> str:
        """The opening paragraph, written from the figures."""
        month = (
            f"{self.period.ends_on.month}月底" if self.period.kind.value == "month" else f"第{self.period.number}季度末"
        )
        parts = [f"截至{self.period.year}年{month}，纳入跟踪的{self.projects}个项目已开工{self.started}个"]
        if self.start_rate is not None:
            parts[0] += f"，开工率{self.start_rate}%"
        money = f"{self.period.year}年累计完成投资{_wan(self.money.year_completed)}"
        if self.money.plan_share is not None:
            money += f"，占年度计划{_wan(self.money.year_planned)}的{self.money.plan_share}%"
            gap = self.gap
            money += f"，{'快于' if gap >= 0 else '慢于'}序时进度（{self.schedule}%）{abs(gap)}个百分点"
        parts.append(money)
        parts.append(f"{self.overdue}个里程碑逾期未完成" if self.overdue else "没有逾期未完成的里程碑")
        behind = [
            d.name
            for d in self.departments
            if d.department_id and d.plan_share is not None and d.plan_share < self.schedule
        ]
        if behind:
            parts.append(f"{len(behind)}个单位慢于序时进度")
        return "；".join(parts) + "。"


def _wan(amount: Decimal | None) -> str:
    """An amount in 万元 as a sentence writes it: 1.2亿元 from 10,000 万元 up."""
    if amount is None:
        return "—"
    if amount >= 10000:
        return f"{(amount / 10000).quantize(Decimal('0.01')).normalize():f}亿元"
    return f"{amount.quantize(Decimal('0.01')).normalize():f}万元"


def build(session: Session, period: ReportingPeriod, today: dt.date | None = None) -> Bulletin:
    if period.is_open:
        return _live(session, period, today)
    return _frozen(session, period)


def _ranked(rows: list[figures.DepartmentRow]) -> list[figures.DepartmentRow]:
    known = [r for r in rows if r.department_id and r.plan_share is not None]
    rest = [r for r in rows if r not in known]
    return sorted(known, key=lambda r: r.plan_share, reverse=True) + rest


def _live(session: Session, period: ReportingPeriod, today) -> Bulletin:
    board = figures.build(session, period.plan, [], None, today, when=period, with_progress=False)
    late = [
        LateLine(
            x.milestone.name,
            f"{x.milestone.project.code} {x.milestone.project.name}",
            x.milestone.project.lead_department.name if x.milestone.project.lead_department else "未定",
            x.milestone.planned_on,
            x.days_late,
            x.milestone.project_id,
        )
        for x in board.late
    ]
    return Bulletin(
        period,
        False,
        board.projects,
        board.by_status,
        board.budget,
        board.money,
        board.schedule,
        board.overdue,
        _ranked(board.departments),
        late,
    )


def _frozen(session: Session, period: ReportingPeriod) -> Bulletin:
    """As the period closed: projects, money and milestones from its snapshot; lateness at its end."""
    rows: dict[int | None, figures.DepartmentRow] = {}
    by_status: dict = defaultdict(int)
    budget = None
    money = progress.PeriodMoney()
    projects = 0
    snap = PeriodProjectSnapshot
    grouped = (
        select(
            snap.department_id,
            snap.department_name,
            snap.status,
            snap.submission_status,
            func.count(),
            *(
                type_coerce(func.sum(c), Money())
                for c in (
                    snap.total_budget,
                    snap.year_planned,
                    snap.period_completed,
                    snap.year_completed,
                    snap.cumulative_completed,
                )
            ),
        )
        .where(snap.period_id == period.id)
        .group_by(snap.department_id, snap.department_name, snap.status, snap.submission_status)
    )
    for (
        department_id,
        name,
        status,
        report,
        count,
        total_budget,
        planned,
        this_period,
        year,
        cumulative,
    ) in session.execute(grouped):
        row = rows.setdefault(department_id, figures.DepartmentRow(department_id, name or "（未定责任单位）"))
        row.projects += count
        row.by_status[status] = row.by_status.get(status, 0) + count
        row.budget = progress.plus(row.budget, total_budget)
        sums = progress.PeriodMoney(planned, this_period, year, cumulative, count)
        row.money.add(sums)
        money.add(sums)
        row.report = report
        by_status[status] += count
        budget = progress.plus(budget, total_budget)
        projects += count
    late_query = (
        select(PeriodMilestoneSnapshot, PeriodProjectSnapshot)
        .join(
            PeriodProjectSnapshot,
            (PeriodProjectSnapshot.period_id == PeriodMilestoneSnapshot.period_id)
            & (PeriodProjectSnapshot.project_id == PeriodMilestoneSnapshot.project_id),
        )
        .where(
            PeriodMilestoneSnapshot.period_id == period.id,
            PeriodMilestoneSnapshot.planned_on < period.ends_on,
            PeriodMilestoneSnapshot.status.not_in(progress.CLOSED_MILESTONE),
        )
    )
    overdue_by = _count_by_department(session, late_query)
    for department_id, count in overdue_by.items():
        if department_id in rows:
            rows[department_id].overdue = count
    late = [
        LateLine(
            m.name,
            f"{p.code} {p.name}",
            p.department_name or "未定",
            m.planned_on,
            (period.ends_on - m.planned_on).days,
            p.project_id,
        )
        for m, p in session.execute(late_query.order_by(PeriodMilestoneSnapshot.planned_on).limit(LATE_LIMIT))
    ]
    return Bulletin(
        period,
        True,
        projects,
        dict(by_status),
        budget,
        money,
        progress.schedule_share(period),
        sum(overdue_by.values()),
        _ranked(list(rows.values())),
        late,
    )


def _count_by_department(session: Session, late_query) -> dict:
    sub = late_query.with_only_columns(PeriodProjectSnapshot.department_id).subquery()
    return dict(session.execute(select(sub.c.department_id, func.count()).group_by(sub.c.department_id)).all())


# -- The .xlsx -------------------------------------------------------------------------------------

HEADERS = (
    ("排名", 6),
    ("单位", 22),
    ("项目数", 8),
    ("已开工", 8),
    ("开工率%", 9),
    ("总投资", 12),
    ("年度计划投资", 13),
    ("累计完成投资", 13),
    ("完成年度计划%", 12),
    ("序时进度%", 10),
    ("快于/慢于序时进度", 18),
    ("逾期里程碑", 10),
    ("报送情况", 10),
)


def write_xlsx(bulletin: Bulletin, out: IO[bytes]) -> None:
    from openpyxl import Workbook

    from tracker.excel import columns as C
    from tracker.excel.export import _Styles
    from tracker.excel.reader import column_letter

    period = bulletin.period
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("督查通报")
    styles = _Styles(ws)
    for index, (_h, width) in enumerate(HEADERS, 1):
        ws.column_dimensions[column_letter(index)].width = width
    last = column_letter(len(HEADERS))
    ws.append([styles.cell(f"{period.plan.name}{period.name}信息化项目建设督查通报", title=True)])
    ws.merged_cells.add(f"A1:{last}1")
    ws.append(
        [
            f"数据截至：{period.ends_on.year}年{period.ends_on.month}月{period.ends_on.day}日"
            + ("（本期已关闭，数据已冻结）" if bulletin.frozen else "（本期填报中）")
        ]
        + [None] * (len(HEADERS) - 2)
        + ["单位：万元"]
    )
    ws.append([bulletin.headline()])
    ws.merged_cells.add(f"A3:{last}3")
    ws.append([styles.cell(h, header=True) for h, _w in HEADERS])
    amount = dict(kind=C.Kind.AMOUNT)

    def line(rank, name, row_projects, started, start_rate, budget, money, overdue, report, bold=False):
        share = money.plan_share
        gap = None if share is None else share - bulletin.schedule
        gap_text = "—" if gap is None else f"{'快于' if gap >= 0 else '慢于'} {abs(gap)}"
        return [
            styles.cell(rank, kind=C.Kind.INT, bold=bold),
            styles.cell(name, bold=bold),
            styles.cell(row_projects, kind=C.Kind.INT, bold=bold),
            styles.cell(started, kind=C.Kind.INT, bold=bold),
            styles.cell(start_rate, bold=bold),
            styles.cell(budget, bold=bold, **amount),
            styles.cell(money.year_planned, bold=bold, **amount),
            styles.cell(money.year_completed, bold=bold, **amount),
            styles.cell(share, bold=bold),
            styles.cell(bulletin.schedule, bold=bold),
            styles.cell(gap_text, bold=bold),
            styles.cell(overdue, kind=C.Kind.INT, bold=bold),
            styles.cell(report, bold=bold),
        ]

    rank = 0
    for row in bulletin.departments:
        ranked = row.department_id and row.plan_share is not None
        rank += 1 if ranked else 0
        started = sum(n for s, n in row.by_status.items() if s in progress.STARTED)
        ws.append(
            line(
                rank if ranked else None,
                row.name,
                row.projects,
                started,
                row.start_rate,
                row.budget,
                row.money,
                row.overdue,
                row.report.label if row.report else "—",
            )
        )
    ws.append(
        line(
            None,
            f"合计：{sum(1 for r in bulletin.departments if r.department_id)} 个单位",
            bulletin.projects,
            bulletin.started,
            bulletin.start_rate,
            bulletin.budget,
            bulletin.money,
            bulletin.overdue,
            "",
            bold=True,
        )
    )
    late = wb.create_sheet("逾期里程碑")
    late_styles = _Styles(late)
    for index, width in enumerate((28, 30, 18, 12, 10), 1):
        late.column_dimensions[column_letter(index)].width = width
    late.append([late_styles.cell(h, header=True) for h in ("里程碑", "项目", "责任单位", "计划完成", "逾期天数")])
    for item in bulletin.late:
        late.append(
            [
                item.milestone,
                item.project,
                item.department,
                late_styles.cell(item.planned_on, kind=C.Kind.DATE),
                item.days_late,
            ]
        )
    wb.save(out)
