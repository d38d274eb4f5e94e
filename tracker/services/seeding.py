"""Load the seed plans (seeds/*.yaml) and the demo data, idempotently: a second load changes nothing.

Records are matched on their natural keys (plan code, phase ordinal, section path, project code,
milestone ordinal, investment year, indicator name), and a field is assigned only when its value
differs, so an unchanged file writes no row and leaves no change record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker import PROJECT_ROOT
from tracker.models import (
    Department,
    DepartmentAlias,
    Indicator,
    IndicatorValue,
    Investment,
    InvestmentFunding,
    Milestone,
    Phase,
    PhaseGoal,
    Plan,
    PlanEvent,
    PlanSection,
    Project,
    ProjectRole,
    ReportingPeriod,
    User,
)
from tracker.parse import (
    date_for,
    parse_amount,
    parse_date,
    parse_date_value,
    parse_number,
    parse_year,
    target_direction,
)
from tracker.services import ServiceError
from tracker.services.departments import DepartmentNames
from tracker.vocab import (
    DepartmentKind,
    FundingSource,
    MilestoneStatus,
    ProjectNature,
    ProjectRoleKind,
    ProjectStage,
    ProjectStatus,
    ReportKind,
    Role,
    SubmissionStatus,
    TargetDirection,
    Vocab,
)

SEEDS_DIR = PROJECT_ROOT / "seeds"
DEMO_FILE = "demo.yaml"


def available_plan_files(seeds_dir: Path = SEEDS_DIR) -> dict[str, Path]:
    """Plan code → seed file, for every seeds/*.yaml that is not the demo file."""
    return {path.stem: path for path in sorted(seeds_dir.glob("*.yaml")) if path.name != DEMO_FILE}


def read_seed(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@dataclass
class SeedReport:
    plans: list[str] = field(default_factory=list)
    demo_users: list[dict] = field(default_factory=list)


def _assign(obj: Any, **values: Any) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def _assign_collection(obj: Any, key: str, items: list) -> None:
    current = getattr(obj, key)
    if {id(x) for x in current} != {id(x) for x in items} or len(current) != len(items):
        setattr(obj, key, items)


def _vocab(vocab: type[Vocab], text: Any, where: str) -> Any:
    if text in (None, ""):
        return None
    member = vocab.from_text(text)
    if member is None:
        raise ServiceError(f"{where}：无法识别的取值“{text}”")
    return member


class _Departments:
    """Departments by full name, short name or alias; created on first mention in a seed file."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.names = DepartmentNames(session)

    def upsert(self, data: dict, region: str | None = None) -> Department:
        dept = self.names.find(data["name"])
        if dept is None:
            dept = Department(name=data["name"], aliases=[])
            self.session.add(dept)
        _assign(
            dept,
            short_name=data.get("short_name"),
            kind=_vocab(DepartmentKind, data.get("kind"), f"单位 {data['name']}") or DepartmentKind.CITY,
            region=data.get("region", region),
        )
        known = {a.alias for a in dept.aliases}
        for alias in data.get("aliases") or []:
            if alias not in known:
                dept.aliases.append(DepartmentAlias(alias=alias))
        self.names.add(dept)
        return dept

    def get(self, name: str | None, where: str) -> Department | None:
        if not name:
            return None
        dept = self.names.find(name)
        if dept is None:
            raise ServiceError(f"{where}：未知单位“{name}”，请先在 departments 中列出")
        return dept


def load_plan(session: Session, data: dict) -> Plan:
    """Create or update one plan from its seed data."""
    departments = _Departments(session)
    for dept in data.get("departments") or []:
        departments.upsert(dept, data["plan"].get("region"))

    info = data["plan"]
    plan = session.scalar(
        select(Plan)
        .where(Plan.code == info["code"])
        .options(
            selectinload(Plan.phases).selectinload(Phase.goals).selectinload(PhaseGoal.projects),
            selectinload(Plan.sections),
            selectinload(Plan.projects).selectinload(Project.milestones),
            selectinload(Plan.projects).selectinload(Project.investments).selectinload(Investment.fundings),
            selectinload(Plan.projects).selectinload(Project.roles),
            selectinload(Plan.projects).selectinload(Project.cooperators),
            selectinload(Plan.projects).selectinload(Project.phases),
            selectinload(Plan.projects).selectinload(Project.goals),
            selectinload(Plan.indicators).selectinload(Indicator.values),
            selectinload(Plan.events),
        )
    )
    if plan is None:
        plan = Plan(code=info["code"], name=info["name"])
        session.add(plan)
    _assign(
        plan,
        name=info["name"],
        region=info.get("region"),
        issuing_body=info.get("issuing_body"),
        start_year=parse_year(info.get("start_year")),
        end_year=parse_year(info.get("end_year")),
        description=info.get("description"),
        guiding_thought=info.get("guiding_thought"),
        principles=info.get("principles"),
        basis=info.get("basis"),
        objectives=info.get("objectives"),
    )

    phases = {p.ordinal: p for p in plan.phases}
    goal_links: list[tuple[PhaseGoal, list[str]]] = []
    for ordinal, phase_data in enumerate(data.get("phases") or [], start=1):
        phase = phases.get(ordinal)
        if phase is None:
            phase = Phase(ordinal=ordinal, name=phase_data["name"])
            plan.phases.append(phase)
            phases[ordinal] = phase
        _assign(
            phase,
            name=phase_data["name"],
            summary=phase_data.get("summary"),
            planned_start_on=parse_date(phase_data.get("planned_start")),
            planned_end_on=parse_date(phase_data.get("planned_end")),
        )
        goals = {g.ordinal: g for g in phase.goals}
        for goal_ordinal, goal_data in enumerate(phase_data.get("goals") or [], start=1):
            goal = goals.get(goal_ordinal)
            if goal is None:
                goal = PhaseGoal(ordinal=goal_ordinal, text=goal_data["text"])
                phase.goals.append(goal)
            _assign(goal, text=goal_data["text"])
            goal_links.append((goal, [str(code) for code in goal_data.get("projects") or []]))

    projects = {p.code: p for p in plan.projects}
    sections_by_parent: dict[int | None, list[PlanSection]] = {}
    for section in plan.sections:
        sections_by_parent.setdefault(id(section.parent) if section.parent else None, []).append(section)

    explicit_phases: dict[str, list[int]] = {}

    def load_projects(items: list[dict], section: PlanSection | None) -> None:
        for item in items:
            code = str(item["code"])
            project = projects.get(code)
            if project is None:
                project = Project(code=code, name=item["name"])
                plan.projects.append(project)
                projects[code] = project
            _load_project(project, item, section, departments)
            if item.get("phases"):
                explicit_phases[code] = [int(p) for p in item["phases"]]

    def load_sections(items: list[dict], parent: PlanSection | None) -> None:
        existing = sections_by_parent.get(id(parent) if parent else None, [])
        for ordinal, item in enumerate(items, start=1):
            # By its number, else by its title: a section whose number was wrong (一个目标 had "3") is
            # corrected in place on a reload, not doubled.
            code = item.get("code")
            section = next((s for s in existing if code and s.code == str(code)), None) or next(
                (s for s in existing if s.title == item["title"]), None
            )
            if section is None:
                section = PlanSection(parent=parent, title=item["title"], ordinal=ordinal)
                plan.sections.append(section)
            _assign(
                section,
                code=item.get("code"),
                title=item["title"],
                ordinal=ordinal,
                description=item.get("description"),
            )
            load_sections(item.get("children") or [], section)
            load_projects(item.get("projects") or [], section)
            if "project" in item:
                # A construction item is a section with one project of the same number and name.
                load_projects([{"code": item["code"], "name": item["title"], **(item["project"] or {})}], section)

    load_sections(data.get("sections") or [], None)
    load_projects(data.get("projects") or [], None)

    goals_of: dict[str, list[PhaseGoal]] = {}
    for goal, codes in goal_links:
        linked = []
        for code in codes:
            if code not in projects:
                raise ServiceError(f"{plan.code} 阶段目标“{goal.text}”引用了不存在的项目 {code}")
            linked.append(projects[code])
            goals_of.setdefault(code, []).append(goal)
    for code, project in projects.items():
        goals = goals_of.get(code, [])
        _assign_collection(project, "goals", goals)
        # A project belongs to the stages it is named for, else to the stages of the goals it serves.
        if code in explicit_phases:
            wanted = [phases[o] for o in explicit_phases[code]]
        else:
            wanted = sorted({g.phase for g in goals}, key=lambda p: p.ordinal)
        _assign_collection(project, "phases", wanted)

    sections_by_code = {s.code: s for s in plan.sections if s.code}
    goals_by_key = {f"{phase.ordinal}.{goal.ordinal}": goal for phase in plan.phases for goal in phase.goals}
    _load_indicators(plan, data.get("indicators") or [], sections_by_code, goals_by_key, projects)
    _load_events(plan, data.get("events") or [])
    session.flush()
    return plan


def _present(item: dict, spec: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """attribute → parsed value for the keys `item` has: a key left out of a seed file leaves the
    stored value alone (so the demo overlay and later edits survive a reload); `key: ` clears it."""
    return {attr: convert(item[key]) for key, (attr, convert) in spec.items() if key in item}


def _load_project(project: Project, item: dict, section: PlanSection | None, departments: _Departments) -> None:
    where = f"项目 {item['code']}"
    if section is not None:
        _assign(project, section=section)
    _assign(
        project,
        **_present(
            item,
            {
                "name": ("name", str),
                "content": ("content", lambda v: v),
                "lead": ("lead_department", lambda v: departments.get(v, where)),
                "nature": ("nature", lambda v: _vocab(ProjectNature, v, where)),
                "stage": ("stage", lambda v: _vocab(ProjectStage, v, where)),
                "status": ("status", lambda v: _vocab(ProjectStatus, v, where)),
                "planned_start": ("planned_start_on", parse_date),
                "planned_end": ("planned_end_on", parse_date),
                "total_budget": ("total_budget", parse_amount),
                "funding_source": ("funding_source", lambda v: _vocab(FundingSource, v, where)),
                "contact": ("contact", lambda v: v),
                "remarks": ("remarks", lambda v: v),
            },
        ),
    )
    if "cooperators" in item:
        _assign_collection(project, "cooperators", [departments.get(name, where) for name in item["cooperators"] or []])
    _load_roles(project, item.get("roles") or [], departments, where)
    _load_milestones(project, item.get("milestones") or [])
    _load_investments(project, item.get("investments") or [])


def _load_roles(project: Project, items: list[dict], departments: _Departments, where: str) -> None:
    """支持 / 审查: `{department: 市电信, role: 支持, note: 电信支持}`."""
    existing = {(r.department_id, r.role): r for r in project.roles if r.department_id is not None}
    for item in items:
        department = departments.get(item["department"], where)
        role = _vocab(ProjectRoleKind, item["role"], where)
        found = existing.get((department.id, role)) if department.id is not None else None
        if found is None:
            found = ProjectRole(department=department, role=role)
            project.roles.append(found)
        _assign(found, note=item.get("note"))


def _load_milestones(project: Project, items: list[dict]) -> None:
    existing = {m.ordinal: m for m in project.milestones}
    for ordinal, item in enumerate(items, start=1):
        milestone = existing.get(ordinal)
        if milestone is None:
            milestone = Milestone(ordinal=ordinal, name=item["name"])
            project.milestones.append(milestone)
        where = f"项目 {project.code} 里程碑 {ordinal}"
        # As written: "2003年" is a year, kept with its precision (the one date rule, tracker.parse).
        planned_on, planned_precision = date_for("planned_on", parse_date_value(item.get("planned")))
        actual_on, actual_precision = date_for("actual_on", parse_date_value(item.get("actual")))
        _assign(
            milestone,
            name=item["name"],
            planned_on=planned_on,
            planned_precision=planned_precision,
            actual_on=actual_on,
            actual_precision=actual_precision,
            status=_vocab(MilestoneStatus, item.get("status"), where) or MilestoneStatus.NOT_STARTED,
            weight=int(item.get("weight", 1)),
            note=item.get("note"),
        )


def _load_investments(project: Project, items: list[dict]) -> None:
    existing = {i.year: i for i in project.investments}
    for item in items:
        year = parse_year(item["year"])
        investment = existing.get(year)
        if investment is None:
            investment = Investment(year=year)
            project.investments.append(investment)
        where = f"项目 {project.code} {year}年投资"
        _assign(
            investment,
            planned_amount=parse_amount(item.get("planned")),
            completed_amount=parse_amount(item.get("completed")),
            funding_source=_vocab(FundingSource, item.get("funding_source"), where),
        )
        # Several sources, each with its amount where the document gives one.
        fundings = {f.note or f.source.value: f for f in investment.fundings}
        for source_item in item.get("fundings") or []:
            source = _vocab(FundingSource, source_item["source"], where)
            funding = fundings.get(source_item.get("note") or source.value)
            if funding is None:
                funding = InvestmentFunding(source=source, project=project)
                investment.fundings.append(funding)
            _assign(
                funding, source=source, amount=parse_amount(source_item.get("amount")), note=source_item.get("note")
            )


def _load_events(plan: Plan, items: list[dict]) -> None:
    """大事记, matched on their text; `date` is as written (2001年7月 is a month)."""
    existing = {e.text: e for e in plan.events}
    for ordinal, item in enumerate(items, start=1):
        event = existing.get(item["text"])
        if event is None:
            event = PlanEvent(text=item["text"])
            plan.events.append(event)
        occurred_on, precision = date_for("occurred_on", parse_date_value(item.get("date")))
        _assign(
            event, ordinal=ordinal, occurred_on=occurred_on, occurred_precision=precision, source=item.get("source")
        )


def _load_indicators(plan: Plan, items: list[dict], sections: dict, goals: dict, projects: dict) -> None:
    existing = {i.name: i for i in plan.indicators}
    for ordinal, item in enumerate(items, start=1):
        indicator = existing.get(item["name"])
        if indicator is None:
            indicator = Indicator(name=item["name"])
            plan.indicators.append(indicator)
        where = f"指标 {item['name']}"
        # What it measures: `section` by number, `goal` as "stage.goal" (2.1), `project` by code.
        for key, known, noun in (
            ("section", sections, "工程"),
            ("goal", goals, "阶段目标"),
            ("project", projects, "项目"),
        ):
            wanted = item.get(key)
            if wanted is not None and str(wanted) not in known:
                raise ServiceError(f"{plan.code} {where} 引用了不存在的{noun} {wanted}")
            target = known[str(wanted)] if wanted is not None else None
            if getattr(indicator, key) is not target:
                setattr(indicator, key, target)
        # Decimal('50') == Decimal('50.0000'), so a reload finds no change in stored figures.
        _assign(
            indicator,
            ordinal=ordinal,
            unit=item.get("unit"),
            baseline_value=parse_number(item.get("baseline_value")),
            baseline_year=parse_year(item.get("baseline_year")),
            target_value=parse_number(item.get("target_value")),
            target_year=parse_year(item.get("target_year")),
            target_text=item.get("target_text"),
            target_direction=_vocab(TargetDirection, item["target_direction"], f"指标 {item['name']}")
            if item.get("target_direction")
            else target_direction(item.get("target_text")),
        )
        values = {v.year: v for v in indicator.values}
        for value_item in item.get("values") or []:
            year = parse_year(value_item["year"])
            value = values.get(year)
            if value is None:
                value = IndicatorValue(year=year, value=parse_number(value_item["value"]))
                indicator.values.append(value)
            _assign(value, value=parse_number(value_item["value"]), note=value_item.get("note"))


def load_demo(session: Session, data: dict) -> list[dict]:
    """Demo-only additions (users, sample owners, milestones, investments) on top of the seed plans."""
    departments = _Departments(session)
    for dept in data.get("departments") or []:
        departments.upsert(dept, data["plan"].get("region"))
    for item in data.get("projects") or []:
        project = session.scalar(
            select(Project).join(Project.plan).where(Plan.code == item["plan"], Project.code == str(item["code"]))
        )
        if project is None:
            raise ServiceError(f"演示数据引用了不存在的项目 {item['plan']} {item['code']}（请先载入该规划）")
        _load_project(project, item, None, departments)

    users = []
    for item in data.get("users") or []:
        user = session.scalar(select(User).where(User.username == item["username"]))
        role = _vocab(Role, item["role"], f"演示用户 {item['username']}")
        if user is None:
            user = User(username=item["username"], display_name=item["display_name"], role=role)
            user.set_password(item["password"])
            session.add(user)
        _assign(
            user,
            display_name=item["display_name"],
            role=role,
            department=departments.get(item.get("department"), f"演示用户 {item['username']}"),
        )
        users.append(item)
    session.flush()
    load_reporting(session, data.get("reporting") or [], departments)
    return users


def load_reporting(session: Session, items: list[dict], departments: _Departments) -> None:
    """Demo reporting periods, run through the same services as the web (a period already there is kept)."""
    from tracker.services import reporting

    office = session.scalar(select(User).where(User.role == Role.OFFICE).order_by(User.id).limit(1))
    for item in items:
        plan = session.scalar(select(Plan).where(Plan.code == item["plan"]))
        year, month = (int(part) for part in str(item["month"]).split("-"))
        exists = session.scalar(
            select(ReportingPeriod.id).where(
                ReportingPeriod.plan_id == plan.id, ReportingPeriod.year == year, ReportingPeriod.number == month
            )
        )
        if exists is not None:
            continue
        period = reporting.open_period(session, plan, ReportKind.MONTH, year, month)
        for entry in item.get("submissions") or []:
            where = f"演示报送 {item['month']} {entry['department']}"
            department = departments.get(entry["department"], where)
            submission = next(s for s in period.submissions if s.department_id == department.id)
            clerk = session.scalar(select(User).where(User.department_id == department.id).limit(1))
            codes = {p.code: p.id for p in plan.projects}
            values = {
                codes[str(e["project"])]: reporting.EntryInput(
                    e.get("progress"), parse_amount(e.get("completed")), e.get("issues")
                )
                for e in entry["entries"]
            }
            status = _vocab(SubmissionStatus, entry["status"], where)
            reporting.save_submission(
                session,
                submission,
                values,
                {},
                clerk,
                submission.version,
                submit=status is not SubmissionStatus.PENDING,
            )
            if status is SubmissionStatus.RETURNED:
                reporting.return_submission(session, submission, office, entry["reason"], submission.version)
            elif status is SubmissionStatus.CONFIRMED:
                reporting.confirm_submission(session, submission, office, submission.version)
            if entry.get("submitted"):  # as it happened, not as seeded
                submission.submitted_at = _noon(entry["submitted"])
                submission.reviewed_at = submission.reviewed_at and _noon(entry["submitted"])
        if item.get("closed"):
            reporting.close_period(session, period, office, period.version)
            period.closed_at = _noon(item["closed"])
        session.flush()


def _noon(day) -> dt.datetime:
    """10:00 Beijing time on a seeded day."""
    return dt.datetime.combine(parse_date(day), dt.time(2, 0), tzinfo=dt.UTC)


def seed(
    session: Session, plan_codes: list[str] | None = None, *, demo: bool = False, seeds_dir: Path = SEEDS_DIR
) -> SeedReport:
    """Load the named plans (all when none are named), then the demo data if asked."""
    files = available_plan_files(seeds_dir)
    wanted = plan_codes or list(files)
    unknown = [code for code in wanted if code not in files]
    if unknown:
        raise ServiceError(f"没有这个规划的种子文件：{'、'.join(unknown)}（可选：{'、'.join(files)}）")
    report = SeedReport()
    for code in wanted:
        data = read_seed(files[code])
        if data["plan"]["code"] != code:
            raise ServiceError(f"种子文件 {files[code].name} 的规划代码应为 {code}")
        load_plan(session, data)
        report.plans.append(code)
    if demo:
        report.demo_users = load_demo(session, read_seed(seeds_dir / DEMO_FILE))
    return report
