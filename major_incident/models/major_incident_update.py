from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain

# Written only by sending the update.
SEND_FACTS = frozenset({"subject", "sent_at", "mailing_id"})


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

    @api.depends("mailing_id")
    def _compute_delivery(self):
        """Read back from the mailing's traces, as Email Marketing counts them."""
        counts = defaultdict(lambda: defaultdict(int))
        for mailing, status, count in self.env["mailing.trace"]._read_group(
            Domain("mass_mailing_id", "in", self.mailing_id.ids),
            ["mass_mailing_id", "trace_status"],
            ["__count"],
        ):
            counts[mailing.id][status] = count
        for update in self:
            line = counts[update.mailing_id.id]
            update.mailing_state = update.mailing_id.state
            update.expected_count = sum(line.values()) - line["cancel"]
            update.delivered_count = line["sent"] + line["open"] + line["reply"]
            update.bounced_count = line["bounce"]
            update.failed_count = line["error"]

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
            subject, body = update._mi_render()
            # The body is the template (validated master data) around this update; an
            # Incident Manager need not be a template editor, which creating a mailing
            # holding QWeb code otherwise requires.
            preview = update._mi_render_body(update._mi_reachable_contacts(limit=1))
            mailing = self.env["mailing.mailing"].sudo().create(update._mi_mailing_values(subject, body, preview))
            # Queued and its cron triggered: it leaves now, not on the cron's next hourly run.
            mailing.action_put_in_queue()
            update.sudo().write({"subject": subject, "sent_at": now, "mailing_id": mailing.id})
            update.incident_id._on_update_sent(update)
        return True

    def _mi_render(self):
        """(subject, mailing body), the body checked by rendering it for one reachable
        recipient: a template that does not render refuses the send before anything leaves."""
        subject = self._mi_render_subject()
        body = self._mi_mailing_body()
        try:
            self.env["mailing.mailing"]._render_template(
                body, "mailing.contact", self._mi_reachable_contacts(limit=1).ids, engine="qweb"
            )
        except UserError as error:
            raise self._mi_render_error(self.env._("body"), error) from error
        return subject, body

    def _mi_mailing_body(self):
        """The template's body as Email Marketing renders it for each recipient: there
        ``object`` is the mailing contact, so it becomes ``recipient`` and ``object``
        the incident, as in the template."""
        self.ensure_one()
        header = (
            '<t t-set="recipient" t-value="object"/>'
            f'<t t-set="update" t-value="env[{self._name!r}].browse({self.id})"/>'
            '<t t-set="object" t-value="update.incident_id"/>'
            f'<t t-set="tz" t-value="recipient.mi_tz or {self.incident_id._company_tz()!r}"/>'
        )
        return Markup(header) + self.template_id.body_html

    def _mi_mailing_values(self, subject, body, preview):
        """``body`` is what Email Marketing renders for each reader; ``preview``, the e-mail
        as its first reader gets it, is what its form shows instead of template code."""
        self.ensure_one()
        incident = self.incident_id
        email_from = self._mi_email_from()
        return {
            "subject": subject,
            "body_arch": preview,
            "body_html": body,
            "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
            "contact_list_ids": [Command.set(self.sudo().mailing_list_ids.ids)],
            "email_from": email_from,
            "reply_to": self.author_id.email_formatted or email_from,
            "user_id": self.author_id.id,
            "campaign_id": incident._campaign().id,
            "mi_incident_id": incident.id,
        }
