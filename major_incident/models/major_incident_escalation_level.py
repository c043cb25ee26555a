from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .major_incident_policy import check_within_a_year


class MajorIncidentEscalationLevel(models.Model):
    """One rung of a policy's escalation ladder (SOP 2.3)."""

    _name = "major.incident.escalation.level"
    _description = "Major Incident Escalation Level"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one("major.incident.policy", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True, help="e.g. Secondary escalation: Director of Support")
    wait_minutes = fields.Integer(
        "Called after (min)",
        help="Minutes without acknowledgment after the previous level was called. "
        "The first level is called at once; 0: together with the previous level.",
    )
    contact_role = fields.Selection(
        [("incident_manager", "The incident's Incident Manager"), ("users", "These people")],
        required=True,
        default="users",
    )
    user_ids = fields.Many2many("res.users", string="People", domain=[("share", "=", False)])
    contact_method = fields.Selection(
        [("phone", "Phone call"), ("video_call", "Video/Teams call")],
        required=True,
        default="phone",
        help="The SOP requires speaking to the person: text messages are not an escalation channel.",
    )
    note = fields.Text(translate=True, help="What to tell the person, as the procedure words it.")

    _wait_positive = models.Constraint("CHECK(wait_minutes >= 0)", "Escalation waits cannot be negative.")

    @api.constrains("wait_minutes")
    def _check_wait(self):
        check_within_a_year(self, ["wait_minutes"])

    @api.constrains("user_ids")
    def _check_phones(self):
        for level in self:
            for user in level.user_ids:
                try:
                    user.partner_id._mi_phone_e164()
                except UserError as error:
                    raise ValidationError(
                        self.env._(
                            "%(level)s cannot call %(error)s",
                            level=level.name,
                            error=error.args[0],
                        )
                    ) from error

    def _people_for(self, incident):
        self.ensure_one()
        if self.contact_role == "incident_manager":
            return incident.incident_manager_id
        # Archived people stay listed, to be reported as not callable rather than skipped.
        return self.with_context(active_test=False).user_ids
