from odoo import fields, models

# What the urgent-support FAQ asks a reporter to provide ("What information should I provide
# when reporting an urgent issue?"), beyond the description and the start time the incident
# already holds.
REPORT_FIELDS = (
    "error_messages",
    "reproduction_steps",
    "business_impact",
    "users_affected",
    "troubleshooting_done",
    "update_contact",
)


class MajorIncidentReportMixin(models.AbstractModel):
    _name = "major.incident.report.mixin"
    _description = "Major Incident Report (what the reporter provides)"

    error_messages = fields.Text(help="Error messages, or where the reporter's screenshots are.")
    reproduction_steps = fields.Text("Steps to reproduce")
    business_impact = fields.Text(help="The business impact and urgency, in the reporter's words.")
    users_affected = fields.Integer("Users affected", help="How many users the reporter says are affected.")
    troubleshooting_done = fields.Text("Troubleshooting already tried")
    update_contact = fields.Char("Contact for updates", help="The best contact for updates, as the reporter gave it.")

    _users_affected_not_negative = models.Constraint(
        "CHECK(users_affected >= 0)", "The number of users affected cannot be negative."
    )

    def _report_values(self):
        self.ensure_one()
        return {name: self[name] for name in REPORT_FIELDS}
