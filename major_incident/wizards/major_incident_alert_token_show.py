from odoo import fields, models


class MajorIncidentAlertTokenShow(models.AbstractModel):
    """Shows an alert source's new URL once. Abstract, as Odoo's own API key dialog: the
    token travels in the action's context and is never stored in clear."""

    _name = "major.incident.alert.token.show"
    _description = "Show Alert Source URL"

    # The id makes the client's onchange return the default url when the dialog opens.
    id = fields.Id()
    url = fields.Char("Alert URL", readonly=True)
