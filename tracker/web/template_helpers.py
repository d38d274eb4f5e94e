"""What templates may call: the permission check, and one way to show money, dates and statuses."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from flask import Flask, request
from flask_login import current_user
from markupsafe import Markup, escape

from tracker.auth.permissions import can
from tracker.parse import format_date
from tracker.vocab import MilestoneStatus, PeriodStatus, ProjectStatus, SubmissionStatus, Verdict, Vocab

STATUS_STYLES = {
    MilestoneStatus.DONE: "success",
    MilestoneStatus.IN_PROGRESS: "primary",
    MilestoneStatus.DELAYED: "danger",
    MilestoneStatus.CANCELLED: "secondary",
    MilestoneStatus.NOT_STARTED: "light",
    ProjectStatus.COMPLETED: "success",
    ProjectStatus.IN_PROGRESS: "primary",
    ProjectStatus.SUSPENDED: "warning",
    ProjectStatus.CANCELLED: "secondary",
    ProjectStatus.NOT_STARTED: "light",
    SubmissionStatus.PENDING: "warning",
    SubmissionStatus.SUBMITTED: "primary",
    SubmissionStatus.RETURNED: "danger",
    SubmissionStatus.CONFIRMED: "success",
    PeriodStatus.OPEN: "primary",
    PeriodStatus.CLOSED: "secondary",
    Verdict.MET: "success",
    Verdict.NOT_MET: "danger",
    Verdict.NO_DATA: "light",
}


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def day(value: dt.date | dt.datetime | None, precision=None) -> str:
    """A date as it was written: 2027-06-30, or 2027年6月 / 2027年上半年 / 2027年 when that is all it said."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return format_date(value, precision)


def number(value: Decimal | None) -> str:
    """An indicator figure as written: 50, 2.5, 63.39 — no trailing zeros, no exponent."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def label(value: Vocab | None) -> str:
    return "—" if value is None else value.label


def status_style(value: Vocab | None) -> str:
    return STATUS_STYLES.get(value, "light")


def rate(done: Decimal | None, planned: Decimal | None) -> str:
    if done is None or not planned:
        return "—"
    return f"{done / planned * 100:.1f}%"


def target(indicator) -> str:
    """A target as plans word it: 50亿元以上, 超过5%, 5名以内, 近100%."""
    from tracker.vocab import TargetDirection

    if indicator.target_value is None:
        return "—"
    figure = f"{number(indicator.target_value)}{indicator.unit or ''}"
    return {
        TargetDirection.ABOVE: f"超过{figure}",
        TargetDirection.AT_MOST: f"{figure}以内",
        TargetDirection.NEAR: f"近{figure}",
        TargetDirection.AT_LEAST: f"{figure}以上",
    }.get(indicator.target_direction, f"达到{figure}")


@functools.lru_cache(maxsize=16)  # `chosen` may come back from a posted form: bounded
def status_options(chosen: str | None) -> Markup:
    """A milestone status select's <option>s with `chosen` (a value) selected, built once per value: the
    report form of 我的工作 looped over the vocabulary for each of its ~170 milestones (835 options)."""
    return Markup(
        "".join(
            f'<option value="{s.value}"{" selected" if s.value == chosen else ""}>{escape(s.label)}</option>'
            for s in MilestoneStatus
        )
    )


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, number=number, day=day, label=label, status_style=status_style, target=target
    )
    from tracker.progress import indicator_verdict
    from tracker.web.breadcrumbs import breadcrumbs

    app.jinja_env.globals.update(
        rate=rate,
        MilestoneStatus=MilestoneStatus,
        status_options=status_options,
        indicator_verdict=indicator_verdict,
        breadcrumbs=breadcrumbs,
    )

    @app.context_processor
    def _permissions():
        from tracker import progress

        return {
            "can": lambda action, obj=None: can(current_user, action, obj),
            "today": progress.today(),
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
