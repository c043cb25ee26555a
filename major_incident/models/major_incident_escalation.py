from markupsafe import Markup

from odoo import api, fields, models

OUTCOMES = [
    ("called", "Called, no answer yet"),
    ("acknowledged", "Acknowledged"),
    ("escalated", "No answer: escalated"),
    ("stopped", "Stopped: acknowledged by someone else"),
]


class MajorIncidentEscalation(models.Model):
    """The log of a ladder: who was called for which incident, when, and what came of it."""

    _name = "major.incident.escalation"
    _description = "Major Incident Escalation"
    _order = "contacted_at, id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="ticket_id.company_id", store=True)
    level_id = fields.Many2one("major.incident.escalation.level", ondelete="set null")
    level_name = fields.Char(required=True)
    level_sequence = fields.Integer()
    user_id = fields.Many2one("res.users", "Person", required=True, index=True)
    phone_e164 = fields.Char("Phone (E.164)", required=True)
    contact_method = fields.Selection(
        [("phone", "Phone call"), ("video_call", "Video/Teams call")], default="phone", required=True
    )
    contacted_at = fields.Datetime(required=True)
    acknowledged_at = fields.Datetime()
    acknowledged_by_id = fields.Many2one("res.users")
    outcome = fields.Selection(OUTCOMES, required=True, default="called")
    activity_id = fields.Many2one("mail.activity", ondelete="set null")

    _person_once_per_level = models.UniqueIndex(
        "(ticket_id, level_sequence, user_id)",
        "A person is called once per escalation level of an incident.",
    )

    @api.model
    def _call(self, ticket, level, when):
        """Call every person of ``level`` for ``ticket``: a log row and a "Phone call"
        activity each. All numbers are checked first, so a bad one writes nothing."""
        people = level._people_for(ticket)
        numbers = {}
        for user in people:
            numbers[user] = user.partner_id._mi_phone_e164()
        if not people:
            ticket.message_post(
                body=self.env._("%(level)s: nobody to call is configured.", level=level.name),
                subtype_xmlid="mail.mt_note",
            )
            return self.browse()
        call_type = self.env.ref("mail.mail_activity_data_call")
        rows = self.browse()
        for user, number in numbers.items():
            activity = ticket.activity_schedule(
                activity_type_id=call_type.id,
                summary=self.env._(
                    "Call now: major incident %(ticket)s (%(severity)s)",
                    ticket=ticket.number,
                    severity=dict(ticket._fields["mi_severity"]._description_selection(self.env)).get(
                        ticket.mi_severity, ""
                    ),
                ),
                note=Markup("<p>%s</p>") % self.env._(
                    "%(level)s. Call %(name)s on %(phone)s and give the ticket number and a summary. "
                    "Text messages are not an escalation channel.",
                    level=level.name,
                    name=user.name,
                    phone=number,
                ),
                user_id=user.id,
                date_deadline=fields.Date.context_today(self),
            )
            rows |= self.create(
                {
                    "ticket_id": ticket.id,
                    "level_id": level.id,
                    "level_name": level.name,
                    "level_sequence": level.sequence,
                    "user_id": user.id,
                    "phone_e164": number,
                    "contact_method": level.contact_method,
                    "contacted_at": when,
                    "activity_id": activity.id,
                }
            )
        ticket.message_post(
            body=self.env._(
                "Escalation %(level)s: calling %(people)s.",
                level=level.name,
                people=", ".join(f"{u.name} ({n})" for u, n in numbers.items()),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return rows

    def _stop(self, acknowledged_by, when):
        """Acknowledgment: the person who answered is recorded, the others are stopped."""
        open_rows = self.filtered(lambda r: r.outcome in ("called", "escalated"))
        answered = open_rows.filtered(lambda r: r.user_id == acknowledged_by)
        answered.write({"outcome": "acknowledged", "acknowledged_at": when, "acknowledged_by_id": acknowledged_by.id})
        (open_rows - answered).write({"outcome": "stopped", "acknowledged_at": when, "acknowledged_by_id": acknowledged_by.id})
        pending = open_rows.activity_id.exists()
        if pending:
            pending.action_feedback(feedback=self.env._("Acknowledged by %(name)s.", name=acknowledged_by.name))
        return open_rows
