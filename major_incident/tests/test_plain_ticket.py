import cProfile
import os
import pstats
import re
import threading
from contextlib import contextmanager

from odoo.tests import tagged
from odoo.tools import SQL

from .common import MajorIncidentCase

# The addon's tables (``major_incident``, ``major_incident_clock``, ...) and the mailing
# lists; not the ticket's own column ``major_incident_id``.
MI_TABLE = re.compile(r"\b(major_incident(?!_id\b)\w*|mailing_list\w*)")
TICKET_WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE)\s+"helpdesk_ticket"\s', re.IGNORECASE)
ADDON_MODELS_DIR = os.path.join("major_incident", "models") + os.sep
# What a ticket that is not linked may cost: the link, NULL.
PLAIN_COLUMNS = {"major_incident_id"}


@tagged("at_install", "-post_install")
class TestPlainTicket(MajorIncidentCase):
    """A ticket that is not an MI pays nothing for the addon's tables (DESIGN, Performance)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ticket_fields = cls.env["helpdesk.ticket"]._fields.values()
        cls.addon_columns = {
            field.name
            for field in ticket_fields
            if field.store and field.column_type and field._module == "major_incident"
        }

    @contextmanager
    def _queries(self):
        """Collect what the queries run in the block touch: the MI tables they name and the
        addon's columns of ``helpdesk_ticket`` they write (Odoo's query hooks)."""
        seen = {"tables": set(), "ticket_columns": set()}

        def hook(_cr, query, _params, _start, _delay):
            query = query if isinstance(query, str) else query.decode()
            seen["tables"].update(MI_TABLE.findall(query))
            if TICKET_WRITE.match(query):
                seen["ticket_columns"].update(set(re.findall(r'"(\w+)"', query)) & self.addon_columns)

        thread = threading.current_thread()
        previous = getattr(thread, "query_hooks", ())
        thread.query_hooks = (*previous, hook)
        try:
            yield seen
            self.env.flush_all()
        finally:
            thread.query_hooks = previous

    def _stored_addon_values(self, ticket):
        self.env.flush_all()
        columns = sorted(self.addon_columns)
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM helpdesk_ticket WHERE id = %s",
                SQL(", ").join(map(SQL.identifier, columns)),
                ticket.id,
            )
        )
        return dict(zip(columns, self.env.cr.fetchone(), strict=True))

    def test_the_addon_adds_few_ticket_columns(self):
        self.assertIn("major_incident_id", self.addon_columns)
        self.assertLessEqual(
            self.addon_columns,
            PLAIN_COLUMNS | {"mi_exec_escalation_requested_at", "mi_exec_escalation_due_at"},
            "the incident's data lives on major.incident, not on the ticket",
        )

    def test_create_and_rename_touch_no_mi_table(self):
        with self._queries() as seen:
            ticket = self._ticket(priority="1")
        self.assertEqual(seen["tables"], set())
        self.assertLessEqual(seen["ticket_columns"], PLAIN_COLUMNS)
        self.assertFalse(any(self._stored_addon_values(ticket).values()), "NULL or false, all of them")
        self.assertFalse(ticket.is_major_incident or ticket.major_incident_id)
        self.env.invalidate_all()
        with self._queries() as seen:
            ticket.write({"name": "Printer jammed", "priority": "2"})
        self.assertEqual(seen["tables"], set())
        self.assertEqual(seen["ticket_columns"], set(), "a plain write leaves the addon's columns alone")
        self.env.invalidate_all()
        with self._queries() as seen:
            self.assertFalse(ticket.mi_state or ticket.mi_severity or ticket.is_major_incident)
        self.assertEqual(seen["tables"], set(), "the banner of a plain ticket reads no incident")

    def test_support_agent_plain_ticket_touches_no_mi_table(self):
        tickets = self.env["helpdesk.ticket"].with_user(self.support_agent)
        with self._queries() as seen:
            ticket = tickets.create({"name": "Printer jammed", "description": "<p>Paper</p>", "priority": "0"})
            ticket.write({"priority": "2"})
        self.assertEqual(seen["tables"], set())
        self.assertFalse(ticket.major_incident_id)

    def test_create_runs_no_code_of_the_incident_models(self):
        profile = cProfile.Profile()
        profile.enable()
        self._ticket(priority="1")
        self.env.flush_all()
        profile.disable()
        called = {(path, function) for path, _line, function in pstats.Stats(profile).stats}
        addon = {(path, function) for path, function in called if ADDON_MODELS_DIR in path}
        self.assertIn(
            ("helpdesk_ticket.py", "create"),
            {(os.path.basename(p), f) for p, f in addon},
            "the profile sees the addon's code",
        )
        incident_code = {
            (os.path.basename(path), function)
            for path, function in addon
            if os.path.basename(path).startswith(("major_incident", "mailing_"))
        }
        self.assertEqual(incident_code, set())

    def test_urgent_ticket_still_gets_its_mi_values(self):
        ticket = self._ticket(priority="3")
        incident = ticket.major_incident_id
        self.assertTrue(ticket.is_major_incident)
        self.assertEqual(incident.policy_id.severity, "p1")
        self.assertIn(self.env.ref("major_incident.mailing_list_mi_internal"), incident.mailing_list_ids)
        self.assertTrue(incident.next_deadline)

    def test_postmortem_keeps_its_title_when_the_incident_is_renamed(self):
        incident = self._candidate()
        postmortem = self.env["major.incident.postmortem"].create({"incident_id": incident.id})
        self.assertEqual(postmortem.name, f"Post-mortem {incident.reference} Vision server down")
        incident.with_user(self.im).name = "Vision outage, Montreal"
        self.assertEqual(postmortem.name, f"Post-mortem {incident.reference} Vision server down")
        postmortem.name = "Vision outage of 2 March: certificate expiry"
        self.assertEqual(postmortem.name, "Vision outage of 2 March: certificate expiry")
