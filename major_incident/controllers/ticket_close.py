from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController


class MajorIncidentTicketController(HelpdeskTicketController):
    @http.route()
    def support_ticket_close(self, **kw):
        """helpdesk_mgmt moves any ticket whose id it is given, as the superuser: a customer
        could close another customer's ticket. A ticket of a major incident is moved only by
        someone who may read it (for a customer: a ticket of their company)."""
        try:
            ticket_id = int(kw.get("ticket_id", ""))
        except ValueError:
            return super().support_ticket_close(**kw)
        ticket = request.env["helpdesk.ticket"].browse(ticket_id).exists()
        if ticket.sudo().major_incident_id and not ticket.has_access("read"):
            raise Forbidden(request.env._("This ticket is not yours to close."))
        return super().support_ticket_close(**kw)
