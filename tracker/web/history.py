"""A record's change history, read for people: labels, vocabulary words and department names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import ChangeRecord, Department, Investment, Milestone, Plan, PlanSection, Project, User
from tracker.vocab import (
    ChangeSource,
    DatePrecision,
    FundingSource,
    MilestoneStatus,
    ProjectNature,
    ProjectRoleKind,
    ProjectStage,
    ProjectStatus,
    SubmissionStatus,
    TargetDirection,
    Vocab,
)

ENTITY_LABELS = {
    "projects": "项目",
    "milestones": "里程碑",
    "investments": "投资",
    "plans": "规划",
    "phases": "阶段",
    "phase_goals": "阶段目标",
    "plan_sections": "工程/任务",
    "indicators": "指标",
    "indicator_values": "指标实际值",
    "departments": "单位",
    "users": "用户",
    "reporting_periods": "报送期",
    "report_submissions": "报送",
    "report_entries": "报送内容",
    "report_milestone_states": "报送的里程碑状态",
    "plan_events": "大事记",
    "investment_fundings": "资金来源",
    "project_roles": "单位角色",
}

FIELD_LABELS = {
    "code": "编号",
    "name": "名称",
    "content": "建设内容",
    "lead_department_id": "责任单位",
    "cooperators": "配合单位",
    "phases": "所属阶段",
    "goals": "服务的阶段目标",
    "nature": "建设性质",
    "stage": "项目阶段",
    "status": "状态",
    "planned_start_on": "计划开始",
    "planned_end_on": "计划完成",
    "total_budget": "总投资（万元）",
    "funding_source": "资金来源",
    "contact": "联系人",
    "remarks": "备注",
    "section_id": "所属工程/任务",
    "plan_id": "规划",
    "project_id": "项目",
    "ordinal": "序号",
    "planned_on": "计划完成日期",
    "actual_on": "实际完成日期",
    "weight": "权重",
    "note": "说明",
    "year": "年度",
    "planned_amount": "计划投资（万元）",
    "completed_amount": "完成投资（万元）",
    "progress_note": "形象进度",
    "issues": "存在问题",
    "planned_start_precision": "计划开始（写法）",
    "planned_end_precision": "计划完成（写法）",
    "planned_precision": "计划完成日期（写法）",
    "actual_precision": "实际完成日期（写法）",
    "region": "所属行政区",
    "progress_text": "本期形象进度",
    "return_reason": "退回原因",
    "due_on": "截止日期",
    "department_id": "单位",
    "target_direction": "达成条件",
    "target_text": "目标原文",
    "target_value": "目标值",
    "target_year": "目标年",
    "guiding_thought": "指导思想",
    "principles": "建设原则",
    "basis": "依据",
    "objectives": "总体目标与具体目标",
    "occurred_on": "日期",
    "occurred_precision": "日期（写法）",
    "text": "内容",
    "source": "出处",
    "goal_id": "阶段目标",
    "amount": "金额（万元）",
    "role": "角色",
    "submitted_at": "报送时间",
    "reviewed_at": "审核时间",
    "draft_saved_at": "草稿保存时间",
}

VOCAB_FIELDS: dict[tuple[str, str], type[Vocab]] = {
    ("projects", "status"): ProjectStatus,
    ("projects", "stage"): ProjectStage,
    ("projects", "nature"): ProjectNature,
    ("projects", "funding_source"): FundingSource,
    ("investments", "funding_source"): FundingSource,
    ("milestones", "status"): MilestoneStatus,
    ("report_submissions", "status"): SubmissionStatus,
    ("indicators", "target_direction"): TargetDirection,
    ("report_milestone_states", "status"): MilestoneStatus,
    ("investment_fundings", "source"): FundingSource,
    ("project_roles", "role"): ProjectRoleKind,
    **{
        (entity, name): DatePrecision
        for entity, name in (
            ("projects", "planned_start_precision"),
            ("projects", "planned_end_precision"),
            ("milestones", "planned_precision"),
            ("milestones", "actual_precision"),
        )
    },
}


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


@dataclass
class ProjectHistory:
    entries: list[HistoryEntry]  # people's changes, newest first
    more: bool  # older ones exist beyond `entries`
    seeded: int  # records written by loading the seed plans, shown as one line
    seeded_at: dt.datetime | None


HISTORY_PAGE = 50


def project_history(session: Session, project_id: int, pages: int = 1) -> ProjectHistory:
    """Changes of a project and of its milestones and investments (deleted ones included), the newest
    `pages` × 50 of them; what loading the seed plans wrote is counted, not listed. 3–4 queries.

    Every change record carries the project it belongs to (models/change.py), so this is one range
    of the (project_id, changed_at) index, whatever the size of the history table.
    """
    mine = (
        ChangeRecord.project_id == project_id,
        ChangeRecord.entity.in_(("projects", "milestones", "investments", "investment_fundings", "project_roles")),
    )
    limit = HISTORY_PAGE * pages
    query = (
        select(ChangeRecord, User.display_name)
        .outerjoin(User, User.id == ChangeRecord.user_id)
        .where(*mine, ChangeRecord.source != ChangeSource.SEED)
        .order_by(ChangeRecord.changed_at.desc(), ChangeRecord.id.desc())
        .limit(limit + 1)
    )
    rows = session.execute(query).all()
    seeded, seeded_at = session.execute(
        select(func.count(ChangeRecord.id), func.min(ChangeRecord.changed_at)).where(
            *mine, ChangeRecord.source == ChangeSource.SEED
        )
    ).one()
    return ProjectHistory(_readable(session, rows[:limit]), len(rows) > limit, seeded, seeded_at)


def submission_history(
    session: Session, submission_id: int, entry_ids: list[int], limit: int = 300
) -> list[HistoryEntry]:
    """A report's steps (未报 → 已报 → 退回/已确认, with who and when) and the changes to its figures."""
    query = (
        select(ChangeRecord, User.display_name)
        .outerjoin(User, User.id == ChangeRecord.user_id)
        .where(
            (
                (ChangeRecord.entity == "report_submissions")
                & (ChangeRecord.entity_id == submission_id)
                & ChangeRecord.field.in_(("status", "return_reason"))
            )
            | (
                (ChangeRecord.entity == "report_entries")
                & ChangeRecord.entity_id.in_(entry_ids or [-1])
                & ChangeRecord.field.in_(("progress_text", "completed_amount", "issues"))
            )
        )
        .order_by(ChangeRecord.changed_at.desc(), ChangeRecord.id.desc())
        .limit(limit)
    )
    return _readable(session, session.execute(query).all())


# Foreign-key fields and the records they name, shown by name rather than by id.
REFERENCES = {
    "lead_department_id": Department,
    "department_id": Department,
    "section_id": PlanSection,
    "plan_id": Plan,
    "project_id": Project,
}
# How the changed record itself is named: entity → (model, naming column).
NAMES = {
    "projects": (Project, Project.name),
    "milestones": (Milestone, Milestone.name),
    "investments": (Investment, Investment.year),
}


def _names(session: Session, wanted: dict[type, set[int]]) -> dict[tuple[type, int], str]:
    """Names of the referenced records, one query per kind of record."""
    names: dict[tuple[type, int], str] = {}
    for model, ids in wanted.items():
        if ids:
            for record in session.scalars(select(model).where(model.id.in_(ids))):
                names[(model, record.id)] = str(getattr(record, "name", None) or record)
    return names


def _readable(session: Session, rows) -> list[HistoryEntry]:
    wanted: dict[type, set[int]] = {}
    for record, _ in rows:
        model = REFERENCES.get(record.field or "")
        if model is not None:
            wanted.setdefault(model, set()).update(
                int(v) for v in (record.old_value, record.new_value) if v and v.isdigit()
            )
        if record.entity in NAMES:
            wanted.setdefault(NAMES[record.entity][0], set()).add(record.entity_id)
    names = _names(session, wanted)
    deleted_names = {  # a deleted record is still named by its own delete record
        (record.entity, record.entity_id): record.old_value
        for record, _ in rows
        if record.action.value == "delete" and record.field in ("name", "year")
    }

    def show(record: ChangeRecord, value: str | None) -> str:
        if value is None or value == "":
            return "—"
        vocab = VOCAB_FIELDS.get((record.entity, record.field or ""))
        if vocab is not None:
            try:
                return vocab(value).label
            except ValueError:
                return value
        model = REFERENCES.get(record.field or "")
        if model is not None and value.isdigit():
            return names.get((model, int(value)), f"#{value}")
        return value

    def what(record: ChangeRecord) -> str:
        kind = ENTITY_LABELS.get(record.entity, record.entity)
        model = NAMES.get(record.entity, (None,))[0]
        name = names.get((model, record.entity_id)) or deleted_names.get((record.entity, record.entity_id))
        if record.entity == "investments" and name:
            name = f"{name}年"
        return f"{kind} {name or '#' + str(record.entity_id)}"

    return [
        HistoryEntry(
            changed_at=record.changed_at,
            who=who or "—",
            source=record.source.label,
            action=record.action.label,
            what=what(record),
            field=FIELD_LABELS.get(record.field or "", record.field or ""),
            old=show(record, record.old_value),
            new=show(record, record.new_value),
        )
        for record, who in rows
    ]
