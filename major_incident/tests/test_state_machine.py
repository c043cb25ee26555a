from datetime import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 6, 14, 0)


@tagged("at_install", "-post_install")
class TestStateMachine(MajorIncidentCase):
    def _triaged(self, **ticket_values):
        incident = self._ticket(priority="3", **ticket_values).major_incident_id
        incident.with_user(self.im).action_acknowledge()
        return incident

    def test_urgent_priority_at_creation_raises_candidate_same_transaction(self):
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        incident = ticket.major_incident_id
        self.assertTrue(ticket.is_major_incident)
        self.assertEqual(ticket.mi_state, "candidate")
        self.assertEqual(incident.state, "candidate")
        self.assertEqual(incident.ticket_ids, ticket)
        self.assertEqual(incident.name, ticket.name)
        self.assertTrue(incident.reference.startswith("MI-"), incident.reference)
        self.assertEqual(incident.incident_manager_id, self.im)
        self.assertEqual(incident.source, "ticket")
        self.assertEqual(incident.detected_at, T0)
        self.assertEqual(incident.policy_id, self.env.ref("major_incident.policy_sop_p1"))
        # Same transaction: flushed, never committed in between.
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT incident.state, incident.incident_manager_id
              FROM helpdesk_ticket ticket
              JOIN major_incident incident ON incident.id = ticket.major_incident_id
             WHERE ticket.id = %s
            """,
            [ticket.id],
        )
        self.assertEqual(self.env.cr.fetchone(), ("candidate", self.im.id))

    def test_upgrade_to_urgent_raises_candidate(self):
        ticket = self._ticket(priority="1")
        self.assertFalse(ticket.is_major_incident)
        self.assertFalse(ticket.major_incident_id)
        ticket.with_user(self.agent).write({"priority": "3"})
        self.assertEqual(ticket.mi_state, "candidate")
        self.assertEqual(ticket.major_incident_id.incident_manager_id, self.im)
        # Saving the urgent ticket again raises nothing more.
        incident = ticket.major_incident_id
        ticket.with_user(self.agent).write({"priority": "3", "name": "Vision server still down"})
        self.assertEqual(ticket.major_incident_id, incident)
        self.assertEqual(self.env["major.incident"].search_count([("ticket_ids", "in", ticket.ids)]), 1)

    def test_other_priorities_do_nothing(self):
        count = self.env["major.incident"].search_count([])
        tickets = self.env["helpdesk.ticket"].create(
            [{"name": f"t{p}", "description": "x", "priority": p} for p in "012"]
        )
        self.assertFalse(any(tickets.mapped("is_major_incident")))
        tickets.write({"priority": "2"})
        self.assertFalse(any(tickets.mapped("mi_state")))
        self.assertFalse(tickets.major_incident_id)
        self.assertEqual(self.env["major.incident"].search_count([]), count)

    def test_candidate_state_tracked_in_chatter(self):
        ticket = self._urgent_ticket_tracked()
        self.assertIn("major_incident_id", ticket.message_ids.tracking_value_ids.mapped("field_id.name"))
        incident = ticket.major_incident_id
        incident.with_user(self.im).action_acknowledge()
        incident.with_user(self.im).incident_manager_id = self.mi_admin
        self._end_transaction()
        tracked = incident.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("state", tracked)
        self.assertIn("incident_manager_id", tracked)

    def test_acknowledge_moves_to_triage(self):
        with freeze_time(T0):
            incident = self._candidate()
        with freeze_time(T0.replace(minute=4)):
            incident.with_user(self.im).action_acknowledge()
        self.assertEqual(incident.state, "triage")
        self.assertEqual(incident.ticket_ids.mi_state, "triage", "the ticket shows its incident's state")
        self.assertEqual(incident.acknowledged_at, T0.replace(minute=4))
        self.assertEqual(incident.acknowledged_by_id, self.im)
        self.assertEqual(incident.declared_at, T0.replace(minute=4))

    def test_agent_cannot_acknowledge_or_declare(self):
        incident = self._candidate()
        with self.assertRaises(AccessError):
            incident.with_user(self.agent).action_acknowledge()
        other = self._ticket()
        with self.assertRaises(AccessError):
            other.with_user(self.agent).action_declare_major_incident()
        with self.assertRaises(AccessError):
            other.with_user(self.support_agent).action_declare_major_incident()
        self.assertEqual(incident.state, "candidate")
        self.assertFalse(other.is_major_incident)

    def test_declare_plain_ticket_acknowledges(self):
        ticket = self._ticket()
        with freeze_time(T0):
            ticket.with_user(self.im).action_declare_major_incident()
        incident = ticket.major_incident_id
        self.assertEqual(incident.state, "triage")
        self.assertEqual(ticket.mi_state, "triage")
        self.assertEqual(incident.source, "manual")
        self.assertEqual(incident.declared_at, T0)
        self.assertEqual(incident.acknowledged_at, T0)
        self.assertEqual(incident.ticket_ids, ticket)

    def test_declare_candidate_of_ticket_keeps_it(self):
        incident = self._candidate()
        ticket = incident.ticket_ids
        ticket.with_user(self.im).action_declare_major_incident()
        self.assertEqual(ticket.major_incident_id, incident, "the candidate is declared, no second incident")
        self.assertEqual(incident.state, "triage")

    def test_state_and_times_refused_to_direct_writes(self):
        incident = self._triaged()
        for values in (
            {"state": "resolved"},
            {"resolved_at": T0},
            {"acknowledged_at": T0},
            {"cancel_reason": "brief"},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, "only through the incident's actions"):
                incident.with_user(self.im).write(values)
        self.assertEqual(incident.state, "triage")
        self.assertFalse(incident.resolved_at)

    def test_coding_required_to_leave_triage(self):
        incident = self._triaged()
        as_im = incident.with_user(self.im)
        with self.assertRaisesRegex(UserError, "System.*Component.*Problem Code.*Software version"):
            as_im.action_start_investigation()
        with self.assertRaisesRegex(UserError, "Missing"):
            as_im.action_resolve()
        self.assertEqual(incident.state, "triage")
        as_im.write({"software_version": "4.12.3", "system_id": self.system.id})
        with self.assertRaisesRegex(UserError, "Component, Problem Code"):
            as_im.action_start_investigation()
        self._code(incident)
        as_im.action_start_investigation()
        self.assertEqual(incident.state, "investigating")

    def test_full_lifecycle(self):
        with freeze_time(T0):
            incident = self._triaged()
            self._code(incident)
            incident.with_user(self.im).action_start_investigation()
            incident.with_user(self.im).action_mitigate()
            self.assertEqual(incident.state, "mitigating")
        with freeze_time(T0.replace(hour=15)):
            incident.with_user(self.im).action_resolve()
        self.assertEqual(incident.state, "resolved")
        self.assertEqual(incident.resolved_at, T0.replace(hour=15))
        with freeze_time(T0.replace(hour=16)):
            incident.with_user(self.im).action_close()
        self.assertEqual(incident.state, "closed")
        self.assertEqual(incident.closed_at, T0.replace(hour=16))

    def test_resolve_from_triage_when_it_resolves_on_its_own(self):
        with freeze_time(T0):
            incident = self._triaged()
        self._code(incident)
        with freeze_time(T0.replace(minute=40)):
            incident.with_user(self.im).action_resolve()
        self.assertEqual(incident.state, "resolved")

    def test_brief_interruption_is_cancelled(self):
        with freeze_time(T0):
            incident = self._triaged()
        self._code(incident)
        with freeze_time(T0.replace(minute=14)):
            incident.with_user(self.im).action_resolve()
        self.assertEqual(incident.state, "cancelled")
        self.assertEqual(incident.cancel_reason, "brief")
        self.assertIn("brief interruption", incident.message_ids[0].body)

    def test_dismiss_candidate_and_triage(self):
        candidate = self._candidate()
        candidate.with_user(self.im).action_dismiss(note="Customer preference")
        self.assertEqual(candidate.state, "cancelled")
        self.assertEqual(candidate.cancel_reason, "not_mi")
        triaged = self._triaged()
        wizard = (
            self.env["major.incident.dismiss.wizard"]
            .with_user(self.im)
            .create({"incident_id": triaged.id, "note": "Single user issue"})
        )
        wizard.action_dismiss()
        self.assertEqual(triaged.state, "cancelled")
        self.assertEqual(triaged.dismiss_note, "Single user issue")

    def test_dismiss_wizard_opens_on_the_incident(self):
        candidate = self._candidate()
        action = candidate.with_user(self.im).action_open_dismiss_wizard()
        self.assertEqual(action["res_model"], "major.incident.dismiss.wizard")
        wizard = (
            self.env["major.incident.dismiss.wizard"]  # pylint: disable=context-overridden  # the action's context alone, as the web client opens it
            .with_user(self.im)
            .with_context(action["context"])
            .create({"note": "Duplicate report"})
        )
        self.assertEqual(wizard.incident_id, candidate)

    def test_invalid_moves_refused(self):
        dismissed = self._candidate()
        dismissed.with_user(self.im).action_dismiss(note="Not an outage")
        candidate = self._candidate()
        triaged = self._triaged()
        self._code(triaged)
        resolved = self._triaged()
        self._code(resolved)
        with freeze_time("2099-01-01"):
            resolved.with_user(self.im).action_resolve()
        refused = [
            (dismissed, "action_acknowledge"),
            (dismissed, "action_resolve"),
            (dismissed, "action_close"),
            (dismissed, "action_dismiss"),
            (candidate, "action_start_investigation"),
            (candidate, "action_mitigate"),
            (candidate, "action_resolve"),
            (candidate, "action_close"),
            (triaged, "action_acknowledge"),
            (triaged.ticket_ids, "action_declare_major_incident"),
            (triaged, "action_mitigate"),
            (triaged, "action_close"),
            (resolved, "action_resolve"),
            (resolved, "action_dismiss"),
            (resolved, "action_start_investigation"),
        ]
        for record, action in refused:
            incident = record.major_incident_id if record._name == "helpdesk.ticket" else record
            state_before = incident.state
            with self.subTest(state=state_before, action=action), self.assertRaises(UserError):
                getattr(record.with_user(self.im), action)()
            self.assertEqual(incident.state, state_before)
        resolved.with_user(self.im).action_close()
        for action in ("action_resolve", "action_close", "action_mitigate", "action_dismiss"):
            with self.subTest(state="closed", action=action), self.assertRaises(UserError):
                getattr(resolved.with_user(self.im), action)()

    def test_error_message_says_why(self):
        incident = self._candidate()
        with self.assertRaisesRegex(UserError, "it is Candidate.*Resolved"):
            incident.with_user(self.im).action_close()
