from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    mi_policy_set_id = fields.Many2one(
        "major.incident.policy.set",
        "Major incident policy set",
        help="Overrides the company's policy set for this team's tickets.",
    )
    mi_bridge_url = fields.Char(
        "Bridge meeting URL",
        help="The video meeting (e.g. a Teams room) of this team's bridge calls. "
        "Empty: each bridge gets Odoo's own meeting link.",
    )
    mi_close_linked_tickets = fields.Boolean(
        "Close tickets with their major incident",
        help="When a major incident closes, its linked tickets of this team move to the "
        "team's closing stage. Tickets already closed are left as they are.",
    )
