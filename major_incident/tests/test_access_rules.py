"""Access matrix: who reads which incident and its records, one test per role.

Two companies, two customers. In the main company, ``mine`` is a resolved incident whose
ticket (customer A's) is assigned to the restricted users, ``theirs`` a resolved incident
of customer B's ticket that they do not work on, ``ongoing`` an incident still in triage;
the other company has ``foreign``. Every incident has clocks, escalations, an internal
communication, and the resolved ones a post-mortem."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from ..engine import vocabulary
from .common import MajorIncidentCase

RECORD_MODELS = (
    "major.incident.clock",
    "major.incident.escalation",
    "major.incident.update",
    "major.incident.postmortem",
)
# What the addon adds to helpdesk.ticket: internal, the customer reads none of it.
TICKET_MI_FIELDS = (
    "major_incident_id",
    "is_major_incident",
    "mi_state",
    "mi_severity",
    "mi_exec_escalation_requested_at",
    "mi_exec_escalation_due_at",
)


@tagged("at_install", "-post_install")
class TestAccessRules(MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Access Rules Other Co"})
        cls.customer_a = cls.env["res.partner"].create({"name": "Customer A", "is_company": True})
        cls.customer_b = cls.env["res.partner"].create({"name": "Customer B", "is_company": True})
        cls.portal_a = new_test_user(cls.env, login="ar_portal_a", name="Alice Customer", groups="base.group_portal")
        cls.portal_a.partner_id.parent_id = cls.customer_a
        cls.portal_b = new_test_user(cls.env, login="ar_portal_b", name="Bob Customer", groups="base.group_portal")
        cls.portal_b.partner_id.parent_id = cls.customer_b
        # Each role with exactly its groups: the restricted ones see their own tickets only.
        cls.helpdesk_own = new_test_user(
            cls.env, login="ar_own", name="Olga Own", groups="helpdesk_mgmt.group_helpdesk_user_own"
        )
        cls.helpdesk_all = new_test_user(
            cls.env, login="ar_all", name="Alan All", groups="helpdesk_mgmt.group_helpdesk_user"
        )
        cls.mi_user = new_test_user(cls.env, login="ar_mi_user", name="Mia User", groups="major_incident.group_mi_user")
        cls.mi_team_user = new_test_user(
            cls.env,
            login="ar_mi_team",
            name="Tom Team",
            groups="major_incident.group_mi_user,helpdesk_mgmt.group_helpdesk_user_team",
        )
        cls.it_user = new_test_user(cls.env, login="ar_it", name="Ivy IT", groups="major_incident.group_mi_it")
        cls.manager = new_test_user(
            cls.env, login="ar_im", name="Isaac Manager", groups="major_incident.group_mi_manager"
        )
        cls.other_manager = new_test_user(
            cls.env,
            login="ar_other_im",
            name="Olivia Other",
            groups="major_incident.group_mi_manager,helpdesk_mgmt.group_helpdesk_user",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.team_a = cls.env["helpdesk.ticket.team"].create(
            {"name": "Customer A desk", "user_ids": [Command.set(cls.mi_team_user.ids)]}
        )
        cls.team_b = cls.env["helpdesk.ticket.team"].create({"name": "Customer B desk"})
        # Each restricted user is assigned one of the incident's two tickets.
        cls.mine = cls._resolved_incident(
            cls.portal_a.partner_id, (cls.helpdesk_own, cls.mi_user), team_id=cls.team_a.id
        )
        cls.theirs = cls._resolved_incident(cls.portal_b.partner_id, (cls.im,), team_id=cls.team_b.id)
        cls.ongoing = cls._incident_with_records(cls.portal_b.partner_id, (cls.im,))
        cls.other_company.mi_incident_manager_id = cls.other_manager
        cls.other_company.mi_policy_set_id = cls.env.ref("major_incident.policy_set_sop")
        cls.foreign = cls._resolved_incident(
            cls.portal_b.partner_id, (cls.other_manager,), company_id=cls.other_company.id
        )

    @classmethod
    def _incident_with_records(cls, customer, assignees, **ticket_values):
        """A Very High ticket of ``customer`` (the ladder calls the Incident Manager), declared,
        a ticket per assignee, and an internal communication."""
        first, *others = assignees
        ticket = cls._ticket(priority="3", partner_id=customer.id, user_id=first.id, **ticket_values)
        incident = ticket.major_incident_id
        ticket.action_declare_major_incident()
        for assignee in others:
            cls._ticket(partner_id=customer.id, user_id=assignee.id, major_incident_id=incident.id, **ticket_values)
        cls.env["major.incident.update"].create(
            {"incident_id": incident.id, "kind": "internal", "findings": "The certificate expired"}
        )
        return incident

    @classmethod
    def _resolved_incident(cls, customer, assignees, **ticket_values):
        """As above, resolved after two hours (not a brief interruption), with its post-mortem."""
        incident = cls._incident_with_records(customer, assignees, **ticket_values)
        incident.write(
            {
                "system_id": cls.system.id,
                "component_id": cls.component.id,
                "problem_code_id": cls.problem.id,
                "software_version": "4.12.3",
                "detected_at": fields.Datetime.now() - timedelta(hours=2),
            }
        )
        incident.action_resolve()
        cls.env["major.incident.postmortem"].create(
            {"incident_id": incident.id, "root_cause": "<p>Expired certificate</p>"}
        )
        return incident

    def setUp(self):
        super().setUp()
        # The fixture is whole, else a test of an empty list would pass for nothing.
        self.assertEqual(self.ongoing.state, "triage")
        for incident in (self.mine, self.theirs, self.foreign):
            self.assertEqual(incident.state, "resolved")
        for incident in (self.mine, self.theirs, self.ongoing, self.foreign):
            for model in RECORD_MODELS:
                if model == "major.incident.postmortem" and incident == self.ongoing:
                    continue
                with self.subTest(incident=incident.reference, model=model):
                    self.assertTrue(self.env[model].search([("incident_id", "=", incident.id)]))

    # ------------------------------------------------------------------ helpers

    def _incidents_seen(self, user):
        fixture = self.mine | self.theirs | self.ongoing | self.foreign
        return self.env["major.incident"].with_user(user).search([("id", "in", fixture.ids)])

    def _records_seen(self, user, model):
        """The incidents whose ``model`` records ``user`` finds by searching, all of them."""
        fixture = self.mine | self.theirs | self.ongoing | self.foreign
        return self.env[model].with_user(user).search([("incident_id", "in", fixture.ids)]).incident_id.sudo()

    def _assert_reads(self, user, incidents):
        """``user`` finds exactly ``incidents`` and their records, reads them, and is refused
        the other incidents' records when reading them by id."""
        self.env.invalidate_all()
        self.assertEqual(self._incidents_seen(user), incidents)
        for model in RECORD_MODELS:
            with self.subTest(model=model):
                expected = incidents - self.ongoing if model == "major.incident.postmortem" else incidents
                self.assertEqual(self._records_seen(user, model), expected)
                hidden = self.env[model].search([("incident_id", "not in", incidents.ids)])
                self.assertTrue(hidden)
                with self.assertRaises(AccessError):
                    hidden.with_user(user).read(["incident_id"])

    # ------------------------------------------------------------------ the matrix

    def test_portal_customer_a_reads_no_internal_field_of_their_ticket(self):
        ticket = self.mine.ticket_ids[:1]
        as_portal = ticket.with_user(self.portal_a)
        self.assertEqual(as_portal.read(["name"])[0]["name"], ticket.name)
        for field_name in TICKET_MI_FIELDS:
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                as_portal.read([field_name])
        # As the web client asks over JSON-RPC: the incident's manager, policy, deadlines.
        with self.assertRaises(AccessError):
            as_portal.web_read({"major_incident_id": {"fields": {"incident_manager_id": {}, "policy_id": {}}}})
        self.assertNotIn("mi_state", as_portal.fields_get())
        for model in ("major.incident", *RECORD_MODELS):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.portal_a).search([])

    def test_portal_customer_b_reads_nothing_of_customer_a(self):
        ticket_a = self.mine.ticket_ids[:1]
        with self.assertRaises(AccessError):
            ticket_a.with_user(self.portal_b).read(["name"])
        own = self.theirs.ticket_ids.with_user(self.portal_b)
        self.assertEqual(len(own.read(["name"])), 1)
        with self.assertRaises(AccessError):
            own.read(["mi_state"])

    def test_helpdesk_user_of_own_tickets(self):
        """The incidents of their tickets and the ongoing ones; no incident records (no MI group)."""
        self.env.invalidate_all()
        self.assertEqual(self._incidents_seen(self.helpdesk_own), self.mine | self.ongoing)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.helpdesk_own).read(["name"])
        for model in RECORD_MODELS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.helpdesk_own).search([])

    def test_helpdesk_user_of_all_tickets(self):
        self.env.invalidate_all()
        self.assertEqual(self._incidents_seen(self.helpdesk_all), self.mine | self.theirs | self.ongoing)

    def test_mi_user_of_own_tickets(self):
        self._assert_reads(self.mi_user, self.mine | self.ongoing)
        self.assertEqual(
            self.theirs.escalation_ids.sudo().user_id, self.im, "the Incident Manager's number is what is hidden"
        )

    def test_mi_user_of_team_tickets(self):
        self._assert_reads(self.mi_team_user, self.mine | self.ongoing)

    def test_mi_user_follows_a_ticket(self):
        """A follower of a ticket reads it (helpdesk_mgmt), and so its incident."""
        self.theirs.ticket_ids.message_subscribe(self.mi_user.partner_id.ids)
        self._assert_reads(self.mi_user, self.mine | self.theirs | self.ongoing)

    def test_it_reads_every_incident_of_the_company(self):
        self._assert_reads(self.it_user, self.mine | self.theirs | self.ongoing)

    def test_incident_manager_reads_every_incident_of_the_company(self):
        self._assert_reads(self.manager, self.mine | self.theirs | self.ongoing)

    def test_other_company_reads_only_its_own(self):
        self._assert_reads(self.other_manager, self.foreign)
        with self.assertRaises(AccessError):
            self.mine.postmortem_ids.with_user(self.other_manager).read(["root_cause"])

    def test_ongoing_states_of_the_rules_are_the_vocabulary(self):
        rules = self.env["ir.rule"].search([("name", "=like", "Major incident%: own tickets")])
        self.assertEqual(len(rules), 5)
        listed = str(list(vocabulary.ACTIVE_STATES))
        for rule in rules | self.env["ir.rule"].search([("name", "=like", "Major incident%: team tickets")]):
            with self.subTest(rule=rule.name):
                self.assertIn(f"('state', 'in', {listed})", rule.domain_force)
