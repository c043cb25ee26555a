import json
import logging
import re

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..engine import alerts
from ..models.major_incident_alert_source import ALERT_FORMATS, ROUTE


class RedactAlertToken(logging.Filter):
    """The alert token is a secret in the URL: the HTTP access log shows it redacted."""

    pattern = re.compile(re.escape(ROUTE) + r"/[^\s/?\"']+")

    def filter(self, record):
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                self.pattern.sub(f"{ROUTE}/***", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = self.pattern.sub(f"{ROUTE}/***", record.msg)
        return True


REDACT_FILTER = RedactAlertToken()
logging.getLogger("werkzeug").addFilter(REDACT_FILTER)


class MajorIncidentAlertController(http.Controller):
    """Uptime monitors post their alerts here (SOP step 1: "Uptime monitoring").

    Every refusal happens before anything is written; Odoo runs the request in one
    transaction, so a payload of several alerts is recorded whole or not at all."""

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
        source = source.with_user(SUPERUSER_ID).with_company(source.company_id)
        return request.make_json_response({"alerts": source._receive(received)})

    def _error(self, status, code, message, headers=None, **extra):
        return request.make_json_response({"error": code, "message": message, **extra}, headers=headers, status=status)
