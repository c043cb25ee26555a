from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class MajorIncidentMaintenanceWindow(models.Model):
    """Scheduled maintenance (SOP 2.1: "Exclusion to the process is on evenings that
    scheduled maintenance occurs"). An MI detected inside a window for its system is
    marked so, and its clocks do not breach."""

    _name = "major.incident.maintenance.window"
    _description = "Major Incident Maintenance Window"
    _order = "start_at desc"

    name = fields.Char(required=True)
    kind = fields.Selection(
        [("maintenance", "Scheduled maintenance"), ("dr_drill", "DR drill")],
        required=True,
        default="maintenance",
    )
    start_at = fields.Datetime("Start", required=True, index=True)
    end_at = fields.Datetime("End", required=True, index=True)
    system_ids = fields.Many2many(
        "major.incident.code",
        string="Systems",
        domain=[("kind", "=", "system")],
        help="Empty: every system.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    note = fields.Text()

    _end_after_start = models.Constraint("CHECK(end_at > start_at)", "A maintenance window must end after it starts.")

    @api.constrains("kind", "start_at", "end_at")
    def _check_dr_drill_length(self):
        for window in self.filtered(lambda w: w.kind == "dr_drill"):
            if (window.end_at - window.start_at).total_seconds() > 4 * 3600:
                raise ValidationError(self.env._("A DR drill lasts at most 4 hours (SOP 2.1)."))

    @api.model
    def _covering(self, moment, system, company):
        """Windows of ``company`` open at ``moment`` for ``system``."""
        if not moment:
            return self.browse()
        domain = (
            Domain("start_at", "<=", moment)
            & Domain("end_at", ">", moment)
            & Domain("company_id", "in", [company.id, False])
        )
        windows = self.search(domain)
        return windows.filtered(lambda w: not w.system_ids or system in w.system_ids)
