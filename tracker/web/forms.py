"""Form fields that read values as people type them (through tracker.parse) and the record form base."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from tracker.extensions import db
from tracker.models import Department, PlanSection, Project
from tracker.models.project import project_cooperators
from tracker.parse import (
    DATE_ENDS,
    DateValue,
    ParseError,
    date_for,
    format_date,
    parse_amount,
    parse_date_value,
    parse_number,
)
from tracker.vocab import Vocab
from tracker.web.arguments import number

REQUIRED = "此项必填"


def required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def length(maximum: int) -> Length:
    return Length(max=maximum, message=f"不能超过 {maximum} 个字")


class _ParsedField(StringField):
    """A text box whose content is read by one of tracker.parse's parsers."""

    parser = staticmethod(lambda text: text)

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        try:
            self.data = self.parser(self.raw)
        except ParseError as exc:
            self.data = None
            raise ValueError(str(exc)) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else self.format(self.data)

    def format(self, value: Any) -> str:
        return str(value)


class TextDateField(_ParsedField):
    """2007-06-30, 2007/6/30, 2007年6月, 2007.6, 2006年上半年, 2015年 … kept as written (DateValue).

    Typed as text (a plan's "2007年6月" is a month, not a day); static/js/forms.js puts the browser's
    date picker beside it, filling in a day."""

    parser = staticmethod(parse_date_value)

    def __init__(self, label: str, **kwargs):
        kwargs.setdefault("render_kw", {})["data-date-text"] = "1"
        super().__init__(label, **kwargs)
        if not self.description:
            self.description = date_hint()

    def format(self, value) -> str:
        if isinstance(value, DateValue):
            return value.text()
        return value.isoformat()


def date_hint(today: dt.date | None = None) -> str:
    """The accepted ways of writing a date, with this year's examples."""
    today = today or dt.date.today()
    return (
        f"可写 {today:%Y-%m-%d}、{today.year}年{today.month}月、{today.year}.{today.month}、"
        f"{today.year}年{'上' if today.month <= 6 else '下'}半年 或 {today.year}年，也可从日历选择"
    )


class AmountField(_ParsedField):
    """万元: 360, 1,234.5, 360万, 2.3亿 …"""

    parser = staticmethod(parse_amount)

    def format(self, value) -> str:
        return f"{value:.2f}"


class NumberField(_ParsedField):
    parser = staticmethod(parse_number)

    def format(self, value) -> str:
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")


class VocabField(SelectField):
    """A choice from a vocabulary; stores the member (or None when blank and optional)."""

    def __init__(self, label: str, vocab: type[Vocab], blank: str | None = "—", **kwargs):
        self.vocab = vocab
        choices = ([SelectChoice("", blank)] if blank is not None else []) + [
            SelectChoice(value, label) for value, label in vocab.choices()
        ]
        super().__init__(label, choices=choices, coerce=self._coerce, **kwargs)

    def _coerce(self, value):
        if value in (None, "") or isinstance(value, self.vocab):
            return value or None
        return self.vocab(value)


def choices(pairs, blank: str | None = None) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs, with an optional blank first."""
    return ([SelectChoice("", blank)] if blank is not None else []) + [
        SelectChoice(value, label) for value, label in pairs
    ]


def department_choices(blank: str | None = "—", plan=None) -> list[SelectChoice]:
    """Active departments; for a plan, those of its region (and any already named in it), not every
    department of every city."""
    where = [Department.active]
    if plan is not None and plan.region:
        named = (
            select(Project.lead_department_id)
            .where(Project.plan_id == plan.id)
            .union(
                select(project_cooperators.c.department_id)
                .join(Project, Project.id == project_cooperators.c.project_id)
                .where(Project.plan_id == plan.id)
            )
        )
        where.append(or_(Department.region == plan.region, Department.region.is_(None), Department.id.in_(named)))
    rows = db.session.execute(select(Department.id, Department.name).where(*where).order_by(Department.name)).all()
    return choices(((row.id, row.name) for row in rows), blank)


def section_tree_choices(plan) -> list[tuple[int, str]]:
    """The plan's programme tree in reading order, each under its parent, with its number:
    "1 基础设施 / 　1.1 基础网络建设 / …"."""
    sections = db.session.scalars(select(PlanSection).where(PlanSection.plan_id == plan.id)).all()
    children: dict[int | None, list] = {}
    for section in sections:
        children.setdefault(section.parent_id, []).append(section)
    ordered: list[tuple[int, str]] = []

    def walk(parent_id, depth):
        for section in sorted(children.get(parent_id, []), key=lambda s: (s.ordinal or 0, s.id)):
            ordered.append((section.id, "\u3000" * depth + str(section)))
            walk(section.id, depth + 1)

    walk(None, 0)
    return ordered


def int_or_none(value):
    """A select's chosen id, or None for the blank choice."""

    return int(value) if value not in (None, "", "None") else None


class DepartmentField(SelectField):
    """One department by id (choices filled at form creation)."""

    def __init__(self, label: str, blank: str | None = "—", **kwargs):
        super().__init__(label, coerce=int_or_none, **kwargs)
        self.blank = blank

    def populate_choices(self):
        self.choices = department_choices(self.blank)


class RecordsField(SelectMultipleField):
    """Several records of `model` chosen by id; the form's values() gives the records themselves."""

    model: type = Department

    def __init__(self, label: str, model: type | None = None, **kwargs):
        super().__init__(label, coerce=int, **kwargs)
        self.model = model or self.model
        self.choices = []


class DepartmentsField(RecordsField):
    def populate_choices(self):
        self.choices = department_choices(None)


class ChineseForm(FlaskForm):
    class Meta:
        locales = ["zh"]  # WTForms' own messages ("不是有效的选项" …) in Chinese


class RecordForm(ChineseForm):
    """A form editing one record: `model_fields` map 1:1 to attributes; `version` guards stale edits."""

    version = HiddenField()
    model_fields: tuple[str, ...] = ()
    precision_fields: tuple[str, ...] = ()  # the model's date precisions this form keeps as typed

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:
            if hasattr(field, "populate_choices"):
                field.populate_choices()

    def load(self, obj) -> None:
        for name in self.model_fields:
            self[name].data = self.to_form(name, getattr(obj, name))
            precision_field = DATE_ENDS.get(name, (None, None))[1]
            if isinstance(self[name], TextDateField) and self[name].data and hasattr(obj, precision_field or ""):
                precision = getattr(obj, precision_field)
                if precision:  # shown as it was written: 2007年6月, not 2007-06-30
                    self[name].raw_data = [format_date(self[name].data, precision)]
        self.version.data = str(obj.version)

    def to_form(self, name: str, value):
        if isinstance(self[name], RecordsField):
            return [record.id for record in value]
        return value

    def values(self) -> dict[str, Any]:
        """Attribute → value to store, from the submitted data."""
        result = {}
        for name in self.model_fields:
            value = self[name].data
            if isinstance(self[name], RecordsField):
                model = self[name].model
                value = list(db.session.scalars(select(model).where(model.id.in_(value)))) if value else []
            elif isinstance(self[name], TextDateField):
                value, precision = date_for(name, value)
                precision_field = DATE_ENDS.get(name, (None, None))[1]
                if precision_field and precision_field in self.precision_fields:
                    result[precision_field] = precision
            elif isinstance(value, str) and not isinstance(value, Vocab):
                value = value.strip() or None
            result[name] = value
        return result

    def check_window(self, start: str, end: str) -> bool:
        """An end that is not before its start (the database's own check, said in Chinese first)."""
        first = date_for(start, self[start].data)[0] if isinstance(self[start].data, DateValue) else self[start].data
        last = date_for(end, self[end].data)[0] if isinstance(self[end].data, DateValue) else self[end].data
        if first and last and last < first:
            self[end].errors = [*self[end].errors, f"不能早于{self[start].label.text}"]
            return False
        return True

    def expected_version(self) -> int | None:
        return number(self.version.data)

    def display(self, name: str, value) -> str:
        """A stored value as the form shows it (for the conflict table)."""
        field = self[name]
        if value is None or value == []:
            return "—"
        if isinstance(field, RecordsField):
            return "、".join(str(record) for record in value)
        if isinstance(field, SelectField):
            labels = {str(c.value): c.label for c in field.choices}
            key = value.value if isinstance(value, Vocab) else value
            return labels.get(str(key), str(key))
        if isinstance(field, _ParsedField):
            return field.format(value)
        return str(value)
