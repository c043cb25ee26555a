from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 6, 14, 0)


def minutes(n):
    return T0 + timedelta(minutes=n)


@tagged("at_install", "-post_install")
class TestEscalation(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._sop_ladder_people()

    def _clock(self, incident, kind):
        return incident.clock_ids.filtered(lambda c: c.kind == kind)

    def test_sop_timeline(self):
        """SOP 2.3 and 2.4: IM at T0, directors at T0+5, VP at T0+15, ack at T0+16
        stops the ladder; the blast breaches at T0+15, a P1's RTO at T0+2h."""
        with freeze_time(T0):
            incident = self._candidate()
        calls = incident.escalation_ids
        self.assertEqual(calls.user_id, self.im)
        self.assertEqual(calls.contacted_at, T0)
        self.assertEqual(calls.phone_e164, "+14165550190")
        call_activity = calls.activity_id
        self.assertEqual(call_activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(call_activity.user_id, self.im)
        self.assertIn("+14165550190", call_activity.note)
        self.assertEqual(self._clock(incident, "ack").deadline, minutes(15))
        self.assertEqual(self._clock(incident, "blast").deadline, minutes(15))
        self.assertEqual(self._clock(incident, "rto").deadline, minutes(120))

        with freeze_time(minutes(4)):
            self._run_clocks_cron()
        self.assertEqual(len(incident.escalation_ids), 1, "nothing is due before T0+5")

        with freeze_time(minutes(5)):
            self._run_clocks_cron()
        level2 = incident.escalation_ids.filtered(lambda e: e.user_id == self.director)
        self.assertEqual(level2.contacted_at, minutes(5))
        self.assertEqual(calls.outcome, "escalated")

        with freeze_time(minutes(14)):
            self._run_clocks_cron()
        self.assertFalse(incident.escalation_ids.filtered(lambda e: e.user_id == self.vp))
        self.assertEqual(self._clock(incident, "blast").state, "running")

        with freeze_time(minutes(15)):
            self._run_clocks_cron()
        level3 = incident.escalation_ids.filtered(lambda e: e.user_id == self.vp)
        self.assertEqual(level3.contacted_at, minutes(15))
        self.assertEqual(self._clock(incident, "blast").state, "breached")
        self.assertEqual(self._clock(incident, "ack").state, "breached")
        self.assertTrue(incident.breached)

        with freeze_time(minutes(16)):
            incident.with_user(self.vp).action_acknowledge()
        self.assertEqual(incident.state, "triage")
        self.assertEqual(level3.outcome, "acknowledged")
        self.assertEqual(level3.acknowledged_by_id, self.vp)
        self.assertEqual((calls | level2).mapped("outcome"), ["stopped", "stopped"])
        self.assertEqual(self._clock(incident, "escalation").state, "met")
        self.assertEqual(self._clock(incident, "ack").met_at, minutes(16))
        self.assertFalse(incident.activity_ids.filtered(lambda a: a.activity_type_id.category == "phonecall"))

        with freeze_time(minutes(60)):
            self._run_clocks_cron()
        self.assertEqual(len(incident.escalation_ids), 3, "acknowledgment stopped the ladder")

        with freeze_time(minutes(119)):
            self._run_clocks_cron()
        self.assertEqual(self._clock(incident, "rto").state, "running")
        with freeze_time(minutes(120)):
            self._run_clocks_cron()
        self.assertEqual(self._clock(incident, "rto").state, "breached")

    def test_ack_within_five_minutes_calls_nobody_else(self):
        with freeze_time(T0):
            incident = self._candidate()
        with freeze_time(minutes(3)):
            incident.with_user(self.im).action_acknowledge()
        self.assertEqual(self._clock(incident, "ack").state, "met")
        with freeze_time(minutes(30)):
            self._run_clocks_cron()
        self.assertEqual(incident.escalation_ids.user_id, self.im)
        self.assertEqual(incident.escalation_ids.outcome, "acknowledged")

    def test_running_twice_escalates_once(self):
        with freeze_time(T0):
            incident = self._candidate()
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
            self._run_clocks_cron()
        self.assertEqual(len(incident.escalation_ids.filtered(lambda e: e.user_id == self.director)), 1)

    def test_cron_schedules_itself_at_next_deadline(self):
        cron = self.env.ref("major_incident.ir_cron_major_incident_clocks")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        with freeze_time(T0):
            self._candidate()
        new = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        self.assertIn(minutes(5), new.mapped("call_at"), "woken for the second level")

    def test_invalid_phone_refused_when_configuring(self):
        bad = new_test_user(self.env, login="mi_bad_phone", name="Bad Number", phone="12")
        level = self.env.ref("major_incident.escalation_sop_p1_level_2")
        with self.assertRaisesRegex(ValidationError, "Bad Number.*12"):
            level.user_ids = bad

    def test_invalid_phone_at_call_time_calls_the_others_and_climbs(self):
        """Issue: one bad number froze a level forever. Every valid number of the level is
        called, the bad one is logged as unreachable and reported, the ladder climbs."""
        level = self.env.ref("major_incident.escalation_sop_p1_level_2")
        other = new_test_user(self.env, login="mi_other_director", name="Otto Director", phone="+1 416 555 0193")
        level.user_ids = self.director | other
        with freeze_time(T0):
            incident = self._candidate()
        self.director.partner_id.phone = "not a number"
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
        level2 = incident.escalation_ids.filtered(lambda e: e.level_sequence == level.sequence)
        called = level2.filtered(lambda e: e.outcome == "called")
        self.assertEqual(called.user_id, other, "the valid number is called at once")
        unreachable = level2 - called
        self.assertEqual(unreachable.user_id, self.director)
        self.assertEqual(unreachable.outcome, "unreachable")
        self.assertIn("not a number", unreachable.failure_reason)
        self.assertTrue(incident.call_failed, "the incident is flagged")
        report = incident.message_ids.filtered(lambda m: "could not be called" in (m.body or ""))
        self.assertTrue(report)
        self.assertIn(self.im.partner_id, report.partner_ids, "every Incident Manager is told")
        with freeze_time(minutes(15)):
            self._run_clocks_cron()
        self.assertIn(self.vp, incident.escalation_ids.user_id, "the ladder climbs to the VP")

    def test_incident_manager_without_phone_never_blocks_intake(self):
        """Issue: an IM on duty without a number made every urgent ticket fail to save."""
        self.im.partner_id.phone = False
        ticket = (
            self.env["helpdesk.ticket"]
            .with_user(self.support_agent)
            .create({"name": "Vision down", "description": "<p>down</p>", "priority": "3"})
        )
        incident = ticket.major_incident_id
        self.assertEqual(incident.state, "candidate", "the incident exists")
        self.assertEqual(incident.escalation_ids.outcome, "unreachable")
        self.assertIn("no phone number", incident.escalation_ids.failure_reason)
        self.assertTrue(incident.call_failed)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=6)):
            self._run_clocks_cron()
        self.assertIn(self.director, incident.escalation_ids.user_id, "the next level is called")

    def test_archived_person_reported_not_skipped(self):
        level = self.env.ref("major_incident.escalation_sop_p1_level_2")
        with freeze_time(T0):
            incident = self._candidate()
        self.director.active = False
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
        row = incident.escalation_ids.filtered(lambda e: e.level_sequence == level.sequence)
        self.assertEqual(row.outcome, "unreachable")
        self.assertIn("archived", row.failure_reason)


@tagged("at_install", "-post_install")
class TestRoster(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delegate = new_test_user(
            cls.env,
            login="mi_delegate",
            name="Dee Legate",
            groups="major_incident.group_mi_manager",
            phone="+1 416 555 0194",
        )
        cls.boss = new_test_user(
            cls.env,
            login="mi_boss",
            name="Bo Manager",
            groups="major_incident.group_mi_manager",
            phone="+1 416 555 0195",
        )
        cls.roster = cls.env["major.incident.roster"].create(
            {
                "name": "On call",
                "primary_user_id": cls.im.id,
                "delegate_user_id": cls.delegate.id,
                "manager_user_id": cls.boss.id,
                "date_from": datetime(2026, 3, 1),
                "date_to": datetime(2026, 4, 1),
            }
        )

    def _leave(self, user):
        resource = self.env["resource.resource"].create({"name": user.name, "user_id": user.id})
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Leave",
                "resource_id": resource.id,
                "date_from": datetime(2026, 3, 5),
                "date_to": datetime(2026, 3, 8),
            }
        )

    def test_primary_on_duty(self):
        with freeze_time(T0):
            incident = self._candidate()
        self.assertEqual(incident.incident_manager_id, self.im)

    def test_primary_on_leave_goes_to_delegate(self):
        self._leave(self.im)
        with freeze_time(T0):
            incident = self._candidate()
        self.assertEqual(incident.incident_manager_id, self.delegate)
        self.assertEqual(incident.escalation_ids.user_id, self.delegate)

    def test_delegate_also_on_leave_goes_to_manager(self):
        self._leave(self.im)
        self._leave(self.delegate)
        with freeze_time(T0):
            incident = self._candidate()
        self.assertEqual(incident.incident_manager_id, self.boss)

    def test_out_of_hours_still_reaches_a_person(self):
        with freeze_time(datetime(2026, 3, 8, 3, 0)):
            incident = self._candidate()
        self.assertEqual(incident.incident_manager_id, self.im)
        self.assertTrue(incident.escalation_ids)

    def test_outside_roster_dates_falls_back_to_company_setting(self):
        with freeze_time(datetime(2026, 5, 1, 10, 0)):
            incident = self._candidate()
        self.assertEqual(incident.incident_manager_id, self.env.company.mi_incident_manager_id)
