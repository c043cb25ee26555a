from odoo import fields, models


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    mi_incident_id = fields.Many2one(
        "major.incident",
        "Major incident",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        help="The major incident this mailing communicates about.",
    )

    def _action_send_mail(self, res_ids=None):
        result = super()._action_send_mail(res_ids)
        if self.filtered("mi_incident_id"):
            # Above mail.mail.force.send.limit recipients the e-mails wait in the mail queue,
            # whose cron runs hourly: an incident blast starts leaving now. The queue cron
            # reports what remains and runs again until it is empty.
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        return result
