from odoo import fields, models


class MailActivityPlanTemplate(models.Model):
    _inherit = "mail.activity.plan.template"

    # A step of the procedure's checklists and playbooks reads in its assignee's language.
    summary = fields.Char(translate=True)
    note = fields.Html(translate=True)
