import logging
from datetime import timedelta

import psycopg2
import psycopg2.errors

from odoo import api, fields, models, modules
from odoo.fields import Domain

from ..engine import clock_rules, timing

# A clock whose processing failed is retried after this, doubled at each failure up to the maximum.
RETRY_AFTER = timedelta(minutes=5)
MAX_RETRY_AFTER = timedelta(hours=1)
# A batch that meets a concurrent run is claimed again on a fresh snapshot, this many times.
MAX_CONCURRENCY_RETRIES = 5
CONCURRENCY_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.DeadlockDetected,
)

_logger = logging.getLogger(__name__)


class MajorIncidentClock(models.Model):
    """One SLA of the procedure on one major incident.

    A clock is met by the event it waits for, never by hand. The clocks cron
    keys on ``next_action_at``: the deadline, or earlier for an update reminder
    or the next rung of the escalation ladder."""

    _name = "major.incident.clock"
    _description = "Major Incident SLA Clock"
    _order = "deadline, id"

    incident_id = fields.Many2one("major.incident", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="incident_id.company_id", store=True)
    kind = fields.Selection(clock_rules.KINDS, required=True)
    state = fields.Selection(clock_rules.CLOCK_STATES, required=True, default="running")
    started_at = fields.Datetime(required=True)
    target_minutes = fields.Float(help="Wall-clock minutes, or work minutes for business-time clocks.")
    business_time = fields.Boolean(help="The deadline counts working time of the policy's calendar.")
    paused_minutes = fields.Float("Time on hold (min)", default=0.0)
    paused_at = fields.Datetime("On hold since")
    pause_reason = fields.Char("Reason for hold")
    deadline = fields.Datetime(required=True, index=True)
    next_action_at = fields.Datetime(
        help="When the clocks cron must look at this clock next; empty when nothing is due."
    )
    met_at = fields.Datetime()
    breached_at = fields.Datetime()
    reminder_sent_at = fields.Datetime(help="Update clocks: when the Incident Manager was reminded.")
    failure_count = fields.Integer(
        readonly=True, help="How many times processing this clock failed; it is retried with backoff."
    )
    escalation_level_id = fields.Many2one(
        "major.incident.escalation.level", help="Escalation clocks: the level called at the deadline."
    )
    overdue = fields.Boolean(compute="_compute_time_left")
    time_left = fields.Char(compute="_compute_time_left")

    _next_action_running_idx = models.Index("(next_action_at) WHERE state = 'running'")
    _open_clock_per_kind = models.UniqueIndex(
        "(incident_id, kind) WHERE state IN ('running', 'paused')",
        "A major incident has one open clock of each kind.",
    )

    @api.depends("kind", "deadline", "state", "met_at", "breached_at", "escalation_level_id")
    @api.depends_context("mi_now")
    def _compute_time_left(self):
        now = self.env.context.get("mi_now") or fields.Datetime.now()
        for clock in self:
            if clock.kind == "escalation" and clock.state == "running" and not clock.escalation_level_id:
                # Every level has been called: the ladder waits for nobody, it is not overdue.
                clock.overdue = False
                clock.time_left = self.env._("every level called")
                continue
            reference = clock.met_at or now
            delta = (clock.deadline - reference) if clock.deadline else timedelta()
            clock.overdue = delta < timedelta() and clock.state in ("running", "breached") and not clock.met_at
            minutes = int(abs(delta).total_seconds() // 60)
            text = f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"
            if clock.met_at:
                clock.time_left = (
                    self.env._("met %(text)s early", text=text)
                    if delta >= timedelta()
                    else self.env._("met %(text)s late", text=text)
                )
            elif clock.state == "cancelled":
                clock.time_left = ""
            elif delta >= timedelta():
                clock.time_left = self.env._("%(text)s left", text=text)
            else:
                clock.time_left = self.env._("%(text)s overdue", text=text)

    @api.depends("kind", "incident_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for clock in self:
            clock.display_name = f"{clock.incident_id.reference}: {labels.get(clock.kind, clock.kind)}"

    # ------------------------------------------------------------------ planning

    @api.model
    def _target_for(self, incident, kind):
        """(minutes, business_time) of ``kind`` for ``incident`` under its policy, or None."""
        policy = incident.policy_id
        values = {name: policy[name] for name in clock_rules.policy_fields()} if policy else {}
        return clock_rules.target(
            kind,
            values,
            response_minutes=incident._response_minutes() if kind == "ack" else None,
            hours_per_day=incident._calendar().hours_per_day,
        )

    def _compute_deadline(self):
        """Deadline from start, target and time on hold (business time through the calendar)."""
        self.ensure_one()
        if not self.business_time:
            return timing.wall_deadline(self.started_at, self.target_minutes, self.paused_minutes)
        start = self.started_at + timedelta(minutes=self.paused_minutes)
        return self.incident_id._calendar()._mi_plan_work_time(start, timedelta(minutes=self.target_minutes))

    def _compute_next_action_at(self):
        self.ensure_one()
        if self.state != "running":
            return False
        if self.kind == "update" and not self.reminder_sent_at:
            lead = timedelta(minutes=self.incident_id._policy_set().update_reminder_minutes)
            return min(timing.update_reminder_at(self.deadline, lead), self.deadline)
        if self.kind == "escalation" and not self.escalation_level_id:
            return False
        if self.breached_at or (
            self.incident_id.in_maintenance and self.kind != "escalation" and self.deadline <= fields.Datetime.now()
        ):
            return False
        return self.deadline

    def _replan(self):
        """Recompute deadlines and next actions, then make sure the cron wakes up for them."""
        for clock in self:
            clock.deadline = clock._compute_deadline()
            clock.next_action_at = clock._compute_next_action_at()
        self._schedule_cron()

    def _schedule_cron(self):
        due = [at for at in self.mapped("next_action_at") if at]
        if due:
            self.env.ref("major_incident.ir_cron_major_incident_clocks").sudo()._trigger(at=min(due))

    @api.model
    def _open(self, incidents, kinds, start=None):
        """Open the clocks ``kinds`` on ``incidents`` (kinds the policy sets no target for are skipped)."""
        now = fields.Datetime.now()
        vals_list = []
        open_kinds = {
            (clock.incident_id.id, clock.kind)
            for clock in self.search(
                Domain("incident_id", "in", incidents.ids) & Domain("state", "in", clock_rules.OPEN_STATES)
            )
        }
        for incident in incidents:
            times = {"detected_at": incident.detected_at, "resolved_at": incident.resolved_at}
            for kind in kinds:
                if (incident.id, kind) in open_kinds:
                    continue
                target = self._target_for(incident, kind)
                if target is None:
                    continue
                minutes, business = target
                vals_list.append(
                    {
                        "incident_id": incident.id,
                        "kind": kind,
                        "started_at": clock_rules.start_of(kind, times, start or now),
                        "target_minutes": minutes,
                        "business_time": business,
                        "deadline": now,
                    }
                )
        clocks = self.create(vals_list)
        clocks._replan()
        return clocks

    def _meet(self, when=None):
        """The awaited event happened."""
        when = when or fields.Datetime.now()
        open_clocks = self.filtered(
            lambda c: c.state in clock_rules.OPEN_STATES or (c.state == "breached" and not c.met_at)
        )
        for clock in open_clocks:
            paused = clock.paused_minutes
            if clock.state == "paused" and clock.paused_at:
                paused += timing.paused_minutes_between(clock.paused_at, when)
            # Late is late, whether or not the cron had noticed yet: the event's time against
            # the deadline decides, never when the cron ran. The ladder's deadline is only
            # when its next rung is due: an acknowledgment always meets it.
            late = clock.breached_at or (clock.kind != "escalation" and clock.deadline and when > clock.deadline)
            clock.write(
                {
                    "state": "breached" if late else "met",
                    "breached_at": clock.breached_at or (clock.deadline if late else False),
                    "met_at": when,
                    "paused_minutes": paused,
                    "paused_at": False,
                    "next_action_at": False,
                }
            )
        return open_clocks

    def _cancel(self):
        self.filtered(lambda c: c.state in clock_rules.OPEN_STATES).write(
            {"state": "cancelled", "next_action_at": False, "paused_at": False}
        )

    def _pause(self, reason):
        to_pause = self.filtered(lambda c: c.state == "running" and c.kind in clock_rules.PAUSABLE_KINDS)
        to_pause.write(
            {
                "state": "paused",
                "paused_at": fields.Datetime.now(),
                "pause_reason": reason,
                "next_action_at": False,
            }
        )
        return to_pause

    def _resume(self):
        now = fields.Datetime.now()
        paused = self.filtered(lambda c: c.state == "paused")
        for clock in paused:
            clock.write(
                {
                    "state": "running",
                    "paused_minutes": clock.paused_minutes + timing.paused_minutes_between(clock.paused_at, now),
                    "paused_at": False,
                }
            )
        paused._replan()
        return paused

    # ------------------------------------------------------------------ escalation ladder

    def _start_ladder(self):
        """Call the first level now; the clock then waits for the next one."""
        called = {}
        for clock in self:
            levels = clock.incident_id.policy_id.escalation_level_ids.sorted("sequence")
            if not levels:
                clock.write({"escalation_level_id": False, "next_action_at": False})
                clock.incident_id._report_no_ladder()
                continue
            called[clock] = levels[0]
        self.env["major.incident.escalation"].sudo()._call_many(
            [(clock.incident_id, level, clock.started_at) for clock, level in called.items()]
        )
        self.browse([clock.id for clock in called])._plan_next_levels(called)

    def _plan_next_levels(self, called):
        """Point each clock at the level after the one it just called (``called``: clock ->
        level), due ``wait_minutes`` after it, and wake the cron once for all of them."""
        for clock in self:
            level = called[clock]
            levels = clock.incident_id.policy_id.escalation_level_ids
            step = timing.next_ladder_step(
                [(rung.sequence, rung.id, rung.wait_minutes) for rung in levels],
                (level.sequence, level.id),
                clock.deadline or clock.started_at,
            )
            if step:
                clock.write({"escalation_level_id": step[0], "deadline": step[1], "next_action_at": step[1]})
            else:
                clock.write({"escalation_level_id": False, "next_action_at": False})
        self._schedule_cron()

    # ------------------------------------------------------------------ the clocks cron

    @api.model
    def _cron_process_due(self, batch_size=500, commit=None):
        """Process the running clocks whose next action is due, a batch at a time.

        Parallel runs share the work: each claims its batch with ``SKIP LOCKED`` (rows
        another run holds are left to it) in a stable order, and commits it on its own
        (``commit``: always but in tests, whose transaction cannot commit). A run whose
        snapshot is older than another run's commit meets the clocks that run just
        processed: PostgreSQL refuses to lock them (``SerializationFailure``) rather than
        let them be processed twice. That batch is rolled back and claimed again on a fresh
        snapshot, which no longer sees them due, instead of aborting the run and leaving its
        batch to the next one."""
        if commit is None:
            commit = not modules.module.current_test
        processed = retries = 0
        while True:
            now = fields.Datetime.now()
            try:
                clocks = self._claim_due(now, batch_size)
                if clocks:
                    clocks._process_due_isolated(now)
                    self.env.flush_all()
            except CONCURRENCY_ERRORS as error:
                if not commit or retries >= MAX_CONCURRENCY_RETRIES:
                    raise
                retries += 1
                _logger.info("Clocks batch met a concurrent run (%s): claiming again", type(error).__name__)
                self.env.cr.rollback()
                continue
            if not clocks:
                break
            processed += len(clocks)
            retries = 0
            if commit:
                self.env["ir.cron"]._commit_progress(len(clocks))
            if len(clocks) < batch_size:
                break
        self._schedule_next_run()
        return processed

    @api.model
    def _claim_due(self, now, batch_size):
        """Lock up to ``batch_size`` due running clocks that no other transaction holds, the
        most overdue first (one indexed query)."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT id FROM major_incident_clock
             WHERE state = 'running' AND next_action_at <= %s
             ORDER BY next_action_at, id
             LIMIT %s
               FOR NO KEY UPDATE SKIP LOCKED
            """,
            [now, batch_size],
            # A concurrent run's commit is expected here and handled by the caller.
            log_exceptions=False,
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _schedule_next_run(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT MIN(next_action_at) FROM major_incident_clock WHERE state = 'running'")
        next_at = self.env.cr.fetchone()[0]
        if next_at:
            self.env.ref("major_incident.ir_cron_major_incident_clocks").sudo()._trigger(at=next_at)

    def _process_due_isolated(self, now):
        """The batch at once; when it fails, clock by clock, so that one bad clock (a ladder
        level removed under it, a person who cannot be called) is logged on its incident and
        retried later, and never holds back the others. Concurrency errors are left to the
        cron loop, which claims the batch again on a fresh snapshot."""
        try:
            with self.env.cr.savepoint():
                self._process_due(now)
            return
        except psycopg2.OperationalError:
            raise
        except Exception:
            _logger.warning("Clocks batch failed: processing its %s clocks one by one", len(self), exc_info=True)
        for clock in self:
            try:
                with self.env.cr.savepoint():
                    clock._process_due(now)
            except psycopg2.OperationalError:
                raise
            except Exception as error:  # noqa: BLE001 - any fault of one clock is its own
                clock._fail(now, error)

    def _fail(self, now, error):
        """Log the failure on the incident and retry later, backing off up to an hour."""
        self.ensure_one()
        self.failure_count += 1
        retry_at = now + min(RETRY_AFTER * 2 ** (self.failure_count - 1), MAX_RETRY_AFTER)
        self.next_action_at = retry_at
        labels = dict(self._fields["kind"]._description_selection(self.env))
        self.incident_id.message_post(
            body=self.env._(
                "%(clock)s could not be processed (%(error)s); retried at %(time)s UTC.",
                clock=labels[self.kind],
                error=str(error) or type(error).__name__,
                time=fields.Datetime.to_string(retry_at)[:16],
            ),
            subtype_xmlid="mail.mt_note",
        )
        self._schedule_cron()

    def _process_due(self, now):
        escalations = self.filtered(lambda c: c.kind == "escalation")
        escalations._escalate(now)
        updates = self.filtered(lambda c: c.kind == "update")
        reminders = updates.filtered(lambda c: not c.reminder_sent_at and c.deadline > now)
        reminders._remind(now)
        due = self - escalations - reminders
        in_maintenance = due.filtered(lambda c: c.incident_id.in_maintenance)
        in_maintenance.write({"next_action_at": False})
        (due - in_maintenance)._breach(now)

    def _remind(self, now):
        """Ten minutes before an update is due, the Incident Manager gets a reminder."""
        if not self:
            return
        todo = self.env.ref("mail.mail_activity_data_todo")
        activities = []
        for clock in self:
            incident = clock.incident_id
            activities.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id("major.incident"),
                    "res_id": incident.id,
                    "activity_type_id": todo.id,
                    "summary": self.env._(
                        "Send the next update by %(time)s",
                        time=fields.Datetime.to_string(clock.deadline)[:16] + " UTC",
                    ),
                    "user_id": (incident.incident_manager_id or self.env.user).id,
                    "date_deadline": clock.deadline.date(),
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(activities)
        self.write({"reminder_sent_at": now})
        for clock in self:
            clock.next_action_at = clock.deadline

    def _breach(self, now):
        """Deadlines passed with their event still awaited."""
        if not self:
            return
        labels = dict(self._fields["kind"]._description_selection(self.env))
        self.write({"state": "breached", "breached_at": now, "next_action_at": False})
        bodies = {}
        for clock in self:
            bodies.setdefault(clock.incident_id.id, []).append(
                self.env._(
                    "SLA breached: %(clock)s was due %(deadline)s UTC.",
                    clock=labels[clock.kind],
                    deadline=fields.Datetime.to_string(clock.deadline)[:16],
                )
            )
        self.incident_id._message_log_batch(bodies={iid: " ".join(lines) for iid, lines in bodies.items()})
        for clock in self.filtered(lambda c: c.kind == "update"):
            clock.incident_id._on_update_due()

    def _escalate(self, now):
        """Nobody acknowledged: call the next level of every ladder of the batch at once."""
        if not self:
            return
        called = {clock: clock.escalation_level_id for clock in self}
        previous = self.incident_id.escalation_ids.filtered(lambda r: r.outcome == "called")
        self.env["major.incident.escalation"].sudo()._call_many(
            [(clock.incident_id, level, now) for clock, level in called.items()]
        )
        previous.write({"outcome": "escalated"})
        self._plan_next_levels(called)
