"""When a campaign runs: once at a given time, weekly on given days at a given time, or on a
cron expression, in a time zone, between a start and an optional end.

Schedules are wall-clock times in their zone ("09:00 in Europe/Berlin"), stored as such, and
turned into instants only when the next runs are computed: a weekly 09:00 stays at 09:00 local
across daylight-saving changes. The cron arithmetic is ``croniter``'s, run on naive local
times; each local time is then placed in the zone with ``zoneinfo``:

- a time that does not exist that day (the hour skipped in spring) runs at the instant it
  would have been before the change (02:30 → 03:30 summer time);
- a time that happens twice (the hour repeated in autumn) runs once, the first time.

Framework-free apart from the project's errors; the services store ``to_json()`` on the
Campaign and the next instant in ``Campaign.next_run_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from croniter import CroniterBadCronError, croniter

from core.errors import InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# cron's day numbers (0 = Sunday) for DAYS
_CRON_DAY = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
# A campaign regenerates a catalogue: runs closer together than this are refused.
MIN_INTERVAL = timedelta(hours=1)
KINDS = ("once", "weekly", "cron")


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_get(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is refused (400 ``invalid_timezone``)."""
    if not isinstance(name, str) or name not in _zone_names():
        shown = name[:64] if isinstance(name, str) else name
        raise InvalidInput(
            f"Unknown time zone {shown!r}: use an IANA name such as Europe/Berlin or America/New_York.",
            code="invalid_timezone",
            detail={"timezone": ["Unknown time zone."]},
        )
    return ZoneInfo(name)


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """The instant (UTC) of the wall-clock time ``naive`` in ``zone``: fold 0 (the first of a
    repeated hour; a skipped time lands after the change)."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local time of an aware ``instant`` in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _bad(field: str, message: str, code: str = "invalid_schedule") -> InvalidInput:
    return InvalidInput(
        message, code=code, detail={f"schedule.{field}" if field else "schedule": [message]}
    )


def _parse_local(value, field: str, zone: ZoneInfo | None) -> datetime:
    """An ISO-8601 date-time as a naive wall-clock time in the schedule's zone: one with an
    offset is converted into the zone; one without is already in it."""
    if not isinstance(value, str) or len(value) > 40:
        raise _bad(
            field, f"schedule.{field} must be an ISO-8601 date and time, like 2026-12-24T09:00."
        )
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(
            field, f"schedule.{field} must be an ISO-8601 date and time, like 2026-12-24T09:00."
        ) from None
    if not 2000 <= parsed.year <= 2100:
        raise _bad(field, f"schedule.{field} must be between the years 2000 and 2100.")
    if parsed.tzinfo is not None:
        parsed = wall_clock(parsed, zone) if zone is not None else parsed.replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def _parse_time(value, field: str) -> time:
    if not isinstance(value, str):
        raise _bad(field, "The time must be HH:MM, like 09:00.")
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise _bad(field, "The time must be HH:MM, like 09:00.") from None
    if parsed.tzinfo is not None:
        raise _bad(field, "The time is in the schedule's time zone: give it without an offset.")
    return parsed.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Schedule:
    kind: str  # once | weekly | cron
    at: datetime | None = None  # once: naive local
    days: tuple[str, ...] = ()  # weekly
    time: time | None = None  # weekly
    cron: str = ""  # cron: five fields
    start: datetime | None = None  # naive local; none before it
    end: datetime | None = None  # naive local; none after it

    # ------------------------------------------------------------------ reading and writing

    @classmethod
    def from_input(cls, data, *, zone: ZoneInfo | None = None) -> Schedule:
        """The API's ``schedule``: ``{"at": ISO}``, ``{"weekly": {"days": [...], "time":
        "09:00"}}`` or ``{"cron": "0 9 * * 1-5"}``, with optional ``start`` and ``end`` (ISO),
        and ``timezone`` (read by the caller). Raises ``InvalidInput`` naming the field."""
        if not isinstance(data, dict):
            raise _bad(
                "", 'The schedule must be an object: {"at": ...}, {"weekly": ...} or {"cron": ...}.'
            )
        unknown = sorted(set(data) - {"at", "weekly", "cron", "start", "end", "timezone"})
        if unknown:
            raise _bad("", f"Unknown schedule field(s): {', '.join(map(str, unknown))[:200]}.")
        given = [kind for kind in ("at", "weekly", "cron") if data.get(kind) not in (None, "")]
        if len(given) != 1:
            raise _bad("", "Give exactly one of schedule.at, schedule.weekly or schedule.cron.")
        start = (
            _parse_local(data["start"], "start", zone).replace(second=0)
            if data.get("start")
            else None
        )
        end = _parse_local(data["end"], "end", zone).replace(second=0) if data.get("end") else None
        if start and end and end <= start:
            raise _bad("end", "schedule.end must be after schedule.start.")
        if given == ["at"]:
            schedule = cls(kind="once", at=_parse_local(data["at"], "at", zone))
        elif given == ["weekly"]:
            weekly = data["weekly"]
            if not isinstance(weekly, dict) or set(weekly) - {"days", "time"}:
                raise _bad("weekly", 'schedule.weekly is {"days": ["mon", ...], "time": "09:00"}.')
            days = weekly.get("days")
            if not isinstance(days, list) or not days or not all(isinstance(d, str) for d in days):
                raise _bad("weekly.days", f"schedule.weekly.days is a list of {', '.join(DAYS)}.")
            wrong = [d for d in days if d.lower()[:3] not in DAYS or len(d) > 9]
            if wrong:
                raise _bad("weekly.days", f"Unknown day {wrong[0][:12]!r}: use {', '.join(DAYS)}.")
            chosen = {d.lower()[:3] for d in days}
            schedule = cls(
                kind="weekly",
                days=tuple(d for d in DAYS if d in chosen),
                time=_parse_time(weekly.get("time"), "weekly.time"),
                start=start,
                end=end,
            )
        else:
            expression = data["cron"]
            if (
                not isinstance(expression, str)
                or len(expression) > 120
                or len(expression.split()) != 5
            ):
                raise _bad(
                    "cron",
                    "schedule.cron is five fields: minute hour day-of-month month day-of-week.",
                )
            expression = " ".join(expression.split())
            try:
                croniter(expression, datetime(2026, 1, 1))
            except (CroniterBadCronError, ValueError, KeyError):
                raise _bad(
                    "cron", f"schedule.cron {expression!r} is not a valid cron expression."
                ) from None
            schedule = cls(kind="cron", cron=expression, start=start, end=end)
        schedule._check_interval()
        return schedule

    def to_json(self) -> dict:
        data: dict = {"kind": self.kind}
        if self.kind == "once":
            data["at"] = self.at.isoformat(timespec="seconds" if self.at.second else "minutes")
        elif self.kind == "weekly":
            data["weekly"] = {"days": list(self.days), "time": self.time.strftime("%H:%M")}
        else:
            data["cron"] = self.cron
        data["start"] = self.start.isoformat(timespec="minutes") if self.start else None
        data["end"] = self.end.isoformat(timespec="minutes") if self.end else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> Schedule:
        """What ``to_json`` stored (checked when it was made)."""

        def when(key):
            return datetime.fromisoformat(data[key]) if data.get(key) else None

        kind = data["kind"]
        if kind == "once":
            return cls(kind="once", at=when("at"))
        if kind == "weekly":
            return cls(
                kind="weekly",
                days=tuple(data["weekly"]["days"]),
                time=time.fromisoformat(data["weekly"]["time"]),
                start=when("start"),
                end=when("end"),
            )
        return cls(kind="cron", cron=data["cron"], start=when("start"), end=when("end"))

    # ------------------------------------------------------------------ when

    def cron_expression(self) -> str:
        if self.kind == "weekly":
            days = ",".join(str(_CRON_DAY[d]) for d in self.days)
            return f"{self.time.minute} {self.time.hour} * * {days}"
        return self.cron

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime | None:
        """The first run strictly after the aware instant ``after`` (UTC), or None when there is
        none (a one-off already past, or past the end)."""
        if self.kind == "once":
            instant = localize(self.at, zone)
            return instant if instant > after else None
        local = wall_clock(after, zone)
        if self.start is not None and local < self.start:
            local = self.start - timedelta(minutes=1)
        # Local times repeat in autumn: step on until the instant is past ``after``.
        iterator = croniter(self.cron_expression(), local)
        for _ in range(8):
            candidate = iterator.get_next(datetime)
            if self.end is not None and candidate > self.end:
                return None
            instant = localize(candidate, zone)
            if instant > after:
                return instant
        return None  # pragma: no cover - eight repeats of one local time do not happen

    def upcoming(self, after: datetime, zone: ZoneInfo, count: int) -> list[datetime]:
        """The next ``count`` runs after ``after`` (the editor's preview)."""
        times: list[datetime] = []
        while len(times) < count and (after := self.next_after(after, zone)) is not None:
            times.append(after)
        return times

    def _check_interval(self) -> None:
        if self.kind == "once":
            return
        reference = datetime(2026, 1, 5, tzinfo=UTC)
        try:
            times = self.upcoming(reference, ZoneInfo("UTC"), 48)
        except ValueError:  # croniter found no date it matches (say, 31 February)
            raise _bad("cron", "This schedule never runs: choose days that exist.") from None
        for before, after in pairwise(times):
            if after - before < MIN_INTERVAL:
                raise _bad(
                    "cron",
                    "A campaign runs at most once an hour: choose a schedule with runs an hour or more apart.",
                    code="schedule_too_frequent",
                )

    def describe(self) -> str:
        """Plain words for the studio: "Mondays and Thursdays at 09:00"."""
        if self.kind == "once":
            return f"Once, on {self.at:%a %d %b %Y at %H:%M}"
        if self.kind == "weekly":
            names = {
                "mon": "Mon",
                "tue": "Tue",
                "wed": "Wed",
                "thu": "Thu",
                "fri": "Fri",
                "sat": "Sat",
                "sun": "Sun",
            }
            return f"Weekly, {', '.join(names[d] for d in self.days)} at {self.time:%H:%M}"
        return f"Cron {self.cron}"
