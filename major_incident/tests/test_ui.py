from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestMajorIncidentUi(HttpCase):
    def test_one_outage_two_customers_declared_linked_resolved(self):
        """The Incident Manager declares the incident from one customer's ticket, links a
        second customer's ticket to it and resolves it: both tickets hear of it."""
        tickets = self.env["helpdesk.ticket"].create(
            [
                {
                    "name": "Till scanners down",
                    "description": "<p>No till scans since 9:00.</p>",
                    "partner_id": self.env.ref("major_incident.partner_demo_northwind_ops").id,
                },
                {
                    "name": "Our tills cannot scan",
                    "description": "<p>Every store.</p>",
                    "partner_id": self.env.ref("major_incident.partner_demo_maplegrocers_it").id,
                },
            ]
        )
        first, second = tickets
        self.start_tour(f"/odoo/helpdesk.ticket/{first.id}", "major_incident_declare_tour", login="dana.whitfield")
        incident = first.major_incident_id
        self.assertEqual(incident.state, "triage")
        # The outage began an hour before it was reported: not a brief interruption.
        incident.detected_at = fields.Datetime.now() - timedelta(hours=1)
        self.start_tour(f"/odoo/helpdesk.ticket/{second.id}", "major_incident_link_tour", login="dana.whitfield")
        self.assertEqual(incident.ticket_ids, tickets)
        self.assertEqual(
            incident.affected_partner_ids, tickets.partner_id.commercial_partner_id, "both customers affected"
        )
        self.start_tour(f"/odoo/major.incident/{incident.id}", "major_incident_resolve_tour", login="dana.whitfield")
        self.assertEqual(incident.state, "resolved")
        for ticket in tickets:
            notes = ticket.message_ids.filtered(lambda m: "Scanner firmware rolled back" in (m.body or ""))
            self.assertTrue(notes, f"{ticket.display_name} shows the resolution note")
