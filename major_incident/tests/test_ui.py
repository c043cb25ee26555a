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
            self.env[action["res_model"]].with_user(self.support_agent).with_context(action["context"])  # pylint: disable=context-overridden  # the action's context alone, as the web client opens it
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
        self.assertEqual([group["state"] for group in result["groups"]], [state for state, _label in vocabulary.STATES])


@tagged("post_install", "-at_install")
class TestMajorIncidentJourneys(HttpCase):
    """The three daily journeys in the browser, each walked by its role (demo users):
    the support agent raises and links, the Incident Manager takes an incident from its
    candidate to its resolution confirmation, and handles a brief interruption."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = cls.env.ref("major_incident.user_demo_support_agent")
        cls.im = cls.env.ref("major_incident.user_demo_incident_manager")
        cls.aisha = cls.env.ref("major_incident.partner_demo_northwind_ops")
        cls.luc = cls.env.ref("major_incident.partner_demo_maplegrocers_it")
        cls.northwind = cls.env.ref("major_incident.partner_demo_northwind")
        cls.maple = cls.env.ref("major_incident.partner_demo_maplegrocers")

    def _candidate(self, name, detected_minutes_ago):
        """A candidate raised by a customer's "Very High" ticket, detected some minutes ago."""
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": name,
                "description": "<p>Reported by phone.</p>",
                "partner_id": self.aisha.id,
                "priority": "3",
            }
        )
        incident = ticket.major_incident_id
        self.assertEqual(incident.state, "candidate")
        # The outage began before the ticket was written (superuser: the event times are
        # otherwise the actions' own).
        incident.detected_at = fields.Datetime.now() - timedelta(minutes=detected_minutes_ago)
        return incident

    def _assert_sent(self, incident, kinds):
        updates = incident.update_ids.sorted("id")
        self.assertEqual(updates.mapped("kind"), kinds)
        customer_list = self.env["mailing.list"]._mi_customer_lists(self.northwind)[self.northwind.id]
        for update in updates:
            self.assertTrue(update.sent_at, f"{update.kind} sent")
            self.assertEqual(update.author_id, self.im)
            mailing = update.mailing_id
            self.assertTrue(mailing, f"{update.kind} has its mailing")
            self.assertEqual(mailing.state, "in_queue", "queued for Email Marketing's cron")
            self.assertEqual(mailing.subject, update.subject)
            self.assertIn(customer_list, mailing.contact_list_ids, "the affected customer hears of it")
            self.assertIn(self.env.ref("major_incident.mailing_list_mi_internal"), mailing.contact_list_ids)
            self.assertEqual(mailing.mi_incident_id, incident)
        return updates

    def test_agent_raises_urgent_ticket_and_links_second_customer(self):
        """Sam (helpdesk user, major-incident user) creates a ticket from the helpdesk, sets it
        to Very High, sees the banner of the candidate it raised, then links a second
        customer's ticket to that incident."""
        second = self.env["helpdesk.ticket"].create(
            {
                "name": "Our tills cannot take cards",
                "description": "<p>Every store since 8:45.</p>",
                "partner_id": self.luc.id,
            }
        )
        self.start_tour("/odoo/helpdesk-tickets", "major_incident_agent_journey_tour", login=self.agent.login)
        self.env.invalidate_all()
        first = self.env["helpdesk.ticket"].search([("name", "=", "POS terminals offline in every Northwind store")])
        self.assertEqual(len(first), 1, "the agent created the ticket")
        self.assertEqual((first.create_uid, first.priority, first.partner_id), (self.agent, "3", self.aisha))
        self.assertIn("No store can take a payment", first.description)
        incident = first.major_incident_id
        self.assertTrue(incident, "Very High raised a candidate")
        self.assertEqual((incident.state, incident.source, incident.name), ("candidate", "ticket", first.name))
        self.assertEqual(incident.incident_manager_id, self.im, "the Incident Manager on duty")
        self.assertEqual(second.major_incident_id, incident, "the second customer's ticket is linked")
        self.assertEqual(incident.ticket_ids, first | second)
        self.assertEqual(incident.affected_partner_ids, self.northwind | self.maple)

    def test_incident_manager_takes_incident_to_resolution(self):
        """Dana acknowledges a candidate, codes it, opens the bridge, sends the initial
        notification and a progress update, resolves it an hour after detection and sends the
        resolution confirmation."""
        incident = self._candidate("Checkout kiosks frozen at Northwind", detected_minutes_ago=60)
        self.start_tour(
            f"/odoo/major-incidents/{incident.id}", "major_incident_manager_journey_tour", login=self.im.login
        )
        self.env.invalidate_all()
        self.assertEqual(incident.state, "resolved")
        self.assertFalse(incident.cancel_reason)
        self.assertEqual(incident.acknowledged_by_id, self.im)
        self.assertTrue(incident.acknowledged_at <= incident.resolved_at)
        self.assertEqual(
            (incident.system_id, incident.component_id, incident.problem_code_id, incident.software_version),
            (
                self.env.ref("major_incident.code_system_kiosk"),
                self.env.ref("major_incident.code_component_kiosk_ui"),
                self.env.ref("major_incident.code_problem_ui_error"),
                "Kiosk UI 7.2.0",
            ),
        )
        bridge = incident.bridge_event_id
        self.assertTrue(bridge, "the bridge call was opened")
        self.assertIn(self.im.partner_id, bridge.partner_ids)
        initial, progress, resolution = self._assert_sent(incident, ["initial", "progress", "resolution"])
        self.assertIn("no order can be placed", initial.impact)
        self.assertIn("fails on the payment screen", progress.findings)
        self.assertIn("rolled back on the first store", progress.actions_taken)
        self.assertIn("release smoke tests", resolution.preventive_measures)
        self.assertTrue(initial.subject.startswith("Incident Notification"))
        self.assertTrue(progress.subject.startswith("Incident Update"))
        self.assertTrue(resolution.subject.startswith("Incident Resolved"))
        ticket = incident.ticket_ids
        self.assertTrue(
            ticket.message_ids.filtered(lambda m: "rolled back to 7.1.0" in (m.body or "")),
            "the linked ticket shows how service was restored",
        )

    def test_incident_manager_resolves_brief_interruption(self):
        """Dana resolves a candidate detected five minutes ago: the confirmation names the
        15-minute rule, it is cancelled as a brief interruption, and its resolution is still
        communicated."""
        incident = self._candidate("Gateway errors for a few minutes", detected_minutes_ago=5)
        self.start_tour(
            f"/odoo/major-incidents/{incident.id}", "major_incident_brief_interruption_tour", login=self.im.login
        )
        self.env.invalidate_all()
        self.assertEqual((incident.state, incident.cancel_reason), ("cancelled", "brief"))
        self.assertTrue(incident.resolved_at)
        self.assertFalse(incident.postmortem_ids)
        self.assertFalse(
            incident.clock_ids.filtered(lambda c: c.kind in ("debrief", "postmortem") and c.state == "running"),
            "no debrief or post-mortem for a brief interruption",
        )
        (resolution,) = self._assert_sent(incident, ["resolution"])
        self.assertIn("pod restarted", resolution.root_cause)
