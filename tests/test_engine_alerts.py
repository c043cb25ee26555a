"""engine/alerts.py: uptime monitor webhook payloads read into Alert tuples, and shapes
that are not the format's refused with a PayloadError naming the field. No Odoo.

The payload builders are those the controller's HTTP tests post
(major_incident/tests/alert_payloads.py), with fixed times instead of "now"."""

import copy
import hashlib
import importlib.util
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from major_incident.engine import alerts
from major_incident.engine.alerts import DOWN, UP, Alert, PayloadError

AT = datetime(2026, 3, 6, 14, 0, 5)  # naive UTC


def _load_payloads():
    """The webhook bodies the controller's HTTP tests post, from their plain-Python module."""
    path = Path(__file__).resolve().parent.parent / "major_incident" / "tests" / "alert_payloads.py"
    spec = importlib.util.spec_from_file_location("alert_payloads", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_payloads = _load_payloads()
kuma, uptimerobot, alertmanager, generic = (
    _payloads.kuma,
    _payloads.uptimerobot,
    _payloads.alertmanager,
    _payloads.generic,
)


def over_the_wire(payload):
    """What the controller hands the parser: the JSON body decoded."""
    return json.loads(json.dumps(payload))


def parse_one(payload_format, payload):
    result = alerts.parse(payload_format, over_the_wire(payload))
    assert isinstance(result, list) and len(result) == 1
    alert = result[0]
    assert isinstance(alert, Alert)
    assert isinstance(alert.fingerprint, str) and alert.fingerprint
    assert alert.event in (DOWN, UP, None)
    assert isinstance(alert.title, str) and alert.title
    assert isinstance(alert.message, str)
    assert isinstance(alert.url, str)
    if alert.at is not None:
        assert alert.at.tzinfo is None and alert.at.microsecond == 0, "naive UTC to the second"
    return alert


def refused(payload_format, payload, field, reason=None):
    with pytest.raises(PayloadError) as caught:
        alerts.parse(payload_format, payload)
    assert caught.value.field == field
    assert field in str(caught.value)
    if reason is not None:
        assert caught.value.reason == reason
    return caught.value


# ================================================================ the module


def test_formats_and_constants():
    assert set(alerts.PARSERS) == {"uptime_kuma", "uptimerobot", "alertmanager", "generic"}
    assert alerts.MAX_BODY_BYTES == 1024 * 1024
    assert (DOWN, UP) == ("down", "up")
    assert Alert._fields == ("fingerprint", "event", "title", "message", "at", "url")


def test_payload_error():
    error = PayloadError("heartbeat.monitorID")
    assert isinstance(error, ValueError)
    assert (error.field, error.reason) == ("heartbeat.monitorID", "is missing")
    assert str(error) == "heartbeat.monitorID is missing"
    error = PayloadError("alerts", "must be a list")
    assert str(error) == "alerts must be a list"


def test_unknown_format_is_a_programming_error():
    """The format comes from the source's selection field, never from the payload."""
    with pytest.raises(KeyError):
        alerts.parse("nagios", {})


@pytest.mark.parametrize("payload_format", sorted(alerts.PARSERS))
@pytest.mark.parametrize("payload", [[], ["x"], "down", 7, None, True])
def test_non_object_payload_is_refused(payload_format, payload):
    field = {"uptime_kuma": "heartbeat", "uptimerobot": "monitorID", "alertmanager": "alerts", "generic": "id"}
    refused(payload_format, payload, field[payload_format], "must be a JSON object")


# ================================================================ Uptime Kuma


def test_uptime_kuma_down():
    alert = parse_one("uptime_kuma", kuma(0, AT))
    assert alert == Alert(
        fingerprint="7",
        event=DOWN,
        title="Vision API",
        message="connect ECONNREFUSED 10.0.0.5:443",
        at=datetime(2026, 3, 6, 14, 0, 5),
        url="https://vision.example.com/health",
    )


def test_uptime_kuma_up():
    alert = parse_one("uptime_kuma", kuma(1, AT + timedelta(minutes=6)))
    assert (alert.fingerprint, alert.event, alert.title) == ("7", UP, "Vision API")
    assert alert.message == "200 - OK"
    assert alert.at == datetime(2026, 3, 6, 14, 6, 5)


@pytest.mark.parametrize("status", [2, 3])
def test_uptime_kuma_pending_and_maintenance_are_no_event(status):
    assert parse_one("uptime_kuma", kuma(status, AT)).event is None


def test_uptime_kuma_status_as_text():
    assert parse_one("uptime_kuma", {"heartbeat": {"monitorID": 7, "status": "0"}}).event == DOWN


def test_uptime_kuma_test_notification_records_nothing():
    assert alerts.parse("uptime_kuma", {"heartbeat": None, "monitor": None, "msg": "Uptime Kuma Testing"}) == []
    assert alerts.parse("uptime_kuma", {"heartbeat": None}) == []


def test_uptime_kuma_fallbacks():
    """No monitor: the title is made from the id; no heartbeat message: the top-level one."""
    payload = kuma(0, AT, monitor_id=12)
    del payload["monitor"]
    payload["heartbeat"]["msg"] = ""
    alert = parse_one("uptime_kuma", payload)
    assert alert.fingerprint == "12"
    assert alert.title == "Monitor 12"
    assert alert.message == "[Vision API] [Down] connect ECONNREFUSED 10.0.0.5:443"
    assert alert.url == ""
    payload["monitor"] = None
    del payload["heartbeat"]["time"]
    alert = parse_one("uptime_kuma", payload)
    assert alert.title == "Monitor 12"
    assert alert.at is None


def test_uptime_kuma_time_with_offset_is_converted_to_utc():
    payload = kuma(0, AT)
    payload["heartbeat"]["time"] = "2026-03-06T09:00:05-05:00"
    assert parse_one("uptime_kuma", payload).at == datetime(2026, 3, 6, 14, 0, 5)


def test_uptime_kuma_monitor_id_zero_is_an_id():
    assert parse_one("uptime_kuma", {"heartbeat": {"monitorID": 0, "status": 0}}).fingerprint == "0"


def test_uptime_kuma_refusals():
    refused("uptime_kuma", {"monitor": {}, "msg": "x"}, "heartbeat", "is missing")
    refused("uptime_kuma", {"heartbeat": None, "monitor": {"id": 7}}, "heartbeat", "must be a JSON object")
    refused("uptime_kuma", {"heartbeat": "down"}, "heartbeat", "must be a JSON object")
    refused("uptime_kuma", {"heartbeat": [{"monitorID": 7}]}, "heartbeat", "must be a JSON object")

    payload = kuma(0, AT)
    del payload["heartbeat"]["monitorID"]
    refused("uptime_kuma", payload, "heartbeat.monitorID", "is missing")
    payload["heartbeat"]["monitorID"] = ""
    refused("uptime_kuma", payload, "heartbeat.monitorID", "is missing")

    payload = kuma(0, AT)
    del payload["heartbeat"]["status"]
    refused("uptime_kuma", payload, "heartbeat.status", "is missing")
    payload["heartbeat"]["status"] = None
    refused("uptime_kuma", payload, "heartbeat.status", "is missing")
    for status in ("down", [0], {"code": 0}, float("nan")):
        payload["heartbeat"]["status"] = status
        refused("uptime_kuma", payload, "heartbeat.status", "is not a number")

    payload = kuma(0, AT)
    for time in ("yesterday", "2026-02-30 10:00:00", 1741269605, ["2026-03-06"]):
        payload["heartbeat"]["time"] = time
        refused("uptime_kuma", payload, "heartbeat.time", "is not an ISO 8601 time")


# ================================================================ UptimeRobot


def test_uptimerobot_down():
    alert = parse_one("uptimerobot", uptimerobot(1, AT))
    assert alert == Alert(
        fingerprint="793712345",
        event=DOWN,
        title="Vision portal",
        message="Connection Timeout",
        at=datetime(2026, 3, 6, 14, 0, 5),
        url="https://vision.example.com",
    )


def test_uptimerobot_up():
    alert = parse_one("uptimerobot", uptimerobot(2, AT + timedelta(minutes=40)))
    assert (alert.fingerprint, alert.event, alert.message) == ("793712345", UP, "OK")
    assert alert.at == datetime(2026, 3, 6, 14, 40, 5)


def test_uptimerobot_other_alert_types_are_no_event():
    assert parse_one("uptimerobot", uptimerobot(3, AT)).event is None
    assert parse_one("uptimerobot", {"monitorID": 5, "alertType": 0}).event is None


def test_uptimerobot_numbers_as_json_numbers():
    payload = {"monitorID": 793712345, "alertType": 1, "alertDateTime": 1772805605}
    alert = parse_one("uptimerobot", payload)
    assert (alert.fingerprint, alert.event) == ("793712345", DOWN)
    assert alert.at == AT
    payload["alertDateTime"] = "1772805605.9"
    assert parse_one("uptimerobot", payload).at == AT, "to the second"


def test_uptimerobot_title_fallbacks():
    payload = uptimerobot(1, AT)
    del payload["monitorFriendlyName"]
    assert parse_one("uptimerobot", payload).title == "https://vision.example.com"
    del payload["monitorURL"]
    alert = parse_one("uptimerobot", payload)
    assert alert.title == "Monitor 793712345"
    assert alert.url == ""
    del payload["alertDateTime"]
    assert parse_one("uptimerobot", payload).at is None


def test_uptimerobot_refusals():
    payload = uptimerobot(1, AT)
    del payload["monitorID"]
    refused("uptimerobot", payload, "monitorID", "is missing")

    payload = uptimerobot(1, AT)
    del payload["alertType"]
    refused("uptimerobot", payload, "alertType", "is missing")
    # The alert contact's template was not filled in: UptimeRobot's placeholders came through.
    payload["alertType"] = "*alertType*"
    refused("uptimerobot", payload, "alertType", "is not a number")
    payload["alertType"] = "1.0"
    refused("uptimerobot", payload, "alertType", "is not a number")

    payload = uptimerobot(1, AT)
    for when in ("*alertDateTime*", "2026-03-06T14:00:05Z", [1], "nan", "1e400", json.loads("1e400"), 10**400, "-1e20"):
        payload["alertDateTime"] = when
        refused("uptimerobot", payload, "alertDateTime", "is not a Unix time")


# ================================================================ Prometheus Alertmanager


def test_alertmanager_firing():
    alert = parse_one("alertmanager", alertmanager("firing", AT))
    assert alert == Alert(
        fingerprint="1a30ba71cca2921f",
        event=DOWN,
        title="Vision probe failure",
        message="https://vision.example.com has been down for over 1m.",
        at=datetime(2026, 3, 6, 14, 0, 5),
        url="http://prometheus.example.com:9090/graph?g0.expr=probe_success+%3D%3D+0",
    )


def test_alertmanager_resolved_is_at_its_end():
    alert = parse_one("alertmanager", alertmanager("resolved", AT))
    assert (alert.fingerprint, alert.event) == ("1a30ba71cca2921f", UP)
    assert alert.at == datetime(2026, 3, 6, 14, 0, 5), "endsAt, not startsAt"


def test_alertmanager_zero_time_is_kept_for_the_intake_to_replace():
    payload = alertmanager("resolved", AT)
    payload["alerts"][0]["endsAt"] = "0001-01-01T00:00:00Z"
    assert parse_one("alertmanager", payload).at == datetime(1, 1, 1)
    payload = alertmanager("firing", AT)
    del payload["alerts"][0]["startsAt"]
    assert parse_one("alertmanager", payload).at is None


def test_alertmanager_group_gives_one_alert_each():
    payload = alertmanager("firing", AT)
    second = dict(payload["alerts"][0], fingerprint="2b41cb82ddb3a30a", labels={"alertname": "DiskFull"})
    del second["annotations"]
    payload["alerts"].append(second)
    result = alerts.parse("alertmanager", over_the_wire(payload))
    assert [(a.fingerprint, a.event, a.title) for a in result] == [
        ("1a30ba71cca2921f", DOWN, "Vision probe failure"),
        ("2b41cb82ddb3a30a", DOWN, "DiskFull"),
    ]
    assert result[1].message == ""


def test_alertmanager_empty_group():
    assert alerts.parse("alertmanager", {"alerts": []}) == []


def test_alertmanager_without_fingerprint_uses_the_label_set():
    """Older Alertmanagers send no fingerprint: the same labels give the same alert."""
    payload = alertmanager("firing", AT)
    del payload["alerts"][0]["fingerprint"]
    labels = payload["alerts"][0]["labels"]
    alert = parse_one("alertmanager", payload)
    expected = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    assert alert.fingerprint == expected
    reordered = copy.deepcopy(payload)
    reordered["alerts"][0]["labels"] = dict(reversed(list(labels.items())))
    assert parse_one("alertmanager", reordered).fingerprint == expected, "label order does not matter"
    other = copy.deepcopy(payload)
    other["alerts"][0]["labels"]["instance"] = "https://other.example.com"
    assert parse_one("alertmanager", other).fingerprint != expected


def test_alertmanager_title_fallbacks():
    payload = alertmanager("firing", AT)
    del payload["alerts"][0]["annotations"]
    assert parse_one("alertmanager", payload).title == "ProbeFailure"
    payload["alerts"][0]["labels"] = {"job": "blackbox"}
    assert parse_one("alertmanager", payload).title == "1a30ba71cca2921f"


def test_alertmanager_refusals():
    refused("alertmanager", {"status": "firing"}, "alerts", "is missing")
    refused("alertmanager", {"alerts": None}, "alerts", "is missing")
    refused("alertmanager", {"alerts": "nope"}, "alerts", "must be a list")
    refused("alertmanager", {"alerts": {"status": "firing"}}, "alerts", "must be a list")
    refused("alertmanager", {"alerts": ["firing"]}, "alerts[0]", "must be a JSON object")

    payload = alertmanager("firing", AT)
    del payload["alerts"][0]["status"]
    refused("alertmanager", payload, "alerts[0].status", "is missing")
    for status in ("pending", "FIRING", ["firing"]):
        payload["alerts"][0]["status"] = status
        refused("alertmanager", payload, "alerts[0].status", 'must be "firing" or "resolved"')

    payload = alertmanager("firing", AT)
    del payload["alerts"][0]["labels"]
    refused("alertmanager", payload, "alerts[0].labels", "is missing")
    payload["alerts"][0]["labels"] = ["alertname=ProbeFailure"]
    refused("alertmanager", payload, "alerts[0].labels", "must be a JSON object")

    payload = alertmanager("firing", AT)
    payload["alerts"][0]["startsAt"] = "yesterday"
    refused("alertmanager", payload, "alerts[0].startsAt", "is not an ISO 8601 time")
    payload = alertmanager("resolved", AT)
    payload["alerts"][0]["endsAt"] = "yesterday"
    refused("alertmanager", payload, "alerts[0].endsAt", "is not an ISO 8601 time")
    payload["alerts"][0]["startsAt"] = "yesterday"  # not read for a resolved alert
    payload["alerts"][0]["endsAt"] = AT.isoformat()
    assert parse_one("alertmanager", payload).at == AT


def test_alertmanager_refusal_names_the_alert_in_the_group():
    payload = alertmanager("firing", AT)
    payload["alerts"].append(dict(payload["alerts"][0], status="unknown"))
    refused("alertmanager", payload, "alerts[1].status")


# ================================================================ generic


def test_generic_down():
    alert = parse_one("generic", generic("down", AT))
    assert alert == Alert(
        fingerprint="vision-db",
        event=DOWN,
        title="Vision database",
        message="replica lag",
        at=datetime(2026, 3, 6, 14, 0, 5),
        url="",
    )


def test_generic_up_with_url():
    payload = dict(generic("up", AT), url="https://status.example.com/vision-db")
    alert = parse_one("generic", payload)
    assert (alert.fingerprint, alert.event, alert.message) == ("vision-db", UP, "caught up")
    assert alert.url == "https://status.example.com/vision-db"


def test_generic_minimal():
    alert = parse_one("generic", {"id": "vision-1", "status": "down"})
    assert alert == Alert("vision-1", DOWN, "vision-1", "", None, "")
    assert parse_one("generic", {"id": 42, "status": "up"}).fingerprint == "42"


def test_generic_time_with_offset_is_converted_to_utc():
    payload = dict(generic("down", AT), time="2026-03-06T16:00:05.999+02:00")
    assert parse_one("generic", payload).at == datetime(2026, 3, 6, 14, 0, 5)


def test_generic_refusals():
    refused("generic", {"status": "down"}, "id", "is missing")
    refused("generic", {"id": "", "status": "down"}, "id", "is missing")
    refused("generic", {"id": "x"}, "status", "is missing")
    for status in ("sideways", "DOWN", 0, ["down"]):
        refused("generic", {"id": "x", "status": status}, "status", 'must be "down" or "up"')
    refused("generic", {"id": "x", "status": "down", "time": "06/03/2026 14:00"}, "time", "is not an ISO 8601 time")


# Valid JSON of the wrong shape: each is refused as a PayloadError naming the field (the
# webhook answers 422 with it), never an uncaught error (a 500 before).
HOSTILE = [
    ("uptime_kuma", json.loads('{"heartbeat": {"monitorID": 7, "status": 1e400}}'), "heartbeat.status"),
    ("uptimerobot", json.loads('{"monitorID": 7, "alertType": 1e400}'), "alertType"),
    ("uptime_kuma", {"heartbeat": {"monitorID": 7, "status": 0}, "monitor": "vision"}, "monitor"),
    ("uptime_kuma", {"heartbeat": {"monitorID": 7, "status": 0}, "monitor": ["vision"]}, "monitor"),
    ("uptime_kuma", {"heartbeat": {"monitorID": 7, "status": True}}, "heartbeat.status"),
    (
        "alertmanager",
        {"alerts": [{"status": "firing", "labels": {"alertname": "Down"}, "annotations": "x"}]},
        "alerts[0].annotations",
    ),
    ("generic", {"id": "vision", "status": "down", "time": "9999-12-31T23:00-05:00"}, "time"),
    (
        "uptime_kuma",
        {"heartbeat": {"monitorID": 7, "status": 0, "time": "9999-12-31T23:59:59-01:00"}},
        "heartbeat.time",
    ),
    ("generic", {"id": "vision", "status": "down", "title": "Vision\x00down"}, "title"),
    ("generic", {"id": "vi\x00sion", "status": "down"}, "id"),
    ("generic", {"id": "x" * 20000, "status": "down"}, "id"),
    ("generic", {"id": {"a": 1}, "status": "down"}, "id"),
    ("generic", {"id": ["a"], "status": "down"}, "id"),
    ("generic", {"id": True, "status": "down"}, "id"),
    ("uptimerobot", {"monitorID": {"a": 1}, "alertType": 1}, "monitorID"),
    (
        "alertmanager",
        {"alerts": [{"status": "firing", "labels": {"alertname": "Down"}, "fingerprint": ["f"]}]},
        "alerts[0].fingerprint",
    ),
]


@pytest.mark.parametrize(("payload_format", "payload", "field"), HOSTILE)
def test_hostile_shapes_are_refused_by_field(payload_format, payload, field):
    with pytest.raises(alerts.PayloadError) as refused:
        alerts.parse(payload_format, payload)
    assert refused.value.field == field


def test_identifiers_of_any_monitor_stay_text():
    parsed = alerts.parse("generic", {"id": 42, "status": "down"})
    assert parsed[0].fingerprint == "42"
    longest = "x" * alerts.MAX_ID_LENGTH
    assert alerts.parse("generic", {"id": longest, "status": "down"})[0].fingerprint == longest
