from odoo import api, fields, models
from odoo.fields import Domain


class MajorIncidentRoster(models.Model):
    """Who is the Incident Manager on duty (SOP step 2: "If the IM is on leave, their
    delegated IM or direct manager will take over the duties")."""

    _name = "major.incident.roster"
    _description = "Incident Manager Roster"
    _order = "sequence, date_from desc, id"

    name = fields.Char(required=True, help="e.g. Week 12 on-call")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    team_id = fields.Many2one("helpdesk.ticket.team", help="Empty: every team.")
    date_from = fields.Datetime("On duty from", help="Empty: always.")
    date_to = fields.Datetime("On duty until", help="Empty: always.")
    primary_user_id = fields.Many2one("res.users", "Incident Manager", required=True, domain=[("share", "=", False)])
    delegate_user_id = fields.Many2one("res.users", "Delegate", domain=[("share", "=", False)])
    manager_user_id = fields.Many2one(
        "res.users",
        "Direct manager",
        domain=[("share", "=", False)],
        help="Takes over when both the Incident Manager and the delegate are on leave.",
    )

    _dates_ordered = models.Constraint(
        "CHECK(date_to IS NULL OR date_from IS NULL OR date_to > date_from)",
        "A roster entry must end after it starts.",
    )

    @api.model
    def _entry_for(self, team, company, moment):
        domain = (
            Domain("company_id", "=", company.id)
            & (Domain("team_id", "=", team.id) | Domain("team_id", "=", False))
            & (Domain("date_from", "=", False) | Domain("date_from", "<=", moment))
            & (Domain("date_to", "=", False) | Domain("date_to", ">", moment))
        )
        entries = self.search(domain)
        # A team's own entry wins over a company-wide one.
        return entries.sorted(lambda e: (not e.team_id, e.sequence))[:1]

    def _on_duty(self, moment):
        """The first of primary, delegate, manager who is not on leave at ``moment``."""
        self.ensure_one()
        for user in (self.primary_user_id, self.delegate_user_id, self.manager_user_id):
            if user and not user._mi_on_leave(moment):
                return user
        return self.manager_user_id or self.delegate_user_id or self.primary_user_id
