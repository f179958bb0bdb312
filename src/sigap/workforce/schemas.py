"""Workforce API bodies and answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    channel: str
    acd_queue: str = Field(default="", max_length=60)
    routing_queue_id: int | None = None
    site_id: int | None = None
    desk: str = Field(default="", max_length=80)
    site_share: float = Field(default=1.0, gt=0, le=1)
    interval_minutes: int = 30
    target_service_level: float = Field(default=0.8, gt=0, le=1)
    target_answer_seconds: int = Field(default=20, ge=0, le=86400)
    max_occupancy: float = Field(default=0.85, gt=0, le=1)
    patience_seconds: int | None = Field(default=None, gt=0)
    concurrency: int = Field(default=1, ge=1, le=20)
    deadline_minutes: int = Field(default=0, ge=0)
    planned_shrinkage: float = Field(default=0.15, ge=0, lt=1)
    unplanned_shrinkage: float = Field(default=0.05, ge=0, lt=1)


class PlanOut(PlanIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class ForecastIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: int
    first_day: dt.date
    days: int = Field(default=31, ge=1, le=62)
    history_days: int = Field(default=56, ge=7, le=730)
    note: str = Field(default="", max_length=300)


class ForecastOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_id: int
    created_at: dt.datetime
    first_day: dt.date
    days: int
    history_days: int
    method: str
    wape: float | None
    mape: float | None


class IntervalOut(BaseModel):
    start: dt.datetime
    volume: float
    aht_seconds: float


class SpecialDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: dt.date
    name: str = Field(min_length=1, max_length=120)
    factor: float = Field(ge=0, le=20)
    kind: str = "holiday"
    queue: str = Field(default="", max_length=80)


class StaffingOut(BaseModel):
    start: dt.datetime
    volume: float
    aht_seconds: float
    raw_agents: float
    floor_agents: float
    paid_agents: float
    service_level: float
    asa_seconds: float
    occupancy: float


class CaplanOut(BaseModel):
    site_id: int
    site: str
    desk: str
    required_hours: float
    required_fte: float
    available: int
    fulfilment: float | None
    floor_hours: float
    scheduled_hours: float


class RosterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: int
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    time_limit: float = Field(default=60.0, gt=0, le=600)
    days_per_week: int = Field(default=5, ge=1, le=7)
    min_rest_hours: float = Field(default=11.0, ge=0, le=24)
    max_consecutive: int = Field(default=6, ge=1, le=14)


class RosterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    month: dt.date
    status: str
    solver_status: str
    solve_seconds: float
    under_minutes: int
    over_minutes: int
    review_note: str


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=4000)


class ShiftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    staff_id: int
    day: dt.date
    code: str
    desk: str
    start_at: dt.datetime
    end_at: dt.datetime
    break_start: dt.datetime | None
    break_end: dt.datetime | None


class AttendanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    staff_id: int
    day: dt.date
    shift_id: int | None
    check_in: dt.datetime | None
    check_out: dt.datetime | None
    correction_reason: str


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: int
    day: dt.date
    check_in: dt.datetime | None = None
    check_out: dt.datetime | None = None
    reason: str = Field(min_length=1, max_length=300)


class AdherenceOut(BaseModel):
    staff_id: int
    name: str
    day: dt.date
    scheduled_seconds: float
    adherent_seconds: float
    worked_seconds: float
    adherence: float | None
    conformance: float | None


class LeaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: int
    first_day: dt.date
    last_day: dt.date
    kind: str = "cuti"
    note: str = Field(default="", max_length=200)


class LeaveOut(LeaveIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: int | None = None
    code: str = Field(min_length=1, max_length=12)
    start: str = Field(pattern=r"^\d{2}:\d{2}$")
    hours: float = Field(gt=0, le=12)
    break_minutes: int = Field(default=60, ge=0, le=120)
    skill: str = Field(default="", max_length=40)


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int | None
    code: str
    start_minute: int
    minutes: int
    break_minutes: int
    skill: str


class PreferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shift_codes: list[str] = Field(default_factory=list, max_length=20)
    days_off: list[int] = Field(default_factory=list, max_length=7)


class IntradayIntervalOut(BaseModel):
    start: dt.datetime
    forecast: float
    actual: float | None  # None: the interval is not over yet
    reforecast: float
    required: float  # agents on shift the re-forecast needs
    scheduled: float  # agents the published roster has on shift


class RecommendationOut(BaseModel):
    kind: str  # move / cancel_training / overtime
    start: dt.datetime
    end: dt.datetime
    short: int
    agents: list[str]
    text: str


class IntradayOut(BaseModel):
    plan_id: int
    ratio: float  # actual ÷ forecast so far today
    intervals: list[IntradayIntervalOut]
    spikes: list[dt.datetime]
    recommendations: list[RecommendationOut]
