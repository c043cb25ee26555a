from odoo import api, fields, models
from odoo.fields import Domain


class MailMail(models.Model):
    _inherit = "mail.mail"

    @api.model
    def process_email_queue(self, email_ids=(), batch_size=1000):
        # One run sends one batch (mail.mail.queue.batch.size, 1,000). Odoo 19's queue reports
        # its progress only under a condition that never holds (env.get('ir_cron')), so the
        # cron thinks it is done and leaves the rest to its next hourly run. An incident
        # blast cannot wait: while its e-mails remain due, the queue runs again at once.
        result = super().process_email_queue(email_ids=email_ids, batch_size=batch_size)
        if not email_ids and self.sudo().search_count(
            Domain("state", "=", "outgoing")
            & Domain("mailing_id.mi_incident_id", "!=", False)
            & (Domain("scheduled_date", "=", False) | Domain("scheduled_date", "<=", fields.Datetime.now())),
            limit=1,
        ):
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        return result
