from odoo import api, fields, models
from odoo.fields import Domain

# Failures after which Odoo deletes an e-mail all the same: retrying cannot help them.
DELETED_FAILURES = ("mail_email_invalid", "mail_email_missing")


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

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        # Whether an incident update reached anyone is known only once its e-mails were tried:
        # the clocks, failure reports and retries follow each batch sent (read before sending,
        # as sent e-mails may be deleted by then).
        incident_mailings = self.sudo().mailing_id.filtered("mi_incident_id")
        result = super().send(
            auto_commit=auto_commit, raise_exception=raise_exception, post_send_callback=post_send_callback
        )
        if incident_mailings:
            self.env["major.incident.update"]._mi_follow_mail_batch(set(incident_mailings.ids), self.ids)
        return result

    def _send(
        self,
        auto_commit=False,
        raise_exception=False,
        smtp_session=None,
        alias_domain_id=False,
        mail_server=False,
        post_send_callback=None,
    ):
        # Each e-mail sent is deleted on its own (auto_delete): a third of the time a blast
        # spends sending. An incident blast's e-mails are deleted once per batch instead, as
        # Odoo would have (sent, or refused for their address); one left by a crash stays
        # "sent" and is never sent again.
        blast = self.filtered(lambda mail: mail.mailing_id.mi_incident_id)
        result = super(MailMail, self.with_context(mi_unlink_blast_later=True))._send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            smtp_session=smtp_session,
            alias_domain_id=alias_domain_id,
            mail_server=mail_server,
            post_send_callback=post_send_callback,
        )
        blast = blast.exists()
        blast.invalidate_recordset(["state", "failure_type"])
        blast.filtered(
            lambda mail: mail.auto_delete and (mail.state == "sent" or mail.failure_type in DELETED_FAILURES)
        ).unlink()
        return result

    def unlink(self):
        if not self.env.context.get("mi_unlink_blast_later"):
            return super().unlink()
        return super(MailMail, self.filtered(lambda mail: not mail.mailing_id.mi_incident_id)).unlink()
