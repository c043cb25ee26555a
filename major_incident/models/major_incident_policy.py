from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from ..engine.vocabulary import SEVERITIES

A_YEAR_IN_MINUTES = 525600
# field -> (largest value, unit): a year of each.
DURATION_LIMITS = {
    **dict.fromkeys(
        (
            "response_minutes",
            "blast_minutes",
            "update_interval_minutes",
            "rto_minutes",
            "rpo_minutes",
            "resolution_minutes",
            "brief_interruption_minutes",
            "dr_rto_minutes",
            "dr_rpo_minutes",
        ),
        (A_YEAR_IN_MINUTES, "minutes"),
    ),
    "debrief_hours": (8760, "hours"),
    "postmortem_business_days": (260, "business days"),
}
# A target of 0 is refused where it cannot mean "none": a response or a first blast due the
# moment the incident is raised would be breached before anyone could act. Elsewhere 0 means
# no clock, and each field says so.
NOT_ZERO = ("response_minutes", "blast_minutes")


def check_within_a_year(records, field_names):
    """Refuse, by record and field, a duration in minutes beyond a year: a typo, and past
    year 9999 a deadline cannot even be computed (OverflowError)."""
    for record in records:
        for name in field_names:
            if (record[name] or 0) > A_YEAR_IN_MINUTES:
                raise ValidationError(
                    records.env._(
                        "%(field)s of %(record)s is %(value)s: at most %(limit)s minutes.",
                        field=records._fields[name].get_description(records.env)["string"],
                        record=record.display_name,
                        value=record[name],
                        limit=A_YEAR_IN_MINUTES,
                    )
                )


class MajorIncidentPolicy(models.Model):
    """Every number of a procedure for one severity and/or issue type.

    Durations are stored in minutes (hours for the debrief, business days for
    the post-mortem) so that both seeds' tables load without conversion."""

    _name = "major.incident.policy"
    _description = "Major Incident Policy"
    _order = "policy_set_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    policy_set_id = fields.Many2one("major.incident.policy.set", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", index=True)
    severity = fields.Selection(SEVERITIES, help="Leave empty for a policy that applies to every severity.")
    issue_type_id = fields.Many2one(
        "major.incident.issue.type",
        help="Leave empty for a policy that applies to every issue type.",
    )
    definition = fields.Html(translate=True)
    examples = fields.Html(translate=True)
    escalation_path = fields.Char(translate=True, help="The escalation path as the procedure words it.")
    communication = fields.Text(translate=True, help="Who is told what, and how, as the procedure words it.")
    response_minutes = fields.Integer(
        "Response (min)",
        default=15,
        help="Acknowledgment by the Incident Manager. At least 1 minute.",
    )
    blast_minutes = fields.Integer(
        "First blast (min)",
        default=15,
        help="First stakeholder notification after declaration. At least 1 minute.",
    )
    update_interval_minutes = fields.Integer("Updates every (min)", default=60, help="0: no update cadence.")
    rto_minutes = fields.Integer("RTO (min)", help="Recovery Time Objective. 0: none.")
    rpo_minutes = fields.Integer("RPO (min)", help="Recovery Point Objective. 0: none.")
    resolution_minutes = fields.Integer("Resolution target (min)", help="0: none.")
    resolution_target_note = fields.Char(translate=True)
    debrief_hours = fields.Integer("Debrief within (h)", default=48, help="0: no debrief deadline.")
    postmortem_business_days = fields.Integer(
        "Post-mortem within (business days)", default=7, help="0: no post-mortem deadline."
    )
    brief_interruption_minutes = fields.Integer(
        "Brief interruption (min)",
        default=15,
        help="An incident resolved within this time of its detection is a brief "
        "interruption: documented and communicated, no debrief or post-mortem. "
        "0: every restored outage is a major incident.",
    )
    dr_rto_minutes = fields.Integer(
        "DR failover RTO (min)", default=15, help="SOP 2.1: 15-minute RTO for DR failover. 0: none."
    )
    dr_rpo_minutes = fields.Integer(
        "DR failover RPO (min)", default=15, help="SOP 2.1: 15-minute RPO for DR failover. 0: none."
    )
    auto_holding_update = fields.Boolean(
        "Send holding updates automatically",
        help="When the next update falls due and nothing was sent, send the holding "
        "update (no new findings, next update time) instead of only reminding.",
    )
    escalation_level_ids = fields.One2many(
        "major.incident.escalation.level", "policy_id", string="Escalation ladder", copy=True
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working calendar",
        help="Business time for the post-mortem and debrief deadlines. Empty: the company's working calendar.",
    )
    checklist_plan_id = fields.Many2one(
        "mail.activity.plan",
        string="Action checklist",
        domain=[("res_model", "=", "major.incident")],
        help="The procedure's 'actions to be taken', scheduled as activities on declaration.",
    )
    playbook_plan_id = fields.Many2one(
        "mail.activity.plan",
        string="Resolution playbook",
        domain=[("res_model", "=", "major.incident")],
        help="Resolution steps, scheduled as activities on declaration.",
    )

    _minutes_positive = models.Constraint(
        "CHECK(response_minutes >= 0 AND blast_minutes >= 0 AND update_interval_minutes >= 0"
        " AND COALESCE(rto_minutes, 0) >= 0 AND COALESCE(rpo_minutes, 0) >= 0"
        " AND COALESCE(resolution_minutes, 0) >= 0 AND debrief_hours >= 0"
        " AND postmortem_business_days >= 0 AND brief_interruption_minutes >= 0"
        " AND COALESCE(dr_rto_minutes, 0) >= 0 AND COALESCE(dr_rpo_minutes, 0) >= 0)",
        "Policy durations cannot be negative.",
    )

    @api.constrains(*DURATION_LIMITS)
    def _check_duration_limits(self):
        """A target beyond a year is a typo, and one of billions of hours broke resolution
        (a deadline past year 9999); a response or first blast of 0 minutes used to mean
        15 minutes or no clock at all, unsaid. Both are refused with the field and why."""
        # The unit in the reader's language.
        units = {
            "minutes": self.env._("minutes"),
            "hours": self.env._("hours"),
            "business days": self.env._("business days"),
        }
        for policy in self:
            for name, (limit, unit) in DURATION_LIMITS.items():
                label = self._fields[name].get_description(self.env)["string"]
                if (policy[name] or 0) > limit:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of %(policy)s is %(value)s: at most %(limit)s %(unit)s.",
                            field=label,
                            policy=policy.display_name,
                            value=policy[name],
                            limit=limit,
                            unit=units[unit],
                        )
                    )
                if name in NOT_ZERO and not policy[name]:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of %(policy)s is 0: it would be overdue the moment an incident is "
                            "raised. Set at least 1 minute.",
                            field=label,
                            policy=policy.display_name,
                        )
                    )

    @api.depends("policy_set_id", "name")
    def _compute_display_name(self):
        for policy in self:
            policy.display_name = (
                f"{policy.policy_set_id.name} / {policy.name}" if policy.policy_set_id else policy.name
            )

    @api.model
    def _find_for(self, policy_set, severity, issue_type, company):
        """The most specific active policy of ``policy_set``.

        An exact (issue type, severity) match wins over an issue-type-only one,
        which wins over a severity-only one, which wins over a catch-all."""
        if not policy_set:
            return self.browse()
        candidates = self.search(
            Domain("policy_set_id", "=", policy_set.id)
            & Domain("company_id", "in", [company.id, False])
            & (Domain("severity", "=", severity) | Domain("severity", "=", False))
            & (Domain("issue_type_id", "=", issue_type.id) | Domain("issue_type_id", "=", False))
        )

        def rank(policy):
            return (
                bool(policy.issue_type_id) * 2 + bool(policy.severity),
                -policy.sequence,
                bool(policy.company_id),
            )

        return max(candidates, key=rank) if candidates else candidates
