"""A record's change history, read for people: labels, vocabulary words and department names."""
from __future__ import annotations

from dataclasses import dataclass
import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from tracker.models import ChangeRecord, Department, Investment, Milestone, User
from tracker.vocab import FundingSource, MilestoneStatus, ProjectNature, ProjectStage, ProjectStatus, Vocab

ENTITY_LABELS = {"projects": "项目", "milestones": "里程碑", "investments": "投资", "plans": "规划",
                 "phases": "阶段", "phase_goals": "阶段目标", "plan_sections": "工程/任务", "indicators": "指标",
                 "indicator_values": "指标实际值", "departments": "单位", "users": "用户"}

FIELD_LABELS = {
    "code": "编号", "name": "名称", "content": "建设内容", "lead_department_id": "责任单位", "cooperators": "配合单位",
    "phases": "所属阶段", "goals": "服务的阶段目标", "nature": "建设性质", "stage": "项目阶段", "status": "状态",
    "planned_start_on": "计划开始", "planned_end_on": "计划完成", "total_budget": "总投资（万元）",
    "funding_source": "资金来源", "contact": "联系人", "remarks": "备注", "section_id": "所属工程/任务",
    "plan_id": "规划", "project_id": "项目", "ordinal": "序号", "planned_on": "计划完成日期",
    "actual_on": "实际完成日期", "weight": "权重", "note": "说明", "year": "年度", "planned_amount": "计划投资（万元）",
    "completed_amount": "完成投资（万元）",
}

VOCAB_FIELDS: dict[tuple[str, str], type[Vocab]] = {
    ("projects", "status"): ProjectStatus, ("projects", "stage"): ProjectStage,
    ("projects", "nature"): ProjectNature, ("projects", "funding_source"): FundingSource,
    ("investments", "funding_source"): FundingSource, ("milestones", "status"): MilestoneStatus,
}
DEPARTMENT_FIELDS = {"lead_department_id", "department_id"}


@dataclass
class HistoryEntry:
    changed_at: dt.datetime
    who: str
    source: str
    action: str
    what: str
    field: str
    old: str
    new: str


def project_history(session: Session, project_id: int, limit: int = 300) -> list[HistoryEntry]:
    """Changes of a project and of its milestones and investments (deleted ones included); 2 queries."""
    belongs = select(ChangeRecord.entity_id).where(
        ChangeRecord.field == "project_id",
        or_(ChangeRecord.new_value == str(project_id), ChangeRecord.old_value == str(project_id)),
    )
    query = (
        select(ChangeRecord, User.display_name)
        .outerjoin(User, User.id == ChangeRecord.user_id)
        .where(or_(
            and_(ChangeRecord.entity == "projects", ChangeRecord.entity_id == project_id),
            and_(ChangeRecord.entity.in_(("milestones", "investments")),
                 ChangeRecord.entity_id.in_(belongs.where(ChangeRecord.entity.in_(("milestones", "investments"))))),
        ))
        .order_by(ChangeRecord.changed_at.desc(), ChangeRecord.id.desc())
        .limit(limit)
    )
    rows = session.execute(query).all()
    return _readable(session, rows)


def _readable(session: Session, rows) -> list[HistoryEntry]:
    department_ids = {
        int(v) for record, _ in rows if record.field in DEPARTMENT_FIELDS
        for v in (record.old_value, record.new_value) if v and v.isdigit()
    }
    names = dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(department_ids))).all()) \
        if department_ids else {}

    labels: dict[tuple[str, int], str] = {}
    for entity, model, label in (("milestones", Milestone, Milestone.name), ("investments", Investment,
                                                                              Investment.year)):
        ids = {record.entity_id for record, _ in rows if record.entity == entity}
        if ids:
            for row_id, text in session.execute(select(model.id, label).where(model.id.in_(ids))):
                labels[(entity, row_id)] = f"{text}年" if entity == "investments" else str(text)
    for record, _ in rows:  # a deleted one is still named by its own delete record
        if record.action.value == "delete" and record.field in ("name", "year"):
            labels.setdefault((record.entity, record.entity_id), record.old_value or "")

    def show(record: ChangeRecord, value: str | None) -> str:
        if value is None or value == "":
            return "—"
        vocab = VOCAB_FIELDS.get((record.entity, record.field or ""))
        if vocab is not None:
            try:
                return vocab(value).label
            except ValueError:
                return value
        if record.field in DEPARTMENT_FIELDS and value.isdigit():
            return names.get(int(value), f"#{value}")
        return value

    return [
        HistoryEntry(
            changed_at=record.changed_at,
            who=who or "—",
            source=record.source.label,
            action=record.action.label,
            what=f"{ENTITY_LABELS.get(record.entity, record.entity)} "
                 f"{labels.get((record.entity, record.entity_id), '#' + str(record.entity_id))}",
            field=FIELD_LABELS.get(record.field or "", record.field or ""),
            old=show(record, record.old_value),
            new=show(record, record.new_value),
        )
        for record, who in rows
    ]
