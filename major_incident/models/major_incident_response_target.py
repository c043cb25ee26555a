from odoo import api, fields, models

from ..engine.vocabulary import TIERS
from .major_incident_policy import check_within_a_year


class MajorIncidentResponseTarget(models.Model):
    """Response time per customer tier, in and out of business hours (urgent-support
    FAQ: Enterprise 15 minutes; Pro 30 minutes in business hours, 2 hours outside)."""

    _name = "major.incident.response.target"
    _description = "Major Incident Response Target by Tier"
    _order = "policy_set_id, tier"

    policy_set_id = fields.Many2one("major.incident.policy.set", required=True, ondelete="cascade", index=True)
    tier = fields.Selection(TIERS, required=True)
    business_hours_minutes = fields.Integer("In business hours (min)", required=True)
    outside_hours_minutes = fields.Integer("Outside business hours (min)", required=True)

    _tier_unique = models.UniqueIndex("(policy_set_id, tier)", "One response target per tier and policy set.")
    _minutes_positive = models.Constraint(
        "CHECK(business_hours_minutes > 0 AND outside_hours_minutes > 0)",
        "Response targets must be positive.",
    )

    @api.constrains("business_hours_minutes", "outside_hours_minutes")
    def _check_within_a_year(self):
        check_within_a_year(self, ["business_hours_minutes", "outside_hours_minutes"])
