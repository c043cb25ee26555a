"""Which incident each alert of a payload goes to, how many people a burst may page, and
when a repeated alert is worth another note. Nothing here touches the ORM.

An alert storm (one Alertmanager notification of thousands of firing alerts, or hundreds
of monitors failing at once) must neither open an incident per alert nor page the same
person hundreds of times, and must lose no alert:

- the same alert (fingerprint) while its incident is open goes to that incident;
- otherwise the alerts of one Alertmanager group (its ``groupKey``, else its
  ``groupLabels``) share one incident, whose identifier is the group's;
- otherwise each alert is its own incident, as a single-monitor webhook is;
- a person is paged at most PAGE_CAP times per PAGE_WINDOW: alerts that would open an
  incident beyond that are held on the person's latest open incident instead;
- a monitor repeating "down" adds at most one note per NOTE_INTERVAL.
"""

import hashlib
import json
from collections import namedtuple
from datetime import timedelta

from .alerts import DOWN

GROUP_PREFIX = "group:"
PAGE_CAP = 3
PAGE_WINDOW = timedelta(minutes=15)
NOTE_INTERVAL = timedelta(minutes=15)
# A monitor may report an outage that began before it was connected, but not by years:
# an earlier time (Go's zero time, year 1, is the usual one) is a missing time.
MAX_ALERT_AGE_BEFORE_SOURCE = timedelta(days=7)

CREATED = "created"
GROUPED = "grouped"
UPDATED = "updated"
HELD = "held"
IGNORED = "ignored"

# key: the alert identifier of the incident the alert goes to (None when ignored).
Route = namedtuple("Route", "key result")


def group_fingerprint(payload_format, payload):
    """The identifier of the incident grouping a payload's alerts, or None when each alert
    stands alone. Alertmanager sends the same ``groupKey`` with every notification of a
    group, so its resends and later alerts find the same incident."""
    if payload_format != "alertmanager" or not isinstance(payload, dict):
        return None
    key = payload.get("groupKey")
    if not isinstance(key, str) or not key:
        labels = payload.get("groupLabels")
        if not isinstance(labels, dict) or not labels:
            return None
        key = json.dumps(labels, sort_keys=True)
    return GROUP_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:16]


def route(received, group, open_keys):
    """One Route per alert of ``received`` (in order). ``open_keys``: the alert identifiers
    (of alerts or groups) that have an open incident. The first "down" alert of a key
    without one opens it (CREATED); the others of the payload join it (GROUPED)."""
    opening = set()
    routes = []
    for alert in received:
        key = alert.fingerprint if alert.fingerprint in open_keys else (group or alert.fingerprint)
        if not alert.event:
            routes.append(Route(None, IGNORED))
        elif key in open_keys:
            routes.append(Route(key, UPDATED))
        elif key in opening:
            routes.append(Route(key, GROUPED))
        elif alert.event == DOWN:
            opening.add(key)
            routes.append(Route(key, CREATED))
        else:
            routes.append(Route(None, IGNORED))
    return routes


def split_by_page_cap(new_keys, pages_in_window, cap=PAGE_CAP):
    """(keys that may open an incident and page, keys held) for a person already paged
    ``pages_in_window`` times within PAGE_WINDOW; order is kept, the first ones page."""
    allowed = max(cap - pages_in_window, 0)
    return list(new_keys[:allowed]), list(new_keys[allowed:])


def note_due(last_noted_at, now, interval=NOTE_INTERVAL):
    """Whether a repeated "down" is noted: the first one, then once per ``interval``."""
    return last_noted_at is None or now - last_noted_at >= interval


def alert_time(at, received_at, source_created_at):
    """(the time to record, whether the reported one was replaced). No time, or one long
    before the source existed, is the time received; a time in the future is now. (A
    source is never created after an alert it received; a frozen test clock may say so.)"""
    if at is None:
        return received_at, False
    if at < min(source_created_at, received_at) - MAX_ALERT_AGE_BEFORE_SOURCE:
        return received_at, True
    return min(at, received_at), False
