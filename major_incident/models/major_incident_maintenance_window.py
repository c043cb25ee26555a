from datetime import datetime, timedelta

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
            limit = (window.company_id or self.env.company).mi_dr_drill_max_hours
            if (window.end_at - window.start_at).total_seconds() > limit * 3600:
                raise ValidationError(self.env._("A DR drill lasts at most %(hours)s hours (SOP 2.1).", hours=limit))

    @api.constrains("kind", "start_at")
    def _check_dr_drill_notice(self):
        """SOP 2.1: one DR drill per year, on a date agreed with 2 weeks' notice (the
        company's numbers)."""
        for window in self.filtered(lambda w: w.kind == "dr_drill"):
            company = window.company_id or self.env.company
            notice = fields.Datetime.now() + timedelta(days=company.mi_dr_drill_notice_days)
            if window.start_at < notice:
                raise ValidationError(
                    self.env._(
                        "A DR drill needs %(days)s days' notice: schedule it on %(date)s or later (SOP 2.1).",
                        days=company.mi_dr_drill_notice_days,
                        date=fields.Date.to_string(notice.date()),
                    )
                )
            year = window.start_at.year
            same_year = (
                Domain("kind", "=", "dr_drill")
                & Domain("id", "!=", window.id)
                & Domain("company_id", "=", window.company_id.id)
                & Domain("start_at", ">=", datetime(year, 1, 1))
                & Domain("start_at", "<", datetime(year + 1, 1, 1))
            )
            if self.search_count(same_year) >= company.mi_dr_drills_per_year:
                raise ValidationError(
                    self.env._(
                        "At most %(count)s DR drill(s) per year (SOP 2.1): %(year)s already has its share.",
                        count=company.mi_dr_drills_per_year,
                        year=year,
                    )
                )

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
