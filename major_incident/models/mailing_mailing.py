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
    mi_update_id = fields.Many2one(
        "major.incident.update",
        "Major incident update",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        help="The communication this mailing sends, in one language of its audience.",
    )

    def _action_send_mail(self, res_ids=None):
        # Above mail.mail.force.send.limit recipients the e-mails wait in the mail queue,
        # whose cron runs hourly: an incident blast starts leaving now. Triggered first, the
        # queue (on another cron thread) sends each batch Email Marketing commits while the
        # rest is still being rendered; triggered again once all are queued, for a server
        # with one cron thread. mail.mail keeps it running while the blast's e-mails remain.
        # The queue is then their only sender: below that limit Email Marketing would send
        # them itself too (force_send), racing the queue, and a reader got one e-mail twice.
        incident_blast = bool(self.filtered("mi_incident_id"))
        if not incident_blast:
            return super()._action_send_mail(res_ids)
        self._mi_trigger_mail_queue()
        sending = self.with_context(mi_qweb_compiled_bodies={}, default_force_send=False)
        result = super(MailingMailing, sending)._action_send_mail(res_ids)
        self._mi_trigger_mail_queue()
        return result

    def _mi_trigger_mail_queue(self):
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
