from odoo import api, fields, models

from .major_incident_policy import check_within_a_year


class MajorIncidentPolicySet(models.Model):
    """A procedure: the numbers, roles and texts of one MI document, as data."""

    _name = "major.incident.policy.set"
    _description = "Major Incident Policy Set"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)
    description = fields.Html(translate=True)
    source_document = fields.Char(help="The procedure this set implements, e.g. its title and version.")
    policy_ids = fields.One2many("major.incident.policy", "policy_set_id", string="Policies")
    policy_count = fields.Integer(compute="_compute_policy_count")
    update_reminder_minutes = fields.Integer(
        "Update reminder (min before due)",
        default=10,
        help="The Incident Manager is reminded this long before an update falls due. 0: no reminder.",
    )
    fallback_response_minutes = fields.Integer(
        "Response target without policy (min)",
        default=15,
        help="Used when no policy of the set matches the incident's severity and issue type.",
    )
    fallback_update_minutes = fields.Integer(
        "Update cadence without policy (min)",
        default=60,
        help="Used when no policy of the set matches the incident's severity and issue type.",
    )
    fallback_brief_minutes = fields.Integer(
        "Brief interruption without policy (min)",
        default=15,
        help="Used when no policy of the set matches the incident's severity and issue type.",
    )
    response_target_ids = fields.One2many(
        "major.incident.response.target", "policy_set_id", string="Response targets by customer tier"
    )

    _numbers_not_negative = models.Constraint(
        "CHECK(update_reminder_minutes >= 0 AND fallback_response_minutes > 0 "
        "AND fallback_update_minutes > 0 AND fallback_brief_minutes >= 0)",
        "Reminder and brief-interruption times cannot be negative; fallback targets must be positive.",
    )

    @api.constrains(
        "update_reminder_minutes", "fallback_response_minutes", "fallback_update_minutes", "fallback_brief_minutes"
    )
    def _check_within_a_year(self):
        check_within_a_year(
            self,
            [
                "update_reminder_minutes",
                "fallback_response_minutes",
                "fallback_update_minutes",
                "fallback_brief_minutes",
            ],
        )

    def _compute_policy_count(self):
        counts = dict(
            self.env["major.incident.policy"]._read_group(
                [("policy_set_id", "in", self.ids)], ["policy_set_id"], ["__count"]
            )
        )
        for policy_set in self:
            policy_set.policy_count = counts.get(policy_set, 0)
