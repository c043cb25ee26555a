from odoo import api, fields, models


class MajorIncidentBridgeWizard(models.TransientModel):
    """Open the bridge call of a major incident (SOP step 3)."""

    _name = "major.incident.bridge.wizard"
    _description = "Open Major Incident Bridge Call"

    incident_id = fields.Many2one("major.incident", required=True)
    called_partner_ids = fields.Many2many(
        "res.partner",
        string="Invited",
        compute="_compute_called_partner_ids",
        help="The Incident Manager and the people the escalation ladder has called.",
    )
    expert_ids = fields.Many2many(
        "res.partner",
        string="Subject-matter experts",
        help="Also invited: e.g. the IT Director, senior management, external clients.",
    )
    duration = fields.Float("Duration (hours)", default=1.0, required=True)
    video_url = fields.Char(
        "Meeting URL",
        compute="_compute_video_url",
        store=True,
        readonly=False,
        help="The team's bridge meeting URL. Empty: Odoo's own meeting link.",
    )

    @api.depends("incident_id")
    def _compute_called_partner_ids(self):
        for wizard in self:
            wizard.called_partner_ids = wizard.incident_id._bridge_partners() if wizard.incident_id else False

    @api.depends("incident_id")
    def _compute_video_url(self):
        for wizard in self:
            wizard.video_url = wizard.incident_id.team_id.mi_bridge_url

    def action_open_bridge(self):
        self.ensure_one()
        self.incident_id._open_bridge(self.expert_ids, self.duration, self.video_url)
        return {"type": "ir.actions.act_window_close"}
