"""The roster solver (issue 7 §5), pure: OR-Tools CP-SAT assigns named agents to shift
templates for a month, minimising under- and over-coverage per interval against the
requirement, under hard rules (one shift a day, days worked per week, minimum rest
between shifts, at most so many days in a row, skills, leave) and soft preferences.

Agents of one pool (a site's desk) are interchangeable for coverage, so coverage is a sum
of per-day, per-template counts: the model stays small however many agents there are."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

WEEK = 7


@dataclass(frozen=True)
class Template:
    id: int
    code: str
    start_minute: int  # after local midnight of its day; a shift may run past midnight
    minutes: int
    skill: str = ""  # the agent must have it
    break_minutes: int = 0
    break_after: int = 0  # the break starts no earlier than this after the shift start
    break_before: int = 0  # and ends no later than this after the shift start

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.minutes


@dataclass(frozen=True)
class Agent:
    id: int
    skills: frozenset[str] = frozenset()
    leave: frozenset[int] = frozenset()  # day indexes
    preferred: frozenset[str] = frozenset()  # template codes; empty = no preference
    days_off: frozenset[int] = frozenset()  # weekdays (0 = Monday) the agent would rather rest
    # The previous roster's last shift ends this many minutes after day 0's midnight
    # (negative: before it); None when there was none.
    busy_until: int | None = None


@dataclass(frozen=True)
class Rules:
    days_per_week: int = 5
    min_rest_hours: float = 11.0
    max_consecutive: int = 6
    under_weight: int = 20
    over_weight: int = 1
    preference_weight: int = 2
    # A contracted day left unworked (when the other rules leave no way to give it).
    missed_day_weight: int = 1000
    time_limit: float = 10.0
    workers: int = 2
    # A deterministic budget (CP-SAT's own units) instead of wall time: same input, same
    # roster, whatever the machine's load (the demo uses it).
    deterministic_time: float | None = None


@dataclass(frozen=True)
class Problem:
    first_weekday: int  # weekday of day 0
    days: int
    slot_minutes: int
    required: NDArray[np.float64]  # days × slots per day: agents needed on the floor
    templates: Sequence[Template]
    agents: Sequence[Agent]


@dataclass
class Solution:
    status: str
    seconds: float
    objective: float | None
    assignments: list[tuple[int, int, int]] = field(default_factory=list)  # agent, day, tpl
    scheduled: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    under_minutes: int = 0
    over_minutes: int = 0
    bound: float | None = None  # no roster can score below this (stage 1's optimum)
    missed_days: int = 0  # contracted days the rules left no way to give


def covered_slots(template: Template, day: int, slot_minutes: int,
                  per_day: int) -> range:
    first = day * per_day + template.start_minute // slot_minutes
    return range(first, first + -(-template.minutes // slot_minutes))


def rest_conflicts(templates: Sequence[Template], min_rest_minutes: float
                   ) -> dict[int, list[int]]:
    """For each template index, the templates that may not follow it the next day."""
    return {i: [j for j, b in enumerate(templates)
                if 1440 + b.start_minute - a.end_minute < min_rest_minutes]
            for i, a in enumerate(templates)}


def _workable(agent: Agent, templates: Sequence[Template], day: int, rules: Rules) -> bool:
    """Whether any shift is open to the agent that day (leave, skills, and on the first
    day the rest after the previous roster's last shift)."""
    if day in agent.leave:
        return False
    allowed = _allowed(agent, templates)
    if day == 0 and agent.busy_until is not None:
        return any(templates[t].start_minute - agent.busy_until >= rules.min_rest_hours * 60
                   for t in allowed)
    return bool(allowed)


def _week_bounds(problem: Problem, rules: Rules, agent: Agent
                 ) -> list[tuple[list[int], int, int]]:
    """(days, fewest, most) worked for each calendar week (Monday–Sunday) of the month:
    the rule's days a week, prorated for a part week, never more than the days open."""
    out: list[tuple[list[int], int, int]] = []
    templates = list(problem.templates)
    day = 0
    while day < problem.days:
        length = min(WEEK - (problem.first_weekday + day) % WEEK, problem.days - day)
        days = list(range(day, day + length))
        free = sum(1 for d in days if _workable(agent, templates, d, rules))
        most = min(rules.days_per_week, free)
        fewest = min(rules.days_per_week * length // WEEK, most)
        out.append((days, fewest, most))
        day += length
    return out


def _allowed(agent: Agent, templates: Sequence[Template]) -> list[int]:
    return [t for t, tpl in enumerate(templates) if not tpl.skill or tpl.skill in agent.skills]


def _plan_counts(problem: Problem, rules: Rules, required: NDArray[np.float64],
                 deadline: float) -> tuple[dict[tuple[int, int], int], str, float | None]:
    """Stage 1: how many agents start each template on each day, for the best coverage
    the pool can give in aggregate (its people per day, per week, per skill)."""
    per_day = 1440 // problem.slot_minutes
    horizon = problem.days * per_day
    templates = list(problem.templates)
    model = cp_model.CpModel()
    n: dict[tuple[int, int], cp_model.IntVar] = {}
    for d in range(problem.days):
        present = [a for a in problem.agents if d not in a.leave]
        for t, tpl in enumerate(templates):
            able = sum(1 for a in present if not tpl.skill or tpl.skill in a.skills)
            if able:
                n[d, t] = model.new_int_var(0, able, f"n{d}_{t}")
        skills = {tpl.skill for tpl in templates if tpl.skill}
        model.add(sum(n[d, t] for t in range(len(templates)) if (d, t) in n) <= len(present))
        for skill in skills:
            group = [n[d, t] for t, tpl in enumerate(templates)
                     if tpl.skill == skill and (d, t) in n]
            able = sum(1 for a in present if skill in a.skills)
            if group:
                model.add(sum(group) <= able)
    bounds = [_week_bounds(problem, rules, agent) for agent in problem.agents]
    terms: list[cp_model.LinearExprT] = []
    for w, (days, _f, _m) in enumerate(bounds[0] if bounds else []):
        total = sum(n[d, t] for d in days for t in range(len(templates)) if (d, t) in n)
        fewest = sum(b[w][1] for b in bounds)
        model.add(total <= sum(b[w][2] for b in bounds))
        missing = model.new_int_var(0, fewest, f"m{w}")
        model.add(total + missing >= fewest)
        terms.append(rules.missed_day_weight * missing)
    cover: list[list[cp_model.IntVar]] = [[] for _ in range(horizon)]
    for (d, t), var in n.items():
        for s in covered_slots(templates[t], d, problem.slot_minutes, per_day):
            if s < horizon:
                cover[s].append(var)
    size = len(problem.agents)
    for s in range(horizon):
        need = int(max(0.0, required[s]))
        under = model.new_int_var(0, need, f"u{s}")
        over = model.new_int_var(0, size, f"o{s}")
        model.add(cp_model.LinearExpr.sum(cover[s]) + under - over == need)
        terms += [rules.under_weight * under, rules.over_weight * over]
    model.minimize(cp_model.LinearExpr.sum(terms))
    solver = _solver(rules, max(0.5, deadline - time.perf_counter()) * 0.3)
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}, solver.status_name(code), None
    return ({key: int(solver.value(var)) for key, var in n.items()},
            solver.status_name(code), solver.objective_value)


def _solver(rules: Rules, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = rules.workers
    if rules.deterministic_time is not None:
        solver.parameters.max_deterministic_time = rules.deterministic_time
        solver.parameters.num_workers = 1
    else:
        solver.parameters.max_time_in_seconds = seconds
    return solver


def solve(problem: Problem, rules: Rules = Rules()) -> Solution:
    """Two stages within the time limit: the best aggregate counts per day and template
    (stage 1), then named agents matched to those counts under every personal rule, with
    preferences (stage 2). The status is OPTIMAL when the roster's coverage equals stage
    1's optimum (which no roster can beat), FEASIBLE for any other roster, and the
    solver's own word (INFEASIBLE, UNKNOWN, MODEL_INVALID) when there is none."""
    started = time.perf_counter()
    deadline = started + rules.time_limit
    per_day = 1440 // problem.slot_minutes
    horizon = problem.days * per_day
    templates = list(problem.templates)
    required = np.ceil(np.asarray(problem.required, float).reshape(-1)[:horizon] - 1e-9)
    targets, first_status, bound = _plan_counts(problem, rules, required, deadline)
    model = cp_model.CpModel()
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    penalties: list[cp_model.LinearExprT] = []
    missed: list[cp_model.IntVar] = []
    conflicts = rest_conflicts(templates, rules.min_rest_hours * 60)
    for a, agent in enumerate(problem.agents):
        allowed = _allowed(agent, templates)
        for d in range(problem.days):
            if d in agent.leave:
                continue
            for t in allowed:
                x[a, d, t] = model.new_bool_var(f"x{a}_{d}_{t}")
        for d in range(problem.days):
            today = [x[a, d, t] for t in allowed if (a, d, t) in x]
            if len(today) > 1:
                model.add_at_most_one(today)
            weekday = (problem.first_weekday + d) % WEEK
            for t in allowed:
                var = x.get((a, d, t))
                if var is None:
                    continue
                if agent.preferred and templates[t].code not in agent.preferred:
                    penalties.append(var)
                if weekday in agent.days_off:
                    penalties.append(var)
                after = [x[a, d + 1, u] for u in conflicts[t] if (a, d + 1, u) in x]
                if after:
                    model.add(var + sum(after) <= 1)
        if agent.busy_until is not None:
            for t in allowed:
                var = x.get((a, 0, t))
                if var is not None and \
                        templates[t].start_minute - agent.busy_until < rules.min_rest_hours * 60:
                    model.add(var == 0)

        def worked(d: int, a: int = a) -> list[cp_model.IntVar]:
            return [x[a, d, t] for t in range(len(templates)) if (a, d, t) in x]

        for w, (days, fewest, most) in enumerate(_week_bounds(problem, rules, agent)):
            total = cp_model.LinearExpr.sum([v for d in days for v in worked(d)])
            model.add(total <= most)
            if fewest > 0:
                missing = model.new_int_var(0, fewest, f"m{a}_{w}")
                model.add(total + missing >= fewest)
                missed.append(missing)
        span = rules.max_consecutive + 1
        for start in range(0, problem.days - span + 1):
            model.add(cp_model.LinearExpr.sum(
                [v for d in range(start, start + span) for v in worked(d)])
                <= rules.max_consecutive)
    counts: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (_a, d, t), var in x.items():
        counts.setdefault((d, t), []).append(var)
    # Stage 2 keeps to stage 1's counts where the personal rules allow; a count it cannot
    # meet costs as much as an interval of coverage it loses.
    misses: list[cp_model.LinearExprT] = []
    for (d, t), items in counts.items():
        target = targets.get((d, t), 0)
        short = model.new_int_var(0, target, f"s{d}_{t}")
        extra = model.new_int_var(0, len(items), f"e{d}_{t}")
        model.add(cp_model.LinearExpr.sum(items) + short - extra == target)
        weight = rules.under_weight * -(-templates[t].minutes // problem.slot_minutes)
        misses += [weight * short, weight * extra]
    model.minimize(cp_model.LinearExpr.sum(misses)
                   + rules.missed_day_weight * cp_model.LinearExpr.sum(missed)
                   + rules.preference_weight * cp_model.LinearExpr.sum(penalties))
    hint = _greedy(problem, rules, targets, conflicts)
    for key, var in x.items():
        model.add_hint(var, key in hint)
    solver = _solver(rules, max(0.5, deadline - time.perf_counter()))
    code = solver.solve(model)
    status = solver.status_name(code)
    solution = Solution(status=status, seconds=time.perf_counter() - started, objective=None)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solution
    solution.assignments = sorted(
        (problem.agents[a].id, d, templates[t].id)
        for (a, d, t), var in x.items() if solver.boolean_value(var))
    scheduled = np.zeros(horizon)
    for (d, t), items in counts.items():
        n = sum(solver.boolean_value(v) for v in items)
        if n:
            for s in covered_slots(templates[t], d, problem.slot_minutes, per_day):
                if s < horizon:
                    scheduled[s] += n
    solution.scheduled = scheduled
    gap = scheduled - required
    under = np.clip(-gap, 0, None).sum()
    over = np.clip(gap, 0, None).sum()
    solution.under_minutes = int(under) * problem.slot_minutes
    solution.over_minutes = int(over) * problem.slot_minutes
    solution.missed_days = sum(int(solver.value(m)) for m in missed)
    solution.objective = float(rules.under_weight * under + rules.over_weight * over
                               + rules.missed_day_weight * solution.missed_days)
    # Stage 1 relaxes the personal rules, so its optimum bounds every roster: reaching it
    # proves this roster's coverage optimal.
    proven = first_status == "OPTIMAL" and bound is not None \
        and solution.objective <= bound + 1e-6
    solution.status = "OPTIMAL" if proven else "FEASIBLE"
    solution.bound = bound
    return solution


def _greedy(problem: Problem, rules: Rules, targets: dict[tuple[int, int], int],
            conflicts: dict[int, list[int]]) -> set[tuple[int, int, int]]:
    """A quick day-by-day matching of agents to stage 1's counts, as the solver's starting
    point: each day's shifts (skilled ones first) go to the agents with the least slack
    left in their week, under the rest and days-in-a-row rules."""
    templates = list(problem.templates)
    weeks = [_week_bounds(problem, rules, agent) for agent in problem.agents]
    week_of = {d: w for w, (days, _f, _m) in enumerate(weeks[0] if weeks else [])
               for d in days}
    worked = [[0] * len(w) for w in weeks]
    run = [0] * len(problem.agents)
    last: list[int | None] = [None] * len(problem.agents)
    chosen: set[tuple[int, int, int]] = set()
    order = sorted(range(len(templates)), key=lambda t: (not templates[t].skill,))
    for d in range(problem.days):
        w = week_of[d]
        days, _f, _m = weeks[0][w]
        left = sum(1 for day in days if day >= d)
        taken: dict[int, int] = {}
        for t in order:
            for _ in range(targets.get((d, t), 0)):
                best, best_key = None, None
                for a, agent in enumerate(problem.agents):
                    tpl = templates[t]
                    if a in taken or d in agent.leave or worked[a][w] >= weeks[a][w][2] \
                            or run[a] >= rules.max_consecutive \
                            or (tpl.skill and tpl.skill not in agent.skills):
                        continue
                    previous = last[a]
                    if previous is not None and t in conflicts[previous]:
                        continue
                    if d == 0 and agent.busy_until is not None and \
                            tpl.start_minute - agent.busy_until < rules.min_rest_hours * 60:
                        continue
                    slack = left - (weeks[a][w][1] - worked[a][w])
                    key = (slack, bool(agent.preferred) and tpl.code not in agent.preferred)
                    if best_key is None or key < best_key:
                        best, best_key = a, key
                if best is None:
                    break
                taken[best] = t
                chosen.add((best, d, t))
        for a in range(len(problem.agents)):
            if a in taken:
                worked[a][w] += 1
                run[a] += 1
                last[a] = taken[a]
            else:
                run[a], last[a] = 0, None
    return chosen


def place_breaks(problem: Problem, assignments: Sequence[tuple[int, int, int]],
                 scheduled: NDArray[np.float64]) -> dict[tuple[int, int], int]:
    """Each shift's break (minutes after its start), inside its template's window, where
    the floor has the most agents to spare; each break placed lowers that spare so the
    next one goes elsewhere. Returns {(agent id, day): offset}; `scheduled` is lowered by
    the placed breaks."""
    slot = problem.slot_minutes
    per_day = 1440 // slot
    horizon = len(scheduled)
    required = np.asarray(problem.required, float).reshape(-1)[:horizon]
    by_id = {t.id: t for t in problem.templates}
    out: dict[tuple[int, int], int] = {}
    for agent_id, d, template_id in assignments:
        tpl = by_id[template_id]
        length = -(-tpl.break_minutes // slot)
        if length == 0:
            continue
        base = d * per_day + tpl.start_minute // slot
        first = -(-tpl.break_after // slot)
        last = max(first, tpl.break_before // slot - length)
        best, best_spare = first, -np.inf
        for offset in range(first, last + 1):
            span = [base + offset + k for k in range(length) if base + offset + k < horizon]
            spare = min((scheduled[s] - required[s] for s in span), default=np.inf)
            if spare > best_spare:
                best, best_spare = offset, spare
        for k in range(length):
            if base + best + k < horizon:
                scheduled[base + best + k] -= 1
        out[agent_id, d] = best * slot
    return out
