from odoo import models
from odoo.http import request

from .major_incident_alert_source import ROUTE


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # Monitors and curl post JSON under whatever content type they like; a form type
        # makes Odoo parse the body as a form, after which it can no longer be read. Read
        # and cache it first, so that the alert endpoint always sees the raw JSON.
        if rule.rule.startswith(ROUTE):
            request.httprequest.get_data(cache=True, parse_form_data=False)
        return super()._pre_dispatch(rule, args)
