from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mi_policy_set_id = fields.Many2one(
        related="company_id.mi_policy_set_id", readonly=False
    )
    mi_incident_manager_id = fields.Many2one(
        related="company_id.mi_incident_manager_id", readonly=False
    )
