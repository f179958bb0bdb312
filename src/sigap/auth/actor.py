"""Who is acting: the logged-in staff member, or the system for jobs and CLI work."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    staff_id: int | None
    login_code: int | None
    name: str
    role: str
    site_id: int | None = None
    team_id: int | None = None
    # Teams this person leads (a TL's team; empty for others).
    led_team_ids: tuple[int, ...] = ()
    ip: str | None = None
    locale: str = "id"
    timezone: str = "Asia/Jakarta"
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    @property
    def team_ids(self) -> tuple[int, ...]:
        ids = set(self.led_team_ids)
        if self.team_id is not None:
            ids.add(self.team_id)
        return tuple(sorted(ids))


SYSTEM = Actor(user_id=None, staff_id=None, login_code=None, name="system", role="system")
