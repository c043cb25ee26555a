from datetime import datetime, timedelta

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

    def _clock(self, ticket, kind):
        return ticket.mi_clock_ids.filtered(lambda c: c.kind == kind)

    def test_sop_timeline(self):
        """SOP 2.3 and 2.4: IM at T0, directors at T0+5, VP at T0+15, ack at T0+16
        stops the ladder; the blast breaches at T0+15, a P1's RTO at T0+2h."""
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        calls = ticket.mi_escalation_ids
        self.assertEqual(calls.user_id, self.im)
        self.assertEqual(calls.contacted_at, T0)
        self.assertEqual(calls.phone_e164, "+14165550190")
        call_activity = calls.activity_id
        self.assertEqual(call_activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(call_activity.user_id, self.im)
        self.assertIn("+14165550190", call_activity.note)
        self.assertEqual(self._clock(ticket, "ack").deadline, minutes(15))
        self.assertEqual(self._clock(ticket, "blast").deadline, minutes(15))
        self.assertEqual(self._clock(ticket, "rto").deadline, minutes(120))

        with freeze_time(minutes(4)):
            self._run_clocks_cron()
        self.assertEqual(len(ticket.mi_escalation_ids), 1, "nothing is due before T0+5")

        with freeze_time(minutes(5)):
            self._run_clocks_cron()
        level2 = ticket.mi_escalation_ids.filtered(lambda e: e.user_id == self.director)
        self.assertEqual(level2.contacted_at, minutes(5))
        self.assertEqual(calls.outcome, "escalated")

        with freeze_time(minutes(14)):
            self._run_clocks_cron()
        self.assertFalse(ticket.mi_escalation_ids.filtered(lambda e: e.user_id == self.vp))
        self.assertEqual(self._clock(ticket, "blast").state, "running")

        with freeze_time(minutes(15)):
            self._run_clocks_cron()
        level3 = ticket.mi_escalation_ids.filtered(lambda e: e.user_id == self.vp)
        self.assertEqual(level3.contacted_at, minutes(15))
        self.assertEqual(self._clock(ticket, "blast").state, "breached")
        self.assertEqual(self._clock(ticket, "ack").state, "breached")
        self.assertTrue(ticket.mi_breached)

        with freeze_time(minutes(16)):
            ticket.with_user(self.vp).action_acknowledge()
        self.assertEqual(ticket.mi_state, "triage")
        self.assertEqual(level3.outcome, "acknowledged")
        self.assertEqual(level3.acknowledged_by_id, self.vp)
        self.assertEqual((calls | level2).mapped("outcome"), ["stopped", "stopped"])
        self.assertEqual(self._clock(ticket, "escalation").state, "met")
        self.assertEqual(self._clock(ticket, "ack").met_at, minutes(16))
        self.assertFalse(ticket.activity_ids.filtered(lambda a: a.activity_type_id.category == "phonecall"))

        with freeze_time(minutes(60)):
            self._run_clocks_cron()
        self.assertEqual(len(ticket.mi_escalation_ids), 3, "acknowledgment stopped the ladder")

        with freeze_time(minutes(119)):
            self._run_clocks_cron()
        self.assertEqual(self._clock(ticket, "rto").state, "running")
        with freeze_time(minutes(120)):
            self._run_clocks_cron()
        self.assertEqual(self._clock(ticket, "rto").state, "breached")

    def test_ack_within_five_minutes_calls_nobody_else(self):
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        with freeze_time(minutes(3)):
            ticket.with_user(self.im).action_acknowledge()
        self.assertEqual(self._clock(ticket, "ack").state, "met")
        with freeze_time(minutes(30)):
            self._run_clocks_cron()
        self.assertEqual(ticket.mi_escalation_ids.user_id, self.im)
        self.assertEqual(ticket.mi_escalation_ids.outcome, "acknowledged")

    def test_running_twice_escalates_once(self):
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
            self._run_clocks_cron()
        self.assertEqual(len(ticket.mi_escalation_ids.filtered(lambda e: e.user_id == self.director)), 1)

    def test_cron_schedules_itself_at_next_deadline(self):
        cron = self.env.ref("major_incident.ir_cron_major_incident_clocks")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        with freeze_time(T0):
            self._ticket(priority="3")
        new = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        self.assertIn(minutes(5), new.mapped("call_at"), "woken for the second level")

    def test_invalid_phone_refused_when_configuring(self):
        bad = new_test_user(self.env, login="mi_bad_phone", name="Bad Number", phone="12")
        level = self.env.ref("major_incident.escalation_sop_p1_level_2")
        with self.assertRaisesRegex(ValidationError, "Bad Number.*12"):
            level.user_ids = bad

    def test_invalid_phone_at_call_time_escalates_nothing_half_way(self):
        level = self.env.ref("major_incident.escalation_sop_p1_level_2")
        other = new_test_user(
            self.env, login="mi_other_director", name="Otto Director", phone="+1 416 555 0193"
        )
        level.user_ids = self.director | other
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        self.director.partner_id.phone = "not a number"
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
        self.assertEqual(ticket.mi_escalation_ids.user_id, self.im, "neither director was logged")
        self.assertIn("Dora Director", ticket.message_ids[0].body)
        escalation_clock = self._clock(ticket, "escalation")
        self.assertEqual(escalation_clock.next_action_at, minutes(10), "retried shortly")
        self.director.partner_id.phone = "+1 416 555 0191"
        with freeze_time(minutes(10)):
            self._run_clocks_cron()
        self.assertEqual(ticket.mi_escalation_ids.user_id, self.im | self.director | other)


@tagged("at_install", "-post_install")
class TestRoster(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delegate = new_test_user(cls.env, login="mi_delegate", name="Dee Legate",
                                     groups="major_incident.group_mi_manager", phone="+1 416 555 0194")
        cls.boss = new_test_user(cls.env, login="mi_boss", name="Bo Manager",
                                 groups="major_incident.group_mi_manager", phone="+1 416 555 0195")
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
            ticket = self._ticket(priority="3")
        self.assertEqual(ticket.incident_manager_id, self.im)

    def test_primary_on_leave_goes_to_delegate(self):
        self._leave(self.im)
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        self.assertEqual(ticket.incident_manager_id, self.delegate)
        self.assertEqual(ticket.mi_escalation_ids.user_id, self.delegate)

    def test_delegate_also_on_leave_goes_to_manager(self):
        self._leave(self.im)
        self._leave(self.delegate)
        with freeze_time(T0):
            ticket = self._ticket(priority="3")
        self.assertEqual(ticket.incident_manager_id, self.boss)

    def test_out_of_hours_still_reaches_a_person(self):
        with freeze_time(datetime(2026, 3, 8, 3, 0)):
            ticket = self._ticket(priority="3")
        self.assertEqual(ticket.incident_manager_id, self.im)
        self.assertTrue(ticket.mi_escalation_ids)

    def test_outside_roster_dates_falls_back_to_company_setting(self):
        with freeze_time(datetime(2026, 5, 1, 10, 0)):
            ticket = self._ticket(priority="3")
        self.assertEqual(ticket.incident_manager_id, self.env.company.mi_incident_manager_id)
