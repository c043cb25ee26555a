from odoo.tests import HttpCase, new_test_user, tagged

from .common import MajorIncidentCase


@tagged("post_install", "-at_install")
class TestTicketClose(HttpCase, MajorIncidentCase):
    """helpdesk_mgmt's portal route ``/ticket/close?ticket_id=&stage_id=`` moves the ticket
    it is given, whoever asks: a ticket of a major incident moves only for its customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls.env["res.partner"].create({"name": "Close Customer A", "is_company": True})
        cls.customer_b = cls.env["res.partner"].create({"name": "Close Customer B", "is_company": True})
        cls.portal_a = new_test_user(cls.env, login="tc_portal_a", name="Ann Customer", groups="base.group_portal")
        cls.portal_a.partner_id.parent_id = cls.customer_a
        cls.portal_b = new_test_user(cls.env, login="tc_portal_b", name="Ben Customer", groups="base.group_portal")
        cls.portal_b.partner_id.parent_id = cls.customer_b
        cls.done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.ticket_a = cls._ticket(priority="3", partner_id=cls.portal_a.partner_id.id)
        cls.incident = cls.ticket_a.major_incident_id

    def setUp(self):
        super().setUp()
        self.assertTrue(self.incident)
        self.assertTrue(self.done.close_from_portal)
        self.assertNotEqual(self.ticket_a.stage_id, self.done)

    def _close(self, login, ticket):
        self.authenticate(login, login)
        return self.url_open(f"/ticket/close?ticket_id={ticket.id}&stage_id={self.done.id}", allow_redirects=False)

    def test_other_customer_cannot_close_an_incident_ticket(self):
        stage = self.ticket_a.stage_id
        response = self._close("tc_portal_b", self.ticket_a)
        self.assertEqual(response.status_code, 403)
        self.env.invalidate_all()
        self.assertEqual(self.ticket_a.stage_id, stage)
        self.assertFalse(self.ticket_a.closed_date)
        self.assertEqual(self.incident.ticket_ids, self.ticket_a)

    def test_customer_closes_their_own_incident_ticket(self):
        response = self._close("tc_portal_a", self.ticket_a)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.headers["Location"].endswith(f"/my/ticket/{self.ticket_a.id}"))
        self.env.invalidate_all()
        self.assertEqual(self.ticket_a.stage_id, self.done)

    def test_portal_pages_of_an_incident_ticket_render(self):
        """The ticket's internal incident fields are hidden from the customer, and
        helpdesk_mgmt's portal pages, which do not use them, still open."""
        self.authenticate("tc_portal_a", "tc_portal_a")
        for url in ("/my/tickets", f"/my/ticket/{self.ticket_a.id}"):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 200)
        self.assertIn(self.ticket_a.name, response.text)
