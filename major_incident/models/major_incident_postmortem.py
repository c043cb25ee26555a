from odoo import api, fields, models
from odoo.exceptions import UserError


class MajorIncidentPostmortem(models.Model):
    """Post-mortem and RCA of a major incident (SOP 2 step 13 and 3.5): its
    publication meets the post-mortem clock, the debrief meeting the debrief clock."""

    _name = "major.incident.postmortem"
    _description = "Major Incident Post-mortem"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char("Title", compute="_compute_name", store=True, readonly=False, precompute=True, required=True)
    incident_id = fields.Many2one("major.incident", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="incident_id.company_id", store=True)
    author_id = fields.Many2one("res.users", default=lambda self: self.env.user, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published")], default="draft", required=True, tracking=True
    )
    summary = fields.Html(help="What happened, in plain words.")
    timeline = fields.Html(help="Event log with timestamps, from the case notes.")
    root_cause = fields.Html("Root cause")
    resolution = fields.Html(help="All steps taken and their outcomes.")
    preventive_measures = fields.Html("Preventive measures")
    lessons_learned = fields.Html("Lessons learned")
    communication_feedback = fields.Html(help="Feedback on communication effectiveness (SOP 3.5).")
    debrief_held_at = fields.Datetime("Debrief held at", tracking=True)
    published_at = fields.Datetime(readonly=True, tracking=True)

    _one_per_incident = models.UniqueIndex("(incident_id)", "An incident has one post-mortem.")

    def write(self, vals):
        if {"state", "published_at"} & set(vals) and not self.env.su:
            raise UserError(self.env._("A post-mortem is published with its Publish button, never by a direct write."))
        return super().write(vals)

    # Titled once from its incident, then the author's.
    @api.depends("incident_id")
    def _compute_name(self):
        for postmortem in self:
            postmortem.name = self.env._(
                "Post-mortem %(incident)s",
                incident=postmortem.incident_id.display_name,
            )

    def action_record_debrief(self):
        """The debrief meeting took place: meets the debrief clock."""
        self.incident_id._check_manager()
        now = fields.Datetime.now()
        for postmortem in self:
            postmortem.debrief_held_at = postmortem.debrief_held_at or now
            postmortem.incident_id._apply_clock_event("debrief_held", postmortem.debrief_held_at)
        return True

    def action_publish(self):
        """Publish the report: meets the post-mortem clock."""
        self.incident_id._check_manager()
        for postmortem in self:
            if postmortem.state == "published":
                raise UserError(self.env._("%(name)s is already published.", name=postmortem.name))
            if postmortem.incident_id.state not in ("resolved", "closed"):
                raise UserError(self.env._("Publish the post-mortem once the incident is resolved."))
            missing = [
                label
                for field, label in (
                    ("summary", self.env._("Summary")),
                    ("root_cause", self.env._("Root cause")),
                    ("preventive_measures", self.env._("Preventive measures")),
                )
                if not postmortem[field]
            ]
            if missing:
                raise UserError(self.env._("Fill in before publishing: %(fields)s.", fields=", ".join(missing)))
        now = fields.Datetime.now()
        self.sudo().write({"state": "published", "published_at": now})
        for postmortem in self:
            postmortem.incident_id._apply_clock_event("postmortem_published", now)
            postmortem.incident_id.message_post(body=self.env._("Post-mortem published."), subtype_xmlid="mail.mt_note")
        return True
