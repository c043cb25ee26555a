import json
import logging

from psycopg2 import errorcodes

from odoo import SUPERUSER_ID, api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..engine import alert_grouping, alerts

_logger = logging.getLogger(__name__)

# A concurrent transaction changed what this one read: Odoo's retry, not the payload, is at fault.
CONCURRENCY_ERRORS = {
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
    errorcodes.LOCK_NOT_AVAILABLE,
}

PAYLOAD_STATES = [
    ("queued", "Queued"),
    ("done", "Processed"),
    ("failed", "Failed"),
]


class MajorIncidentAlertPayload(models.Model):
    """A monitor's webhook body as received: stored in one INSERT and answered at once,
    then processed by the alert cron. An alert storm is thereby never processed inside the
    request, whose time limit it would exceed, losing every alert with it."""

    _name = "major.incident.alert.payload"
    _description = "Major Incident Alert Payload"
    _order = "id desc"
    _rec_name = "received_at"

    source_id = fields.Many2one(
        "major.incident.alert.source", "Alert source", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="source_id.company_id", store=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    body = fields.Text(required=True, readonly=True, help="The JSON body, as decoded at intake.")
    state = fields.Selection(PAYLOAD_STATES, required=True, default="queued", readonly=True, index=True)
    error = fields.Text(readonly=True, help="Why processing failed; the payload is kept to be processed again.")
    alert_count = fields.Integer("Alerts", readonly=True)
    incident_count = fields.Integer("Incidents opened", readonly=True)
    processed_at = fields.Datetime(readonly=True)
    line_ids = fields.One2many("major.incident.alert.line", "payload_id", "Alert lines", readonly=True)

    _queued = models.Index("(id) WHERE state = 'queued'")

    @api.model
    def _cron_process_queued(self, batch_size=20):
        """Process the queued payloads oldest first, committing after each batch; a payload
        that fails is marked so and never blocks the others."""
        cron = self.env.ref("major_incident.ir_cron_major_incident_alert_payloads")
        while True:
            # SKIP LOCKED: a manual "Process now" running meanwhile keeps its payloads.
            ids = [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT id FROM major_incident_alert_payload WHERE state = 'queued' "
                        "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                        batch_size,
                    )
                )
            ]
            if not ids:
                return
            self.browse(ids)._process()
            remaining = self.search_count(Domain("state", "=", "queued"))
            if not self.env["ir.cron"]._commit_progress(len(ids), remaining=remaining) and remaining:
                cron._trigger()
                return

    def _process(self):
        """Record every alert of each payload, each in a savepoint of its own."""
        for payload in self:
            try:
                with self.env.cr.savepoint():
                    payload._process_one()
            except Exception as error:
                if getattr(error, "pgcode", None) in CONCURRENCY_ERRORS:
                    raise
                self.env.invalidate_all()
                _logger.warning("Alert payload %s of source %s failed", payload.id, payload.source_id.id, exc_info=True)
                payload.write(
                    {"state": "failed", "error": str(error) or repr(error), "processed_at": fields.Datetime.now()}
                )

    def _process_one(self):
        self.ensure_one()
        source = self.source_id.with_user(SUPERUSER_ID).with_company(self.source_id.company_id)
        data = json.loads(self.body)
        received = alerts.parse(source.payload_format, data)
        group = alert_grouping.group_fingerprint(source.payload_format, data)
        results = source._receive(received, group=group, payload=self, received_at=self.received_at)
        self.write(
            {
                "state": "done",
                "error": False,
                "processed_at": fields.Datetime.now(),
                "alert_count": len(received),
                "incident_count": sum(1 for result in results if result["result"] == alert_grouping.CREATED),
            }
        )

    def action_process(self):
        """Process queued or failed payloads now (a failed one once its cause is fixed)."""
        # The processing runs as superuser: only who may manage payloads may start it.
        self.check_access("write")
        self.filtered(lambda payload: payload.state != "done")._process()
        return True
