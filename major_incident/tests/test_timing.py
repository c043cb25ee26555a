from datetime import datetime

from odoo.tests import TransactionCase, tagged

from odoo.addons.major_incident import timing


@tagged("at_install", "-post_install")
class TestTiming(TransactionCase):
    def test_brief_interruption_boundary(self):
        detected = datetime(2026, 3, 6, 10, 0)
        self.assertTrue(timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 14), 15))
        self.assertTrue(timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 15), 15))
        self.assertFalse(timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 15, 1), 15))

    def test_brief_interruption_disabled_or_unknown(self):
        detected = datetime(2026, 3, 6, 10, 0)
        self.assertFalse(timing.is_brief_interruption(detected, datetime(2026, 3, 6, 10, 1), 0))
        self.assertFalse(timing.is_brief_interruption(None, datetime(2026, 3, 6, 10, 1), 15))
