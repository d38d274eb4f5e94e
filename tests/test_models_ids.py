"""Records asked for by id (models.ids_in): ranges for runs, one list for the rest, exactly the ids asked."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from tests.factories import make_department
from tracker.models import Department, ids_in
from tracker.models import base as models_base


@pytest.fixture()
def department_ids(session) -> list[int]:
    return [make_department(session).id for _ in range(150)]


def _found(session, ids, **kwargs) -> set[int]:
    return set(session.scalars(select(Department.id).where(ids_in(session, Department.id, ids, **kwargs))))


def test_a_run_of_ids_is_asked_for_as_a_range_and_gives_exactly_those(session, department_ids):
    run = department_ids[10:110]
    condition = ids_in(session, Department.id, run)
    assert "BETWEEN" in str(condition.compile(session.get_bind()))
    assert _found(session, run) == set(run)


def test_runs_broken_by_gaps_single_ids_and_nothing(session, department_ids, monkeypatch):
    monkeypatch.setattr(models_base, "RANGE_RUN", 3)  # short runs, so more runs than MOST_RANGES
    chosen = random.Random(8)
    for _ in range(40):
        wanted = [i for i in department_ids if chosen.random() < 0.7]
        assert _found(session, wanted) == set(wanted)
    assert _found(session, []) == set()
    assert _found(session, [department_ids[5]]) == {department_ids[5]}


def test_a_lookup_may_read_the_ids_in_small_gaps_but_nothing_outside(session, department_ids):
    every_other = department_ids[20:100:2]
    found = _found(session, every_other, gaps=1)
    assert set(every_other) <= found <= set(department_ids[20:99])
    assert _found(session, every_other) == set(every_other)  # without gaps: exactly those


def test_runs_cover_every_id_once():
    chosen = random.Random(3)
    for _ in range(500):
        ids = sorted(set(chosen.sample(range(2000), chosen.randint(0, 1500))))
        gaps = chosen.choice((0, 0, 1, 16))
        ranges, rest = models_base._runs(ids, gaps)
        in_ranges = {i for first, last in ranges for i in range(first, last + 1)}
        assert set(ids) <= in_ranges | set(rest)
        assert not in_ranges & set(rest)
        assert len(ranges) <= models_base.MOST_RANGES and ranges == sorted(ranges)
        if gaps == 0:
            assert in_ranges <= set(ids)
