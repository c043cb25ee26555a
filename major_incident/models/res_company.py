from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    mi_policy_set_id = fields.Many2one(
        "major.incident.policy.set",
        "Major incident policy set",
        help="The procedure whose policies apply to this company's major incidents, "
        "unless the helpdesk team sets its own.",
    )
    mi_incident_manager_id = fields.Many2one(
        "res.users",
        "Incident Manager on duty",
        domain=[("share", "=", False)],
        help="Called first when a ticket becomes a major incident candidate.",
    )
