from odoo import fields, models


class MajorIncidentPauseWizard(models.TransientModel):
    _name = "major.incident.pause.wizard"
    _description = "Put Major Incident Recovery Clocks on Hold"

    incident_id = fields.Many2one("major.incident", required=True)
    reason = fields.Char("Waiting for", required=True, help="e.g. the client's network team to restart the VPN")

    def action_pause(self):
        self.ensure_one()
        self.incident_id.action_pause_clocks(self.reason)
        return {"type": "ir.actions.act_window_close"}
