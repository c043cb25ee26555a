from odoo import fields, models


class MajorIncidentDismissWizard(models.TransientModel):
    _name = "major.incident.dismiss.wizard"
    _description = "Dismiss Major Incident Candidate"

    incident_id = fields.Many2one("major.incident", required=True)
    note = fields.Text("Why it is not a major incident", required=True)

    def action_dismiss(self):
        self.ensure_one()
        self.incident_id.action_dismiss(note=self.note)
        return {"type": "ir.actions.act_window_close"}
