from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MajorIncidentCase


@tagged("at_install", "-post_install")
class TestAudience(MajorIncidentCase):
    """The major-incident mailing lists follow the contacts flagged for them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Northwind Test", "is_company": True})
        cls.lists = cls.env["mailing.list"]

    def _contact(self, partner):
        return self.env["mailing.contact"].search([("mi_partner_id", "=", partner.id)])

    def _customer_list(self, company):
        return self.lists._mi_customer_lists(company).get(company.id, self.lists)

    def test_incident_contact_joins_its_company_list(self):
        self.assertFalse(self._customer_list(self.customer))
        alice = self.env["res.partner"].create(
            {
                "name": "Alice",
                "email": "alice@northwind.example.com",
                "parent_id": self.customer.id,
                "tz": "America/Vancouver",
                "phone": "(604) 555-0142",
                "country_id": self.env.ref("base.ca").id,
                "mi_audience": "customer",
            }
        )
        customer_list = self._customer_list(self.customer)
        self.assertEqual(customer_list.name, "Major incidents: Northwind Test")
        self.assertEqual(customer_list.mi_audience, "customer")
        contact = self._contact(alice)
        self.assertEqual(contact.list_ids, customer_list)
        self.assertEqual(
            (contact.name, contact.email, contact.company_name, contact.mi_tz),
            ("Alice", "alice@northwind.example.com", "Northwind Test", "America/Vancouver"),
        )
        self.assertEqual(alice.phone, "+16045550142", "stored in E.164")

        bob = self.env["res.partner"].create(
            {"name": "Bob", "email": "bob@northwind.example.com", "parent_id": self.customer.id}
        )
        self.assertFalse(self._contact(bob), "not flagged")
        bob.mi_audience = "customer"
        self.assertEqual(self._contact(bob).list_ids, customer_list, "one list per company")

    def test_changes_are_followed(self):
        alice = self.env["res.partner"].create(
            {
                "name": "Alice",
                "email": "alice@old.example.com",
                "parent_id": self.customer.id,
                "mi_audience": "customer",
            }
        )
        contact = self._contact(alice)
        customer_list = contact.list_ids
        alice.write({"name": "Alice Smith", "email": "alice@new.example.com", "tz": "Europe/Paris"})
        self.assertEqual(
            (contact.name, contact.email, contact.mi_tz), ("Alice Smith", "alice@new.example.com", "Europe/Paris")
        )
        self.customer.name = "Northwind Renamed"
        self.assertEqual(customer_list.name, "Major incidents: Northwind Renamed")
        self.assertEqual(contact.company_name, "Northwind Renamed")

        # Moving to another customer moves the contact to that customer's list.
        other = self.env["res.partner"].create({"name": "Maple Test", "is_company": True})
        alice.parent_id = other
        self.assertEqual(contact.list_ids, self._customer_list(other))

        # Unflagged or archived: off the lists; flagged again: back on.
        alice.mi_audience = False
        self.assertFalse(contact.list_ids)
        alice.mi_audience = "customer"
        self.assertEqual(contact.list_ids, self._customer_list(other))
        alice.active = False
        self.assertFalse(contact.list_ids)
        alice.active = True
        self.assertEqual(contact.list_ids, self._customer_list(other))

    def test_unsubscribed_stays_unsubscribed(self):
        alice = self.env["res.partner"].create(
            {
                "name": "Alice",
                "email": "alice@northwind.example.com",
                "parent_id": self.customer.id,
                "mi_audience": "customer",
            }
        )
        subscription = self._contact(alice).subscription_ids
        subscription.opt_out = True
        alice.email = "alice@elsewhere.example.com"
        self.assertTrue(subscription.exists().opt_out)

    def test_internal_and_executive_lists(self):
        ivy, ed = self.env["res.partner"].create(
            [
                {"name": "Ivy", "email": "ivy@company-a.example.com", "mi_audience": "internal"},
                {"name": "Ed", "email": "ed@company-a.example.com", "mi_audience": "executive"},
            ]
        )
        self.assertEqual(self._contact(ivy).list_ids, self.env.ref("major_incident.mailing_list_mi_internal"))
        self.assertEqual(self._contact(ed).list_ids, self.env.ref("major_incident.mailing_list_mi_executive"))
        ivy.mi_audience = "executive"
        self.assertEqual(self._contact(ivy).list_ids, self.env.ref("major_incident.mailing_list_mi_executive"))

    def test_invalid_phone_refused(self):
        with self.assertRaisesRegex(UserError, "Carl's phone number 12 is not valid"):
            self.env["res.partner"].create(
                {"name": "Carl", "email": "carl@northwind.example.com", "phone": "12", "mi_audience": "customer"}
            )

    def test_incident_audience_follows_affected_customers(self):
        self.env["res.partner"].create(
            {
                "name": "Alice",
                "email": "alice@northwind.example.com",
                "parent_id": self.customer.id,
                "mi_audience": "customer",
            }
        )
        internal = self.env.ref("major_incident.mailing_list_mi_internal")
        incident = self._candidate()
        self.assertEqual(incident.mailing_list_ids, internal)
        incident.with_user(self.im).affected_partner_ids = self.customer
        self.assertEqual(incident.mailing_list_ids, internal | self._customer_list(self.customer))
        self.assertFalse(self._ticket().major_incident_id, "not a major incident")

    def test_reporting_customer_is_affected(self):
        self.env["res.partner"].create(
            {
                "name": "Alice",
                "email": "alice@northwind.example.com",
                "parent_id": self.customer.id,
                "mi_audience": "customer",
            }
        )
        caller = self.env["res.partner"].create({"name": "Cal Caller", "parent_id": self.customer.id})
        incident = self._candidate(ticket_values={"partner_id": caller.id})
        self.assertEqual(incident.affected_partner_ids, self.customer, "the ticket's company")
        self.assertIn(self._customer_list(self.customer), incident.mailing_list_ids)

    def test_the_reporting_customer_hears_of_the_incident(self):
        """Issue: a customer whose company had no incident contact reported the outage, and
        the first blast went to the internal list only."""
        caller = self.env["res.partner"].create(
            {"name": "Cal Caller", "email": "cal@northwind.example.com", "parent_id": self.customer.id}
        )
        incident = self._candidate(ticket_values={"partner_id": caller.id})
        self.assertEqual(caller.mi_audience, "customer", "the reporter is an incident contact now")
        customer_list = self._customer_list(self.customer)
        self.assertIn(customer_list, incident.mailing_list_ids)
        self.assertIn(caller, customer_list.contact_ids.mi_partner_id)
        # A second customer's ticket linked later: its contact joins too.
        other_company = self.env["res.partner"].create({"name": "Maple Test", "is_company": True})
        other = self.env["res.partner"].create(
            {"name": "Olga Other", "email": "olga@maple.example.com", "parent_id": other_company.id}
        )
        ticket = (
            self.env["helpdesk.ticket"]
            .with_user(self.support_agent)
            .create({"name": "Tills down", "description": "<p>x</p>", "partner_id": other.id})
        )
        ticket.with_user(self.support_agent).major_incident_id = incident
        self.assertIn(self._customer_list(other_company), incident.mailing_list_ids)

    def test_a_reporter_without_e_mail_or_with_a_role_is_left_as_is(self):
        internal = self.env["res.partner"].create(
            {"name": "Ivy Internal", "email": "ivy@company.example.com", "mi_audience": "internal"}
        )
        no_mail = self.env["res.partner"].create({"name": "No Mail", "parent_id": self.customer.id})
        self._candidate(ticket_values={"partner_id": internal.id})
        self._candidate(ticket_values={"partner_id": no_mail.id})
        self.assertEqual((internal.mi_audience, no_mail.mi_audience), ("internal", False))
