"""Schedule maths: wall-clock times in a zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from campaigns.schedule import Schedule, zone_get
from core.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _local(instants, zone):
    return [t.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") for t in instants]


def test_weekly_nine_oclock_stays_nine_local_across_the_spring_and_autumn_changes():
    schedule = Schedule.from_input(
        {"weekly": {"days": ["mon", "sun"], "time": "09:00"}}, zone=BERLIN
    )
    # Berlin moves to summer time on Sunday 29 March 2026, back on Sunday 25 October 2026.
    spring = schedule.upcoming(datetime(2026, 3, 20, tzinfo=UTC), BERLIN, 4)
    assert _local(spring, BERLIN) == [
        "Sun 2026-03-22 09:00",
        "Mon 2026-03-23 09:00",
        "Sun 2026-03-29 09:00",
        "Mon 2026-03-30 09:00",
    ]
    # the instants moved by an hour: 08:00 UTC in winter, 07:00 UTC in summer
    assert [t.hour for t in spring] == [8, 8, 7, 7]
    autumn = schedule.upcoming(datetime(2026, 10, 20, tzinfo=UTC), BERLIN, 3)
    assert _local(autumn, BERLIN) == [
        "Sun 2026-10-25 09:00",
        "Mon 2026-10-26 09:00",
        "Sun 2026-11-01 09:00",
    ]
    assert [t.hour for t in autumn] == [8, 8, 8]


def test_a_time_skipped_in_spring_runs_after_the_change_and_a_repeated_one_runs_once():
    skipped = Schedule.from_input({"weekly": {"days": ["sun"], "time": "02:30"}}, zone=NEW_YORK)
    # New York skips 02:00-03:00 on Sunday 8 March 2026
    first = skipped.next_after(datetime(2026, 3, 7, tzinfo=UTC), NEW_YORK)
    assert first.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M %Z") == "2026-03-08 03:30 EDT"
    repeated = Schedule.from_input({"cron": "30 1 * * *"}, zone=NEW_YORK)
    # 01:30 happens twice on Sunday 1 November 2026: one run, at the first
    runs = repeated.upcoming(datetime(2026, 10, 31, 12, tzinfo=UTC), NEW_YORK, 3)
    assert [t.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z") for t in runs] == [
        "11-01 01:30 EDT",
        "11-02 01:30 EST",
        "11-03 01:30 EST",
    ]


def test_once_is_one_instant_in_the_zone_and_nothing_after_it():
    schedule = Schedule.from_input({"at": "2026-12-24T09:00"}, zone=BERLIN)
    at = schedule.next_after(datetime(2026, 12, 1, tzinfo=UTC), BERLIN)
    assert at == datetime(2026, 12, 24, 8, 0, tzinfo=UTC)
    assert schedule.next_after(at, BERLIN) is None
    # an offset given is converted into the zone
    offset = Schedule.from_input({"at": "2026-12-24T09:00:00+00:00"}, zone=BERLIN)
    assert offset.to_json()["at"] == "2026-12-24T10:00"


def test_start_and_end_bound_a_recurring_schedule():
    schedule = Schedule.from_input(
        {
            "weekly": {"days": ["mon"], "time": "09:00"},
            "start": "2026-06-10T00:00",
            "end": "2026-06-30T00:00",
        },
        zone=BERLIN,
    )
    runs = schedule.upcoming(datetime(2026, 6, 1, tzinfo=UTC), BERLIN, 10)
    assert _local(runs, BERLIN) == [
        "Mon 2026-06-15 09:00",
        "Mon 2026-06-22 09:00",
        "Mon 2026-06-29 09:00",
    ]
    assert Schedule.from_json(schedule.to_json()) == schedule


@pytest.mark.parametrize(
    ("schedule", "code"),
    [
        ({}, "invalid_schedule"),
        ({"at": "tomorrow"}, "invalid_schedule"),
        ({"at": "2026-12-24T09:00", "cron": "0 9 * * *"}, "invalid_schedule"),
        ({"weekly": {"days": ["someday"], "time": "09:00"}}, "invalid_schedule"),
        ({"weekly": {"days": ["mon"], "time": "9 o'clock"}}, "invalid_schedule"),
        ({"cron": "61 * * * *"}, "invalid_schedule"),
        ({"cron": "*/5 * * * *"}, "schedule_too_frequent"),
        (
            {
                "weekly": {"days": ["mon"], "time": "09:00"},
                "start": "2026-06-10T00:00",
                "end": "2026-06-01T00:00",
            },
            "invalid_schedule",
        ),
        ("every monday", "invalid_schedule"),
    ],
)
def test_bad_schedules_are_refused_with_a_code(schedule, code):
    with pytest.raises(InvalidInput) as exc:
        Schedule.from_input(schedule, zone=BERLIN)
    assert exc.value.code == code


def test_unknown_zone_is_refused():
    with pytest.raises(InvalidInput) as exc:
        zone_get("Mars/Olympus_Mons")
    assert exc.value.code == "invalid_timezone"
