from odoo import fields, models


class MailActivityPlan(models.Model):
    _inherit = "mail.activity.plan"

    # The procedure's checklists and playbooks ship as plans: translated like the rest of it.
    name = fields.Char(translate=True)
