"""What departments report on a milestone: status, actual date and note, with the rules that go with them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tracker.models import Milestone
from tracker.services import ServiceError
from tracker.services.records import update_record
from tracker.vocab import MilestoneStatus


def update_milestone_progress(
    session: Session,
    milestone: Milestone,
    values: dict[str, Any],
    expected_version: int | None,
    today: dt.date | None = None,
) -> None:
    today = today or dt.date.today()
    values = dict(values)
    actual = values.get("actual_on")
    if actual is not None and actual > today:
        raise ServiceError("实际完成日期不能晚于今天", "actual_on")
    if values.get("status") is MilestoneStatus.DONE and actual is None:
        values["actual_on"] = milestone.actual_on or today  # marking it done means done today unless said
    update_record(session, milestone, values, expected_version)
