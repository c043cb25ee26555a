"""Webhook payloads of uptime monitors, read into alerts.

Nothing here touches the ORM. Each format follows the payload its tool documents:

- ``uptime_kuma``: Uptime Kuma's "Webhook" notification (JSON body):
  ``{"heartbeat": {"monitorID", "status", "time", "msg"}, "monitor": {"id", "name", "url"}, "msg"}``.
  ``status`` 0 is down, 1 is up (2 pending and 3 maintenance are not alerts); ``time``
  is UTC. Its "Test" button sends ``heartbeat`` and ``monitor`` as null: nothing to record.
- ``uptimerobot``: UptimeRobot's "Webhook" alert contact with "Send as JSON" and its own
  variable names as keys, e.g. ``{"monitorID": "*monitorID*", "monitorURL": "*monitorURL*",
  "monitorFriendlyName": "*monitorFriendlyName*", "alertType": "*alertType*",
  "alertDetails": "*alertDetails*", "alertDateTime": "*alertDateTime*"}``.
  ``alertType`` 1 is down, 2 is up; ``alertDateTime`` is a Unix time.
- ``alertmanager``: Prometheus Alertmanager's ``webhook_config`` payload (version 4):
  ``{"status", "alerts": [{"status": "firing"|"resolved", "labels", "annotations",
  "startsAt", "endsAt", "generatorURL", "fingerprint"}], ...}``; one alert per element.
- ``generic``: ``{"id": "...", "status": "down"|"up", "title", "message", "time" (ISO 8601),
  "url"}``; ``id`` and ``status`` are required.
"""

import hashlib
import json
from collections import namedtuple
from datetime import UTC, datetime

MAX_BODY_BYTES = 1024 * 1024
# An alert identifier becomes the incident's fingerprint: a short text, as every monitor sends.
MAX_ID_LENGTH = 255
DOWN = "down"
UP = "up"

# event: DOWN, UP, or None for a notification that is not an outage or a recovery.
# at: naive UTC to the second, as Odoo keeps times, or None when the payload gives none.
Alert = namedtuple("Alert", "fingerprint event title message at url")


class PayloadError(ValueError):
    """The payload is JSON but not of the source's shape; ``field`` names what is wrong."""

    def __init__(self, field, reason="is missing"):
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


def _object(value, field):
    if not isinstance(value, dict):
        raise PayloadError(field, "must be a JSON object")
    return value


def _required(container, key, field):
    value = container.get(key)
    if value is None or value == "":
        raise PayloadError(field)
    return value


def _text(value, field):
    """Text for a record: PostgreSQL refuses NUL bytes, so they are refused here, by name."""
    text = str(value) if value not in (None, "") else ""
    if "\x00" in text:
        raise PayloadError(field, "contains a NUL byte")
    return text


def _identifier(value, field):
    """An alert identifier: a text or a whole number, at most MAX_ID_LENGTH characters.
    Objects, lists and booleans would otherwise become fingerprints of their Python repr."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayloadError(field, "must be a text or a whole number")
    text = _text(value, field)
    if len(text) > MAX_ID_LENGTH:
        raise PayloadError(field, f"is longer than {MAX_ID_LENGTH} characters")
    return text


def _iso_time(value, field):
    """Naive UTC from an ISO 8601 / RFC 3339 string; None for nothing. Go's zero time
    (year 1) is kept as sent: the intake says it replaced it (alert_grouping.alert_time)."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise PayloadError(field, "is not an ISO 8601 time") from error
    if moment.tzinfo:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError as error:
            raise PayloadError(field, "is out of range") from error
    return moment.replace(microsecond=0)


def _unix_time(value, field):
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(int(float(value)), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError) as error:
        raise PayloadError(field, "is not a Unix time") from error


def _integer(value, field):
    if isinstance(value, bool):
        raise PayloadError(field, "is not a number")
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as error:
        raise PayloadError(field, "is not a number") from error


def _uptime_kuma(payload):
    payload = _object(payload, "heartbeat")
    if "heartbeat" not in payload:
        raise PayloadError("heartbeat")
    if payload["heartbeat"] is None and payload.get("monitor") is None:
        return []
    heartbeat = _object(payload["heartbeat"], "heartbeat")
    monitor = _object(payload.get("monitor") or {}, "monitor")
    monitor_id = _identifier(_required(heartbeat, "monitorID", "heartbeat.monitorID"), "heartbeat.monitorID")
    status = _integer(_required(heartbeat, "status", "heartbeat.status"), "heartbeat.status")
    return [
        Alert(
            fingerprint=monitor_id,
            event={0: DOWN, 1: UP}.get(status),
            title=_text(monitor.get("name"), "monitor.name") or f"Monitor {monitor_id}",
            message=_text(heartbeat.get("msg"), "heartbeat.msg") or _text(payload.get("msg"), "msg"),
            at=_iso_time(heartbeat.get("time"), "heartbeat.time"),
            url=_text(monitor.get("url"), "monitor.url"),
        )
    ]


def _uptimerobot(payload):
    payload = _object(payload, "monitorID")
    monitor_id = _identifier(_required(payload, "monitorID", "monitorID"), "monitorID")
    alert_type = _integer(_required(payload, "alertType", "alertType"), "alertType")
    return [
        Alert(
            fingerprint=monitor_id,
            event={1: DOWN, 2: UP}.get(alert_type),
            title=_text(payload.get("monitorFriendlyName"), "monitorFriendlyName")
            or _text(payload.get("monitorURL"), "monitorURL")
            or f"Monitor {monitor_id}",
            message=_text(payload.get("alertDetails"), "alertDetails"),
            at=_unix_time(payload.get("alertDateTime"), "alertDateTime"),
            url=_text(payload.get("monitorURL"), "monitorURL"),
        )
    ]


def _alertmanager(payload):
    payload = _object(payload, "alerts")
    alerts = _required(payload, "alerts", "alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts", "must be a list")
    result = []
    for index, alert in enumerate(alerts):
        prefix = f"alerts[{index}]"
        alert = _object(alert, prefix)
        status = _required(alert, "status", f"{prefix}.status")
        if status not in ("firing", "resolved"):
            raise PayloadError(f"{prefix}.status", 'must be "firing" or "resolved"')
        labels = _object(_required(alert, "labels", f"{prefix}.labels"), f"{prefix}.labels")
        annotations = _object(alert.get("annotations") or {}, f"{prefix}.annotations")
        # Alertmanager identifies an alert by its label set; older versions send no fingerprint.
        raw_fingerprint = alert.get("fingerprint")
        fingerprint = (
            _identifier(raw_fingerprint, f"{prefix}.fingerprint") if raw_fingerprint not in (None, "") else ""
        ) or hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
        firing = status == "firing"
        result.append(
            Alert(
                fingerprint=fingerprint,
                event=DOWN if firing else UP,
                title=_text(annotations.get("summary"), f"{prefix}.annotations.summary")
                or _text(labels.get("alertname"), f"{prefix}.labels.alertname")
                or fingerprint,
                message=_text(annotations.get("description"), f"{prefix}.annotations.description"),
                at=_iso_time(
                    alert.get("startsAt" if firing else "endsAt"),
                    f"{prefix}.{'startsAt' if firing else 'endsAt'}",
                ),
                url=_text(alert.get("generatorURL"), f"{prefix}.generatorURL"),
            )
        )
    return result


def _generic(payload):
    payload = _object(payload, "id")
    alert_id = _identifier(_required(payload, "id", "id"), "id")
    status = _required(payload, "status", "status")
    if status not in (DOWN, UP):
        raise PayloadError("status", 'must be "down" or "up"')
    return [
        Alert(
            fingerprint=alert_id,
            event=status,
            title=_text(payload.get("title"), "title") or alert_id,
            message=_text(payload.get("message"), "message"),
            at=_iso_time(payload.get("time"), "time"),
            url=_text(payload.get("url"), "url"),
        )
    ]


PARSERS = {
    "uptime_kuma": _uptime_kuma,
    "uptimerobot": _uptimerobot,
    "alertmanager": _alertmanager,
    "generic": _generic,
}


def parse(payload_format, payload):
    """The alerts of a decoded JSON ``payload``; raises PayloadError when it is not of the format."""
    return PARSERS[payload_format](payload)
