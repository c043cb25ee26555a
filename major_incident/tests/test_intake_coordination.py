from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged

from .common import MajorIncidentCase

# A Friday in March 2026, 14:00 UTC (09:00 in Toronto, before the DST change of March 8).
T0 = datetime(2026, 3, 6, 14, 0)


def minutes(n):
    return T0 + timedelta(minutes=n)


@tagged("at_install", "-post_install")
class TestBridgeCall(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._sop_ladder_people()
        for user in (cls.im, cls.director, cls.vp):
            user.email = f"{user.login}@example.com"
        cls.expert = cls.env["res.partner"].create({"name": "Sam Storage", "email": "sam@example.com"})

    def _mails(self, event):
        return self.env["mail.mail"].search([("model", "=", "calendar.event"), ("res_id", "=", event.id)])

    def test_bridge_invites_manager_ladder_and_experts(self):
        with freeze_time(T0):
            incident = self._candidate()
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
        self.assertIn(self.director, incident.escalation_ids.user_id, "the ladder reached level 2")
        with freeze_time(minutes(6)):
            action = incident.with_user(self.im).action_open_bridge_wizard()
            self.assertEqual(action["res_model"], "major.incident.bridge.wizard")
            wizard = (
                self.env["major.incident.bridge.wizard"]  # pylint: disable=context-overridden  # the action's context alone, as the web client opens it
                .with_user(self.im)
                .with_context(action["context"])
                .create({"expert_ids": [Command.set(self.expert.ids)]})
            )
            self.assertEqual(wizard.incident_id, incident)
            self.assertEqual(wizard.called_partner_ids, (self.im | self.director).partner_id)
            self.assertFalse(wizard.video_url)
            wizard.action_open_bridge()
        event = incident.bridge_event_id
        self.assertTrue(event)
        self.assertEqual(event.start, minutes(6))
        self.assertEqual(event.stop, minutes(66), "one hour")
        self.assertEqual(event.user_id, self.im)
        self.assertEqual(event.partner_ids, (self.im | self.director).partner_id | self.expert)
        self.assertEqual(event.attendee_ids.partner_id, event.partner_ids)
        self.assertIn("/calendar/join_videocall/", event.videocall_location, "Odoo's own meeting link")
        self.assertEqual((event.res_model, event.res_id), ("major.incident", incident.id))
        self.assertIn(incident.reference, event.name)
        mails = self._mails(event)
        self.assertEqual(
            mails.recipient_ids,
            self.director.partner_id | self.expert,
            "calendar invitations queued for everybody but the organizer opening the bridge",
        )
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self.assertIn("Invitation", mails[0].subject)
        self.assertIn(event.videocall_location, incident.message_ids[0].body, "announced in the chatter")

    def test_team_meeting_url_and_extension(self):
        team = self.env["helpdesk.ticket.team"].create(
            {"name": "Vision", "mi_bridge_url": "https://teams.example.com/l/meetup-join/vision-bridge"}
        )
        with freeze_time(T0):
            incident = self._candidate(ticket_values={"team_id": team.id})
            self.assertEqual(incident.team_id, team, "the team of the ticket that raised it")
            incident.with_user(self.im).action_acknowledge()
            event = incident.with_user(self.im)._open_bridge()
        self.assertEqual(event.videocall_location, "https://teams.example.com/l/meetup-join/vision-bridge")
        self.assertEqual(event.partner_ids, self.im.partner_id)
        with freeze_time(minutes(50)):
            incident.with_user(self.im).action_extend_bridge()
        self.assertEqual(event.stop, minutes(120), "extendable by an hour")

    def test_only_incident_managers_open_a_bridge(self):
        incident = self._candidate()
        with self.assertRaises(AccessError):
            incident.with_user(self.agent)._open_bridge()
        incident.with_user(self.im).action_dismiss()
        with self.assertRaises(UserError):
            incident.with_user(self.im)._open_bridge()
        self.assertFalse(incident.bridge_event_id)


@tagged("at_install", "-post_install")
class TestDisasterRecovery(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Vision support", "user_ids": [Command.set((cls.agent | cls.im).ids)]}
        )

    def _incident(self):
        """A P1 of the team, acknowledged at T0."""
        with freeze_time(T0):
            incident = self._candidate(ticket_values={"team_id": self.team.id})
            incident.with_user(self.im).action_acknowledge()
        return incident

    def test_it_declares_dr(self):
        incident = self._incident()
        with freeze_time(minutes(30)):
            incident.with_user(self.it).action_declare_dr()
        self.assertEqual(incident.dr_declared_at, minutes(30))
        self.assertEqual(incident.dr_declared_by_id, self.it)
        self.assertEqual(incident.dr_partner, "Simnet")
        self.assertEqual(incident.dr_site, "Simnet DR servers, Montreal, QC, Canada")
        clocks = incident.clock_ids.filtered(lambda c: c.kind in ("dr_rto", "dr_rpo"))
        self.assertEqual(set(clocks.mapped("kind")), {"dr_rto", "dr_rpo"})
        self.assertEqual(set(clocks.mapped("state")), {"running"})
        self.assertEqual(set(clocks.mapped("deadline")), {minutes(45)}, "15-minute RTO/RPO (SOP 2.1)")
        note = incident.message_ids[0]
        self.assertIn("Disaster recovery declared by Ivan IT", note.body)
        self.assertIn("Simnet", note.body)
        self.assertEqual(note.partner_ids, (self.im | self.agent).partner_id, "the IM and the support team")
        activity = incident.activity_ids.filtered(
            lambda a: a.summary == "Disaster recovery declared: inform stakeholders"
        )
        self.assertEqual(activity.user_id, self.im)

    def test_dr_drafts_the_internal_update_until_one_is_sent(self):
        incident = self._incident()
        wizards = (
            self.env["major.incident.update.wizard"]
            .with_user(self.im)
            .with_context(active_model="major.incident", active_id=incident.id, default_kind="internal")
        )
        self.assertFalse(wizards.create({}).findings, "no DR, no DR draft")
        with freeze_time(minutes(30)):
            incident.with_user(self.it).action_declare_dr()
            draft = wizards.create({})
        self.assertEqual(draft.kind, "internal")
        self.assertIn("Disaster recovery declared by Ivan IT at 2026-03-06 14:30:00 UTC", draft.findings)
        self.assertEqual(draft.actions_taken, "Failover to Simnet DR servers, Montreal, QC, Canada activated.")
        self.assertIn("within 15 minutes", draft.next_steps)
        self.assertIn("no more than 15 minutes of data", draft.next_steps)
        progress = wizards.with_context(default_kind="progress").create({})
        self.assertFalse(progress.findings, "the draft is the internal update's only")
        self.env["major.incident.update"].create(
            {"incident_id": incident.id, "kind": "internal", "findings": "Failover done", "sent_at": minutes(40)}
        )
        self.assertFalse(wizards.create({}).findings, "an internal update went out after the declaration")

    def test_dr_targets_follow_policy_and_company(self):
        self.env.ref("major_incident.policy_sop_p1").write({"dr_rto_minutes": 30, "dr_rpo_minutes": 5})
        self.env.company.write({"mi_dr_partner": "Northwind DR", "mi_dr_site": "Quebec City"})
        incident = self._incident()
        with freeze_time(minutes(30)):
            incident.with_user(self.it).action_declare_dr()
        deadlines = {c.kind: c.deadline for c in incident.clock_ids if c.kind in ("dr_rto", "dr_rpo")}
        self.assertEqual(deadlines, {"dr_rto": minutes(60), "dr_rpo": minutes(35)})
        self.assertEqual((incident.dr_partner, incident.dr_site), ("Northwind DR", "Quebec City"))

    def test_dr_refused_to_non_it_and_twice(self):
        incident = self._incident()
        for user in (self.agent, self.im, self.mi_admin):
            with self.assertRaises(AccessError):
                incident.with_user(user).action_declare_dr()
        self.assertFalse(incident.dr_declared_at)
        self.assertFalse(incident.clock_ids.filtered(lambda c: c.kind in ("dr_rto", "dr_rpo")))
        incident.with_user(self.it).action_declare_dr()
        with self.assertRaises(UserError):
            incident.with_user(self.it).action_declare_dr()
        dismissed = self._candidate()
        dismissed.with_user(self.im).action_dismiss(note="Not an outage")
        with self.assertRaises(UserError):
            dismissed.with_user(self.it).action_declare_dr()
        self.assertFalse(dismissed.dr_declared_at)

    def test_dr_clocks_met_at_resolution(self):
        incident = self._incident()
        with freeze_time(minutes(30)):
            incident.with_user(self.it).action_declare_dr()
        self._code(incident)
        with freeze_time(minutes(40)):
            incident.with_user(self.im).action_resolve()
        clocks = incident.clock_ids.filtered(lambda c: c.kind in ("dr_rto", "dr_rpo"))
        self.assertEqual(set(clocks.mapped("state")), {"met"})

    def test_dr_drill_windows(self):
        windows = self.env["major.incident.maintenance.window"].with_user(self.im)
        with freeze_time(T0):
            with self.assertRaises(ValidationError):
                windows.create(
                    {
                        "name": "DR drill",
                        "kind": "dr_drill",
                        "start_at": T0 + timedelta(days=7),
                        "end_at": T0 + timedelta(days=7, hours=4),
                    }
                )
            drill = windows.create(
                {
                    "name": "DR drill",
                    "kind": "dr_drill",
                    "start_at": T0 + timedelta(days=15),
                    "end_at": T0 + timedelta(days=15, hours=4),
                }
            )
            with self.assertRaises(ValidationError):
                windows.create(
                    {
                        "name": "Second drill",
                        "kind": "dr_drill",
                        "start_at": T0 + timedelta(days=60),
                        "end_at": T0 + timedelta(days=60, hours=2),
                    }
                )
            with self.assertRaises(ValidationError):
                drill.end_at = drill.start_at + timedelta(hours=5)
            windows.create(
                {
                    "name": "Next year's drill",
                    "kind": "dr_drill",
                    "start_at": datetime(2027, 3, 1, 14),
                    "end_at": datetime(2027, 3, 1, 18),
                }
            )


@tagged("at_install", "-post_install")
class TestUrgencyMisuse(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Acme Kiosks", "is_company": True})
        cls.caller = cls.env["res.partner"].create({"name": "Jo Caller", "parent_id": cls.customer.id})
        cls.env.company.mi_misuse_threshold = 2

    def _dismissed(self, **values):
        incident = self._candidate(ticket_values={"partner_id": self.caller.id}, **values)
        incident.with_user(self.im).action_dismiss(note="A feature request, not an outage.")
        return incident

    def test_counter_and_coaching_flag(self):
        self._dismissed()
        self.assertEqual(self.customer.mi_urgency_misuse_count, 1)
        self.assertEqual(self.caller.mi_urgency_misuse_count, 1, "counted on the customer company")
        self.assertFalse(self.customer.mi_coaching_needed)
        self._dismissed()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.mi_urgency_misuse_count, 2)
        self.assertTrue(self.customer.mi_coaching_needed)
        self.assertTrue(self.customer.mi_coaching_flagged_at)
        self.assertIn("coach the customer", self.customer.message_ids[0].body)
        flagged = self.env["res.partner"].search([("mi_coaching_needed", "=", True)])
        self.assertIn(self.customer, flagged, "the filter finds the customer")
        self.assertNotIn(self.caller, flagged)

        with self.assertRaises(AccessError):
            self.customer.with_user(self.agent).action_mi_coaching_done()
        self.customer.with_user(self.im).action_mi_coaching_done()
        self.assertFalse(self.customer.mi_coaching_needed)

    def test_only_dismissed_customer_reports_in_the_window_count(self):
        with freeze_time(datetime.now() - timedelta(days=91)):
            self._dismissed()
        self._dismissed(source="monitoring")
        real = self._candidate(ticket_values={"partner_id": self.caller.id})
        real.with_user(self.im).action_acknowledge()
        self.assertEqual(self.customer.mi_urgency_misuse_count, 0)
        self._dismissed()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.mi_urgency_misuse_count, 1)
        self.assertFalse(self.customer.mi_coaching_needed)


@tagged("at_install", "-post_install")
class TestExecutiveEscalation(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        calendar = cls.env["resource.calendar"].create(
            {
                "name": "Toronto 9-17",
                "tz": "America/Toronto",
                "hours_per_day": 8,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 17,
                            "day_period": "morning",
                        }
                    )
                    for day in range(5)
                ],
            }
        )
        cls.env.company.resource_calendar_id = calendar
        cls.support_manager = new_test_user(
            cls.env,
            login="mi_test_support_manager",
            name="Sue Support",
            groups="helpdesk_mgmt.group_helpdesk_manager",
        )
        cls.env.company.mi_support_manager_id = cls.support_manager

    def _review(self, ticket):
        return ticket.activity_ids.filtered(lambda a: a.summary.startswith("Review executive escalation"))

    def test_due_within_one_business_hour(self):
        ticket = self._ticket(name="Kiosk payments slow")
        with freeze_time(datetime(2026, 3, 10, 14, 0)):  # Tuesday 10:00 in Toronto (EDT)
            ticket.with_user(self.agent).action_request_executive_escalation()
        self.assertEqual(ticket.mi_exec_escalation_due_at, datetime(2026, 3, 10, 15, 0))
        review = self._review(ticket)
        self.assertEqual(review.user_id, self.support_manager)
        self.assertEqual(str(review.date_deadline), "2026-03-10")
        self.assertIn("11:00", review.summary)

    def test_after_hours_waits_for_the_next_business_hour(self):
        ticket = self._ticket(name="Kiosk payments slow")
        with freeze_time(datetime(2026, 3, 6, 21, 30)):  # Friday 16:30 in Toronto (EST)
            ticket.with_user(self.agent).action_request_executive_escalation()
        # 30 minutes on Friday, 30 on Monday from 09:00 EDT (13:00 UTC, after the DST change).
        self.assertEqual(ticket.mi_exec_escalation_due_at, datetime(2026, 3, 9, 13, 30))
        review = self._review(ticket)
        self.assertEqual(str(review.date_deadline), "2026-03-09")
        self.assertIn("09:30", review.summary)
        self.assertIn("Executive escalation requested by Avery Agent", ticket.message_ids[0].body)

    def test_team_leader_reviews_without_a_support_manager(self):
        self.env.company.mi_support_manager_id = False
        leader = new_test_user(self.env, login="mi_test_leader", groups="helpdesk_mgmt.group_helpdesk_user")
        team = self.env["helpdesk.ticket.team"].create({"name": "Payments", "user_id": leader.id})
        ticket = self._ticket(name="Kiosk payments slow", team_id=team.id)
        ticket.with_user(self.support_agent).action_request_executive_escalation()
        self.assertEqual(self._review(ticket).user_id, leader)
        orphan = self._ticket(name="No team")
        orphan.team_id = False
        with self.assertRaises(UserError):
            orphan.with_user(self.support_agent).action_request_executive_escalation()
