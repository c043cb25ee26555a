from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, freeze_time, new_test_user, tagged

from ..engine import alerts
from .common import MajorIncidentCase

T0 = datetime(2026, 3, 6, 14, 0)


def minutes(n):
    return T0 + timedelta(minutes=n)


@tagged("at_install", "-post_install")
class TestLinkedTickets(MajorIncidentCase):
    """One incident per outage, however many customers report it: their tickets link to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A system no demo incident is open for: the duplicates found are this test's own.
        codes = cls.env["major.incident.code"]
        cls.outage_system = codes.create({"name": "Checkout", "kind": "system"})
        cls.outage_component = codes.create(
            {"name": "Payment terminal", "kind": "component", "parent_id": cls.outage_system.id}
        )
        Partner = cls.env["res.partner"]
        cls.northwind, cls.maple, cls.oak = Partner.create(
            [
                {"name": "Northwind Test", "is_company": True},
                {"name": "Maple Test", "is_company": True},
                {"name": "Oak Test", "is_company": True},
            ]
        )
        cls.alice, cls.frank, cls.olga = Partner.create(
            [
                {"name": "Alice Northwind", "parent_id": cls.northwind.id},
                {"name": "Frank Maple", "parent_id": cls.maple.id},
                {"name": "Olga Oak", "parent_id": cls.oak.id},
            ]
        )
        cls.stage_cancelled = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")

    def _agent_ticket(self, partner=None, **values):
        """A customer's ticket, entered by the plain support agent."""
        return (
            self.env["helpdesk.ticket"]
            .with_user(self.support_agent)
            .create(
                {
                    "name": "Kiosks show a white screen",
                    "description": "<p>Since this morning</p>",
                    "partner_id": partner.id if partner else False,
                    **values,
                }
            )
        )

    def _link(self, tickets, incident, user=None):
        wizard = (
            self.env["major.incident.link.wizard"]
            .with_user(user or self.support_agent)
            .create({"ticket_ids": [Command.set(tickets.ids)], "mode": "link", "incident_id": incident.id})
        )
        return wizard.action_link()

    # ------------------------------------------------------------------ (a) the plain support agent

    def test_ticket_chatter_tracks_the_link_not_the_incident_state(self):
        """The ticket logs that it joined an incident; the incident's state and severity
        are the incident's history, which the ticket would only freeze at link time."""
        ticket = self._urgent_ticket_tracked()
        tracked = ticket.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("major_incident_id", tracked)
        self.assertNotIn("mi_state", tracked)
        self.assertNotIn("mi_severity", tracked)

    def test_support_agent_saves_low_and_very_high_tickets(self):
        """Helpdesk only: no Email Marketing, no major-incident group; both tickets save."""
        agent = self.support_agent
        self.assertFalse(agent.has_group("mass_mailing.group_mass_mailing_user"))
        self.assertFalse(agent.has_group("major_incident.group_mi_user"))
        tickets = {}
        for priority in ("0", "3"):
            with self.subTest(priority=priority):
                form = Form(self.env["helpdesk.ticket"].with_user(agent))
                form.name = f"Kiosk issue, priority {priority}"
                form.description = "<p>White screen</p>"
                form.partner_id = self.alice
                form.priority = priority
                ticket = form.save()
                with Form(ticket.with_user(agent)) as edit:
                    edit.name = f"Kiosk issue, priority {priority}, edited"
                    edit.description = "<p>White screen at three stores</p>"
                self.assertEqual(ticket.name, f"Kiosk issue, priority {priority}, edited")
                tickets[priority] = ticket
        low, very_high = tickets["0"], tickets["3"]
        self.assertFalse(low.major_incident_id)
        self.assertFalse(low.is_major_incident)
        incident = very_high.major_incident_id
        self.assertEqual(incident.state, "candidate")
        self.assertEqual(incident.source, "ticket")
        self.assertEqual(incident.ticket_ids, very_high)
        self.assertEqual(incident.affected_partner_ids, self.northwind)
        self.assertEqual(incident.incident_manager_id, self.im)
        self.assertTrue(incident.sudo().escalation_ids, "the ladder started for the agent's urgent ticket")
        as_agent = very_high.with_user(agent)
        self.assertEqual((as_agent.mi_state, as_agent.mi_severity), ("candidate", "p1"))
        # Raising the low ticket later, by the agent's plain write.
        low.with_user(agent).write({"priority": "3"})
        self.assertEqual(low.major_incident_id.state, "candidate")
        self.assertNotEqual(low.major_incident_id, incident)

    def test_support_agent_writes_on_plain_and_urgent_tickets(self):
        low = self._agent_ticket(self.alice, priority="0")
        very_high = self._agent_ticket(self.frank, priority="3")
        for ticket in (low, very_high):
            ticket.with_user(self.support_agent).write(
                {"name": "Renamed by the agent", "description": "<p>More details</p>", "priority": ticket.priority}
            )
            self.assertEqual(ticket.name, "Renamed by the agent")
        self.assertFalse(low.major_incident_id)
        self.assertEqual(very_high.major_incident_id.state, "candidate")

    # ------------------------------------------------------------------ (b) linking and unlinking

    def test_link_wizard_adds_the_customer(self):
        incident = self._incident(ticket_values={"partner_id": self.alice.id})
        first = incident.ticket_ids
        self.assertEqual(incident.affected_partner_ids, self.northwind)
        maple_ticket = self._agent_ticket(self.frank)
        action = maple_ticket.with_user(self.support_agent).action_link_major_incident()
        self.assertEqual(action["res_model"], "major.incident.link.wizard")
        wizard = (
            self.env["major.incident.link.wizard"]  # pylint: disable=context-overridden  # the action's context alone, as the web client opens it
            .with_user(self.support_agent)
            .with_context(action["context"])
            .create({"mode": "link", "incident_id": incident.id})
        )
        self.assertEqual(wizard.ticket_ids, maple_ticket)
        self.assertIn(incident, wizard.open_incident_ids)
        result = wizard.action_link()
        self.assertEqual((result["res_model"], result["res_id"]), ("major.incident", incident.id))
        self.assertEqual(maple_ticket.major_incident_id, incident)
        self.assertTrue(maple_ticket.is_major_incident)
        self.assertEqual(maple_ticket.mi_state, "triage")
        self.assertEqual(incident.ticket_ids, first | maple_ticket)
        self.assertEqual(incident.ticket_count, 2)
        self.assertEqual(incident.affected_partner_ids, self.northwind | self.maple)

    def test_link_by_writing_and_unlink(self):
        incident = self._incident(ticket_values={"partner_id": self.alice.id})
        first = incident.ticket_ids
        oak_ticket = self._agent_ticket(self.olga)
        oak_ticket.with_user(self.support_agent).write({"major_incident_id": incident.id})
        self.assertEqual(incident.ticket_ids, first | oak_ticket)
        self.assertEqual(incident.affected_partner_ids, self.northwind | self.oak)
        oak_ticket.with_user(self.support_agent).write({"major_incident_id": False})
        self.assertEqual(incident.ticket_ids, first)
        self.assertFalse(oak_ticket.is_major_incident)
        self.assertFalse(oak_ticket.mi_state)

    def test_link_refusals(self):
        incident = self._incident(ticket_values={"partner_id": self.alice.id})
        with self.assertRaisesRegex(UserError, "Already linked"):
            self._link(incident.ticket_ids, incident)
        other = self._candidate()
        other.with_user(self.im).action_dismiss(note="Not an outage")
        ticket = self._agent_ticket(self.frank)
        with self.assertRaisesRegex(UserError, "no longer open"):
            self._link(ticket, other)
        self.assertFalse(ticket.major_incident_id)

    def test_link_wizard_raises_a_new_candidate(self):
        ticket = self._agent_ticket(self.frank)
        wizard = (
            self.env["major.incident.link.wizard"]
            .with_user(self.support_agent)
            .create({"ticket_ids": [Command.set(ticket.ids)], "mode": "new"})
        )
        wizard.action_link()
        incident = ticket.major_incident_id
        self.assertEqual(incident.state, "candidate")
        self.assertEqual(incident.ticket_ids, ticket)
        self.assertEqual(incident.affected_partner_ids, self.maple)

    # ------------------------------------------------------------------ (c) duplicates

    def test_duplicate_candidate_merges_into_the_open_incident(self):
        # The Incident Manager on duty (called by the ladders) is not the one who merges:
        # the calls of the merged candidate are stopped, not answered.
        duty = new_test_user(
            self.env,
            login="mi_test_duty",
            name="Dee Duty",
            phone="+1 416 555 0196",
            groups="major_incident.group_mi_manager,helpdesk_mgmt.group_helpdesk_user",
        )
        self.env.company.mi_incident_manager_id = duty
        coding = {"system_id": self.outage_system.id, "component_id": self.outage_component.id}
        with freeze_time(T0):
            first = self._agent_ticket(self.alice, priority="3")
            open_incident = first.major_incident_id
            open_incident.with_user(self.im).write(coding)
        with freeze_time(minutes(2)):
            second = self._agent_ticket(self.frank, priority="3")
            candidate = second.major_incident_id
            self.assertNotEqual(candidate, open_incident)
            self.assertFalse(candidate.duplicate_id, "nothing says yet it is the same outage")
            candidate.with_user(self.im).write(coding)
        self.assertEqual(candidate.duplicate_id, open_incident)
        self.assertEqual(candidate.with_user(self.support_agent).duplicate_id, open_incident)

        calls = candidate.escalation_ids
        self.assertEqual(calls.user_id, duty)
        running = candidate.clock_ids.filtered(lambda c: c.state == "running")
        self.assertIn("escalation", running.mapped("kind"))
        with freeze_time(minutes(4)):
            action = candidate.with_user(self.im).action_merge_into(open_incident)
        self.assertEqual((action["res_model"], action["res_id"]), ("major.incident", open_incident.id))

        self.assertEqual(candidate.state, "cancelled")
        self.assertEqual(candidate.cancel_reason, "duplicate")
        self.assertEqual(candidate.merged_into_id, open_incident)
        self.assertEqual(candidate.closed_at, minutes(4))
        # Its tickets and customers moved over.
        self.assertEqual(second.major_incident_id, open_incident)
        self.assertEqual(open_incident.ticket_ids, first | second)
        self.assertFalse(candidate.ticket_ids)
        self.assertEqual(open_incident.affected_partner_ids, self.northwind | self.maple)
        # Its ladder stopped: the calls are kept, stopped; its running clocks cancelled.
        self.assertTrue(calls.exists())
        self.assertEqual(candidate.escalation_ids, calls, "no call deleted")
        self.assertEqual(set(calls.mapped("outcome")), {"stopped"})
        self.assertEqual(set(running.mapped("state")), {"cancelled"})
        self.assertFalse(candidate.clock_ids.filtered(lambda c: c.state in ("running", "paused")))
        self.assertFalse(candidate.activity_ids.filtered(lambda a: a.activity_type_id.category == "phonecall"))
        # The chatter links to the incident it was merged into.
        link = f'data-oe-id="{open_incident.id}"'
        merged_notes = candidate.message_ids.filtered(lambda m: link in (m.body or ""))
        self.assertTrue(merged_notes, "a note on the candidate links to the other incident")
        self.assertIn(open_incident.reference, merged_notes[0].body)
        # Only one ladder is left running: the open incident's.
        ladders = (open_incident | candidate).clock_ids.filtered(
            lambda c: c.kind == "escalation" and c.state == "running"
        )
        self.assertEqual(ladders.incident_id, open_incident)
        self.assertEqual(len(ladders), 1)
        self.assertEqual(open_incident.state, "candidate", "the open incident goes on as it was")

    def test_merge_refusals(self):
        coding = {"system_id": self.outage_system.id, "component_id": self.outage_component.id}
        open_incident = self._incident(**coding)
        candidate = self._candidate(**coding)
        self.assertEqual(candidate.duplicate_id, open_incident, "a declared incident of the same outage")
        for user in (self.agent, self.support_agent):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                candidate.with_user(user).action_merge_into(open_incident)
        with self.assertRaises(UserError):
            candidate.with_user(self.im).action_merge_into(candidate)
        with self.assertRaises(UserError):
            open_incident.with_user(self.im).action_merge_into(candidate)
        self.assertEqual(candidate.state, "candidate")
        self.assertEqual(open_incident.state, "triage")
        lone = self._candidate()
        with self.assertRaisesRegex(UserError, "no likely duplicate"):
            lone.with_user(self.im).action_merge_into_duplicate()
        # The form's button merges into the likely duplicate.
        candidate.with_user(self.im).action_merge_into_duplicate()
        self.assertEqual(candidate.merged_into_id, open_incident)
        self.assertEqual(candidate.cancel_reason, "duplicate")

    # ------------------------------------------------------------------ (d) resolution and closure

    def test_resolution_is_noted_on_every_linked_ticket(self):
        with freeze_time(T0):
            incident = self._incident(ticket_values={"partner_id": self.alice.id})
            others = self._agent_ticket(self.frank) | self._agent_ticket(self.olga)
            self._link(others, incident)
        self._code(incident)
        incident.with_user(self.im).resolution_note = "Certificate renewed on both load balancers."
        with freeze_time(minutes(60)):
            incident.with_user(self.im).action_resolve()
        self.assertEqual(incident.state, "resolved")
        self.assertEqual(len(incident.ticket_ids), 3)
        for ticket in incident.ticket_ids:
            with self.subTest(ticket=ticket.display_name):
                notes = ticket.message_ids.filtered(lambda m: "resolved" in (m.body or ""))
                self.assertTrue(notes, "the ticket hears of the resolution")
                self.assertIn("Certificate renewed on both load balancers.", notes[0].body)
                self.assertIn(incident.reference, notes[0].body)

    def test_closing_moves_linked_tickets_only_when_the_team_asks(self):
        Team = self.env["helpdesk.ticket.team"]
        closing_team = Team.create({"name": "Closes with the incident", "mi_close_linked_tickets": True})
        keeping_team = Team.create({"name": "Closes its own tickets"})
        with freeze_time(T0):
            incident = self._incident(ticket_values={"partner_id": self.alice.id, "team_id": closing_team.id})
            first = incident.ticket_ids
            open_ticket = self._agent_ticket(self.frank, team_id=closing_team.id)
            already_closed = self._agent_ticket(self.olga, team_id=closing_team.id)
            kept = self._agent_ticket(self.frank, team_id=keeping_team.id)
            self._link(open_ticket | already_closed | kept, incident)
            already_closed.with_user(self.support_agent).stage_id = self.stage_cancelled
        closed_date = already_closed.closed_date
        kept_stage = kept.stage_id
        self.assertFalse(kept_stage.closed)
        self._code(incident)
        with freeze_time(minutes(60)):
            incident.with_user(self.im).action_resolve()
        self.assertFalse(any((first | open_ticket | kept).mapped("stage_id.closed")), "resolving closes nothing")
        with freeze_time(minutes(120)):
            incident.with_user(self.im).action_close()
        self.assertEqual(incident.state, "closed")
        for ticket in first | open_ticket:
            with self.subTest(ticket=ticket.display_name):
                self.assertTrue(ticket.stage_id.closed, "moved to the team's closing stage")
                self.assertIn(ticket.stage_id, closing_team._get_applicable_stages())
        self.assertEqual(already_closed.stage_id, self.stage_cancelled, "a closed ticket is left as it is")
        self.assertEqual(already_closed.closed_date, closed_date)
        self.assertEqual(kept.stage_id, kept_stage, "its team did not ask")

    # ------------------------------------------------------------------ (e) alerts

    def _generic_source(self, name):
        return self.env["major.incident.alert.source"].create(
            {"name": name, "payload_format": "generic", "severity": "p2", "system_id": self.system.id}
        )

    def _alert(self, source, status, at):
        payload = {
            "id": "vision-db",
            "status": status,
            "title": "Vision database",
            "message": "replica lag",
            "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return source._receive(alerts.parse(source.payload_format, payload))

    def test_same_fingerprint_from_two_sources_is_one_incident(self):
        primary, secondary = self._generic_source("Primary monitor"), self._generic_source("Secondary monitor")
        with freeze_time(minutes(2)):
            first = self._alert(primary, "down", minutes(1))
        with freeze_time(minutes(3)):
            second = self._alert(secondary, "down", minutes(2))
        self.assertEqual((first[0]["result"], second[0]["result"]), ("created", "updated"))
        self.assertEqual(first[0]["incident"], second[0]["incident"])
        incident = self.env["major.incident"].search([("alert_fingerprint", "=", "vision-db")])
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.reference, first[0]["incident"])
        self.assertEqual(incident.alert_source_id, primary)
        self.assertEqual(incident.detected_at, minutes(1))
        self.assertIn("Secondary monitor reports", incident.message_ids[0].body)
        with freeze_time(minutes(4)):
            recovered = self._alert(secondary, "up", minutes(4))
        self.assertEqual(recovered[0]["incident"], incident.reference)
        self.assertEqual(incident.alert_recovered_at, minutes(4))

    def test_alert_of_a_merged_candidate_lands_on_its_incident(self):
        source = self._generic_source("Primary monitor")
        with freeze_time(minutes(2)):
            self._alert(source, "down", minutes(1))
        alerted = self.env["major.incident"].search([("alert_fingerprint", "=", "vision-db")])
        open_incident = self._incident()
        alerted.with_user(self.im).action_merge_into(open_incident)
        with freeze_time(minutes(10)):
            again = self._alert(source, "down", minutes(9))
        self.assertEqual(again[0]["result"], "updated")
        self.assertEqual(again[0]["incident"], open_incident.reference)
        self.assertEqual(
            self.env["major.incident"].search_count(
                [("alert_fingerprint", "=", "vision-db"), ("state", "!=", "cancelled")]
            ),
            0,
            "no new incident for the merged candidate's alert",
        )
