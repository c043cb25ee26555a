"""engine/timing.py: brief interruption, wall-clock and business-time deadlines, the
escalation ladder, the update reminder, response targets per tier, UTC offsets.

Ported from the former Odoo TransactionCase major_incident/tests/test_timing.py (every
case kept), plus the cases it lacked. No Odoo, no database. Datetimes are naive UTC."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from major_incident.engine import timing

T0 = datetime(2026, 3, 6, 14, 0)  # a Friday
FRIDAY = (datetime(2026, 3, 6, 9), datetime(2026, 3, 6, 17))
MONDAY = (datetime(2026, 3, 9, 9), datetime(2026, 3, 9, 17))


# ---------------------------------------------------------------- brief interruption (SOP 1.3)


def test_brief_interruption_boundary():
    detected = datetime(2026, 3, 6, 10, 0)
    assert timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 14), 15)
    assert timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 15), 15)
    assert not timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 15, 1), 15)


def test_brief_interruption_disabled_or_unknown():
    detected = datetime(2026, 3, 6, 10, 0)
    assert not timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 1), 0)
    assert not timing.is_brief_interruption(None, datetime(2026, 3, 6, 10, 1), 15)


def test_brief_interruption_unresolved_or_negative_setting():
    detected = datetime(2026, 3, 6, 10, 0)
    assert not timing.is_brief_interruption(detected, None, 15)
    assert not timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 1), -5)


def test_brief_interruption_fractional_minutes():
    detected = datetime(2026, 3, 6, 10, 0)
    assert timing.is_brief_interruption(detected, detected + timedelta(seconds=90), 1.5)
    assert not timing.is_brief_interruption(detected, detected + timedelta(seconds=91), 1.5)


# ---------------------------------------------------------------- business time


def test_plan_work_time_skips_gaps():
    intervals = [FRIDAY, MONDAY]
    start = datetime(2026, 3, 6, 16)
    assert timing.plan_work_time(start, timedelta(hours=3), intervals) == datetime(2026, 3, 9, 11)
    assert timing.plan_work_time(start, timedelta(hours=1), intervals) == datetime(2026, 3, 6, 17)
    assert timing.plan_work_time(start, timedelta(hours=10), intervals) is None


def test_plan_work_time_starting_before_work():
    intervals = [MONDAY]
    assert timing.plan_work_time(datetime(2026, 3, 8, 23), timedelta(hours=1), intervals) == datetime(2026, 3, 9, 10)


def test_plan_work_time_none_when_intervals_run_out():
    start = datetime(2026, 3, 6, 16)
    # Exactly all the work time left is still reachable; one second more is not.
    assert timing.plan_work_time(start, timedelta(hours=9), [FRIDAY, MONDAY]) == datetime(2026, 3, 9, 17)
    assert timing.plan_work_time(start, timedelta(hours=9, seconds=1), [FRIDAY, MONDAY]) is None
    assert timing.plan_work_time(start, timedelta(minutes=1), []) is None
    # Every interval lies before the start.
    assert timing.plan_work_time(datetime(2026, 3, 10, 8), timedelta(minutes=1), [FRIDAY, MONDAY]) is None


def test_plan_work_time_ignores_intervals_ending_at_start():
    start = datetime(2026, 3, 6, 17)  # Friday's interval ends exactly now
    assert timing.plan_work_time(start, timedelta(hours=1), [FRIDAY, MONDAY]) == datetime(2026, 3, 9, 10)


def test_plan_work_time_inside_one_interval():
    start = datetime(2026, 3, 6, 10, 30)
    assert timing.plan_work_time(start, timedelta(minutes=45), [FRIDAY, MONDAY]) == datetime(2026, 3, 6, 11, 15)
    assert timing.plan_work_time(start, timedelta(0), [FRIDAY, MONDAY]) == start


def test_plan_work_time_over_several_days():
    """Five business days of 8 hours from Friday noon: Friday afternoon counts."""
    days = [
        (datetime(2026, 3, day, 9), datetime(2026, 3, day, 17))
        for day in (6, 9, 10, 11, 12, 13)  # Friday, then Monday to Friday
    ]
    start = datetime(2026, 3, 6, 13)
    assert timing.plan_work_time(start, timedelta(hours=40), days) == datetime(2026, 3, 13, 13)


# ---------------------------------------------------------------- escalation ladder (SOP 2.3)


def test_ladder_times_are_cumulative():
    t0 = datetime(2026, 3, 6, 14, 0)
    assert timing.ladder_times(t0, [0, 5, 10]) == [t0, t0 + timedelta(minutes=5), t0 + timedelta(minutes=15)]


def test_ladder_times_first_level_waits_too():
    assert timing.ladder_times(T0, [2, 3]) == [T0 + timedelta(minutes=2), T0 + timedelta(minutes=5)]


def test_ladder_times_fractional_and_empty():
    assert timing.ladder_times(T0, [0, 0.5]) == [T0, T0 + timedelta(seconds=30)]
    assert timing.ladder_times(T0, []) == []


def test_ladder_times_accepts_any_iterable():
    assert timing.ladder_times(T0, (w for w in (0, 5))) == [T0, T0 + timedelta(minutes=5)]


LADDER = [(1, 10, 0), (2, 20, 5), (3, 30, 10)]  # (sequence, level id, wait minutes): IM, directors, VP


def test_next_ladder_step_climbs_the_sop_ladder():
    assert timing.next_ladder_step(LADDER, (1, 10), T0) == (20, T0 + timedelta(minutes=5))
    assert timing.next_ladder_step(LADDER, (2, 20), T0 + timedelta(minutes=5)) == (30, T0 + timedelta(minutes=15))


def test_next_ladder_step_none_at_the_top():
    assert timing.next_ladder_step(LADDER, (3, 30), T0) is None
    assert timing.next_ladder_step([], (1, 10), T0) is None


def test_next_ladder_step_counts_from_when_the_level_was_due():
    """A late cron run does not drift the ladder: the wait runs from the due time given."""
    due = T0 + timedelta(minutes=5)
    assert timing.next_ladder_step(LADDER, (2, 20), due)[1] == due + timedelta(minutes=10)


def test_next_ladder_step_same_sequence_in_id_order():
    ladder = [(2, 5, 7), (1, 12, 3), (1, 11, 0)]  # any order
    assert timing.next_ladder_step(ladder, (1, 11), T0) == (12, T0 + timedelta(minutes=3))
    assert timing.next_ladder_step(ladder, (1, 12), T0) == (5, T0 + timedelta(minutes=7))
    assert timing.next_ladder_step(ladder, [1, 11], T0) == (12, T0 + timedelta(minutes=3)), "called as a list"


def test_next_ladder_step_from_a_removed_level():
    """The level just called may be gone from the ladder: the next one above it is called."""
    assert timing.next_ladder_step(LADDER, (1, 15), T0) == (20, T0 + timedelta(minutes=5))


# ---------------------------------------------------------------- wall-clock deadlines and hold


def test_wall_deadline_adds_time_on_hold():
    t0 = datetime(2026, 3, 6, 14, 0)
    assert timing.wall_deadline(t0, 120) == datetime(2026, 3, 6, 16, 0)
    assert timing.wall_deadline(t0, 120, 30) == datetime(2026, 3, 6, 16, 30)
    assert timing.paused_minutes_between(t0, t0 + timedelta(minutes=30)) == 30


def test_paused_time_moves_the_deadline():
    """A 2-hour RTO clock put on hold from 14:30 to 15:10 is due 40 minutes later."""
    paused = timing.paused_minutes_between(datetime(2026, 3, 6, 14, 30), datetime(2026, 3, 6, 15, 10))
    assert paused == 40
    assert timing.wall_deadline(T0, 120, paused) == datetime(2026, 3, 6, 16, 40)


def test_paused_time_adds_up_over_several_holds():
    holds = [
        (datetime(2026, 3, 6, 14, 10), datetime(2026, 3, 6, 14, 25)),
        (datetime(2026, 3, 6, 15, 0), datetime(2026, 3, 6, 15, 0, 30)),
    ]
    paused = sum(timing.paused_minutes_between(start, end) for start, end in holds)
    assert paused == pytest.approx(15.5)
    assert timing.wall_deadline(T0, 60, paused) == datetime(2026, 3, 6, 15, 15, 30)


def test_paused_minutes_are_never_negative():
    assert timing.paused_minutes_between(T0, T0 - timedelta(minutes=5)) == 0.0
    assert timing.paused_minutes_between(T0, T0) == 0.0


def test_paused_minutes_count_seconds():
    assert timing.paused_minutes_between(T0, T0 + timedelta(seconds=90)) == 1.5


# ---------------------------------------------------------------- response target per tier


def test_response_minutes_for_tier():
    targets = {"enterprise": (15, 15), "pro": (30, 120)}
    assert timing.response_minutes_for_tier(targets, "enterprise", False, 99) == 15
    assert timing.response_minutes_for_tier(targets, "pro", True, 99) == 30
    assert timing.response_minutes_for_tier(targets, "pro", False, 99) == 120
    assert timing.response_minutes_for_tier(targets, None, True, 99) == 99


def test_response_minutes_for_unknown_tier_or_no_targets():
    targets = {"enterprise": (15, 15), "pro": (30, 120)}
    assert timing.response_minutes_for_tier(targets, "basic", False, 60) == 60
    assert timing.response_minutes_for_tier({}, "enterprise", True, 45) == 45
    assert timing.response_minutes_for_tier(targets, "enterprise", True, None) == 15
    assert timing.response_minutes_for_tier(targets, "enterprise", True, 5) == 15, "the tier wins over the default"


# ---------------------------------------------------------------- update reminder


def test_update_reminder_ten_minutes_before():
    """The SOP's reminder, 10 minutes before the update is due (the lead now comes from the policy set)."""
    due = datetime(2026, 3, 6, 15, 0)
    assert timing.update_reminder_at(due, timedelta(minutes=10)) == datetime(2026, 3, 6, 14, 50)


def test_update_reminder_lead():
    due = datetime(2026, 3, 6, 15, 0)
    assert timing.update_reminder_at(due, timedelta(minutes=3)) == datetime(2026, 3, 6, 14, 57)
    assert timing.update_reminder_at(due, timedelta(seconds=90)) == datetime(2026, 3, 6, 14, 58, 30)
    assert timing.update_reminder_at(due, timedelta(0)) == due


def test_update_reminder_needs_a_lead():
    with pytest.raises(TypeError):
        timing.update_reminder_at(datetime(2026, 3, 6, 15, 0))


# ---------------------------------------------------------------- UTC offsets


def _zone_or_skip(name):
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        pytest.skip(f"no time zone data for {name}")


@pytest.mark.parametrize(
    "moment, zone, label",
    [
        (datetime(2026, 1, 15, 12), "UTC", "UTC"),
        (datetime(2026, 1, 15, 12), "Europe/London", "UTC"),
        (datetime(2026, 7, 15, 12), "Europe/London", "UTC+01:00"),
        (datetime(2026, 1, 15, 12), "America/St_Johns", "UTC\u221203:30"),
        (datetime(2026, 7, 15, 12), "America/St_Johns", "UTC\u221202:30"),
        (datetime(2026, 7, 15, 12), "America/Vancouver", "UTC\u221207:00"),
        (datetime(2026, 1, 15, 12), "America/Vancouver", "UTC\u221208:00"),
        (datetime(2026, 1, 15, 12), "Asia/Kolkata", "UTC+05:30"),
        (datetime(2026, 1, 15, 12), "Asia/Kathmandu", "UTC+05:45"),
    ],
)
def test_utc_offset_label(moment, zone, label):
    _zone_or_skip(zone)
    assert timing.utc_offset_label(moment, zone) == label


def test_utc_offset_label_reads_the_moment_as_utc():
    """2026-03-08 10:00 UTC is after Toronto's spring-forward (07:00 UTC), 06:00 UTC before."""
    _zone_or_skip("America/Toronto")
    assert timing.utc_offset_label(datetime(2026, 3, 8, 6, 59), "America/Toronto") == "UTC\u221205:00"
    assert timing.utc_offset_label(datetime(2026, 3, 8, 7, 0), "America/Toronto") == "UTC\u221204:00"
