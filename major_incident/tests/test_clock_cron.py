from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import TransactionCase, freeze_time, tagged, warmup

from .common import MajorIncidentCase

T0 = datetime(2026, 3, 6, 14, 0)
# Measured: 14 queries for 10 due clocks, 17 for 200 (batches of INSERT/UPDATE, not per clock;
# the batch runs in a savepoint, so that one bad clock can be retried alone).
QUERY_BOUND = 17


@tagged("at_install", "-post_install")
class TestClockCronScale(MajorIncidentCase):
    def _due_clocks(self, count):
        """``count`` incidents whose RTO is overdue, written in bulk like the benchmark does."""
        with freeze_time(T0):
            incidents = self.env["major.incident"].create(
                [{"name": f"MI {i}", "state": "triage", "severity": "p1"} for i in range(count)]
            )
            self.env["major.incident.clock"].create(
                [
                    {
                        "incident_id": incident.id,
                        "kind": "rto",
                        "started_at": T0,
                        "target_minutes": 120,
                        "deadline": T0 + timedelta(minutes=120),
                        "next_action_at": T0 + timedelta(minutes=120),
                    }
                    for incident in incidents
                ]
            )
        self.env.flush_all()
        self.env.invalidate_all()
        return incidents

    def _run_and_count(self, due):
        incidents = self._due_clocks(due)
        # Incidents and tickets with no due clock must not be read: add many and watch the
        # count stay put.
        self.env["major.incident"].create([{"name": f"quiet {i}", "state": "triage"} for i in range(50)])
        self.env["helpdesk.ticket"].create([{"name": f"quiet {i}", "description": "x"} for i in range(50)])
        self.env.flush_all()
        self.env.invalidate_all()
        return incidents

    @warmup
    def test_query_count_does_not_grow_with_due_clocks(self):
        small = self._run_and_count(10)
        with freeze_time(T0 + timedelta(hours=3)), self.assertQueryCount(__system__=QUERY_BOUND):
            processed = self._run_clocks_cron()
        self.assertEqual(processed, 10)
        self.assertEqual(set(small.clock_ids.mapped("state")), {"breached"})
        large = self._run_and_count(200)
        with freeze_time(T0 + timedelta(hours=3)), self.assertQueryCount(__system__=QUERY_BOUND):
            processed = self._run_clocks_cron()
        self.assertEqual(processed, 200)
        self.assertEqual(set(large.clock_ids.mapped("state")), {"breached"})
        self.assertEqual(len(large.message_ids.filtered(lambda m: "SLA breached" in (m.body or ""))), 200)



@tagged("post_install", "-at_install")
class TestClockCronParallel(TransactionCase):
    """Two cron runs on two real database connections at once: row locks with
    SKIP LOCKED let only one of them act on a due clock.

    The data is committed on a third connection, so this case writes nothing in
    its own transaction (that would lock rows the other connections need)."""

    def test_two_workers_escalate_once(self):
        db = sql_db.db_connect(self.env.cr.dbname)
        setup_cr, cr1, cr2 = db.cursor(), db.cursor(), db.cursor()
        ticket_id = incident_id = False
        previous_people = None
        try:
            env0 = api.Environment(setup_cr, SUPERUSER_ID, {})
            director = env0.ref("major_incident.user_demo_director_it")
            level = env0.ref("major_incident.escalation_sop_p1_level_2")
            previous_people = level.user_ids
            level.user_ids = director
            with freeze_time(T0):
                ticket = env0["helpdesk.ticket"].create(
                    {"name": "Parallel MI", "description": "x", "priority": "3"}
                )
            ticket_id, incident_id = ticket.id, ticket.major_incident_id.id
            setup_cr.commit()

            with freeze_time(T0 + timedelta(minutes=5)):
                first = api.Environment(cr1, SUPERUSER_ID, {})["major.incident.clock"]._cron_process_due()
                # cr1 has not committed: its rows are still locked.
                second = api.Environment(cr2, SUPERUSER_ID, {})["major.incident.clock"]._cron_process_due()
                cr1.commit()
                cr2.commit()
                third = api.Environment(cr2, SUPERUSER_ID, {})["major.incident.clock"]._cron_process_due()
                cr2.commit()
            self.assertEqual((first, second, third), (1, 0, 0))
            setup_cr.execute(
                "SELECT count(*) FROM major_incident_escalation WHERE incident_id = %s AND user_id = %s",
                [incident_id, director.id],
            )
            self.assertEqual(setup_cr.fetchone()[0], 1)
        finally:
            for cr in (cr1, cr2):
                cr.rollback()
                cr.close()
            env0 = api.Environment(setup_cr, SUPERUSER_ID, {})
            if ticket_id:
                env0["helpdesk.ticket"].browse(ticket_id).unlink()
            if incident_id:
                env0["major.incident"].browse(incident_id).unlink()
            if previous_people is not None:
                env0.ref("major_incident.escalation_sop_p1_level_2").user_ids = previous_people
            setup_cr.commit()
            setup_cr.close()
