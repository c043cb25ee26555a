from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain

from ..engine import delivery

# Written only by sending the update and following its delivery.
SEND_FACTS = frozenset(
    {
        "subject",
        "sent_at",
        "mailing_id",
        "delivery_started_at",
        "delivery_alerted",
        "delivery_retry_count",
        "delivery_retry_at",
    }
)


class MajorIncidentUpdate(models.Model):
    """One communication of a major incident: what it said, to whom, and what
    Email Marketing reports about its delivery."""

    _name = "major.incident.update"
    _inherit = ["major.incident.update.mixin"]
    _description = "Major Incident Communication"
    _order = "sent_at desc, id desc"

    company_id = fields.Many2one(related="incident_id.company_id", store=True, index=True)
    subject = fields.Char(readonly=True)
    sent_at = fields.Datetime("Sent at", readonly=True, index=True)
    mailing_id = fields.Many2one(
        "mailing.mailing",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        groups="mass_mailing.group_mass_mailing_user",
        help="The mailing in the company's language (else the first language of the audience).",
    )
    mailing_ids = fields.One2many(
        "mailing.mailing",
        "mi_update_id",
        "Mailings",
        readonly=True,
        groups="mass_mailing.group_mass_mailing_user",
        help="One mailing per language of the audience.",
    )
    mailing_state = fields.Selection(
        [("draft", "Draft"), ("in_queue", "In Queue"), ("sending", "Sending"), ("done", "Sent")],
        "Mailing status",
        compute="_compute_delivery",
        compute_sudo=True,
    )
    expected_count = fields.Integer("Recipients", compute="_compute_delivery", compute_sudo=True)
    delivered_count = fields.Integer("Delivered", compute="_compute_delivery", compute_sudo=True)
    bounced_count = fields.Integer("Bounced", compute="_compute_delivery", compute_sudo=True)
    failed_count = fields.Integer("Failed", compute="_compute_delivery", compute_sudo=True)
    delivery_state = fields.Selection(
        delivery.DELIVERY_STATES,
        "Delivery",
        compute="_compute_delivery",
        compute_sudo=True,
        help="Queued until the mail server accepts the first e-mail; failed while every e-mail tried has failed.",
    )

    @api.depends("mailing_id", "mailing_ids")
    def _compute_delivery(self):
        """Read back from the traces of its mailings (one per language), as Email
        Marketing counts them; its status is that of the least advanced one."""
        mailings = self.mailing_ids | self.mailing_id
        counts = defaultdict(lambda: defaultdict(int))
        rows = defaultdict(list)
        for mailing, status, failure_type, count in self.env["mailing.trace"]._read_group(
            Domain("mass_mailing_id", "in", mailings.ids),
            ["mass_mailing_id", "trace_status", "failure_type"],
            ["__count"],
        ):
            counts[mailing.id][status] += count
            rows[mailing.id].append((status, failure_type, count))
        states = [state for state, _label in self._fields["mailing_state"].selection]
        for update in self:
            update_mailings = update.mailing_ids | update.mailing_id
            line = defaultdict(int)
            for mailing in update_mailings:
                for status, count in counts[mailing.id].items():
                    line[status] += count
            update.mailing_state = min(update_mailings.mapped("state"), key=states.index, default=False)
            update.expected_count = sum(line.values()) - line["cancel"]
            update.delivered_count = line["sent"] + line["open"] + line["reply"]
            update.bounced_count = line["bounce"]
            update.failed_count = line["error"]
            update.delivery_state = (
                delivery.delivery_state(
                    delivery.summarize([row for mailing in update_mailings for row in rows[mailing.id]])
                )
                if update_mailings
                else False
            )

    @api.depends("kind", "incident_id", "is_holding")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for update in self:
            label = labels.get(update.kind, "")
            if update.is_holding:
                label = self.env._("%(kind)s (holding)", kind=label)
            update.display_name = f"{update.incident_id.reference}: {label}" if update.incident_id else label

    @api.model_create_multi
    def create(self, vals_list):
        self._check_send_facts(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_send_facts([vals])
        return super().write(vals)

    def _check_send_facts(self, vals_list):
        """When and how an update was sent are recorded by sending it, never written."""
        if not self.env.su and any(SEND_FACTS & set(vals) for vals in vals_list):
            raise UserError(self.env._("An update is recorded as sent only by sending it."))

    # ------------------------------------------------------------------ sending

    def _send(self):
        """Address each update to its audience through Email Marketing and send it now."""
        self.incident_id._check_manager()
        now = fields.Datetime.now()
        for update in self:
            update._mi_check_sendable(now)
            # One mailing per language of the audience, each its template's translation.
            mailings_values = []
            for lang, contact_langs in update._mi_audience_languages().items():
                reader = update.with_context(lang=lang)
                first_reader = reader._mi_reachable_contacts(limit=1, contact_langs=contact_langs)
                subject, body = reader._mi_render(first_reader)
                preview = reader._mi_render_body(first_reader)
                mailings_values.append(reader._mi_mailing_values(subject, body, preview, contact_langs))
            # The body is the template (validated master data) around this update; an
            # Incident Manager need not be a template editor, which creating a mailing
            # holding QWeb code otherwise requires.
            mailings = self.env["mailing.mailing"].sudo().create(mailings_values)
            # Queued and its cron triggered: it leaves now, not on the cron's next hourly run.
            mailings.action_put_in_queue()
            update.sudo().write(
                {"subject": mailings_values[0]["subject"], "sent_at": now, "mailing_id": mailings[0].id}
            )
            # The clocks wait for the first e-mail the mail server accepts (_mi_follow_delivery).
            update.incident_id._on_update_queued(update)
        return True

    def _mi_render(self, recipient):
        """(subject, mailing body) in the language of the environment, the body checked by
        rendering it for ``recipient``: a template that does not render refuses the send
        before anything leaves."""
        subject = self._mi_render_subject(recipient)
        body = self._mi_mailing_body()
        try:
            self.env["mailing.mailing"]._render_template(body, "mailing.contact", recipient.ids, engine="qweb")
        except UserError as error:
            raise self._mi_render_error(self.env._("body"), error) from error
        return subject, body

    def _mi_mailing_body(self):
        """The template's body, in the language of the environment, as Email Marketing
        renders it for each recipient: there ``object`` is the mailing contact, so it
        becomes ``recipient`` and ``object`` the incident, as in the template. Email
        Marketing renders in its author's language: the update is read in this one, so
        that its labels and dates are the reader's."""
        self.ensure_one()
        lang = self.env.lang or "en_US"
        header = (
            '<t t-set="recipient" t-value="object"/>'
            f'<t t-set="update" t-value="env[{self._name!r}].with_context(lang={lang!r}).browse({self.id})"/>'
            '<t t-set="object" t-value="update.incident_id"/>'
            f'<t t-set="tz" t-value="recipient.mi_tz or {self.incident_id._company_tz()!r}"/>'
        )
        return Markup(header) + self.template_id.body_html

    def _mi_mailing_values(self, subject, body, preview, contact_langs):
        """``body`` is what Email Marketing renders for each reader; ``preview``, the e-mail
        as its first reader gets it, is what its form shows instead of template code;
        the mailing reaches the contacts of ``contact_langs`` on the update's lists."""
        self.ensure_one()
        incident = self.incident_id
        email_from = self._mi_email_from()
        lists = self.sudo().mailing_list_ids
        recipients = Domain("list_ids", "in", lists.ids) & Domain("mi_lang", "in", contact_langs)
        return {
            "subject": subject,
            "body_arch": preview,
            "body_html": body,
            "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
            "contact_list_ids": [Command.set(lists.ids)],
            "mailing_domain": repr(recipients),
            "email_from": email_from,
            "reply_to": self.author_id.email_formatted or email_from,
            "user_id": self.author_id.id,
            "campaign_id": incident._campaign().id,
            "mi_incident_id": incident.id,
            "mi_update_id": self.id,
        }
