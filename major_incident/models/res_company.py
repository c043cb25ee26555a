from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    mi_policy_set_id = fields.Many2one(
        "major.incident.policy.set",
        "Major incident policy set",
        help="The procedure whose policies apply to this company's major incidents, "
        "unless the helpdesk team sets its own.",
    )
    mi_incident_manager_id = fields.Many2one(
        "res.users",
        "Incident Manager on duty",
        domain=[("share", "=", False)],
        help="Called first when a ticket becomes a major incident candidate.",
    )

    # ------------------------------------------------------------------ intake and coordination

    mi_dr_partner = fields.Char(
        "DR partner",
        help="Who runs the failover when IT declares disaster recovery (SOP 2.1).",
    )
    mi_dr_site = fields.Char(
        "DR site",
        help="Where services fail over to (SOP 2.1).",
    )
    mi_misuse_threshold = fields.Integer(
        "Coaching after",
        default=3,
        help="A customer whose urgent reports are dismissed as not urgent this many times "
        "within the window is flagged for coaching on priority levels.",
    )
    mi_misuse_window_days = fields.Integer("Misuse window (days)", default=90)
    mi_support_manager_id = fields.Many2one(
        "res.users",
        "Support manager",
        domain=[("share", "=", False)],
        help="Reviews executive escalation requests within the executive review time. Empty: the ticket team's leader.",
    )
    mi_exec_review_minutes = fields.Integer(
        "Executive review time (min)",
        default=60,
        help="Business time within which a support manager reviews an executive escalation "
        'request (urgent-support policy: "within 1 hour during business hours").',
    )

    mi_dr_drill_max_hours = fields.Integer(
        "DR drill length (max h)", default=4, help="SOP 2.1: a DR drill lasts at most 4 hours."
    )
    mi_dr_drill_notice_days = fields.Integer(
        "DR drill notice (days)", default=14, help="SOP 2.1: the date is agreed with 2 weeks' notice."
    )
    mi_dr_drills_per_year = fields.Integer(
        "DR drills per year (max)", default=1, help="SOP 2.1: one DR drill per year."
    )

    _mi_exec_review_positive = models.Constraint(
        "CHECK (mi_exec_review_minutes > 0)", "The executive review time must be positive."
    )
