from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..engine import vocabulary


class HelpdeskTicket(models.Model):
    """A customer's ticket links to the major incident of its outage; a ticket that is
    not linked writes one NULL column and reads no table of the addon."""

    _inherit = "helpdesk.ticket"

    # The incident is internal: a customer reading their own ticket (portal, JSON-RPC)
    # gets none of the fields below.
    major_incident_id = fields.Many2one(
        "major.incident",
        copy=False,
        tracking=True,
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_user",
    )
    # Not stored: a plain ticket writes the one NULL column above and nothing more.
    is_major_incident = fields.Boolean(
        "Part of a Major Incident",
        compute="_compute_is_major_incident",
        search="_search_is_major_incident",
        groups="base.group_user",
    )
    # Not tracked on the ticket: the incident's own chatter holds its history, and a
    # ticket would log only the value it had when it was linked.
    mi_state = fields.Selection(
        related="major_incident_id.state", string="MI Status", tracking=False, groups="base.group_user"
    )
    mi_severity = fields.Selection(
        related="major_incident_id.severity", string="Severity", tracking=False, groups="base.group_user"
    )
    mi_exec_escalation_requested_at = fields.Datetime(
        "Executive escalation requested at", copy=False, readonly=True, groups="base.group_user"
    )
    mi_exec_escalation_due_at = fields.Datetime(
        "Executive review due",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="A support manager reviews the request within the company's executive review time.",
    )

    @api.depends("major_incident_id")
    def _compute_is_major_incident(self):
        for ticket in self:
            ticket.is_major_incident = bool(ticket.major_incident_id)

    def _search_is_major_incident(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        linked = Domain("major_incident_id", "!=", False)
        return linked if (True in value) == (operator == "in") else ~linked

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        linked = tickets.filtered("major_incident_id")
        if linked:
            linked.major_incident_id._on_tickets_linked(linked)
        # Priority "Very High" is the SOP's "Urgent": it raises a candidate at once.
        urgent = tickets.filtered(lambda t: t.priority == vocabulary.URGENT_PRIORITY and not t.major_incident_id)
        if urgent:
            self.env["major.incident"]._raise_for_tickets(urgent, "ticket")
        return tickets

    def write(self, vals):
        result = super().write(vals)
        if vals.get("major_incident_id"):
            self.major_incident_id._on_tickets_linked(self)
        if vals.get("priority") == vocabulary.URGENT_PRIORITY:
            upgraded = self.filtered(lambda t: not t.major_incident_id)
            if upgraded:
                self.env["major.incident"]._raise_for_tickets(upgraded, "ticket")
        return result

    # ------------------------------------------------------------------ actions

    def action_open_major_incident(self):
        self.ensure_one()
        return self.major_incident_id._form_action()

    def action_link_major_incident(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Link to a major incident"),
            "res_model": "major.incident.link.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_ids": self.ids},
        }

    def action_declare_major_incident(self):
        """An Incident Manager declares the incident of this ticket: a candidate already
        raised for it is declared, else a new incident is, with the ticket linked."""
        incidents = self.env["major.incident"]
        incidents._check_manager()
        for ticket in self:
            incidents._declare_for_ticket(ticket, "manual")
        return True

    # ------------------------------------------------------------------ executive escalation (urgent-support policy)

    def _mi_support_manager(self):
        self.ensure_one()
        return self.company_id.mi_support_manager_id or self.team_id.user_id

    def action_request_executive_escalation(self):
        """The customer asks for executive escalation: a support manager reviews the ticket
        within the company's review time, in business hours ("All escalation requests are
        reviewed by a support manager within 1 hour during business hours")."""
        if not self.env.user.has_group("helpdesk_mgmt.group_helpdesk_user_own"):
            raise UserError(self.env._("Only helpdesk users record executive escalation requests."))
        now = fields.Datetime.now()
        requested_by = self.env.user
        for ticket in self:
            manager = ticket._mi_support_manager()
            if not manager:
                raise UserError(
                    self.env._(
                        "Set the support manager in the helpdesk settings, or a leader on the team "
                        "of %(ticket)s: nobody can review the escalation.",
                        ticket=ticket.display_name,
                    )
                )
            company = ticket.company_id
            calendar = company.resource_calendar_id
            review = timedelta(minutes=company.mi_exec_review_minutes)
            due = calendar._mi_plan_work_time(now, review) if calendar else now + review
            tz = pytz.timezone(calendar.tz or company.partner_id.tz or "UTC")
            local_due = pytz.utc.localize(due).astimezone(tz)
            ticket.sudo().write({"mi_exec_escalation_requested_at": now, "mi_exec_escalation_due_at": due})
            ticket.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=local_due.date(),
                summary=self.env._("Review executive escalation by %(time)s", time=local_due.strftime("%H:%M %Z")),
                note=Markup("<p>%s</p>")
                % self.env._(
                    "%(user)s recorded an executive escalation request on %(ticket)s. Review it by "
                    "%(time)s (%(minutes)s minutes of business time).",
                    user=requested_by.name,
                    ticket=ticket.display_name,
                    time=local_due.strftime("%Y-%m-%d %H:%M %Z"),
                    minutes=company.mi_exec_review_minutes,
                ),
                user_id=manager.id,
            )
            ticket.message_post(
                body=self.env._(
                    "Executive escalation requested by %(user)s: %(manager)s reviews it by %(time)s.",
                    user=requested_by.name,
                    manager=manager.name,
                    time=local_due.strftime("%Y-%m-%d %H:%M %Z"),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
