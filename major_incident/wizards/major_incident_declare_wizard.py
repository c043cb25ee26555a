from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.helpdesk_ticket import MI_SEVERITIES


class MajorIncidentDeclareWizard(models.TransientModel):
    """Phone intake (SOP step 1): declare a major incident on a new ticket or
    promote an existing one."""

    _name = "major.incident.declare.wizard"
    _description = "Declare Major Incident"

    mode = fields.Selection(
        [("new", "New ticket"), ("existing", "Existing ticket")],
        required=True,
        default="new",
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        "Ticket",
        domain="[('mi_state', 'in', (False, 'candidate'))]",
    )
    name = fields.Char("Title")
    description = fields.Html("First description")
    team_id = fields.Many2one("helpdesk.ticket.team", "Team")
    partner_id = fields.Many2one("res.partner", "Reported by")
    severity = fields.Selection(MI_SEVERITIES, required=True, default="p1")
    issue_type_id = fields.Many2one("major.incident.issue.type", "Issue Type")
    source = fields.Selection(
        [
            ("phone", "Phone call"),
            ("monitoring", "Uptime monitoring"),
            ("ticket", "Urgent ticket"),
            ("email", "E-mail"),
            ("manual", "Manual"),
        ],
        required=True,
        default="phone",
    )
    control = fields.Selection(
        [("company", "We restore service"), ("external", "Client or third party restores")],
        required=True,
        default="company",
    )
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

    def _ticket_values(self):
        return {
            "mi_severity": self.severity,
            "mi_issue_type_id": self.issue_type_id.id,
            "mi_source": self.source,
            "mi_control": self.control,
            "mi_detected_at": self.detected_at,
            "mi_affected_partner_ids": [fields.Command.link(p.id) for p in self.affected_partner_ids],
        }

    def action_declare(self):
        self.ensure_one()
        if self.detected_at > fields.Datetime.now():
            raise UserError(self.env._("The detection time cannot be in the future."))
        if self.mode == "existing":
            if not self.ticket_id:
                raise UserError(self.env._("Choose the ticket to promote to a major incident."))
            ticket = self.ticket_id
            if ticket.is_major_incident and ticket.mi_state != "candidate":
                raise UserError(
                    self.env._(
                        "%(ticket)s is already a major incident.", ticket=ticket.display_name
                    )
                )
            vals = self._ticket_values()
            if ticket.mi_detected_at:
                vals.pop("mi_detected_at")
            ticket.write(vals)
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
                    **self._ticket_values(),
                }
            )
        ticket.action_declare_major_incident()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": ticket.id,
            "view_mode": "form",
            "target": "current",
        }
