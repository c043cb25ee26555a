import threading
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, fields, sql_db
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


@tagged("at_install", "-post_install")
class TestEscalationCronScale(MajorIncidentCase):
    """Issue: an outage raising hundreds of incidents waited on the ladder, called one
    incident at a time (an activity, a row and a message each)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._sop_ladder_people()
        cls.level = cls.env.ref("major_incident.escalation_sop_p1_level_2")

    def _due_calls(self, count):
        """``count`` P1 incidents whose ladder is due to call the directors' level."""
        with freeze_time(T0):
            incidents = self.env["major.incident"].create(
                [{"name": f"Outage {i}", "state": "triage", "severity": "p1"} for i in range(count)]
            )
            self.env["major.incident.clock"].create(
                [
                    {
                        "incident_id": incident.id,
                        "kind": "escalation",
                        "started_at": T0,
                        "escalation_level_id": self.level.id,
                        "deadline": T0 + timedelta(minutes=5),
                        "next_action_at": T0 + timedelta(minutes=5),
                    }
                    for incident in incidents
                ]
            )
        self.env.flush_all()
        self.env.invalidate_all()
        return incidents

    def _run_and_count(self, count):
        incidents = self._due_calls(count)
        with freeze_time(T0 + timedelta(minutes=6)):
            queries = self.cr.sql_log_count
            processed = self._run_clocks_cron()
            self.env.flush_all()
            queries = self.cr.sql_log_count - queries
        self.assertEqual(processed, count)
        calls = incidents.escalation_ids
        self.assertEqual(len(calls), count)
        self.assertEqual(calls.user_id, self.director)
        self.assertEqual(len(calls.activity_id), count, "a phone-call activity each")
        self.assertTrue(all("calling Dora Director" in (i.message_ids[:1].body or "") for i in incidents))
        clocks = incidents.clock_ids
        self.assertEqual(clocks.escalation_level_id, self.env.ref("major_incident.escalation_sop_p1_level_3"))
        self.assertEqual(set(clocks.mapped("next_action_at")), {T0 + timedelta(minutes=15)})
        return queries

    @warmup
    def test_query_count_of_escalation_calls_does_not_grow(self):
        few = self._run_and_count(5)
        many = self._run_and_count(50)
        if self.warm:
            self.assertEqual(many, few, "as many queries for 50 calls as for 5")


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
                ticket = env0["helpdesk.ticket"].create({"name": "Parallel MI", "description": "x", "priority": "3"})
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

    def test_parallel_runs_share_the_work(self):
        """Issue: of three runs at once, two aborted on SerializationFailure and lost their
        batch. A run whose snapshot predates another run's commit (a run started by hand,
        a worker that read before its batch) sees that run's clocks still due; it claims
        again instead of aborting, and the three runs share the clocks, each acted on once."""
        db = sql_db.db_connect(self.env.cr.dbname)
        setup_cr = db.cursor()
        workers = [db.cursor() for _ in range(3)]
        incident_ids, previous_people = [], None
        try:
            env0 = api.Environment(setup_cr, SUPERUSER_ID, {})
            director = env0.ref("major_incident.user_demo_director_it")
            level = env0.ref("major_incident.escalation_sop_p1_level_2")
            previous_people = level.user_ids
            level.user_ids = director
            incidents = env0["major.incident"].create(
                [{"name": f"Parallel MI {i}", "state": "triage", "severity": "p1"} for i in range(40)]
            )
            incident_ids = incidents.ids
            now = fields.Datetime.now()
            env0["major.incident.clock"].create(
                [
                    {
                        "incident_id": incident.id,
                        "kind": "escalation",
                        "started_at": now - timedelta(hours=1),
                        "escalation_level_id": level.id,
                        # Due a few seconds ago: the next level, ten minutes on, is not due yet.
                        "deadline": now - timedelta(seconds=index + 1),
                        "next_action_at": now - timedelta(seconds=index + 1),
                    }
                    for index, incident in enumerate(incidents)
                ]
            )
            setup_cr.commit()

            first_commit = threading.Event()
            processed, failures = {}, {}

            # Environments are made here: making one looks the registry up under a lock that
            # the thread running the tests holds.
            envs = [api.Environment(cr, SUPERUSER_ID, {}) for cr in workers]

            def run(index, env):
                cr = env.cr
                try:
                    # The run's snapshot is taken now, before the first run commits anything.
                    env["major.incident.clock"].search_count([])
                    if index == 0:
                        cr.postcommit.add(first_commit.set)
                    else:
                        first_commit.wait(timeout=60)
                    processed[index] = env["major.incident.clock"]._cron_process_due(batch_size=4, commit=True)
                    cr.commit()  # pylint: disable=invalid-commit  # a run's own cursor, as the scheduler's
                except Exception as error:  # noqa: BLE001 - reported by the assertion below
                    failures[index] = repr(error)
                    cr.rollback()
                    first_commit.set()

            threads = [threading.Thread(target=run, args=(i, env)) for i, env in enumerate(envs)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            self.assertFalse(any(thread.is_alive() for thread in threads), "every run ended")
            self.assertEqual(failures, {}, "no run aborted")
            # Demo incidents may have clocks due too: the runs process them as well.
            self.assertGreaterEqual(sum(processed.values()), 40, f"every clock processed: {processed}")
            setup_cr.execute(
                """
                SELECT count(*), count(DISTINCT incident_id) FROM major_incident_escalation
                 WHERE incident_id = ANY(%s) AND user_id = %s
                """,
                [incident_ids, director.id],
            )
            self.assertEqual(setup_cr.fetchone(), (40, 40), "each ladder called the directors once")
            setup_cr.execute(
                "SELECT DISTINCT escalation_level_id FROM major_incident_clock WHERE incident_id = ANY(%s)",
                [incident_ids],
            )
            self.assertEqual(
                setup_cr.fetchall(),
                [(env0.ref("major_incident.escalation_sop_p1_level_3").id,)],
                "every ladder waits for its next level",
            )
        finally:
            for cr in workers:
                cr.rollback()
                cr.close()
            env0 = api.Environment(setup_cr, SUPERUSER_ID, {})
            env0["major.incident"].browse(incident_ids).unlink()
            if previous_people is not None:
                env0.ref("major_incident.escalation_sop_p1_level_2").user_ids = previous_people
            setup_cr.commit()
            setup_cr.close()
