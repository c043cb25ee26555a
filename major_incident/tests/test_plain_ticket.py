import cProfile
import pstats
import re
import threading
from contextlib import contextmanager

from odoo.tests import tagged

from .common import MajorIncidentCase

MI_TABLE = re.compile(r"\b(major_incident_\w+|mailing_list\w*)")


@tagged("at_install", "-post_install")
class TestPlainTicket(MajorIncidentCase):
    """A ticket that is not an MI pays nothing for the addon's tables (DESIGN, Performance)."""

    @contextmanager
    def _mi_tables_queried(self):
        """Collect the MI tables named by the queries run in the block (Odoo's query hooks)."""
        tables = set()

        def hook(_cr, query, _params, _start, _delay):
            tables.update(MI_TABLE.findall(query if isinstance(query, str) else query.decode()))

        thread = threading.current_thread()
        previous = getattr(thread, "query_hooks", ())
        thread.query_hooks = (*previous, hook)
        try:
            yield tables
            self.env.flush_all()
        finally:
            thread.query_hooks = previous

    def test_create_and_rename_touch_no_mi_table(self):
        with self._mi_tables_queried() as tables:
            ticket = self._ticket(priority="1")
        self.assertEqual(tables, set())
        self.assertFalse(ticket.is_major_incident or ticket.mi_policy_id or ticket.mi_mailing_list_ids)
        self.env.invalidate_all()
        with self._mi_tables_queried() as tables:
            ticket.write({"name": "Printer jammed", "priority": "2"})
        self.assertEqual(tables, set())

    def test_create_skips_the_policy_and_audience_computes(self):
        profile = cProfile.Profile()
        profile.enable()
        self._ticket(priority="1")
        self.env.flush_all()
        profile.disable()
        called = {function for _file, _line, function in pstats.Stats(profile).stats}
        self.assertIn("_compute_mi_clock_summary", called, "the profile sees the addon's computes")
        self.assertFalse({"_compute_mi_policy_id", "_compute_mi_mailing_list_ids"} & called)

    def test_urgent_ticket_still_gets_its_mi_values(self):
        ticket = self._ticket(priority="3")
        self.assertTrue(ticket.is_major_incident)
        self.assertEqual(ticket.mi_policy_id.severity, "p1")
        self.assertIn(self.env.ref("major_incident.mailing_list_mi_internal"), ticket.mi_mailing_list_ids)
        self.assertTrue(ticket.mi_next_deadline)

    def test_postmortem_keeps_its_title_when_the_ticket_is_renamed(self):
        ticket = self._ticket(priority="3")
        postmortem = self.env["major.incident.postmortem"].create({"ticket_id": ticket.id})
        self.assertEqual(postmortem.name, f"Post-mortem {ticket.number}: Vision server down")
        ticket.name = "Vision outage, Montreal"
        self.assertEqual(postmortem.name, f"Post-mortem {ticket.number}: Vision server down")
        postmortem.name = "Vision outage of 2 March: certificate expiry"
        self.assertEqual(postmortem.name, "Vision outage of 2 March: certificate expiry")
