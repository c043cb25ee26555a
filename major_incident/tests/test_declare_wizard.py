from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import MajorIncidentCase


@tagged("at_install", "-post_install")
class TestDeclareWizard(MajorIncidentCase):
    def _declared(self, action):
        self.assertEqual(action["res_model"], "major.incident", "the wizard opens the incident")
        return self.env["major.incident"].browse(action["res_id"])

    def test_new_ticket_from_phone_call(self):
        customer = self.env["res.partner"].create({"name": "Northwind Test", "is_company": True})
        wizard_form = Form(self.env["major.incident.declare.wizard"].with_user(self.im))
        wizard_form.mode = "new"
        wizard_form.name = "All kiosks down in Toronto"
        wizard_form.description = "<p>Caller reports white screens on every kiosk.</p>"
        wizard_form.severity = "p2"
        wizard_form.control = "external"
        wizard_form.affected_partner_ids.add(customer)
        # What the urgent-support FAQ asks the caller for.
        wizard_form.error_messages = "502 Bad Gateway on every kiosk"
        wizard_form.reproduction_steps = "Open the kiosk home page"
        wizard_form.business_impact = "No sales at the Toronto stores"
        wizard_form.users_affected = 240
        wizard_form.troubleshooting_done = "Kiosks restarted"
        wizard_form.update_contact = "Store ops, +1 416 555 0142"
        incident = self._declared(wizard_form.save().action_declare())
        self.assertEqual(
            incident._report_values(),
            {
                "error_messages": "502 Bad Gateway on every kiosk",
                "reproduction_steps": "Open the kiosk home page",
                "business_impact": "No sales at the Toronto stores",
                "users_affected": 240,
                "troubleshooting_done": "Kiosks restarted",
                "update_contact": "Store ops, +1 416 555 0142",
            },
            "what the caller provided is kept on the incident",
        )
        self.assertEqual(incident.name, "All kiosks down in Toronto")
        self.assertEqual(incident.state, "triage")
        self.assertEqual(incident.source, "phone")
        self.assertEqual(incident.severity, "p2")
        self.assertEqual(incident.control, "external")
        self.assertEqual(incident.affected_partner_ids, customer)
        self.assertEqual(incident.policy_id, self.env.ref("major_incident.policy_sop_p2"))
        self.assertEqual(incident.incident_manager_id, self.im)
        ticket = incident.ticket_ids
        self.assertEqual(len(ticket), 1, "the phone call is on record as a ticket")
        self.assertEqual(ticket.name, "All kiosks down in Toronto")
        self.assertEqual(ticket.mi_state, "triage")

    def test_promote_existing_ticket(self):
        ticket = self._ticket()
        wizard = (
            self.env["major.incident.declare.wizard"]
            .with_user(self.im)
            .with_context(active_model="helpdesk.ticket", active_id=ticket.id)
            .create({"severity": "p1", "source": "phone", "description": "<p>Escalated by phone</p>"})
        )
        self.assertEqual(wizard.mode, "existing")
        self.assertEqual(wizard.ticket_id, ticket)
        incident = self._declared(wizard.action_declare())
        self.assertEqual(ticket.major_incident_id, incident)
        self.assertTrue(ticket.is_major_incident)
        self.assertEqual(incident.state, "triage")
        self.assertEqual(ticket.mi_state, "triage")
        self.assertEqual(incident.source, "phone")
        self.assertIn("Escalated by phone", " ".join(ticket.message_ids.mapped("body")))

    def test_promote_candidate_keeps_detection_time(self):
        ticket = self._ticket(priority="3")
        candidate = ticket.major_incident_id
        detected = candidate.detected_at
        incident = self._declared(
            self.env["major.incident.declare.wizard"]
            .with_user(self.im)
            .create({"mode": "existing", "ticket_id": ticket.id, "severity": "p2"})
            .action_declare()
        )
        self.assertEqual(incident, candidate, "the candidate is declared, not a second incident")
        self.assertEqual(incident.detected_at, detected)
        self.assertEqual(incident.state, "triage")
        self.assertEqual(incident.severity, "p2")

    def test_only_incident_managers_declare(self):
        ticket = self._ticket()
        for user in (self.agent, self.support_agent):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["major.incident.declare.wizard"].with_user(user).create(
                    {"mode": "existing", "ticket_id": ticket.id}
                ).action_declare()
        self.assertFalse(ticket.major_incident_id)

    def test_refusals(self):
        wizard_model = self.env["major.incident.declare.wizard"].with_user(self.im)
        with self.assertRaisesRegex(UserError, "title and a first description"):
            wizard_model.create({"mode": "new", "name": "x"}).action_declare()
        with self.assertRaisesRegex(UserError, "Choose the ticket"):
            wizard_model.create({"mode": "existing"}).action_declare()
        ticket = self._ticket()
        ticket.with_user(self.im).action_declare_major_incident()
        with self.assertRaisesRegex(UserError, "already linked"):
            wizard_model.create({"mode": "existing", "ticket_id": ticket.id}).action_declare()
        tickets = self.env["helpdesk.ticket"].search_count([])
        incidents = self.env["major.incident"].search_count([])
        with self.assertRaisesRegex(UserError, "future"):
            wizard_model.create(
                {"mode": "new", "name": "x", "description": "<p>y</p>", "detected_at": "2999-01-01 00:00:00"}
            ).action_declare()
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), tickets)
        self.assertEqual(self.env["major.incident"].search_count([]), incidents)

    def test_users_affected_cannot_be_negative(self):
        incident = self._incident()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            incident.with_user(self.im).write({"users_affected": -3})
            incident.env.flush_all()
