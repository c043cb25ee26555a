from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..engine import delivery

# How far back the delivery cron looks for updates whose delivery start was missed (a
# mail queue run that died between sending and following up).
FOLLOW_UP_WINDOW = timedelta(days=1)


class MajorIncidentUpdate(models.Model):
    """How an update's e-mails reach people: the clocks met when the first one is accepted
    by the mail server, failures reported to the Incident Manager and retried."""

    _inherit = "major.incident.update"

    delivery_started_at = fields.Datetime(
        "Delivery started",
        readonly=True,
        index="btree_not_null",
        help="When the mail server accepted the first e-mail: the time that meets the clocks.",
    )
    delivery_alerted = fields.Boolean(
        readonly=True, help="The Incident Manager was told that every e-mail tried failed."
    )
    delivery_retry_count = fields.Integer(
        "Automatic retries", readonly=True, help="Automatic retries since the e-mails last got through."
    )
    delivery_retry_at = fields.Datetime(
        "Next automatic retry",
        readonly=True,
        index="btree_not_null",
        help="When the failed e-mails are sent again, should the mail server still refuse them.",
    )

    # ------------------------------------------------------------------ following delivery

    def _mi_update_of_mailing(self):
        """{mailing id: update id}: an update has one mailing per language of its audience."""
        return {mailing.id: update.id for update in self.sudo() for mailing in update.mailing_ids | update.mailing_id}

    def _mi_trace_summaries(self, domain=None):
        """{update id: (delivery summary, first accepted time)} of these updates' traces, all
        their mailings together, within ``domain`` when given: one grouped query."""
        accepted = set(delivery.ACCEPTED_STATUSES)
        update_of = self._mi_update_of_mailing()
        rows = defaultdict(list)
        first_sent = {}
        trace_domain = Domain("mass_mailing_id", "in", list(update_of))
        if domain is not None:
            trace_domain &= domain
        for mailing, status, failure_type, count, sent_at in (
            self.env["mailing.trace"]
            .sudo()
            ._read_group(
                trace_domain,
                ["mass_mailing_id", "trace_status", "failure_type"],
                ["__count", "sent_datetime:min"],
            )
        ):
            update_id = update_of[mailing.id]
            rows[update_id].append((status, failure_type, count))
            if status in accepted and sent_at:
                first_sent[update_id] = min(sent_at, first_sent.get(update_id, sent_at))
        return {
            update_id: (delivery.summarize(update_rows), first_sent.get(update_id))
            for update_id, update_rows in rows.items()
        }

    @api.model
    def _mi_follow_mail_batch(self, mailing_ids, mail_ids):
        """The mail queue tried ``mail_ids`` (e-mails of incident mailings ``mailing_ids``):
        one look at their traces for the whole batch, never one per e-mail."""
        updates = self.sudo().search(
            Domain("mailing_ids", "in", list(mailing_ids)) | Domain("mailing_id", "in", list(mailing_ids))
        )
        if updates:
            updates._mi_follow_delivery(
                batch=updates._mi_trace_summaries(Domain("mail_mail_id_int", "in", list(mail_ids)))
            )

    def _mi_follow_delivery(self, batch=None):
        """Meet the clocks of updates whose first e-mail was accepted, at the time it was; then,
        from ``batch`` ({mailing id: (summary, first accepted)} of the e-mails just tried),
        report failures, schedule their retry, and note when delivery resumes."""
        overall = self._mi_trace_summaries()
        started = self.filtered(lambda u: not u.delivery_started_at and overall.get(u.id, ({}, None))[1]).sorted(
            lambda u: (u.sent_at, u.id)
        )
        for update in started:
            update.delivery_started_at = overall[update.id][1]
            update.incident_id._on_update_delivery_started(update)
        for update in self.filtered(lambda u: batch and u.id in batch):
            tried, _first = batch[update.id]
            summary, _first = overall[update.id]
            update._mi_follow_batch(tried, summary)

    def _mi_follow_batch(self, tried, summary):
        self.ensure_one()
        incident = self.incident_id
        if tried["accepted"] and (self.delivery_alerted or self.delivery_retry_count):
            self.write({"delivery_alerted": False, "delivery_retry_count": 0})
            incident._on_update_delivery_resumed(self)
        if delivery.all_failed(tried["accepted"], tried["failed"]) and not self.delivery_alerted:
            self.delivery_alerted = True
            incident._on_update_delivery_failed(self, summary, self._mi_schedule_retry(summary))
        elif tried["failed"]:
            self._mi_schedule_retry(summary)

    def _mi_schedule_retry(self, summary):
        """When the failed e-mails that may get through later are sent again (None: not)."""
        self.ensure_one()
        if not summary["retryable"]:
            return None
        if self.delivery_retry_at:
            return self.delivery_retry_at
        delay = delivery.retry_delay(self.delivery_retry_count)
        if delay is None:
            self.incident_id._on_update_retries_over(self)
            return None
        self.delivery_retry_at = fields.Datetime.now() + delay
        self.env.ref("major_incident.ir_cron_major_incident_delivery").sudo()._trigger(at=self.delivery_retry_at)
        return self.delivery_retry_at

    # ------------------------------------------------------------------ retrying

    def _mi_requeue_failed(self, retryable_only):
        """Put the failed e-mails of these updates back in the mail queue, as they were
        rendered, and start the queue: {update: how many}. E-mails Email Marketing dropped
        (an invalid address) are not kept, hence not retried."""
        update_of = self._mi_update_of_mailing()
        trace_domain = (
            Domain("mass_mailing_id", "in", list(update_of))
            & Domain("trace_status", "in", delivery.FAILED_STATUSES)
            & Domain("mail_mail_id.state", "=", "exception")
        )
        if retryable_only:
            trace_domain &= Domain("failure_type", "in", delivery.RETRYABLE_FAILURES)
        traces = self.env["mailing.trace"].sudo().search(trace_domain)
        traces.mail_mail_id.write({"state": "outgoing", "failure_type": False, "failure_reason": False})
        traces.write({"trace_status": "outgoing", "failure_type": False, "failure_reason": False})
        if traces:
            self.env["mailing.mailing"]._mi_trigger_mail_queue()
        per_update = defaultdict(int)
        for trace in traces:
            per_update[update_of[trace.mass_mailing_id.id]] += 1
        return {update: per_update[update.id] for update in self}

    def action_retry_delivery(self):
        """The Incident Manager sends the failed e-mails of this update again now.

        Email Marketing's own Retry puts the mailing back in the queue by writing it, which
        its template code allows to template editors only (an AccessError for the Incident
        Manager). Here, once the user is known as an Incident Manager who can read this
        update, only its mailing's failed e-mails are put back in the queue, as rendered."""
        self.check_access("read")
        self.incident_id._check_manager()
        requeued = self._mi_requeue_failed(retryable_only=False)
        if not any(requeued.values()):
            raise UserError(self.env._("No failed e-mail of these updates can be sent again."))
        for update, count in requeued.items():
            if not count:
                continue
            update.sudo().write({"delivery_retry_at": False, "delivery_retry_count": 0, "delivery_alerted": False})
            update.incident_id._on_update_retried(update, count, self.env.user)
        return True

    @api.model
    def _cron_follow_delivery(self):
        """Send again the failed e-mails whose retry is due, and meet the clocks of updates
        whose delivery started without being followed up."""
        now = fields.Datetime.now()
        updates = self.sudo()
        missed = updates.search(
            Domain("delivery_started_at", "=", False)
            & Domain("sent_at", ">=", now - FOLLOW_UP_WINDOW)
            & Domain("mailing_id", "!=", False)
        )
        missed._mi_follow_delivery()
        due = updates.search(Domain("delivery_retry_at", "<=", now))
        requeued = due._mi_requeue_failed(retryable_only=True)
        for update in due:
            update.write(
                {
                    "delivery_retry_at": False,
                    "delivery_retry_count": update.delivery_retry_count + (1 if requeued[update] else 0),
                }
            )
        return len(due)
