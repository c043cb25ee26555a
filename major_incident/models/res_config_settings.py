from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mi_policy_set_id = fields.Many2one(related="company_id.mi_policy_set_id", readonly=False)
    mi_incident_manager_id = fields.Many2one(related="company_id.mi_incident_manager_id", readonly=False)
    mi_dr_partner = fields.Char(related="company_id.mi_dr_partner", readonly=False)
    mi_dr_site = fields.Char(related="company_id.mi_dr_site", readonly=False)
    mi_misuse_threshold = fields.Integer(related="company_id.mi_misuse_threshold", readonly=False)
    mi_misuse_window_days = fields.Integer(related="company_id.mi_misuse_window_days", readonly=False)
    mi_support_manager_id = fields.Many2one(related="company_id.mi_support_manager_id", readonly=False)
    mi_exec_review_minutes = fields.Integer(related="company_id.mi_exec_review_minutes", readonly=False)
    mi_dr_drill_max_hours = fields.Integer(related="company_id.mi_dr_drill_max_hours", readonly=False)
    mi_dr_drill_notice_days = fields.Integer(related="company_id.mi_dr_drill_notice_days", readonly=False)
    mi_dr_drills_per_year = fields.Integer(related="company_id.mi_dr_drills_per_year", readonly=False)
