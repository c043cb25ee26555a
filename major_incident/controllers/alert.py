import json
import logging
import re
from urllib.parse import unquote

from odoo import fields, http
from odoo.fields import Domain
from odoo.http import request

from ..engine import alert_grouping, alerts
from ..models.major_incident_alert_source import ALERT_FORMATS, ROUTE


class RedactAlertToken(logging.Filter):
    """The alert token is a secret in the URL: the HTTP access log shows it redacted,
    however the path is spelled (any case, doubled or trailing slashes, percent-encoded)."""

    marker = ROUTE.lower() + "/"

    def _redact_path(self, word):
        decoded = word
        for _round in range(3):
            decoded = unquote(decoded)
        normalized = re.sub(r"/+", "/", decoded.replace("\\", "/")).lower()
        position = normalized.find(self.marker)
        if position < 0:
            return word
        return normalized[: position + len(self.marker)] + "***"

    def _redact(self, text):
        return re.sub(r"\S+", lambda match: self._redact_path(match.group()), text)

    def filter(self, record):
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(self._redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = self._redact(record.msg)
        return True


REDACT_FILTER = RedactAlertToken()
# werkzeug logs every request line; odoo.http names the path in some warnings.
for logger_name in ("werkzeug", "odoo.http"):
    logging.getLogger(logger_name).addFilter(REDACT_FILTER)


class MajorIncidentAlertController(http.Controller):
    """Uptime monitors post their alerts here (SOP step 1: "Uptime monitoring").

    The body is checked (JSON of the source's shape) and stored in one INSERT, then
    answered 202: the alert cron opens the incidents and pages. An alert storm is thus
    accepted in time and never lost to the request's limits, and concurrent requests never
    wait for one another. Every refusal happens before anything is written."""

    @http.route(
        f"{ROUTE}/<string:token>",
        type="http",
        auth="public",
        csrf=False,
        save_session=False,
    )
    def receive_alert(self, token, **_params):
        httprequest = request.httprequest
        if httprequest.method != "POST":
            return self._error(405, "method_not_allowed", "Alerts are sent with POST.", headers=[("Allow", "POST")])
        source = request.env["major.incident.alert.source"]._find_by_token(token)
        if not source:
            return self._error(404, "unknown_source", "No active alert source has this token.")
        # Read whole, so that the client gets this answer rather than a reset connection;
        # Odoo already caps every request body (128 MiB).
        body = httprequest.get_data()
        if len(body) > alerts.MAX_BODY_BYTES:
            return self._error(
                413,
                "payload_too_large",
                f"The body exceeds {alerts.MAX_BODY_BYTES} bytes.",
                limit=alerts.MAX_BODY_BYTES,
            )
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return self._error(400, "invalid_json", "The body is not JSON.")
        try:
            received = alerts.parse(source.payload_format, payload)
        except alerts.PayloadError as error:
            return self._error(
                422,
                "invalid_payload",
                f"This is not a valid {dict(ALERT_FORMATS)[source.payload_format]} payload: {error}.",
                field=error.field,
            )
        if not received:
            return request.make_json_response({"status": "nothing_to_record", "alerts": 0})
        now = fields.Datetime.now()
        warnings = [
            {
                "alert": index,
                "fingerprint": alert.fingerprint,
                "message": f"The alert time {alert.at} is long before this source existed: "
                f"the time received, {now}, is recorded instead.",
            }
            for index, alert in enumerate(received)
            if alert_grouping.alert_time(alert.at, now, source.create_date)[1]
        ]
        stored = (
            request.env["major.incident.alert.payload"]
            .sudo()
            .create(
                {
                    "source_id": source.id,
                    "received_at": now,
                    # Re-encoded: escaped as ASCII, any text PostgreSQL refuses (NUL) is kept.
                    "body": json.dumps(payload),
                    "alert_count": len(received),
                }
            )
        )
        self._wake_alert_cron(now)
        return request.make_json_response(
            {"status": "queued", "payload": stored.id, "alerts": len(received), "warnings": warnings},
            status=202,
        )

    def _wake_alert_cron(self, now):
        """Trigger the alert cron unless a trigger is already pending: waking it opens a
        connection of its own after the commit, and in a burst of alerts those connections
        would exhaust the pool and answer 500 for payloads already stored. The cron takes
        every queued payload, and its one-minute interval catches one stored just after
        its last look."""
        cron = request.env.ref("major_incident.ir_cron_major_incident_alert_payloads").sudo()
        pending = (
            request.env["ir.cron.trigger"]
            .sudo()
            .search_count(Domain("cron_id", "=", cron.id) & Domain("call_at", "<=", now), limit=1)
        )
        if not pending:
            cron._trigger()

    def _error(self, status, code, message, headers=None, **extra):
        return request.make_json_response({"error": code, "message": message, **extra}, headers=headers, status=status)
