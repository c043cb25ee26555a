from odoo import models
from odoo.fields import Domain


class ResUsers(models.Model):
    _inherit = "res.users"

    def _mi_on_leave(self, moment):
        """Whether a personal leave (resource.calendar.leaves on the user's resource) covers ``moment``."""
        self.ensure_one()
        resources = self.env["resource.resource"].sudo().search([("user_id", "=", self.id)])
        if not resources:
            return False
        return bool(
            self.env["resource.calendar.leaves"]
            .sudo()
            .search_count(
                Domain("resource_id", "in", resources.ids)
                & Domain("date_from", "<=", moment)
                & Domain("date_to", ">", moment),
                limit=1,
            )
        )

    def _mi_can_manage(self):
        """Whether this user may be an incident's Incident Manager: an active internal user
        (a portal user would follow, and read, another customer's incident)."""
        return len(self) == 1 and self.active and not self.share
