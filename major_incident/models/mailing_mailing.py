from odoo import fields, models


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    mi_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        "Major incident",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        help="The major incident this mailing communicates about.",
    )
