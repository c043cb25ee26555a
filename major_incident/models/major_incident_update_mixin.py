from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.misc import babel_locale_parse, format_datetime, get_lang

from ..engine import languages, timing

UPDATE_KINDS = [
    ("initial", "Initial notification"),
    ("progress", "Progress update"),
    ("resolution", "Resolution confirmation"),
    ("summary", "Outage summary"),
    ("internal", "Internal update"),
    ("executive", "Executive briefing"),
]
# Addressed to the incident's own audience (affected clients and stakeholders).
EXTERNAL_KINDS = ("initial", "progress", "resolution", "summary")
# The e-mails that announce when the next update comes.
ANNOUNCING_KINDS = ("initial", "progress", "internal", "executive")
KIND_TEMPLATES = {kind: f"major_incident.mail_template_mi_{kind}" for kind, _label in UPDATE_KINDS}
UPDATE_STATUSES = [
    ("investigating", "Investigating"),
    ("mitigating", "Mitigating"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
]


class MajorIncidentUpdateMixin(models.AbstractModel):
    """What a communication says: shared by the sent update and the wizard that
    composes it, so that the e-mail templates render either of them as ``update``."""

    _name = "major.incident.update.mixin"
    _description = "Major Incident Communication Content"

    incident_id = fields.Many2one(
        "major.incident",
        "Major incident",
        required=True,
        ondelete="cascade",
        index=True,
    )
    kind = fields.Selection(UPDATE_KINDS, required=True, default="progress")
    template_id = fields.Many2one(
        "mail.template",
        "E-mail template",
        compute="_compute_template_id",
        store=True,
        readonly=False,
        domain=[("model", "=", "major.incident")],
    )
    status = fields.Selection(UPDATE_STATUSES, "Current status")
    status_label = fields.Char(compute="_compute_status_label")
    overview = fields.Text("Incident overview", help="Brief and non-technical.")
    impact = fields.Text(help="Brief description of the impact on clients and services.")
    findings = fields.Text()
    actions_taken = fields.Text("Actions taken", help="Key steps completed.")
    next_steps = fields.Text("Next steps", help="Planned actions and timeline.")
    blockers = fields.Text(help="Anything requiring escalation.")
    next_update_at = fields.Datetime("Next update")
    root_cause = fields.Text("Root cause")
    preventive_measures = fields.Text("Preventative measures", help="Steps being taken to prevent recurrence.")
    localization = fields.Char(help="AMER, EMEA, LATAM or global.")
    eta_at = fields.Datetime("ETA for resolution", help="Empty: the e-mail says Unknown.")
    contact_info = fields.Text("Additional contact info")
    risk = fields.Text("Financial or reputational risks")
    recovery_strategy = fields.Text("Recovery strategy and mitigation steps")
    author_id = fields.Many2one("res.users", "Sent by", default=lambda self: self.env.user)
    is_holding = fields.Boolean("Holding update", help="Sent while there is nothing new, to keep the promised cadence.")
    mailing_list_ids = fields.Many2many(
        "mailing.list", string="Audience", groups="mass_mailing.group_mass_mailing_user"
    )

    @api.depends("kind")
    def _compute_template_id(self):
        for update in self:
            xmlid = KIND_TEMPLATES.get(update.kind)
            update.template_id = xmlid and self.env.ref(xmlid, raise_if_not_found=False)

    @api.depends("status")
    @api.depends_context("lang")
    def _compute_status_label(self):
        labels = dict(self._fields["status"]._description_selection(self.env))
        for update in self:
            update.status_label = labels.get(update.status, "")

    @api.model
    def _mi_holding_texts(self):
        """The holding update's words: nothing new, the work goes on, the next update is promised."""
        return {
            "findings": self.env._("no new findings since our last update"),
            "actions_taken": self.env._("The team continues to work on the incident."),
            "next_steps": self.env._("We will keep you informed at the next update."),
        }

    @api.model
    def _mi_content_fields(self):
        """Names of the stored content fields, copied from the wizard to the update."""
        mixin = self.env["major.incident.update.mixin"]
        return [name for name, field in mixin._fields.items() if field.store and name not in models.MAGIC_COLUMNS]

    # ------------------------------------------------------------------ audience and rendering

    def _mi_reachable_domain(self, contact_langs=None):
        """Contacts of the audience an e-mail can reach: subscribed to one of its lists,
        with an address, not blacklisted (as Email Marketing filters them when sending);
        with ``contact_langs``, only the contacts of those languages."""
        subscribed = Domain("list_id", "in", self.sudo().mailing_list_ids._origin.ids) & Domain("opt_out", "=", False)
        domain = (
            Domain("subscription_ids", "any", subscribed)
            & Domain("email_normalized", "!=", False)
            & Domain("is_blacklisted", "=", False)
        )
        if contact_langs is not None:
            domain &= Domain("mi_lang", "in", contact_langs)
        return domain

    def _mi_reachable_contacts(self, limit=None, contact_langs=None):
        self.ensure_one()
        return (
            self.env["mailing.contact"].sudo().search(self._mi_reachable_domain(contact_langs), limit=limit, order="id")
        )

    def _mi_audience_languages(self):
        """``{language: [contact languages read in it]}`` of the reachable audience: each
        language gets its own e-mail, the company's first (see engine/languages.py)."""
        self.ensure_one()
        contact_langs = [
            lang for (lang,) in self.env["mailing.contact"].sudo()._read_group(self._mi_reachable_domain(), ["mi_lang"])
        ]
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        return languages.readers_by_language(contact_langs, installed, self.incident_id.company_id.partner_id.lang)

    def _mi_render_context(self, recipient):
        """What the templates see besides ``object`` (the incident)."""
        self.ensure_one()
        return {
            "update": self,
            "recipient": recipient,
            "tz": recipient.mi_tz or self.incident_id._company_tz(),
        }

    def local_time_label(self, moment, tz):
        """A time as the e-mails show it: in the reader's zone and language, then that
        instant's offset from UTC (e.g. "Jul 1, 9:30 AM UTC−02:30", in Canadian French
        "1 juil., 09 h 30 UTC−02:30"); UTC when no zone is known. Public: the templates
        call it."""
        if not moment:
            return ""
        tz = tz or "UTC"
        lang = get_lang(self.env).code
        locale = babel_locale_parse(lang)
        # The language's own day-month order and 12- or 24-hour clock.
        pattern = locale.datetime_formats["medium"].format(
            locale.time_formats["short"].pattern, locale.datetime_skeletons["MMMd"].pattern
        )
        local = format_datetime(self.env, moment, tz=tz, dt_format=pattern, lang_code=lang)
        return f"{local} {timing.utc_offset_label(moment, tz)}"

    def _mi_render_subject(self, recipient=None):
        """The subject in the language of the environment, as ``recipient`` (default: the
        first reachable contact) reads it."""
        self.ensure_one()
        incident = self.incident_id
        if recipient is None:
            recipient = self._mi_reachable_contacts(limit=1)
        context = self._mi_render_context(recipient)
        try:
            subject = self.template_id._render_field("subject", incident.ids, add_context=context)[incident.id]
        except UserError as error:
            raise self._mi_render_error(self.env._("subject"), error) from error
        if "{{" in subject:
            # Email Marketing renders the subject again for each recipient and would
            # run whatever an incident's title put between double braces.
            raise UserError(
                self.env._(
                    'The subject "%(subject)s" contains "{{": remove it from the service impact or the title.',
                    subject=subject,
                )
            )
        return subject

    def _mi_render_body(self, recipient):
        """The body as ``recipient`` (a mailing contact) reads it."""
        self.ensure_one()
        incident = self.incident_id
        try:
            return self.template_id._render_field(
                "body_html", incident.ids, add_context=self._mi_render_context(recipient)
            )[incident.id]
        except UserError as error:
            raise self._mi_render_error(self.env._("body"), error) from error

    def _mi_render_error(self, part, error):
        """A refusal naming the template, its part and what failed in it (e.g. the field)."""
        cause = error
        while cause.__cause__ is not None:
            cause = cause.__cause__
        return UserError(
            self.env._(
                'The e-mail template "%(template)s" cannot render its %(part)s: %(error)s',
                template=self.template_id.name,
                part=part,
                error=cause,
            )
        )

    def _mi_check_sendable(self, now):
        self.ensure_one()
        incident = self.incident_id
        kind = dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        if self.kind == "resolution" and not incident.resolved_at:
            raise UserError(
                self.env._(
                    "%(incident)s is not resolved yet: the resolution confirmation waits for it.",
                    incident=incident.display_name,
                )
            )
        if not self.template_id:
            raise UserError(self.env._("Choose the e-mail template of the %(kind)s.", kind=kind))
        lists = self.sudo().mailing_list_ids
        if not lists:
            raise UserError(
                self.env._("The %(kind)s has no audience: choose the mailing lists to send it to.", kind=kind)
            )
        if not self._mi_reachable_contacts(limit=1):
            raise UserError(
                self.env._(
                    "Nobody on %(lists)s can be reached: every contact lacks an e-mail address, "
                    "is blacklisted or unsubscribed.",
                    lists=", ".join(lists.mapped("name")),
                )
            )
        if self.kind in ANNOUNCING_KINDS and self.next_update_at and self.next_update_at <= now:
            raise UserError(
                self.env._(
                    "The next update time (%(time)s UTC) is already past.",
                    time=fields.Datetime.to_string(self.next_update_at)[:16],
                )
            )
        if not self._mi_email_from():
            raise UserError(
                self.env._(
                    "Set an e-mail address on the company %(company)s or on your user: the mailing needs a sender.",
                    company=incident.company_id.name,
                )
            )

    def _mi_email_from(self):
        return (
            self.incident_id.company_id.email_formatted
            or self.author_id.email_formatted
            or self.env["ir.mail_server"]._get_default_from_address()
        )
