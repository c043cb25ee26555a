from datetime import datetime

from lxml import html

from odoo.fields import Command
from odoo.tests import freeze_time

from odoo.addons.mass_mailing.tests.common import MassMailCommon

from .common import MajorIncidentCase

# Monday 10 March 2025, 16:00 UTC: 12:00 EDT in Toronto, 09:00 PDT in Vancouver.
NOW = datetime(2025, 3, 10, 16, 0)
# The SOP's "11:30 AM UTC−04:00".
DETECTED = datetime(2025, 3, 10, 15, 30)


def text(body):
    """The words of an HTML body as a reader sees them: blocks apart, whitespace collapsed."""
    root = html.fromstring(body)
    for block in root.iter("p", "li", "div", "ul", "br", "h1", "h2", "h3", "h4"):
        block.tail = " " + (block.tail or "")
    return " ".join(root.text_content().split())


class CommunicationsCase(MassMailCommon, MajorIncidentCase):
    """Customers with incident contacts, internal and executive lists, and a declared P1.

    Template rendering is restricted as in a fresh database, so that the Incident
    Manager, who is no template editor, sends as in production."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        cls.company = cls.env.company
        cls.company.write({"email": "incidents@company-a.example.com", "name": "Company A Solutions"})
        cls.company.partner_id.tz = "America/Toronto"
        cls.im.write({"email": "irene.manager@company-a.example.com", "function": "Incident Manager"})
        lists = cls.env["mailing.list"]
        cls.list_internal = lists._mi_internal_list()
        cls.list_executive = lists._mi_executive_list()
        # Only this test's stakeholders, not the demo data's.
        (cls.list_internal | cls.list_executive).subscription_ids.unlink()
        Partner = cls.env["res.partner"]
        cls.northwind, cls.maple = Partner.create(
            [{"name": "Northwind Test", "is_company": True}, {"name": "Maple Test", "is_company": True}]
        )
        cls.alice, cls.bob, cls.carol, cls.dan, cls.frank = Partner.create(
            [
                {
                    "name": "Alice Vancouver",
                    "email": "alice@northwind.example.com",
                    "parent_id": cls.northwind.id,
                    "tz": "America/Vancouver",
                    "mi_audience": "customer",
                },
                {
                    "name": "Bob Noz",
                    "email": "bob@northwind.example.com",
                    "parent_id": cls.northwind.id,
                    "mi_audience": "customer",
                },
                {
                    "name": "Carol Blacklisted",
                    "email": "carol@northwind.example.com",
                    "parent_id": cls.northwind.id,
                    "mi_audience": "customer",
                },
                {
                    "name": "Dan Optout",
                    "email": "dan@northwind.example.com",
                    "parent_id": cls.northwind.id,
                    "mi_audience": "customer",
                },
                {
                    "name": "Frank Maple",
                    "email": "frank@maple.example.com",
                    "parent_id": cls.maple.id,
                    "mi_audience": "customer",
                },
            ]
        )
        cls.ivy, cls.ed = Partner.create(
            [
                {"name": "Ivy Internal", "email": "ivy@company-a.example.com", "mi_audience": "internal"},
                {"name": "Ed Executive", "email": "ed@company-a.example.com", "mi_audience": "executive"},
            ]
        )
        cls.env["mail.blacklist"].create({"email": cls.carol.email})
        cls.list_northwind = lists._mi_customer_lists(cls.northwind)[cls.northwind.id]
        cls.list_maple = lists._mi_customer_lists(cls.maple)[cls.maple.id]
        cls.list_northwind.subscription_ids.filtered(lambda s: s.contact_id.mi_partner_id == cls.dan).opt_out = True
        cls.contact = {
            partner: cls.env["mailing.contact"].search([("mi_partner_id", "=", partner.id)])
            for partner in (cls.alice, cls.bob, cls.carol, cls.dan, cls.frank, cls.ivy, cls.ed)
        }

    def _incident(self, **values):
        """A P1 raised by an urgent ticket at DETECTED, affecting both customers, acknowledged
        by the Incident Manager; ``values`` are written on it by the Incident Manager."""
        with freeze_time(DETECTED):
            incident = self._candidate()
            incident.with_user(self.im).write(
                {
                    "affected_partner_ids": [Command.set((self.northwind | self.maple).ids)],
                    "service_impact": "Vision Server",
                    **values,
                }
            )
            incident.with_user(self.im).action_acknowledge()
        return incident

    def _wizard(self, incident, context=None, **values):
        return (
            self.env["major.incident.update.wizard"]
            .with_user(self.im)
            .with_context(active_model="major.incident", active_id=incident.id, **(context or {}))
            .create(values)
        )

    def _send(self, incident, **values):
        """Send an update through the wizard as the Incident Manager; returns it."""
        self._wizard(incident, **values).action_send()
        return incident.update_ids.sorted("id")[-1:]

    def _run_mailing_queue(self):
        """The mailing cron, then the mail queue that sends an incident blast's e-mails, as
        the scheduler runs them (they commit: registry test mode)."""
        with self.mock_mail_gateway(mail_unlink_sent=False), self.enter_registry_test_mode():
            self.env.ref("mass_mailing.ir_cron_mass_mailing_queue").sudo().method_direct_trigger()
            self._run_blast_mail_queue()

    def _run_blast_mail_queue(self):
        """The mail queue, for the e-mails of incident blasts only: other mail the test
        queued (notifications) is not what it checks."""
        self.env["mail.mail"].sudo().with_context(
            filters=[("mailing_id.mi_incident_id", "!=", False)]
        ).process_email_queue()
