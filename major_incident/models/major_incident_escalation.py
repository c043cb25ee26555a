from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

OUTCOMES = [
    ("called", "Called, no answer yet"),
    ("acknowledged", "Acknowledged"),
    ("escalated", "No answer: escalated"),
    ("stopped", "Stopped: acknowledged by someone else"),
    ("unreachable", "Could not be called"),
]


class MajorIncidentEscalation(models.Model):
    """The log of a ladder: who was called for which incident, when, and what came of it."""

    _name = "major.incident.escalation"
    _description = "Major Incident Escalation"
    _order = "contacted_at, id"

    incident_id = fields.Many2one("major.incident", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="incident_id.company_id", store=True)
    level_id = fields.Many2one("major.incident.escalation.level", ondelete="set null")
    level_name = fields.Char(required=True)
    level_sequence = fields.Integer()
    user_id = fields.Many2one("res.users", "Person", required=True, index=True)
    phone_e164 = fields.Char("Phone (E.164)")
    failure_reason = fields.Char(help="Why the person could not be called.")
    contact_method = fields.Selection(
        [("phone", "Phone call"), ("video_call", "Video/Teams call")], default="phone", required=True
    )
    contacted_at = fields.Datetime(required=True)
    acknowledged_at = fields.Datetime()
    acknowledged_by_id = fields.Many2one("res.users")
    outcome = fields.Selection(OUTCOMES, required=True, default="called")
    activity_id = fields.Many2one("mail.activity", ondelete="set null")

    _person_once_per_level = models.UniqueIndex(
        "(incident_id, level_sequence, user_id)",
        "A person is called once per escalation level of an incident.",
    )

    @api.model
    def _call(self, incident, level, when):
        """Call every person of ``level`` for ``incident``: see ``_call_many``."""
        return self._call_many([(incident, level, when)])

    @api.model
    def _call_many(self, calls):
        """Call every person of each (incident, level, when) of ``calls``: a log row and a
        "Phone call" activity each, and a note on the incident. A person who cannot be
        called (no valid number, archived) is logged as such and reported loudly; the others
        are called all the same, and the ladder goes on.

        An outage raises hundreds of incidents at once: rows, activities and notes are
        created with one query per model, whatever the number of calls. The activity is
        the call to make, not an e-mail: its assignment sends none."""
        if not calls:
            return self.browse()
        call_type = self.env.ref("mail.mail_activity_data_call")
        model_id = self.env["ir.model"]._get_id("major.incident")
        today = fields.Date.context_today(self)
        severities = dict(self.env["major.incident"]._fields["severity"]._description_selection(self.env))
        numbers_of = {}
        activity_vals, called_rows, unreachable_rows, unreachable = [], [], [], []
        notes = defaultdict(list)
        for incident, level, when in calls:
            # Two levels of one sequence may share a person: called once.
            already = incident.escalation_ids.filtered(
                lambda r, level=level: r.level_sequence == level.sequence
            ).user_id
            people = level._people_for(incident) - already
            if not people:
                notes[incident.id].append(self.env._("%(level)s: nobody to call is configured.", level=level.name))
                continue
            numbers, failures = {}, {}
            for user in people:
                if user not in numbers_of:
                    numbers_of[user] = self._number_or_failure(user)
                number, failure = numbers_of[user]
                if failure:
                    failures[user] = failure
                else:
                    numbers[user] = number
            for user, number in numbers.items():
                activity_vals.append(
                    {
                        "res_model_id": model_id,
                        "res_id": incident.id,
                        "activity_type_id": call_type.id,
                        "automated": True,
                        "summary": self.env._(
                            "Call now: major incident %(incident)s (%(severity)s)",
                            incident=incident.reference,
                            severity=severities.get(incident.severity, ""),
                        ),
                        "note": Markup("<p>%s</p>")
                        % self.env._(
                            "%(level)s. Call %(name)s on %(phone)s and give the incident reference and a "
                            "summary. Text messages are not an escalation channel.",
                            level=level.name,
                            name=user.name,
                            phone=number,
                        ),
                        "user_id": user.id,
                        "date_deadline": today,
                    }
                )
                called_rows.append(self._row_values(incident, level, user, when, phone_e164=number))
            unreachable_rows += [
                self._row_values(incident, level, user, when, outcome="unreachable", failure_reason=reason)
                for user, reason in failures.items()
            ]
            if numbers:
                notes[incident.id].append(
                    self.env._(
                        "Escalation %(level)s: calling %(people)s.",
                        level=level.name,
                        people=", ".join(f"{u.name} ({n})" for u, n in numbers.items()),
                    )
                )
            if failures:
                unreachable.append((incident, level, failures))
        activities = self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(activity_vals)
        for row, activity in zip(called_rows, activities, strict=True):
            row["activity_id"] = activity.id
        rows = self.create(called_rows + unreachable_rows)
        if notes:
            self.env["major.incident"].browse(list(notes))._message_log_batch(
                bodies={
                    incident_id: Markup("<br/>").join(Markup("%s") % line for line in lines)
                    for incident_id, lines in notes.items()
                }
            )
        for incident, level, failures in unreachable:
            incident._report_unreachable(level, failures)
        return rows

    @api.model
    def _number_or_failure(self, user):
        """(E.164 number, None) of a person who can be called, else (None, why not)."""
        if not user.active:
            return None, self.env._("%(name)s is archived.", name=user.name)
        try:
            return user.partner_id._mi_phone_e164(), None
        except UserError as error:
            return None, error.args[0]

    @api.model
    def _row_values(self, incident, level, user, when, **values):
        return {
            "incident_id": incident.id,
            "level_id": level.id,
            "level_name": level.name,
            "level_sequence": level.sequence,
            "user_id": user.id,
            "contact_method": level.contact_method,
            "contacted_at": when,
            **values,
        }

    def _stop(self, acknowledged_by, when, feedback=None):
        """The ladder stops: the person who answered is recorded as having acknowledged,
        the others as stopped. With ``feedback`` (a merge, a dismissal) nobody answered:
        every open call is stopped, with that reason on its activity."""
        open_rows = self.filtered(lambda r: r.outcome in ("called", "escalated"))
        answered = open_rows.filtered(lambda r: not feedback and r.user_id == acknowledged_by)
        stamp = {"acknowledged_at": when, "acknowledged_by_id": acknowledged_by.id}
        answered.write({"outcome": "acknowledged", **stamp})
        (open_rows - answered).write({"outcome": "stopped", **stamp})
        pending = open_rows.activity_id.exists()
        if pending:
            pending.action_feedback(
                feedback=feedback or self.env._("Acknowledged by %(name)s.", name=acknowledged_by.name)
            )
        return open_rows
