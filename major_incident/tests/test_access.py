from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MajorIncidentCase


@tagged("at_install", "-post_install")
class TestAccess(MajorIncidentCase):
    def test_agent_reads_but_cannot_edit_policies(self):
        policy = self.env.ref("major_incident.policy_sop_p1").with_user(self.agent)
        self.assertEqual(policy.rto_minutes, 120)
        with self.assertRaises(AccessError):
            policy.write({"rto_minutes": 10})
        with self.assertRaises(AccessError):
            self.env["major.incident.code"].with_user(self.agent).create({"name": "X", "kind": "system"})

    def test_incident_manager_cannot_edit_policies_admin_can(self):
        policy = self.env.ref("major_incident.policy_sop_p1")
        with self.assertRaises(AccessError):
            policy.with_user(self.im).write({"rto_minutes": 10})
        policy.with_user(self.mi_admin).write({"rto_minutes": 90})
        self.assertEqual(policy.rto_minutes, 90)

    def test_incident_manager_records_triage_findings(self):
        """Triage and coding are the Incident Manager's (DESIGN); agents read them."""
        incident = self._candidate()
        incident.with_user(self.im).write({"units_affected": 12, "other_customers_affected": True})
        self.assertEqual(incident.units_affected, 12)
        self.assertEqual(incident.with_user(self.agent).units_affected, 12)
        self.assertEqual(incident.with_user(self.support_agent).units_affected, 12)
        for user in (self.agent, self.support_agent):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                incident.with_user(user).write({"units_affected": 3})
        self.assertEqual(incident.units_affected, 12)

    def test_helpdesk_users_read_the_incident_of_their_ticket(self):
        """The ticket's banner: state and severity, read without any major-incident group."""
        ticket = self._ticket(priority="3")
        as_agent = ticket.with_user(self.support_agent)
        self.assertEqual((as_agent.mi_state, as_agent.mi_severity), ("candidate", "p1"))
        self.assertEqual(as_agent.major_incident_id.reference, ticket.major_incident_id.reference)

    def test_portal_user_cannot_read_other_tickets(self):
        portal = new_test_user(self.env, login="mi_portal", groups="base.group_portal")
        ticket = self._ticket(priority="3")
        with self.assertRaises(AccessError):
            ticket.with_user(portal).read(["mi_state", "mi_severity"])
        with self.assertRaises(AccessError):
            ticket.major_incident_id.with_user(portal).read(["recent_changes"])

    def test_portal_owner_cannot_read_internal_mi_fields(self):
        portal = new_test_user(self.env, login="mi_portal_owner", groups="base.group_portal")
        ticket = self._ticket(priority="3", partner_id=portal.partner_id.id)
        ticket.message_subscribe(portal.partner_id.ids)
        incident = ticket.major_incident_id
        self.assertEqual(incident.partner_id, portal.partner_id)
        with self.assertRaises(AccessError):
            incident.with_user(portal).read(["recent_changes"])

    def test_multi_company_policies(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        policy_set = self.env["major.incident.policy.set"].create({"name": "Other set", "company_id": other.id})
        self.assertFalse(
            self.env["major.incident.policy.set"].with_user(self.agent).search([("id", "=", policy_set.id)])
        )

    def test_multi_company_incidents(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        incident = self.env["major.incident"].create({"name": "Other outage", "company_id": other.id})
        for user in (self.agent, self.support_agent, self.im):
            with self.subTest(user=user.login):
                self.assertFalse(self.env["major.incident"].with_user(user).search([("id", "=", incident.id)]))
