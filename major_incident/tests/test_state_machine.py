from datetime import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 6, 14, 0)


@tagged("at_install", "-post_install")
class TestStateMachine(MajorIncidentCase):
    def _triaged(self, **values):
        ticket = self._ticket(priority="3", **values)
        ticket.with_user(self.im).action_acknowledge()
        return ticket

    def test_urgent_priority_at_creation_raises_candidate_same_transaction(self):
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        self.assertTrue(ticket.is_major_incident)
        self.assertEqual(ticket.mi_state, "candidate")
        self.assertEqual(ticket.incident_manager_id, self.im)
        self.assertEqual(ticket.mi_source, "ticket")
        self.assertEqual(ticket.mi_detected_at, T0)
        self.assertEqual(ticket.mi_policy_id, self.env.ref("major_incident.policy_sop_p1"))
        # Same transaction: flushed, never committed in between.
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT mi_state, incident_manager_id FROM helpdesk_ticket WHERE id = %s", [ticket.id]
        )
        self.assertEqual(self.env.cr.fetchone(), ("candidate", self.im.id))

    def test_upgrade_to_urgent_raises_candidate(self):
        ticket = self._ticket(priority="1")
        self.assertFalse(ticket.is_major_incident)
        ticket.with_user(self.agent).write({"priority": "3"})
        self.assertEqual(ticket.mi_state, "candidate")
        self.assertEqual(ticket.incident_manager_id, self.im)

    def test_other_priorities_do_nothing(self):
        tickets = self.env["helpdesk.ticket"].create(
            [{"name": f"t{p}", "description": "x", "priority": p} for p in "012"]
        )
        self.assertFalse(any(tickets.mapped("is_major_incident")))
        tickets.write({"priority": "2"})
        self.assertFalse(any(tickets.mapped("mi_state")))

    def test_candidate_state_tracked_in_chatter(self):
        ticket = self._ticket(priority="1")
        # Odoo tracks nothing on a record created in the same transaction:
        # end the creating "transaction" first.
        self.env.flush_all()
        self.env.cr.precommit.run()
        ticket.write({"priority": "3"})
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = ticket.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("mi_state", tracked)
        self.assertIn("incident_manager_id", tracked)
        self.assertIn("is_major_incident", tracked)

    def test_acknowledge_moves_to_triage(self):
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        with freeze_time(T0.replace(minute=4)):
            ticket.with_user(self.im).action_acknowledge()
        self.assertEqual(ticket.mi_state, "triage")
        self.assertEqual(ticket.mi_acknowledged_at, T0.replace(minute=4))
        self.assertEqual(ticket.mi_acknowledged_by_id, self.im)
        self.assertEqual(ticket.mi_declared_at, T0.replace(minute=4))

    def test_agent_cannot_acknowledge_or_declare(self):
        ticket = self._ticket(priority="3")
        with self.assertRaises(AccessError):
            ticket.with_user(self.agent).action_acknowledge()
        other = self._ticket()
        with self.assertRaises(AccessError):
            other.with_user(self.agent).action_declare_major_incident()
        self.assertEqual(ticket.mi_state, "candidate")
        self.assertFalse(other.is_major_incident)

    def test_declare_plain_ticket_acknowledges(self):
        ticket = self._ticket()
        with freeze_time(T0):
            ticket.with_user(self.im).action_declare_major_incident()
        self.assertEqual(ticket.mi_state, "triage")
        self.assertEqual(ticket.mi_source, "manual")
        self.assertEqual(ticket.mi_declared_at, T0)
        self.assertEqual(ticket.mi_acknowledged_at, T0)

    def test_coding_required_to_leave_triage(self):
        ticket = self._triaged()
        with self.assertRaisesRegex(UserError, "System.*Component.*Problem Code.*Software version"):
            ticket.with_user(self.im).action_start_investigation()
        with self.assertRaisesRegex(UserError, "Missing"):
            ticket.with_user(self.im).action_resolve()
        self.assertEqual(ticket.mi_state, "triage")
        ticket.mi_software_version = "4.12.3"
        ticket.mi_system_id = self.system
        with self.assertRaisesRegex(UserError, "Component, Problem Code"):
            ticket.with_user(self.im).action_start_investigation()
        self._code(ticket)
        ticket.with_user(self.im).action_start_investigation()
        self.assertEqual(ticket.mi_state, "investigating")

    def test_full_lifecycle(self):
        with freeze_time(T0):
            ticket = self._triaged()
            self._code(ticket)
            ticket.with_user(self.im).action_start_investigation()
            ticket.with_user(self.im).action_mitigate()
            self.assertEqual(ticket.mi_state, "mitigating")
        with freeze_time(T0.replace(hour=15)):
            ticket.with_user(self.im).action_resolve()
        self.assertEqual(ticket.mi_state, "resolved")
        self.assertEqual(ticket.mi_resolved_at, T0.replace(hour=15))
        with freeze_time(T0.replace(hour=16)):
            ticket.with_user(self.im).action_close()
        self.assertEqual(ticket.mi_state, "closed")
        self.assertEqual(ticket.mi_closed_at, T0.replace(hour=16))

    def test_resolve_from_triage_when_it_resolves_on_its_own(self):
        with freeze_time(T0):
            ticket = self._triaged()
        self._code(ticket)
        with freeze_time(T0.replace(minute=40)):
            ticket.with_user(self.im).action_resolve()
        self.assertEqual(ticket.mi_state, "resolved")

    def test_brief_interruption_is_cancelled(self):
        with freeze_time(T0):
            ticket = self._triaged()
        self._code(ticket)
        with freeze_time(T0.replace(minute=14)):
            ticket.with_user(self.im).action_resolve()
        self.assertEqual(ticket.mi_state, "cancelled")
        self.assertEqual(ticket.mi_cancel_reason, "brief")
        self.assertIn("brief interruption", ticket.message_ids[0].body)

    def test_dismiss_candidate_and_triage(self):
        candidate = self._ticket(priority="3")
        candidate.with_user(self.im).action_dismiss(note="Customer preference")
        self.assertEqual(candidate.mi_state, "cancelled")
        self.assertEqual(candidate.mi_cancel_reason, "not_mi")
        triaged = self._triaged()
        wizard = self.env["major.incident.dismiss.wizard"].with_user(self.im).create(
            {"ticket_id": triaged.id, "note": "Single user issue"}
        )
        wizard.action_dismiss()
        self.assertEqual(triaged.mi_state, "cancelled")
        self.assertEqual(triaged.mi_dismiss_note, "Single user issue")

    def test_invalid_moves_refused(self):
        plain = self._ticket()
        candidate = self._ticket(priority="3")
        triaged = self._triaged()
        self._code(triaged)
        resolved = self._triaged()
        self._code(resolved)
        with freeze_time("2099-01-01"):
            resolved.with_user(self.im).action_resolve()
        as_im = self.env["helpdesk.ticket"].with_user(self.im)
        refused = [
            (plain, "action_acknowledge"),
            (plain, "action_resolve"),
            (plain, "action_close"),
            (plain, "action_dismiss"),
            (candidate, "action_start_investigation"),
            (candidate, "action_mitigate"),
            (candidate, "action_resolve"),
            (candidate, "action_close"),
            (triaged, "action_acknowledge"),
            (triaged, "action_declare_major_incident"),
            (triaged, "action_mitigate"),
            (triaged, "action_close"),
            (resolved, "action_resolve"),
            (resolved, "action_dismiss"),
            (resolved, "action_start_investigation"),
        ]
        for ticket, action in refused:
            state_before = ticket.mi_state
            with self.subTest(state=state_before, action=action), self.assertRaises(UserError):
                getattr(as_im.browse(ticket.id), action)()
            self.assertEqual(ticket.mi_state, state_before)
        resolved.with_user(self.im).action_close()
        for action in ("action_resolve", "action_close", "action_mitigate", "action_dismiss"):
            with self.subTest(state="closed", action=action), self.assertRaises(UserError):
                getattr(as_im.browse(resolved.id), action)()

    def test_error_message_says_why(self):
        ticket = self._ticket(priority="3")
        with self.assertRaisesRegex(UserError, "it is Candidate.*Resolved"):
            ticket.with_user(self.im).action_close()
