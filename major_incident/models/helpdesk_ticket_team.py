from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    mi_policy_set_id = fields.Many2one(
        "major.incident.policy.set",
        "Major incident policy set",
        help="Overrides the company's policy set for this team's tickets.",
    )
