from odoo.tests import tagged

from .common import MajorIncidentCase


@tagged("at_install", "-post_install")
class TestPolicyData(MajorIncidentCase):
    def test_sop_numbers(self):
        """SOP 2.4: blast and response within 15 min, updates every hour,
        RTO P1 = 2 hours / P2 = 4 hours, post-mortem 7 business days; 3.5: debrief 48 h."""
        ref = self.env.ref
        p1, p2, p3, p4 = (ref(f"major_incident.policy_sop_p{i}") for i in range(1, 5))
        self.assertEqual(self.env.company.mi_policy_set_id, ref("major_incident.policy_set_sop"))
        for policy in (p1, p2, p3, p4):
            self.assertEqual(policy.response_minutes, 15)
            self.assertEqual(policy.blast_minutes, 15)
            self.assertEqual(policy.update_interval_minutes, 60)
            self.assertEqual(policy.postmortem_business_days, 7)
            self.assertEqual(policy.debrief_hours, 48)
            self.assertEqual(policy.brief_interruption_minutes, 15)
        self.assertEqual((p1.rto_minutes, p1.rpo_minutes), (120, 120))
        self.assertEqual((p2.rto_minutes, p2.rpo_minutes), (240, 240))
        self.assertEqual(p3.rto_minutes, 0)
        self.assertIn("Multiple kiosks are logged out.", p1.examples)
        self.assertEqual(
            p1.checklist_plan_id.template_ids.mapped("summary")[:2],
            [
                "Immediate escalation to Services Director, IT Director, Leadership, and Executive Sponsors.",
                "Immediately send an initial notification.",
            ],
        )
        self.assertEqual(len(p1.checklist_plan_id.template_ids), 6)

    def test_urgent_support_numbers(self):
        ref = self.env.ref
        outage = ref("major_incident.policy_urgent_system_outage")
        self.assertEqual(outage.response_minutes, 15)
        self.assertEqual(outage.update_interval_minutes, 30)
        self.assertEqual(outage.resolution_minutes, 240)
        self.assertEqual(outage.escalation_path, "L1 Support → On-call Engineer → CTO")
        self.assertEqual(outage.postmortem_business_days, 5)
        payment = ref("major_incident.policy_urgent_payment_failure")
        self.assertEqual((payment.response_minutes, payment.resolution_minutes), (30, 360))
        feature = ref("major_incident.policy_urgent_feature_failure")
        self.assertEqual((feature.update_interval_minutes, feature.resolution_minutes), (60, 480))
        security = ref("major_incident.policy_urgent_data_security")
        self.assertEqual(security.resolution_target_note, "Containment within 2 hours, full resolution varies")
        self.assertEqual(
            outage.playbook_plan_id.template_ids.mapped("summary")[0],
            "Confirm the extent of the outage and affected services.",
        )
        playbooks = self.env["mail.activity.plan"].search([("name", "like", "Playbook:")])
        self.assertEqual(len(playbooks), 7)

    def _urgent_desk_ticket(self):
        team = self.env["helpdesk.ticket.team"].create(
            {"name": "Urgent desk", "mi_policy_set_id": self.env.ref("major_incident.policy_set_urgent_support").id}
        )
        return self._ticket(team_id=team.id)

    def _declare(self, ticket, issue_type):
        """The Incident Manager declares the ticket's incident with its issue type (declare wizard)."""
        action = (
            self.env["major.incident.declare.wizard"]
            .with_user(self.im)
            .create({"mode": "existing", "ticket_id": ticket.id, "severity": "p1", "issue_type_id": issue_type.id})
            .action_declare()
        )
        return self.env["major.incident"].browse(action["res_id"])

    def test_policy_selection_by_issue_type(self):
        ticket = self._urgent_desk_ticket()
        incident = self._declare(ticket, self.env.ref("major_incident.issue_type_payment_failure"))
        self.assertEqual(incident.team_id, ticket.team_id, "the team's policy set applies")
        self.assertEqual(incident.policy_id, self.env.ref("major_incident.policy_urgent_payment_failure"))
        incident.with_user(self.im).severity = "p2"
        self.assertEqual(incident.policy_id, self.env.ref("major_incident.policy_urgent_payment_failure"))

    def test_policy_follows_severity(self):
        incident = self._candidate()
        self.assertEqual(incident.policy_id, self.env.ref("major_incident.policy_sop_p1"))
        incident.with_user(self.im).severity = "p3"
        self.assertEqual(incident.policy_id, self.env.ref("major_incident.policy_sop_p3"))

    def test_declaring_schedules_checklist_and_playbook(self):
        ticket = self._urgent_desk_ticket()
        incident = self._declare(ticket, self.env.ref("major_incident.issue_type_system_outage"))
        playbook = incident.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertIn("Engage the on-call engineering team immediately.", playbook.mapped("summary"))
        self.assertEqual(len(playbook), 6)
        self.assertEqual(playbook.user_id, self.im)
        self.assertFalse(ticket.activity_ids, "the plans are the incident's, not the customer ticket's")

    def test_acknowledging_sop_candidate_schedules_p1_actions(self):
        incident = self._candidate()
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.assertFalse(incident.activity_ids.filtered(lambda a: a.activity_type_id == todo))
        incident.with_user(self.im).action_acknowledge()
        checklist = incident.activity_ids.filtered(lambda a: a.activity_type_id == todo)
        self.assertEqual(len(checklist), 6)
        self.assertIn("Triage the incident.", checklist.mapped("summary"))
