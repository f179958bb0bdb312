"""The roster solver: its rules hold on random small months, and its coverage is the
optimum on cases solved by hand."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sigap.workforce.scheduler import Agent, Problem, Rules, Template, place_breaks, solve

EARLY = Template(1, "P", 8 * 60, 4 * 60)
LATE = Template(2, "S", 12 * 60, 4 * 60)
LONG = Template(3, "L", 8 * 60, 8 * 60)


def hourly(need: dict[int, int], days: int = 1) -> np.ndarray:
    day = np.zeros(24)
    for hour, n in need.items():
        day[hour] = n
    return np.tile(day, (days, 1))


def test_a_tiny_day_solved_by_hand() -> None:
    # Two agents needed 08–12, one 12–16: a long shift plus an early one covers it exactly.
    need = hourly({8: 2, 9: 2, 10: 2, 11: 2, 12: 1, 13: 1, 14: 1, 15: 1})
    problem = Problem(0, 1, 60, need, [EARLY, LATE, LONG], [Agent(10), Agent(11)])
    solution = solve(problem, Rules(time_limit=5))
    assert solution.status == "OPTIMAL"
    assert sorted(t for _a, _d, t in solution.assignments) == [EARLY.id, LONG.id]
    assert (solution.under_minutes, solution.over_minutes) == (0, 0)
    assert list(solution.scheduled[8:16]) == [2, 2, 2, 2, 1, 1, 1, 1]


def test_too_few_people_leaves_the_least_possible_gap() -> None:
    # One agent for 2 needed 08–12 and 1 needed 12–16: the long shift covers 8 of the 12
    # agent-hours; 4 hours stay short and nothing is over.
    need = hourly({8: 2, 9: 2, 10: 2, 11: 2, 12: 1, 13: 1, 14: 1, 15: 1})
    solution = solve(Problem(0, 1, 60, need, [EARLY, LATE, LONG], [Agent(10)]),
                     Rules(time_limit=5))
    assert solution.status == "OPTIMAL"
    assert solution.assignments == [(10, 0, LONG.id)]
    assert (solution.under_minutes, solution.over_minutes) == (240, 0)


def test_over_coverage_costs_when_people_must_work_their_days() -> None:
    # A full week of five days for one agent with work needed only on two afternoons: the
    # other three days go where they cost least (4-hour shifts), never longer ones.
    need = np.zeros((7, 24))
    need[0, 12:16] = need[1, 12:16] = 1
    solution = solve(Problem(0, 7, 60, need, [EARLY, LATE, LONG], [Agent(1)]),
                     Rules(time_limit=5))
    assert solution.status == "OPTIMAL"
    assert len(solution.assignments) == 5
    assert (solution.under_minutes, solution.over_minutes) == (0, 3 * 240)


NIGHT = Template(4, "M", 22 * 60, 9 * 60, skill="malam", break_minutes=60, break_after=180,
                 break_before=420)
MORNING = Template(5, "P1", 6 * 60, 9 * 60, break_minutes=60, break_after=180,
                   break_before=360)
DAY = Template(6, "P3", 9 * 60, 9 * 60, break_minutes=60, break_after=180, break_before=360)
EVENING = Template(7, "S2", 14 * 60, 9 * 60, break_minutes=60, break_after=180,
                   break_before=360)
TEMPLATES = [NIGHT, MORNING, DAY, EVENING]


def _random_problem(seed: int) -> tuple[Problem, Rules]:
    rng = random.Random(seed)
    days = rng.choice([10, 14, 17])
    agents = []
    for i in range(rng.randint(3, 7)):
        leave = {d for d in range(days) if rng.random() < 0.12}
        skills = frozenset({"malam"}) if rng.random() < 0.4 else frozenset()
        agents.append(Agent(100 + i, skills, frozenset(leave),
                            preferred=frozenset(rng.sample(["P1", "P3", "S2"], 1))
                            if rng.random() < 0.5 else frozenset(),
                            days_off=frozenset({rng.randrange(7)}),
                            busy_until=rng.choice([None, 7 * 60, -120])))
    need = np.array([[rng.randint(0, 3) for _ in range(48)] for _ in range(days)], float)
    per_week = rng.choice([4, 5, 6])
    rules = Rules(days_per_week=per_week, min_rest_hours=rng.choice([11, 12]),
                  max_consecutive=rng.choice([per_week, 6]), time_limit=5)
    return Problem(rng.randrange(7), days, 30, need, TEMPLATES, agents), rules


@pytest.mark.parametrize("seed", range(12))
def test_every_rule_holds_on_random_months(seed: int) -> None:
    problem, rules = _random_problem(seed)
    solution = solve(problem, rules)
    assert solution.status in ("OPTIMAL", "FEASIBLE"), solution.status
    by_id = {t.id: t for t in TEMPLATES}
    agents = {a.id: a for a in problem.agents}
    shifts: dict[int, dict[int, int]] = {a.id: {} for a in problem.agents}
    for agent_id, day, template_id in solution.assignments:
        assert day not in shifts[agent_id], "two shifts on one day"
        shifts[agent_id][day] = template_id
    shortfall = 0
    for agent_id, mine in shifts.items():
        agent = agents[agent_id]
        for day, template_id in mine.items():
            tpl = by_id[template_id]
            assert day not in agent.leave, "a shift on leave"
            assert not tpl.skill or tpl.skill in agent.skills, "a shift without its skill"
            if day + 1 in mine:
                rest = 1440 + by_id[mine[day + 1]].start_minute - tpl.end_minute
                assert rest >= rules.min_rest_hours * 60, "too little rest"
        if 0 in mine and agent.busy_until is not None:
            assert by_id[mine[0]].start_minute - agent.busy_until >= rules.min_rest_hours * 60
        run = 0
        for day in range(problem.days):
            run = run + 1 if day in mine else 0
            assert run <= rules.max_consecutive, "too many days in a row"
        day = 0
        while day < problem.days:
            length = min(7 - (problem.first_weekday + day) % 7, problem.days - day)
            week = range(day, day + length)
            worked = sum(1 for d in week if d in mine)
            free = sum(1 for d in week if d not in agent.leave and not (
                d == 0 and agent.busy_until is not None and all(
                    t.start_minute - agent.busy_until < rules.min_rest_hours * 60
                    for t in TEMPLATES if not t.skill or t.skill in agent.skills)))
            assert worked <= rules.days_per_week, "more days than the week allows"
            shortfall += max(0, min(rules.days_per_week * length // 7, free) - worked)
            day += length
    # Rest days beyond the rule only where the other rules leave no way (a week's days
    # would break the days-in-a-row limit), and then counted.
    assert shortfall == solution.missed_days <= len(problem.agents) // 2
    # The coverage it reports is the coverage of its assignments.
    recount = np.zeros(problem.days * 48)
    for _agent, day, template_id in solution.assignments:
        tpl = by_id[template_id]
        first = day * 48 + tpl.start_minute // 30
        recount[first:min(first + tpl.minutes // 30, len(recount))] += 1
    assert np.array_equal(recount, solution.scheduled)
    if solution.bound is not None and solution.objective is not None:
        assert solution.objective >= solution.bound - 1e-6


def test_breaks_fall_inside_their_window_and_spread_out() -> None:
    need = np.zeros((1, 48))
    need[0, 18:36] = 2  # 09:00–18:00
    agents = [Agent(i) for i in range(4)]
    problem = Problem(0, 1, 30, need, [DAY], agents)
    assignments = [(a.id, 0, DAY.id) for a in agents]
    scheduled = np.zeros(48)
    scheduled[18:36] = 4
    breaks = place_breaks(problem, assignments, scheduled)
    assert set(breaks) == {(a.id, 0) for a in agents}
    for offset in breaks.values():
        assert DAY.break_after <= offset and offset + DAY.break_minutes <= DAY.break_before
    # Four agents, two needed: breaks never take the floor below the requirement.
    assert (scheduled[18:36] >= 2).all()
    assert len(set(breaks.values())) >= 2
