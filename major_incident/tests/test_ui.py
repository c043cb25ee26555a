from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestMajorIncidentUi(HttpCase):
    def test_incident_manager_mitigates_from_the_board(self):
        ticket = self.env.ref("major_incident.ticket_demo_vision_outage")
        self.assertEqual(ticket.mi_state, "investigating")
        self.start_tour("/odoo", "major_incident_tour", login="dana.whitfield")
        self.assertEqual(ticket.mi_state, "mitigating")
