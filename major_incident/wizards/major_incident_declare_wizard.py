from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import vocabulary


class MajorIncidentDeclareWizard(models.TransientModel):
    """Phone intake (SOP step 1): declare a major incident from a new ticket or an
    existing one, or declare the candidate already raised for it."""

    _name = "major.incident.declare.wizard"
    _inherit = ["major.incident.report.mixin"]
    _description = "Declare Major Incident"

    mode = fields.Selection(
        [("new", "New ticket"), ("existing", "Existing ticket")],
        required=True,
        default="new",
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        domain="['|', ('major_incident_id', '=', False), ('mi_state', '=', 'candidate')]",
    )
    name = fields.Char("Title")
    description = fields.Html("First description")
    team_id = fields.Many2one("helpdesk.ticket.team")
    partner_id = fields.Many2one("res.partner", "Reported by")
    severity = fields.Selection(vocabulary.SEVERITIES, required=True, default=vocabulary.DEFAULT_SEVERITY)
    issue_type_id = fields.Many2one("major.incident.issue.type")
    source = fields.Selection(vocabulary.SOURCES, required=True, default="phone")
    control = fields.Selection(vocabulary.CONTROLS, required=True, default="company")
    affected_partner_ids = fields.Many2many("res.partner", string="Affected customers")
    detected_at = fields.Datetime("Detected at", default=fields.Datetime.now, required=True)

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "helpdesk.ticket" and context.get("active_id"):
            if "default_mode" not in context:
                defaults["mode"] = "existing"
            defaults.setdefault("ticket_id", context["active_id"])
        return defaults

    @api.onchange("ticket_id")
    def _onchange_ticket_id(self):
        if self.ticket_id:
            self.name = self.ticket_id.name
            self.team_id = self.ticket_id.team_id
            self.partner_id = self.ticket_id.partner_id

    def _incident_values(self):
        return {
            "severity": self.severity,
            "issue_type_id": self.issue_type_id.id,
            "source": self.source,
            "control": self.control,
            **self._report_values(),
        }

    def action_declare(self):
        self.ensure_one()
        incidents = self.env["major.incident"]
        incidents._check_manager()
        if self.detected_at > fields.Datetime.now():
            raise UserError(self.env._("The detection time cannot be in the future."))
        if self.mode == "existing":
            if not self.ticket_id:
                raise UserError(self.env._("Choose the ticket to declare a major incident from."))
            ticket = self.ticket_id
            if self.description:
                ticket.message_post(body=self.description, subtype_xmlid="mail.mt_note")
        else:
            if not self.name or not self.description:
                raise UserError(self.env._("A new major incident needs a title and a first description."))
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": self.name,
                    "description": self.description,
                    "team_id": self.team_id.id,
                    "partner_id": self.partner_id.id,
                }
            )
        incident = incidents._declare_for_ticket(
            ticket, self.source, {**self._incident_values(), "detected_at": self.detected_at}
        )
        if self.affected_partner_ids:
            incident.sudo().affected_partner_ids = [fields.Command.link(p.id) for p in self.affected_partner_ids]
        return incident._form_action()
