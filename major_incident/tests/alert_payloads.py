"""Webhook bodies of the uptime monitors, as each tool sends them. Plain Python, no Odoo:
the controller's HTTP tests and the engine's repository tests (which load this file by
path) post and parse the same payloads."""

from datetime import UTC, timedelta


def kuma(status, at, monitor_id=7):
    """Uptime Kuma's webhook body (notification type "Webhook", application/json)."""
    return {
        "heartbeat": {
            "monitorID": monitor_id,
            "status": status,
            "time": at.strftime("%Y-%m-%d %H:%M:%S.123"),
            "msg": "connect ECONNREFUSED 10.0.0.5:443" if status == 0 else "200 - OK",
            "important": True,
            "duration": 60,
            "timezone": "America/Toronto",
            "timezoneOffset": "-05:00",
            "localDateTime": (at - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S"),
        },
        "monitor": {"id": monitor_id, "name": "Vision API", "url": "https://vision.example.com/health", "type": "http"},
        "msg": "[Vision API] [Down] connect ECONNREFUSED 10.0.0.5:443",
    }


def uptimerobot(alert_type, at):
    """UptimeRobot's webhook alert contact, "Send as JSON", keys named after its variables."""
    return {
        "monitorID": "793712345",
        "monitorURL": "https://vision.example.com",
        "monitorFriendlyName": "Vision portal",
        "alertType": str(alert_type),
        "alertTypeFriendlyName": "Down" if alert_type == 1 else "Up",
        "alertDetails": "Connection Timeout" if alert_type == 1 else "OK",
        "alertDuration": "0" if alert_type == 1 else "420",
        "alertDateTime": str(int(at.replace(tzinfo=UTC).timestamp())),
    }


def alertmanager(status, at):
    """Alertmanager's webhook_config payload, version 4."""
    alert = {
        "status": status,
        "labels": {"alertname": "ProbeFailure", "instance": "https://vision.example.com", "severity": "critical"},
        "annotations": {
            "summary": "Vision probe failure",
            "description": "https://vision.example.com has been down for over 1m.",
        },
        "startsAt": (at if status == "firing" else at - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.828Z"),
        "endsAt": at.strftime("%Y-%m-%dT%H:%M:%S.828Z") if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=probe_success+%3D%3D+0",
        "fingerprint": "1a30ba71cca2921f",
    }
    return {
        "receiver": "odoo",
        "status": status,
        "alerts": [alert],
        "groupLabels": {"alertname": "ProbeFailure"},
        "commonLabels": alert["labels"],
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager.example.com:9093",
        "version": "4",
        "groupKey": '{}:{alertname="ProbeFailure"}',
        "truncatedAlerts": 0,
    }


def generic(status, at):
    return {
        "id": "vision-db",
        "status": status,
        "title": "Vision database",
        "message": "replica lag" if status == "down" else "caught up",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
