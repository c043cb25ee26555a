from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from odoo.addons.major_incident.engine.alerts import UP, Alert

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 6, 14, 0)


def minutes(n):
    return T0 + timedelta(minutes=n)


@tagged("at_install", "-post_install")
class TestClockFaultIsolation(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._sop_ladder_people()

    def _escalation_clock(self, incident):
        return incident.clock_ids.filtered(lambda c: c.kind == "escalation")

    def test_poisoned_clock_does_not_stop_the_others(self):
        """Issue: a ladder level removed under a running incident failed every run for
        every incident. The bad clock is logged and retried with backoff; the others go on."""
        with freeze_time(T0):
            poisoned = self._candidate()
            healthy = self._candidate()
        stray_policy = self.env.ref("major_incident.policy_sop_p2")
        stray_level = self.env["major.incident.escalation.level"].create(
            {
                "name": "Stray",
                "policy_id": stray_policy.id,
                "sequence": 99,
                "wait_minutes": 5,
                "user_ids": [(6, 0, self.director.ids)],
            }
        )
        self._escalation_clock(poisoned).escalation_level_id = stray_level
        stray_level.unlink()
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
        self.assertIn(self.director, healthy.escalation_ids.user_id, "the healthy ladder climbed")
        clock = self._escalation_clock(poisoned)
        self.assertEqual(clock.failure_count, 1)
        self.assertEqual(clock.next_action_at, minutes(10), "retried five minutes later")
        self.assertIn("could not be processed", poisoned.message_ids[0].body)
        with freeze_time(minutes(10)):
            self._run_clocks_cron()
        self.assertEqual(clock.failure_count, 2)
        self.assertEqual(clock.next_action_at, minutes(20), "then backing off")


@tagged("at_install", "-post_install")
class TestFactsOnlyThroughActions(MajorIncidentCase):
    def test_state_and_times_refused_to_every_role(self):
        incident = self._candidate()
        for user in (self.support_agent, self.agent, self.im):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                incident.with_user(user).write({"state": "closed"})
        with self.assertRaisesRegex(UserError, "only through the incident's actions"):
            incident.with_user(self.im).write({"acknowledged_at": T0})
        self.assertEqual(incident.state, "candidate")
        self.assertTrue(incident.clock_ids.filtered(lambda c: c.state == "running"))

    def test_postmortem_not_published_by_a_write(self):
        incident = self._incident()
        self._code(incident)
        with freeze_time(datetime.now() + timedelta(hours=1)):
            incident.with_user(self.im).action_resolve()
        incident.with_user(self.im).action_open_postmortem()
        with self.assertRaisesRegex(UserError, "Publish button"):
            incident.postmortem_id.with_user(self.im).write({"state": "published"})

    def test_update_not_recorded_as_sent_without_sending(self):
        incident = self._incident()
        with self.assertRaisesRegex(UserError, "only by sending it"):
            self.env["major.incident.update"].with_user(self.im).create(
                {"incident_id": incident.id, "kind": "progress", "sent_at": T0}
            )

    def test_incident_manager_is_an_active_internal_user(self):
        incident = self._incident()
        portal = new_test_user(self.env, login="mi_portal_im", name="Pat Portal", groups="base.group_portal")
        with self.assertRaises(ValidationError):
            incident.with_user(self.im).incident_manager_id = portal

    def test_rotate_token_is_for_administrators(self):
        source = self.env["major.incident.alert.source"].create({"name": "Kuma"})
        with self.assertRaises(AccessError):
            source.with_user(self.im).action_rotate_token()
        action = source.with_user(self.mi_admin).action_rotate_token()
        self.assertIn("/major_incident/alert/", action["context"]["default_url"])


@tagged("at_install", "-post_install")
class TestNobodyToCall(MajorIncidentCase):
    """Issue: a company without a policy set opened silent candidates: no policy, nobody
    called, nothing said until a breach 15 minutes later."""

    def test_a_candidate_without_ladder_is_reported_at_once(self):
        empty_set = self.env["major.incident.policy.set"].create({"name": "No policies"})
        team = self.env["helpdesk.ticket.team"].create({"name": "Unconfigured", "mi_policy_set_id": empty_set.id})
        incident = self._candidate(ticket_values={"team_id": team.id})
        self.assertFalse(incident.policy_id)
        self.assertFalse(incident.escalation_ids, "nobody could be called")
        report = incident.message_ids.filtered(lambda m: "Nobody is called" in (m.body or ""))
        self.assertEqual(len(report), 1)
        self.assertIn("no policy applies", report.body)
        self.assertIn(self.im.partner_id, report.partner_ids, "every Incident Manager is told")


class TestSeverityChange(MajorIncidentCase):
    def test_clocks_the_new_policy_lacks_are_cancelled(self):
        """P1 -> P3: the SOP gives P3 no RTO; a running 120-minute RTO would breach."""
        with freeze_time(T0):
            incident = self._incident()
        rto = incident.clock_ids.filtered(lambda c: c.kind == "rto")
        self.assertEqual(rto.state, "running")
        incident.with_user(self.im).severity = "p3"
        self.assertEqual(rto.state, "cancelled")
        self.assertIn("sets no target", incident.message_ids[0].body)


@tagged("at_install", "-post_install")
class TestBriefProposal(MajorIncidentCase):
    def test_a_flapping_monitor_proposes_once_and_resolution_closes_it(self):
        with freeze_time(T0):
            incident = self._candidate()
        source = self.env["major.incident.alert.source"].create({"name": "Kuma"})
        recovered = Alert("kuma-1", UP, "Vision", "", minutes(3), "")
        with freeze_time(minutes(4)):
            incident._alert_recovered(source, recovered, minutes(4))
            incident._alert_recovered(source, recovered, minutes(4))
        proposals = incident.activity_ids.filtered(lambda a: "Brief interruption" in (a.summary or ""))
        self.assertEqual(len(proposals), 1, "one open proposal at most")
        self._code(incident)
        with freeze_time(minutes(6)):
            incident.with_user(self.im).action_resolve_brief_interruption()
        self.assertEqual(incident.cancel_reason, "brief")
        self.assertFalse(incident.activity_ids, "what the incident opened is closed with it")


@tagged("at_install", "-post_install")
class TestUpdateWizardKind(MajorIncidentCase):
    def test_kind_given_both_in_values_and_context(self):
        """Issue: the resolution buttons pass default_kind; create() then asked default_get
        for the other fields only and failed with KeyError: 'kind'."""
        incident = self._incident()
        wizard = (
            self.env["major.incident.update.wizard"]
            .with_user(self.im)
            .with_context(default_kind="internal", default_incident_id=incident.id)
            .create({"incident_id": incident.id, "kind": "internal"})
        )
        self.assertEqual(wizard.kind, "internal")
        self.assertEqual(wizard.status, "investigating")


@tagged("at_install", "-post_install")
class TestClockTruth(MajorIncidentCase):
    def _clock(self, incident, kind):
        return incident.clock_ids.filtered(lambda c: c.kind == kind)

    def test_blast_after_deadline_is_late_before_the_cron_notices(self):
        """Issue: a blast sent after its deadline, before the cron ran, read "met 0 min late"."""
        with freeze_time(T0):
            incident = self._incident()
        blast = self._clock(incident, "blast")
        self.assertEqual(blast.deadline, minutes(15))
        with freeze_time(minutes(20)):
            incident._apply_clock_event("update_sent_external", minutes(20))
            self.assertEqual(blast.state, "breached")
            self.assertEqual(blast.met_at, minutes(20))
            self.assertEqual(blast.time_left, "met 5 min late")
            self.assertFalse(blast.overdue)

    def test_blast_in_time_is_met(self):
        with freeze_time(T0):
            incident = self._incident()
        blast = self._clock(incident, "blast")
        with freeze_time(minutes(10)):
            incident._apply_clock_event("update_sent_external", minutes(10))
            self.assertEqual(blast.state, "met")
            self.assertEqual(blast.time_left, "met 5 min early")

    def test_a_finished_ladder_is_not_overdue(self):
        self._sop_ladder_people()
        with freeze_time(T0):
            incident = self._candidate()
        for moment in (minutes(5), minutes(15)):
            with freeze_time(moment):
                self._run_clocks_cron()
        ladder = self._clock(incident, "escalation")
        with freeze_time(minutes(40)):
            ladder.invalidate_recordset(["overdue", "time_left"])
            self.assertEqual(ladder.state, "running", "waiting for an acknowledgment")
            self.assertFalse(ladder.overdue)
            self.assertEqual(ladder.time_left, "every level called")


@tagged("at_install", "-post_install")
class TestDeclaredBySuperuser(MajorIncidentCase):
    def test_odoobot_never_becomes_the_incident_manager(self):
        """A script or cron declaring as the superuser (OdooBot, inactive) leaves the Incident
        Manager to staffing instead of failing the declaration."""
        self.env.company.mi_incident_manager_id = False
        ticket = self._ticket(priority="3")
        ticket.action_declare_major_incident()
        incident = ticket.major_incident_id
        self.assertEqual(incident.state, "triage")
        self.assertFalse(incident.incident_manager_id)
        self.assertIn("No Incident Manager on duty", "".join(incident.message_ids.mapped("body")))


@tagged("at_install", "-post_install")
class TestPolicyLimits(MajorIncidentCase):
    def test_a_target_beyond_a_year_is_refused_by_name(self):
        """Issue: a debrief of 2e9 hours broke resolution with OverflowError."""
        policy = self.env.ref("major_incident.policy_sop_p1")
        with self.assertRaisesRegex(ValidationError, r"Debrief within \(h\).*at most 8760 hours"):
            policy.with_user(self.mi_admin).debrief_hours = 2_000_000_000
        self.env.invalidate_all(flush=False)
        with self.assertRaisesRegex(ValidationError, r"RTO \(min\).*at most 525600 minutes"):
            policy.with_user(self.mi_admin).rto_minutes = 600_000
        self.env.invalidate_all(flush=False)
        policy.with_user(self.mi_admin).debrief_hours = 72
        self.assertEqual(policy.debrief_hours, 72)

    def test_zero_response_or_first_blast_is_refused(self):
        """Issue: a response of 0 minutes silently meant the set's 15, a first blast of 0
        opened no clock."""
        policy = self.env.ref("major_incident.policy_sop_p1")
        for field, label in (("response_minutes", r"Response \(min\)"), ("blast_minutes", r"First blast \(min\)")):
            with (
                self.subTest(field=field),
                self.assertRaisesRegex(ValidationError, rf"{label} of .*P1 Critical is 0: .*Set at least 1 minute"),
            ):
                policy.with_user(self.mi_admin).write({field: 0})
            self.env.invalidate_all(flush=False)

    def test_a_ladder_level_with_no_wait_is_called_with_the_previous_one(self):
        """0 minutes on a ladder level means no wait, never a default."""
        self._sop_ladder_people()
        self.env.ref("major_incident.escalation_sop_p1_level_3").with_user(self.mi_admin).wait_minutes = 0
        with freeze_time(T0):
            incident = self._candidate()
        with freeze_time(minutes(5)):
            self._run_clocks_cron()
            self._run_clocks_cron()
        called = incident.escalation_ids
        self.assertIn(self.director, called.user_id)
        self.assertIn(self.vp, called.user_id)
        self.assertEqual(called.filtered(lambda r: r.user_id == self.vp).contacted_at, minutes(5))

    def test_other_durations_beyond_a_year_are_refused_by_name(self):
        """A ladder wait, a reminder lead or a tier's response target of billions of minutes
        would overflow the deadline the same way."""
        level = self.env.ref("major_incident.escalation_sop_p1_level_2").with_user(self.mi_admin)
        with self.assertRaisesRegex(ValidationError, r"Called after \(min\) of .*at most 525600 minutes"):
            level.wait_minutes = 2_000_000_000
        self.env.invalidate_all(flush=False)
        policy_set = self.env.ref("major_incident.policy_sop_p1").policy_set_id.with_user(self.mi_admin)
        with self.assertRaisesRegex(ValidationError, r"Update reminder \(min before due\) of .*at most 525600"):
            policy_set.update_reminder_minutes = 600_000
        self.env.invalidate_all(flush=False)
        with self.assertRaisesRegex(ValidationError, r"Outside business hours \(min\) of .*at most 525600"):
            self.env["major.incident.response.target"].with_user(self.mi_admin).create(
                {
                    "policy_set_id": policy_set.id,
                    "tier": "pro",
                    "business_hours_minutes": 30,
                    "outside_hours_minutes": 600_000,
                }
            )


@tagged("at_install", "-post_install")
class TestAlertSourceEndpoint(MajorIncidentCase):
    def test_endpoint_of_many_sources_at_once(self):
        """Issue: the endpoint broke lists, which read it for many sources at once."""
        sources = self.env["major.incident.alert.source"].create(
            [{"name": f"monitor {i}", "payload_format": "generic", "severity": "p2"} for i in range(3)]
        )
        endpoints = [row["endpoint"] for row in sources.read(["endpoint"])]
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        self.assertEqual(endpoints, [f"{base_url}/major_incident/alert/<token>"] * 3)
