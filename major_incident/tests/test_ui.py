from datetime import timedelta

from odoo import fields
from odoo.tests import Form, HttpCase, new_test_user, tagged

from ..engine import vocabulary


@tagged("post_install", "-at_install")
class TestMajorIncidentUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A support agent of the helpdesk only: no major-incident group, no Email Marketing.
        cls.support_agent = new_test_user(
            cls.env,
            login="mi_ui_support_agent",
            name="Uma Support",
            groups="helpdesk_mgmt.group_helpdesk_user",
        )
        cls.im = cls.env.ref("major_incident.user_demo_incident_manager")

    def _customer_tickets(self):
        return self.env["helpdesk.ticket"].create(
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

    def test_one_outage_two_customers_raised_linked_resolved(self):
        """A customer's "Very High" ticket raises the incident, the Incident Manager opens it
        from the ticket's banner and acknowledges it; a second customer's ticket is linked to
        it through the wizard; the incident is coded and resolved: both tickets hear of it."""
        tickets = self._customer_tickets()
        first, second = tickets
        self.start_tour(f"/odoo/helpdesk.ticket/{first.id}", "major_incident_raise_tour", login="dana.whitfield")
        self.env.invalidate_all()
        incident = first.major_incident_id
        self.assertTrue(incident, "the Very High ticket raised an incident")
        self.assertEqual(first.priority, "3")
        self.assertEqual((incident.state, incident.source), ("triage", "ticket"))
        self.assertEqual(incident.acknowledged_by_id, self.im)
        self.assertFalse(second.major_incident_id)
        # The outage began an hour before it was reported: not a brief interruption.
        incident.detected_at = fields.Datetime.now() - timedelta(hours=1)
        self.start_tour(
            f"/odoo/helpdesk.ticket/{second.id}", "major_incident_link_resolve_tour", login="dana.whitfield"
        )
        self.env.invalidate_all()
        self.assertEqual(incident.ticket_ids, tickets)
        self.assertEqual(
            incident.affected_partner_ids, tickets.partner_id.commercial_partner_id, "both customers affected"
        )
        self.assertEqual(
            (incident.system_id, incident.component_id, incident.problem_code_id, incident.software_version),
            (
                self.env.ref("major_incident.code_system_vision"),
                self.env.ref("major_incident.code_component_vision_server"),
                self.env.ref("major_incident.code_problem_down"),
                "4.12.3",
            ),
        )
        self.assertEqual(incident.state, "resolved")
        for ticket in tickets:
            notes = ticket.message_ids.filtered(lambda m: "Scanner firmware rolled back" in (m.body or ""))
            self.assertTrue(notes, f"{ticket.display_name} shows the resolution note")

    def test_support_agent_reads_the_incident_of_a_ticket(self):
        """A helpdesk user without any major-incident group sees the ticket's banner and opens
        the incident: its form leaves out what only the major-incident groups may read."""
        ticket = self._customer_tickets()[0]
        ticket.priority = "3"
        incident = ticket.major_incident_id
        ticket_form = Form(ticket.with_user(self.support_agent))
        self.assertEqual(ticket_form.major_incident_id, incident)
        self.assertEqual((ticket_form.mi_state, ticket_form.mi_severity), ("candidate", incident.severity))
        incident_form = Form(incident.with_user(self.support_agent))
        self.assertEqual(incident_form.reference, incident.reference)
        self.assertEqual(len(incident_form.ticket_ids), 1)
        arch = incident.with_user(self.support_agent).get_views([(False, "form")])["views"]["form"]["arch"]
        for name in ("clock_ids", "escalation_ids", "update_ids", "postmortem_ids", "mailing_list_ids"):
            self.assertNotIn(f'name="{name}"', arch, f"{name} is for the major-incident groups")

    def test_incident_manager_form_shows_every_page(self):
        incident = self.env.ref("major_incident.demo_mi_vision").with_user(self.im)
        form = Form(incident)
        self.assertTrue(form.clock_ids, "the demo incident's clocks")
        self.assertEqual(len(form.ticket_ids), len(incident.ticket_ids))
        arch = incident.get_views([(False, "form")])["views"]["form"]["arch"]
        for name in ("clock_ids", "escalation_ids", "update_ids", "postmortem_ids", "mailing_list_ids"):
            self.assertIn(f'name="{name}"', arch)

    def test_support_agent_links_a_ticket_through_the_wizard(self):
        first, second = self._customer_tickets()
        first.priority = "3"
        incident = first.major_incident_id
        action = second.with_user(self.support_agent).action_link_major_incident()
        wizard_form = Form(
            self.env[action["res_model"]].with_user(self.support_agent).with_context(action["context"])
        )
        self.assertIn(incident, wizard_form.open_incident_ids)
        wizard_form.incident_id = incident
        wizard = wizard_form.save()
        wizard.action_link()
        self.assertEqual(second.major_incident_id, incident)
        self.assertIn(second.partner_id.commercial_partner_id, incident.affected_partner_ids)

    def test_board_shows_every_lane_in_process_order(self):
        """The kanban board (grouped by state, as the web client asks for it): every lane, empty
        or not, in the order of the process."""
        incidents = self.env["major.incident"].with_user(self.im).with_context(read_group_expand=True)
        result = incidents.web_read_group([("state", "!=", "mitigating")], ["state"])
        self.assertEqual(
            [group["state"] for group in result["groups"]], [state for state, _label in vocabulary.STATES]
        )
