from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("at_install", "-post_install")
class TestPhone(TransactionCase):
    """Proves phonenumbers is installed: without it phone_validation passes
    numbers through unchanged, garbage included."""

    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Henry Hey", "country_id": self.env.ref("base.ca").id})

    def test_e164_formatting(self):
        self.assertEqual(self.partner._mi_phone_e164("(416) 555-0142"), "+14165550142")
        self.assertEqual(self.partner._mi_phone_e164("+1 877 744 6434"), "+18777446434")

    def test_garbage_refused_naming_person_and_number(self):
        with self.assertRaises(UserError) as caught:
            self.partner._mi_phone_e164("12")
        self.assertIn("Henry Hey", str(caught.exception))
        self.assertIn("12", str(caught.exception))
        with self.assertRaises(UserError):
            self.partner._mi_phone_e164("call me maybe")

    def test_missing_number_refused(self):
        with self.assertRaisesRegex(UserError, "has no phone number"):
            self.partner._mi_phone_e164()
