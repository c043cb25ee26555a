from odoo import fields, models

from ..engine import alerts

ALERT_RESULTS = [
    ("created", "Opened the incident"),
    ("grouped", "Grouped into a new incident"),
    ("updated", "Added to an open incident"),
    ("held", "Held: page cap reached"),
    ("ignored", "Ignored"),
]


class MajorIncidentAlertLine(models.Model):
    """One alert as a monitor reported it, whatever became of it: an alert grouped into
    another's incident, or held by the page cap, is still recorded here."""

    _name = "major.incident.alert.line"
    _description = "Major Incident Alert"
    _order = "id desc"
    _rec_name = "title"

    payload_id = fields.Many2one("major.incident.alert.payload", readonly=True, ondelete="cascade", index=True)
    source_id = fields.Many2one(
        "major.incident.alert.source", "Alert source", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    incident_id = fields.Many2one("major.incident", readonly=True, ondelete="set null", index="btree_not_null")
    fingerprint = fields.Char("Alert identifier", required=True, readonly=True, index=True)
    event = fields.Selection([(alerts.DOWN, "Down"), (alerts.UP, "Up")], readonly=True)
    result = fields.Selection(ALERT_RESULTS, required=True, readonly=True)
    title = fields.Char(readonly=True)
    message = fields.Text(readonly=True)
    alerted_at = fields.Datetime("Alert time", required=True, readonly=True)
    reported_time = fields.Char(
        "Time as reported",
        readonly=True,
        help="Set when the monitor's time was long before the source existed (e.g. year 1): "
        "the time received was recorded instead.",
    )
