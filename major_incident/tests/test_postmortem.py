from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 2, 14, 0)


@tagged("at_install", "-post_install")
class TestPostmortem(MajorIncidentCase):
    def _resolved(self):
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
            ticket.with_user(self.im).action_acknowledge()
        self._code(ticket)
        with freeze_time(T0 + timedelta(hours=1)):
            ticket.with_user(self.im).action_resolve()
        return ticket

    def _clock(self, ticket, kind):
        return ticket.mi_clock_ids.filtered(lambda c: c.kind == kind)

    def test_debrief_and_publication_meet_their_clocks(self):
        ticket = self._resolved()
        action = ticket.with_user(self.im).action_open_postmortem()
        postmortem = self.env["major.incident.postmortem"].browse(action["res_id"])
        self.assertEqual(ticket.mi_postmortem_id, postmortem)
        self.assertEqual(ticket.with_user(self.im).action_open_postmortem()["res_id"], postmortem.id)
        with freeze_time(T0 + timedelta(hours=30)):
            postmortem.with_user(self.im).action_record_debrief()
        debrief = self._clock(ticket, "debrief")
        self.assertEqual((debrief.state, debrief.met_at), ("met", T0 + timedelta(hours=30)))
        with self.assertRaisesRegex(UserError, "Summary, Root cause, Preventive measures"):
            postmortem.with_user(self.im).action_publish()
        self.assertEqual(self._clock(ticket, "postmortem").state, "running")
        postmortem.write({
            "summary": "<p>Vision down</p>",
            "root_cause": "<p>Expired certificate</p>",
            "preventive_measures": "<p>Certificate expiry monitoring</p>",
        })
        with freeze_time(T0 + timedelta(days=3)):
            postmortem.with_user(self.im).action_publish()
        self.assertEqual(postmortem.state, "published")
        self.assertEqual(self._clock(ticket, "postmortem").met_at, T0 + timedelta(days=3))
        with self.assertRaisesRegex(UserError, "already published"):
            postmortem.with_user(self.im).action_publish()

    def test_only_after_resolution_and_by_incident_manager(self):
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        with self.assertRaises(UserError):
            ticket.with_user(self.im).action_open_postmortem()
        resolved = self._resolved()
        with self.assertRaises(AccessError):
            resolved.with_user(self.agent).action_open_postmortem()
        self.assertFalse(resolved.mi_postmortem_id)
