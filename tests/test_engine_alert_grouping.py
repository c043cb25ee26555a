"""engine/alert_grouping.py: which incident each alert goes to, the page cap, the note
interval and the alert time the intake records. No Odoo."""

from datetime import datetime, timedelta

from major_incident.engine import alert_grouping as grouping
from major_incident.engine.alerts import DOWN, UP, Alert

AT = datetime(2026, 3, 6, 14, 0, 5)


def alert(fingerprint, event=DOWN):
    return Alert(fingerprint, event, fingerprint, "", AT, "")


def test_group_fingerprint_is_alertmanagers_group_key():
    payload = {"groupKey": '{}:{alertname="ProbeFailure"}', "groupLabels": {"alertname": "ProbeFailure"}}
    key = grouping.group_fingerprint("alertmanager", payload)
    assert key.startswith(grouping.GROUP_PREFIX)
    assert key == grouping.group_fingerprint("alertmanager", dict(payload, alerts=[1, 2]))
    assert key != grouping.group_fingerprint("alertmanager", {"groupKey": '{}:{alertname="DiskFull"}'})


def test_group_fingerprint_falls_back_to_group_labels_then_none():
    by_labels = grouping.group_fingerprint("alertmanager", {"groupLabels": {"a": "1", "b": "2"}})
    assert by_labels == grouping.group_fingerprint("alertmanager", {"groupLabels": {"b": "2", "a": "1"}})
    assert grouping.group_fingerprint("alertmanager", {"groupLabels": {}}) is None
    assert grouping.group_fingerprint("alertmanager", {"alerts": []}) is None
    assert grouping.group_fingerprint("uptime_kuma", {"groupKey": "x"}) is None, "one monitor, one alert"


def test_storm_of_one_group_is_one_incident():
    received = [alert(f"fp{i}") for i in range(3000)]
    routes = grouping.route(received, "group:g", set())
    assert routes[0] == ("group:g", grouping.CREATED)
    assert {r for r in routes[1:]} == {("group:g", grouping.GROUPED)}


def test_identical_alerts_are_one_incident_without_group():
    routes = grouping.route([alert("a"), alert("a"), alert("b")], None, set())
    assert routes == [("a", grouping.CREATED), ("a", grouping.GROUPED), ("b", grouping.CREATED)]


def test_open_alert_keeps_its_incident_before_the_group():
    routes = grouping.route([alert("a"), alert("b")], "group:g", {"a"})
    assert routes == [("a", grouping.UPDATED), ("group:g", grouping.CREATED)]
    routes = grouping.route([alert("b", UP)], "group:g", {"group:g"})
    assert routes == [("group:g", grouping.UPDATED)]


def test_recovery_or_non_alert_without_incident_is_ignored():
    routes = grouping.route([alert("a", UP), alert("b", None)], None, set())
    assert routes == [(None, grouping.IGNORED), (None, grouping.IGNORED)]
    assert grouping.route([alert("b", None)], None, {"b"}) == [(None, grouping.IGNORED)]


def test_page_cap_counts_earlier_pages():
    keys = ["a", "b", "c", "d", "e"]
    assert grouping.split_by_page_cap(keys, 0, cap=3) == (["a", "b", "c"], ["d", "e"])
    assert grouping.split_by_page_cap(keys, 2, cap=3) == (["a"], ["b", "c", "d", "e"])
    assert grouping.split_by_page_cap(keys, 7, cap=3) == ([], keys)
    assert grouping.split_by_page_cap(["a"], 0) == (["a"], [])


def test_repeated_down_is_noted_once_per_interval():
    assert grouping.note_due(None, AT)
    assert not grouping.note_due(AT, AT + grouping.NOTE_INTERVAL - timedelta(seconds=1))
    assert grouping.note_due(AT, AT + grouping.NOTE_INTERVAL)
    noted, last = 0, None
    for second in range(200):
        now = AT + timedelta(seconds=second)
        if grouping.note_due(last, now):
            noted, last = noted + 1, now
    assert noted == 1, "200 repeats within the interval: one note"


def test_alert_time_before_the_source_is_replaced_and_said():
    created = AT - timedelta(days=30)
    received = AT
    assert grouping.alert_time(datetime(1, 1, 1), received, created) == (received, True)
    assert grouping.alert_time(created - timedelta(days=8), received, created) == (received, True)
    assert grouping.alert_time(created - timedelta(days=1), received, created) == (created - timedelta(days=1), False)
    assert grouping.alert_time(None, received, created) == (received, False)
    assert grouping.alert_time(AT + timedelta(hours=1), received, created) == (received, False), "never later than now"
    later_source = AT + timedelta(days=1)
    assert grouping.alert_time(AT - timedelta(days=1), received, later_source) == (AT - timedelta(days=1), False)
