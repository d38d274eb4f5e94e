"""A stale edit is detected instead of silently overwriting someone else's change."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from tests.factories import make_department, make_milestone, make_project
from tracker.models import Investment, Milestone
from tracker.vocab import MilestoneStatus


def test_every_update_bumps_the_version(session):
    milestone = make_milestone(session, make_project(session))
    assert milestone.version == 1
    milestone.status = MilestoneStatus.IN_PROGRESS
    session.flush()
    assert milestone.version == 2
    milestone.note = "推进中"
    session.flush()
    assert milestone.version == 3


def test_stale_update_is_refused(session):
    milestone = make_milestone(session, make_project(session))
    # Someone else saves first: the row's version moves on under our loaded copy.
    session.execute(
        update(Milestone).where(Milestone.id == milestone.id).values(version=Milestone.version + 1),
        execution_options={"synchronize_session": False},
    )
    milestone.status = MilestoneStatus.DONE
    with pytest.raises(StaleDataError):
        session.flush()


def test_link_change_alone_bumps_project_version(session):
    project = make_project(session)
    before = project.version
    project.cooperators.append(make_department(session))
    session.flush()
    assert project.version == before + 1


def test_investments_are_versioned(session):
    project = make_project(session)
    investment = Investment(project=project, year=2026)
    session.add(investment)
    session.flush()
    assert investment.version == 1
    investment.completed_amount = 10
    session.flush()
    assert investment.version == 2
