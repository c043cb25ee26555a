from odoo import fields, models


class MajorIncidentIssueType(models.Model):
    """A kind of urgent issue (e.g. "System Outage"), which selects its policy."""

    _name = "major.incident.issue.type"
    _description = "Major Incident Issue Type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    definition = fields.Text(translate=True)
    company_id = fields.Many2one("res.company", index=True)
