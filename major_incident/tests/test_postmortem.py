from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 2, 14, 0)


@tagged("at_install", "-post_install")
class TestPostmortem(MajorIncidentCase):
    def _resolved(self):
        with freeze_time(T0):
            incident = self._candidate()
            incident.with_user(self.im).action_acknowledge()
        self._code(incident)
        with freeze_time(T0 + timedelta(hours=1)):
            incident.with_user(self.im).action_resolve()
        return incident

    def _clock(self, incident, kind):
        return incident.clock_ids.filtered(lambda c: c.kind == kind)

    def test_debrief_and_publication_meet_their_clocks(self):
        incident = self._resolved()
        action = incident.with_user(self.im).action_open_postmortem()
        postmortem = self.env["major.incident.postmortem"].browse(action["res_id"])
        self.assertEqual(incident.postmortem_id, postmortem)
        self.assertEqual(postmortem.incident_id, incident)
        self.assertEqual(incident.with_user(self.im).action_open_postmortem()["res_id"], postmortem.id)
        with freeze_time(T0 + timedelta(hours=30)):
            postmortem.with_user(self.im).action_record_debrief()
        debrief = self._clock(incident, "debrief")
        self.assertEqual((debrief.state, debrief.met_at), ("met", T0 + timedelta(hours=30)))
        with self.assertRaisesRegex(UserError, "Summary, Root cause, Preventive measures"):
            postmortem.with_user(self.im).action_publish()
        self.assertEqual(self._clock(incident, "postmortem").state, "running")
        postmortem.with_user(self.im).write(
            {
                "summary": "<p>Vision down</p>",
                "root_cause": "<p>Expired certificate</p>",
                "preventive_measures": "<p>Certificate expiry monitoring</p>",
            }
        )
        with freeze_time(T0 + timedelta(days=3)):
            postmortem.with_user(self.im).action_publish()
        self.assertEqual(postmortem.state, "published")
        self.assertEqual(self._clock(incident, "postmortem").met_at, T0 + timedelta(days=3))
        with self.assertRaisesRegex(UserError, "already published"):
            postmortem.with_user(self.im).action_publish()

    def test_only_after_resolution_and_by_incident_manager(self):
        with freeze_time(T0):
            incident = self._candidate()
        with self.assertRaises(UserError):
            incident.with_user(self.im).action_open_postmortem()
        resolved = self._resolved()
        with self.assertRaises(AccessError):
            resolved.with_user(self.agent).action_open_postmortem()
        self.assertFalse(resolved.postmortem_id)
