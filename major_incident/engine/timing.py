"""Time rules of the major-incident procedure, over plain values.

Nothing here touches the ORM: the models feed these functions datetimes,
numbers from policies and working intervals from calendars, so each rule can
be read and tested on its own. All datetimes are naive UTC, as Odoo stores them.
"""

from datetime import timedelta, timezone
from zoneinfo import ZoneInfo


def is_brief_interruption(detected_at, resolved_at, brief_minutes):
    """An outage resolved within ``brief_minutes`` of detection (SOP 1.3: "Events
    Under 15 Minutes") is a brief interruption, not a major incident."""
    if not detected_at or not resolved_at or brief_minutes <= 0:
        return False
    return resolved_at - detected_at <= timedelta(minutes=brief_minutes)


def wall_deadline(started_at, minutes, paused_minutes=0.0):
    """Deadline of a wall-clock target: time on hold does not count."""
    return started_at + timedelta(minutes=minutes + paused_minutes)


def paused_minutes_between(paused_at, resumed_at):
    return max((resumed_at - paused_at).total_seconds() / 60.0, 0.0)


def plan_work_time(start, duration, work_intervals):
    """The moment ``duration`` of work time has elapsed after ``start``.

    ``work_intervals`` are (begin, end) pairs in ascending order, holidays and
    weekends already left out. Returns None when they run out first."""
    remaining = duration
    for begin, end in work_intervals:
        if end <= start:
            continue
        begin = max(begin, start)
        available = end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    return None


def ladder_times(started_at, wait_minutes):
    """When each escalation level is called: level 1 at ``started_at``, every
    next level ``wait`` minutes after the previous one (SOP 2.3: IM; after 5
    minutes the directors; after an additional 10 minutes the VP)."""
    times = []
    moment = started_at
    for wait in wait_minutes:
        moment = moment + timedelta(minutes=wait)
        times.append(moment)
    return times


def next_ladder_step(ladder, called, called_due_at):
    """(level id, when it is called) of the rung after ``called``, or None at the top.

    ``ladder`` holds (sequence, id, wait minutes) per level, ``called`` the (sequence, id)
    of the level just called. Levels of one sequence are called one after the other, in
    id order. The wait counts from when the previous level was due, not from when it was
    called, so a late cron run does not drift the ladder."""
    later = sorted(rung for rung in ladder if (rung[0], rung[1]) > tuple(called))
    if not later:
        return None
    _sequence, level_id, wait = later[0]
    return level_id, ladder_times(called_due_at, [wait])[0]


def update_reminder_at(due_at, lead):
    """When the Incident Manager is reminded of an update due at ``due_at`` (the policy
    set's lead time before it)."""
    return due_at - lead


def response_minutes_for_tier(targets, tier, in_business_hours, default_minutes):
    """Response target for a customer tier (urgent-support FAQ: Enterprise 15
    minutes; Pro 30 minutes in business hours, 2 hours outside).

    ``targets`` maps a tier to (business-hours minutes, outside-hours minutes)."""
    if tier not in targets:
        return default_minutes
    inside, outside = targets[tier]
    return inside if in_business_hours else outside


def utc_offset_label(moment, tz_name):
    """The offset from UTC of the naive UTC ``moment`` in zone ``tz_name``, as
    "UTC−03:30" (a true minus sign) or "UTC" for no offset.

    Babel's ``z`` pattern names some zones wrongly (St. John's as ``-0430``, Vancouver as
    ``PST`` in summer time); the offset of that instant in that zone is always right."""
    offset = moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz_name)).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"
