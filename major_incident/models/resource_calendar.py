from datetime import timedelta

import pytz

from odoo import models

from ..engine import timing


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _mi_work_intervals_utc(self, start, end):
        """Working intervals between two naive UTC datetimes, public holidays of
        the calendar left out, as naive UTC (begin, end) pairs for ``timing``."""
        self.ensure_one()
        intervals = self._work_intervals_batch(pytz.utc.localize(start), pytz.utc.localize(end), compute_leaves=True)[
            False
        ]
        return [
            (begin.astimezone(pytz.utc).replace(tzinfo=None), stop.astimezone(pytz.utc).replace(tzinfo=None))
            for begin, stop, _records in intervals
        ]

    def _mi_is_working_time(self, moment):
        """Whether a naive UTC ``moment`` falls in this calendar's working hours."""
        self.ensure_one()
        minute = moment.replace(second=0, microsecond=0)
        return bool(self._mi_work_intervals_utc(minute, minute + timedelta(minutes=1)))

    def _mi_plan_work_time(self, start, duration):
        """The moment ``duration`` of this calendar's working time has elapsed after the
        naive UTC ``start``: the one business-time planner of the addon."""
        self.ensure_one()
        horizon = timedelta(days=max(60, int(duration.total_seconds() / 3600 / 2) + 60))
        intervals = self._mi_work_intervals_utc(start, start + horizon)
        return timing.plan_work_time(start, duration, intervals) or start + horizon
