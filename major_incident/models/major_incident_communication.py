from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from ..engine import delivery
from .major_incident_update_mixin import EXTERNAL_KINDS


class MajorIncident(models.Model):
    """Stakeholder communications of the incident: audience, update defaults, the
    holding update, and the clocks an update meets."""

    _inherit = "major.incident"  # pylint: disable=consider-merging-classes-inherited  # one concern a file

    def _default_mailing_lists(self):
        """{incident: the lists of its affected customers and the internal stakeholders'}."""
        lists = self.env["mailing.list"].sudo()
        companies = self.affected_partner_ids.commercial_partner_id._origin
        customer_lists = lists._mi_customer_lists(companies)
        internal = lists._mi_internal_list()
        return {
            incident: internal.union(
                *(
                    customer_lists[company.id]
                    for company in incident.affected_partner_ids.commercial_partner_id._origin
                    if company.id in customer_lists
                )
            )
            for incident in self
        }

    def _audience_for(self, kind):
        """The lists an update of ``kind`` goes to unless the Incident Manager changes them."""
        self.ensure_one()
        lists = self.env["mailing.list"].sudo()
        if kind == "internal":
            return lists._mi_internal_list()
        if kind == "executive":
            return lists._mi_executive_list()
        audience = self.sudo().mailing_list_ids or self._default_mailing_lists()[self]
        if kind == "summary" and self.state == "closed":
            # The closure e-mail: leadership, internal stakeholders and affected clients.
            audience = audience | lists._mi_internal_list() | lists._mi_executive_list()
        return audience

    def _company_tz(self):
        """The time zone of the e-mails' times when the recipient's own is unknown."""
        self.ensure_one()
        company = self.company_id
        return company.partner_id.tz or company.resource_calendar_id.tz or "UTC"

    def _default_update_kind(self):
        """What is due next: the initial blast, progress updates, the resolution
        confirmation once resolved, the closure summary once closed."""
        self.ensure_one()
        if self.state == "closed":
            return "summary"
        if self.resolved_at:
            return "resolution"
        if not self.update_ids.filtered(lambda update: update.kind in EXTERNAL_KINDS):
            return "initial"
        return "progress"

    def _update_defaults(self, kind, author=None):
        """Values a new update of ``kind`` starts from: the incident's status, the next
        update one cadence away, and what the last update said that still holds."""
        self.ensure_one()
        author = author or self.env.user
        last = self.update_ids[:1]
        cadence = self.policy_id.update_interval_minutes or self._policy_set().fallback_update_minutes
        statuses = {
            "mitigating": "mitigating",
            "resolved": "resolved",
            "closed": "closed",
            "cancelled": "resolved",
        }
        carried = (
            "overview",
            "impact",
            "localization",
            "root_cause",
            "preventive_measures",
            "risk",
            "recovery_strategy",
        )
        contact = " - ".join(filter(None, (author.name, author.email, author.phone)))
        drafted = self._dr_update_draft() if kind == "internal" else {}
        return {
            "incident_id": self.id,
            "kind": kind,
            "author_id": author.id,
            "status": statuses.get(self.state, "investigating"),
            "next_update_at": fields.Datetime.now() + timedelta(minutes=cadence),
            "contact_info": last.contact_info or contact,
            **{name: last[name] for name in carried},
            **drafted,
        }

    def _campaign(self):
        """The incident's UTM campaign, grouping its mailings; created with the first one."""
        self.ensure_one()
        if not self.campaign_id:
            self.sudo().campaign_id = (
                self.env["utm.campaign"]
                .sudo()
                .create(
                    {
                        "title": f"{self.reference} {self.name}",
                        "user_id": (self.incident_manager_id or self.env.user).id,
                        "is_auto_campaign": True,
                    }
                )
            )
        return self.campaign_id

    def _on_update_queued(self, update):
        """Queued is not sent: the clocks wait for the first e-mail the mail server accepts."""
        self.ensure_one()
        self.message_post(
            body=self.env._(
                "%(update)s queued for %(audience)s: %(subject)s",
                update=update.display_name,
                audience=", ".join(update.sudo().mailing_list_ids.mapped("name")),
                subject=update.subject,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _on_update_delivery_started(self, update):
        """The first e-mail of ``update`` was accepted: the first external blast meets the
        blast clock, an update restarts the update clock, at the time it was accepted. An
        update overtaken by a later one already reaching people leaves the cadence to it."""
        self.ensure_one()
        superseded = any(
            other.delivery_started_at and other.sent_at > update.sent_at
            for other in self.sudo().update_ids
            if other != update
        )
        event = delivery.clock_event(update.kind in EXTERNAL_KINDS, superseded)
        if event:
            self._apply_clock_event(event, update.delivery_started_at, next_due=update.next_update_at)
        self.message_post(
            body=self.env._(
                "%(update)s: delivery started at %(time)s UTC (first e-mail accepted by the mail server).",
                update=update.display_name,
                time=fields.Datetime.to_string(update.delivery_started_at)[:16],
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _on_update_delivery_failed(self, update, summary, retry_at):
        """Every e-mail tried failed: the Incident Manager is told once, until it gets through."""
        self.ensure_one()
        if retry_at:
            retry = self.env._(
                "They are sent again automatically from %(time)s UTC; Retry on the update sends them now.",
                time=fields.Datetime.to_string(retry_at)[:16],
            )
        else:
            retry = self.env._("They are not retried automatically: check the addresses and the sender.")
        note = self.env._(
            "%(update)s: %(failed)s of %(expected)s e-mails failed and nobody was reached yet. %(retry)s",
            update=update.display_name,
            failed=summary["failed"],
            expected=summary["expected"],
            retry=retry,
        )
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        activity_type = self.env.ref("major_incident.mail_activity_type_mi_delivery_failed")
        if not self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type):
            self.sudo().activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("%(update)s: e-mails failed", update=update.display_name),
                note=note,
                user_id=(self.incident_manager_id or self.env.user).id,
            )

    def _on_update_delivery_resumed(self, update):
        """E-mails get through again: the failure reported is over once no update still fails."""
        self.ensure_one()
        self.message_post(
            body=self.env._("%(update)s: e-mails are getting through again.", update=update.display_name),
            subtype_xmlid="mail.mt_note",
        )
        if not self.sudo().update_ids.filtered("delivery_alerted"):
            activity_type = self.env.ref("major_incident.mail_activity_type_mi_delivery_failed")
            self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type).sudo().action_feedback(
                feedback=self.env._("Delivered after all.")
            )

    def _on_update_retries_over(self, update):
        self.ensure_one()
        self.message_post(
            body=self.env._(
                "%(update)s: e-mails still fail after %(count)s automatic retries; only Retry on the "
                "update sends them again.",
                update=update.display_name,
                count=update.delivery_retry_count,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _on_update_retried(self, update, count, user):
        self.ensure_one()
        self.message_post(
            body=self.env._(
                "%(update)s: %(count)s failed e-mails sent again by %(user)s.",
                update=update.display_name,
                count=count,
                user=user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _send_holding_update(self):
        """Send the holding update (no new findings, the next update time) to the incident's
        audience now. A refusal is logged on the incident; the reminder then stands."""
        self.ensure_one()
        update_model = self.env["major.incident.update"]
        values = {
            **self._update_defaults("progress", author=self.incident_manager_id),
            **update_model._mi_holding_texts(),
            "is_holding": True,
            "mailing_list_ids": [Command.set(self._audience_for("progress").ids)],
        }
        try:
            with self.env.cr.savepoint():
                update_model.create(values)._send()
        except UserError as error:
            self.message_post(
                body=self.env._("The holding update was not sent: %(reason)s", reason=error.args[0]),
                subtype_xmlid="mail.mt_note",
            )
            return False
        return True
