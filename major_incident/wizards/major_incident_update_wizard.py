from odoo import api, fields, models
from odoo.exceptions import UserError


class MajorIncidentUpdateWizard(models.TransientModel):
    """Compose, preview and send one communication of a major incident."""

    _name = "major.incident.update.wizard"
    _inherit = ["major.incident.update.mixin"]
    _description = "Send Major Incident Update"

    mailing_list_ids = fields.Many2many(compute="_compute_mailing_list_ids", store=True, readonly=False)
    service_impact = fields.Char(related="incident_id.service_impact")
    reachable_count = fields.Integer("Reachable contacts", compute="_compute_reachable_count")
    preview_recipient = fields.Char("Preview for", compute="_compute_preview")
    preview_subject = fields.Char("Subject", compute="_compute_preview")
    preview_body = fields.Html("Preview", compute="_compute_preview")
    preview_error = fields.Text(compute="_compute_preview")

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        incident = self.env["major.incident"].browse(defaults.get("incident_id") or context.get("default_incident_id"))
        if not incident and context.get("active_model") == "major.incident":
            incident = incident.browse(context.get("active_id"))
            defaults["incident_id"] = incident.id
        if not incident:
            return defaults
        # create() asks for the defaults of the fields it was not given: "kind" may be
        # among the given ones, while the buttons name it in the context.
        kind = context.get("default_kind") or incident._default_update_kind()
        values = incident._update_defaults(kind)
        if defaults.get("is_holding"):
            values.update(self._mi_holding_texts())
        for name, value in values.items():
            if name in fields_list and f"default_{name}" not in context:
                defaults[name] = value
        return defaults

    @api.depends("kind", "incident_id")
    def _compute_mailing_list_ids(self):
        for wizard in self:
            incident = wizard.incident_id
            wizard.mailing_list_ids = incident._audience_for(wizard.kind) if incident else False

    @api.depends("mailing_list_ids")
    def _compute_reachable_count(self):
        contacts = self.env["mailing.contact"].sudo()
        for wizard in self:
            wizard.reachable_count = contacts.search_count(wizard._mi_reachable_domain())

    @api.depends(lambda self: ["service_impact", *self._mi_content_fields()])
    def _compute_preview(self):
        for wizard in self:
            wizard.preview_recipient = wizard.preview_subject = False
            wizard.preview_body = wizard.preview_error = False
            if not wizard.incident_id or not wizard.template_id:
                continue
            # As the first reader of the first mailing (the company's language) reads it.
            lang, contact_langs = next(iter(wizard._mi_audience_languages().items()), (None, None))
            reader = wizard.with_context(lang=lang) if lang else wizard
            recipient = reader._mi_reachable_contacts(limit=1, contact_langs=contact_langs)
            wizard.preview_recipient = f"{recipient.name} <{recipient.email}>" if recipient else False
            try:
                wizard.preview_subject = reader._mi_render_subject(recipient)
                wizard.preview_body = reader._mi_render_body(recipient)
            except UserError as error:
                wizard.preview_error = error.args[0]

    def action_use_holding_text(self):
        """Nothing new to say: fill in the holding update's words."""
        self.ensure_one()
        self.write({"is_holding": True, **self._mi_holding_texts()})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send update"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_send(self):
        self.ensure_one()
        self.incident_id._check_manager()
        # Refusals come before anything is recorded: the update only exists once sent.
        self._mi_check_sendable(fields.Datetime.now())
        self._mi_render_subject()
        self._mi_render_body(self._mi_reachable_contacts(limit=1))
        update = self.env["major.incident.update"].create(
            self._convert_to_write({name: self[name] for name in self._mi_content_fields()})
        )
        update._send()
        return {"type": "ir.actions.act_window_close"}
