from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..engine import vocabulary


class MajorIncidentLinkWizard(models.TransientModel):
    """An agent links customer tickets to the ongoing incident of their outage, or raises
    a new candidate for them."""

    _name = "major.incident.link.wizard"
    _description = "Link Tickets to a Major Incident"

    ticket_ids = fields.Many2many("helpdesk.ticket", string="Tickets", required=True)
    mode = fields.Selection(
        [("link", "Link to an ongoing incident"), ("new", "Raise a new candidate")],
        required=True,
        default="link",
    )
    open_incident_ids = fields.Many2many(
        "major.incident", string="Ongoing incidents", compute="_compute_open_incident_ids"
    )
    incident_id = fields.Many2one(
        "major.incident",
        domain="[('id', 'in', open_incident_ids)]",
        help="The ongoing incidents, most recent first.",
    )

    @api.depends("ticket_ids")
    def _compute_open_incident_ids(self):
        for wizard in self:
            companies = wizard.ticket_ids.company_id or self.env.company
            wizard.open_incident_ids = self.env["major.incident"].search(
                Domain("state", "in", vocabulary.ACTIVE_STATES) & Domain("company_id", "in", companies.ids),
                order="detected_at desc, id desc",
            )

    def action_link(self):
        self.ensure_one()
        tickets = self.ticket_ids
        linked = tickets.filtered("major_incident_id")
        if linked:
            raise UserError(
                self.env._(
                    "Already linked to a major incident: %(tickets)s.",
                    tickets=", ".join(linked.mapped("display_name")),
                )
            )
        if self.mode == "new":
            incidents = self.env["major.incident"]._raise_for_tickets(tickets, "ticket")
        else:
            if not self.incident_id:
                raise UserError(self.env._("Choose the ongoing incident to link the tickets to."))
            if self.incident_id.state not in vocabulary.ACTIVE_STATES:
                raise UserError(self.env._("%(incident)s is no longer open.", incident=self.incident_id.display_name))
            tickets.write({"major_incident_id": self.incident_id.id})
            incidents = self.incident_id
        if len(incidents) == 1:
            return incidents._form_action()
        return {"type": "ir.actions.act_window_close"}
