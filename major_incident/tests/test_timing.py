from datetime import datetime, timedelta

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


@tagged("at_install", "-post_install")
class TestTimingRules(TransactionCase):
    def test_plan_work_time_skips_gaps(self):
        intervals = [
            (datetime(2026, 3, 6, 9), datetime(2026, 3, 6, 17)),
            (datetime(2026, 3, 9, 9), datetime(2026, 3, 9, 17)),
        ]
        start = datetime(2026, 3, 6, 16)
        self.assertEqual(
            timing.plan_work_time(start, timedelta(hours=3), intervals), datetime(2026, 3, 9, 11)
        )
        self.assertEqual(timing.plan_work_time(start, timedelta(hours=1), intervals), datetime(2026, 3, 6, 17))
        self.assertIsNone(timing.plan_work_time(start, timedelta(hours=10), intervals))

    def test_plan_work_time_starting_before_work(self):
        intervals = [(datetime(2026, 3, 9, 9), datetime(2026, 3, 9, 17))]
        self.assertEqual(
            timing.plan_work_time(datetime(2026, 3, 8, 23), timedelta(hours=1), intervals),
            datetime(2026, 3, 9, 10),
        )

    def test_ladder_times_are_cumulative(self):
        t0 = datetime(2026, 3, 6, 14, 0)
        self.assertEqual(
            timing.ladder_times(t0, [0, 5, 10]),
            [t0, t0 + timedelta(minutes=5), t0 + timedelta(minutes=15)],
        )

    def test_wall_deadline_adds_time_on_hold(self):
        t0 = datetime(2026, 3, 6, 14, 0)
        self.assertEqual(timing.wall_deadline(t0, 120), datetime(2026, 3, 6, 16, 0))
        self.assertEqual(timing.wall_deadline(t0, 120, 30), datetime(2026, 3, 6, 16, 30))
        self.assertEqual(timing.paused_minutes_between(t0, t0 + timedelta(minutes=30)), 30)

    def test_response_minutes_for_tier(self):
        targets = {"enterprise": (15, 15), "pro": (30, 120)}
        self.assertEqual(timing.response_minutes_for_tier(targets, "enterprise", False, 99), 15)
        self.assertEqual(timing.response_minutes_for_tier(targets, "pro", True, 99), 30)
        self.assertEqual(timing.response_minutes_for_tier(targets, "pro", False, 99), 120)
        self.assertEqual(timing.response_minutes_for_tier(targets, None, True, 99), 99)

    def test_update_reminder_ten_minutes_before(self):
        due = datetime(2026, 3, 6, 15, 0)
        self.assertEqual(timing.update_reminder_at(due), datetime(2026, 3, 6, 14, 50))
