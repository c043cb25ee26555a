from odoo import fields, models


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
    response_target_ids = fields.One2many(
        "major.incident.response.target", "policy_set_id", string="Response targets by customer tier"
    )

    def _compute_policy_count(self):
        counts = dict(
            self.env["major.incident.policy"]._read_group(
                [("policy_set_id", "in", self.ids)], ["policy_set_id"], ["__count"]
            )
        )
        for policy_set in self:
            policy_set.policy_count = counts.get(policy_set, 0)
