from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 6, 14, 0)


@tagged("at_install", "-post_install")
class TestClocks(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls.env.ref("major_incident.policy_sop_p1")

    def _clock(self, incident, kind, state=None):
        return incident.clock_ids.filtered(lambda c: c.kind == kind and (not state or c.state == state))

    def _resolved_incident(self, detected, resolved):
        with freeze_time(detected):
            incident = self._candidate()
            incident.with_user(self.im).action_acknowledge()
        self._code(incident)
        with freeze_time(resolved):
            incident.with_user(self.im).action_resolve()
        return incident

    def _toronto_calendar(self, holiday=None):
        calendar = self.env["resource.calendar"].create(
            {
                "name": "Toronto 9-17",
                "tz": "America/Toronto",
                "hours_per_day": 8,
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 17,
                            "day_period": "morning",
                        },
                    )
                    for day in range(5)
                ],
            }
        )
        if holiday:
            self.env["resource.calendar.leaves"].create(
                {
                    "name": "Public holiday",
                    "calendar_id": calendar.id,
                    "date_from": holiday[0],
                    "date_to": holiday[1],
                }
            )
        return calendar

    def test_opened_from_policy_at_candidate(self):
        with freeze_time(T0):
            incident = self._candidate()
        kinds = set(incident.clock_ids.mapped("kind"))
        # The SOP sets no resolution target: no such clock.
        self.assertEqual(kinds, {"ack", "escalation", "blast", "update", "rto"})
        self.assertEqual(self._clock(incident, "update").deadline, T0 + timedelta(minutes=60))

    def test_postmortem_seven_business_days_with_holiday(self):
        """Resolved Friday 16:00 Toronto time (21:00 UTC, before the DST change of
        Sunday 8 March); Mon-Fri 9-17 with a holiday on Wednesday 11 March: due the
        8th working day's 16:00 local = Wednesday 18 March 16:00 EDT = 20:00 UTC."""
        self.p1.resource_calendar_id = self._toronto_calendar(
            holiday=(datetime(2026, 3, 11, 4, 0), datetime(2026, 3, 12, 4, 0))
        )
        resolved = datetime(2026, 3, 6, 21, 0)
        incident = self._resolved_incident(datetime(2026, 3, 6, 18, 0), resolved)
        self.assertEqual(self._clock(incident, "postmortem").deadline, datetime(2026, 3, 18, 20, 0))
        self.assertEqual(self._clock(incident, "debrief").deadline, resolved + timedelta(hours=48))

    def test_postmortem_without_holiday(self):
        self.p1.resource_calendar_id = self._toronto_calendar()
        incident = self._resolved_incident(datetime(2026, 3, 6, 18, 0), datetime(2026, 3, 6, 21, 0))
        self.assertEqual(self._clock(incident, "postmortem").deadline, datetime(2026, 3, 17, 20, 0))

    def test_resolution_meets_rto(self):
        incident = self._resolved_incident(T0, T0 + timedelta(minutes=90))
        rto = self._clock(incident, "rto")
        self.assertEqual(rto.state, "met")
        self.assertEqual(rto.met_at, T0 + timedelta(minutes=90))
        self.assertEqual(self._clock(incident, "update").state, "cancelled")

    def test_brief_interruption_has_no_debrief_or_postmortem(self):
        incident = self._resolved_incident(T0, T0 + timedelta(minutes=14))
        self.assertEqual(incident.state, "cancelled")
        self.assertFalse(self._clock(incident, "debrief") | self._clock(incident, "postmortem"))
        self.assertEqual(self._clock(incident, "rto").state, "met")

    def test_tiers_enterprise_and_pro(self):
        policy_set = self.env.ref("major_incident.policy_set_sop")
        policy_set.response_target_ids = [
            (0, 0, {"tier": "enterprise", "business_hours_minutes": 15, "outside_hours_minutes": 15}),
            (0, 0, {"tier": "pro", "business_hours_minutes": 30, "outside_hours_minutes": 120}),
        ]
        self.p1.resource_calendar_id = self._toronto_calendar()
        enterprise = self.env["res.partner"].create(
            {"name": "Big Co", "is_company": True, "mi_support_tier": "enterprise"}
        )
        pro = self.env["res.partner"].create({"name": "Small Co", "is_company": True, "mi_support_tier": "pro"})
        pro_contact = self.env["res.partner"].create({"name": "Pat", "parent_id": pro.id})
        business = datetime(2026, 3, 6, 15, 0)  # 10:00 in Toronto, a Friday
        night = datetime(2026, 3, 7, 3, 0)  # Friday 22:00 in Toronto
        cases = [
            (enterprise, business, 15),
            (enterprise, night, 15),
            (pro_contact, business, 30),
            (pro_contact, night, 120),
        ]
        for partner, moment, expected in cases:
            with self.subTest(partner=partner.name, moment=moment), freeze_time(moment):
                incident = self._candidate(ticket_values={"partner_id": partner.id})
                self.assertEqual(self._clock(incident, "ack").deadline, moment + timedelta(minutes=expected))
        with freeze_time(business):
            untiered = self._candidate()
        self.assertEqual(self._clock(untiered, "ack").deadline, business + timedelta(minutes=15))

    def test_external_hold_moves_rto(self):
        with freeze_time(T0):
            incident = self._candidate(control="external")
            incident.with_user(self.im).action_acknowledge()
        rto = self._clock(incident, "rto")
        with freeze_time(T0 + timedelta(minutes=20)):
            incident.with_user(self.im).action_pause_clocks("Client restarting their VPN")
        self.assertEqual(rto.state, "paused")
        self.assertEqual(rto.pause_reason, "Client restarting their VPN")
        self.assertIn("Client restarting their VPN", incident.message_ids[0].body)
        with freeze_time(T0 + timedelta(hours=3)):
            self._run_clocks_cron()
        self.assertEqual(rto.state, "paused", "a clock on hold never breaches")
        with freeze_time(T0 + timedelta(minutes=50)):
            incident.with_user(self.im).action_resume_clocks()
        self.assertEqual(rto.state, "running")
        self.assertEqual(rto.paused_minutes, 30)
        self.assertEqual(rto.deadline, T0 + timedelta(minutes=150))
        self.assertEqual(
            self._clock(incident, "blast").deadline, T0 + timedelta(minutes=15), "only recovery clocks hold"
        )

    def test_hold_refused_for_company_controlled(self):
        with freeze_time(T0):
            incident = self._candidate()
        with self.assertRaisesRegex(UserError, "restored by us"):
            incident.with_user(self.im).action_pause_clocks("waiting")
        self.assertEqual(self._clock(incident, "rto").state, "running")
        incident.with_user(self.im).control = "external"
        with self.assertRaisesRegex(UserError, "waiting for"):
            incident.with_user(self.im).action_pause_clocks("")
        with self.assertRaises(AccessError):
            incident.with_user(self.agent).action_pause_clocks("Vendor on it")
        wizard = (
            self.env["major.incident.pause.wizard"]
            .with_user(self.im)
            .create({"incident_id": incident.id, "reason": "Vendor on it"})
        )
        wizard.action_pause()
        self.assertEqual(self._clock(incident, "rto").state, "paused")

    def test_maintenance_window_does_not_breach(self):
        self.env["major.incident.maintenance.window"].create(
            {
                "name": "Evening patching",
                "start_at": T0 - timedelta(hours=1),
                "end_at": T0 + timedelta(hours=3),
                "system_ids": [(6, 0, self.system.ids)],
            }
        )
        with freeze_time(T0):
            incident = self._candidate(system_id=self.system.id)
            other = self._candidate(system_id=self.env.ref("major_incident.code_system_kiosk").id)
        self.assertTrue(incident.in_maintenance)
        self.assertFalse(other.in_maintenance)
        with freeze_time(T0 + timedelta(hours=3)):
            self._run_clocks_cron()
        self.assertFalse(incident.clock_ids.filtered(lambda c: c.state == "breached"))
        self.assertEqual(self._clock(incident, "rto").state, "running")
        self.assertFalse(self._clock(incident, "rto").next_action_at)
        self.assertEqual(self._clock(other, "rto").state, "breached")

    def test_severity_change_replans_from_start(self):
        with freeze_time(T0):
            incident = self._candidate(severity="p2")
        self.assertEqual(self._clock(incident, "rto").deadline, T0 + timedelta(hours=4))
        with freeze_time(T0 + timedelta(minutes=30)):
            incident.with_user(self.im).severity = "p1"
        self.assertEqual(self._clock(incident, "rto").deadline, T0 + timedelta(hours=2))

    def test_update_reminder_then_breach_then_restart(self):
        with freeze_time(T0):
            incident = self._candidate()
            incident.with_user(self.im).action_acknowledge()
        update = self._clock(incident, "update")
        todo = self.env.ref("mail.mail_activity_data_todo")
        before = incident.activity_ids.filtered(lambda a: a.activity_type_id == todo)
        with freeze_time(T0 + timedelta(minutes=50)):
            self._run_clocks_cron()
            self._run_clocks_cron()
        reminders = incident.activity_ids.filtered(lambda a: a.activity_type_id == todo) - before
        self.assertEqual(len(reminders), 1)
        self.assertEqual(reminders.user_id, self.im)
        self.assertIn("Send the next update", reminders.summary)
        self.assertEqual(update.state, "running")
        with freeze_time(T0 + timedelta(minutes=60)):
            self._run_clocks_cron()
        self.assertEqual(update.state, "breached")
        with freeze_time(T0 + timedelta(minutes=65)):
            incident._apply_clock_event("update_sent_internal", next_due=T0 + timedelta(minutes=95))
        self.assertEqual(update.met_at, T0 + timedelta(minutes=65))
        current = self._clock(incident, "update", "running")
        self.assertEqual(current.deadline, T0 + timedelta(minutes=95))

    def test_first_blast_meets_clock(self):
        with freeze_time(T0):
            incident = self._candidate()
        with freeze_time(T0 + timedelta(minutes=9)):
            # What the first external update does once delivered (engine: "update_sent_external").
            incident._apply_clock_event("update_sent_external")
        blast = self._clock(incident, "blast")
        self.assertEqual((blast.state, blast.met_at), ("met", T0 + timedelta(minutes=9)))
        self.assertEqual(blast.time_left, "met 6 min early")

    def test_dismiss_cancels_everything(self):
        with freeze_time(T0):
            incident = self._candidate()
        incident.with_user(self.im).action_dismiss(note="Not urgent")
        self.assertEqual(set(incident.clock_ids.mapped("state")), {"cancelled"})
        # The Incident Manager who was called answered, and dismissed it.
        self.assertEqual(incident.escalation_ids.outcome, "acknowledged")
        self.assertFalse(incident.activity_ids.filtered(lambda a: a.activity_type_id.category == "phonecall"))

    def test_list_shows_nearest_deadline_and_breach(self):
        with freeze_time(T0):
            incident = self._candidate()
        self.assertEqual(incident.next_deadline, T0 + timedelta(minutes=15))
        self.assertFalse(incident.breached)
        with freeze_time(T0 + timedelta(minutes=15)):
            self._run_clocks_cron()
        self.assertTrue(incident.breached)
        self.assertIn(incident, self.env["major.incident"].search([("breached", "=", True)]))
