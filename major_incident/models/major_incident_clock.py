from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.fields import Domain

from .. import timing

CLOCK_KINDS = [
    ("ack", "Response"),
    ("escalation", "Escalation ladder"),
    ("blast", "First blast"),
    ("update", "Next update"),
    ("rto", "Recovery (RTO)"),
    ("resolution", "Resolution target"),
    ("debrief", "Debrief"),
    ("postmortem", "Post-mortem"),
    ("dr_rto", "DR failover (RTO)"),
    ("dr_rpo", "DR data (RPO)"),
]
CLOCK_STATES = [
    ("running", "Running"),
    ("met", "Met"),
    ("breached", "Breached"),
    ("paused", "On hold"),
    ("cancelled", "Cancelled"),
]
# Only these wait on the client or a vendor when the MI is externally controlled.
PAUSABLE_KINDS = ("rto", "resolution")
OPEN_STATES = ("running", "paused")
# A ladder step that could not call (e.g. a number became invalid) is retried after this.
RETRY_AFTER = timedelta(minutes=5)


class MajorIncidentClock(models.Model):
    """One SLA of the procedure on one major incident.

    A clock is met by the event it waits for, never by hand. The clocks cron
    keys on ``next_action_at``: the deadline, or earlier for an update reminder
    or the next rung of the escalation ladder."""

    _name = "major.incident.clock"
    _description = "Major Incident SLA Clock"
    _order = "deadline, id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="ticket_id.company_id", store=True)
    kind = fields.Selection(CLOCK_KINDS, required=True)
    state = fields.Selection(CLOCK_STATES, required=True, default="running")
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
    escalation_level_id = fields.Many2one(
        "major.incident.escalation.level", help="Escalation clocks: the level called at the deadline."
    )
    overdue = fields.Boolean(compute="_compute_time_left")
    time_left = fields.Char(compute="_compute_time_left")

    _next_action_running_idx = models.Index("(next_action_at) WHERE state = 'running'")
    _open_clock_per_kind = models.UniqueIndex(
        "(ticket_id, kind) WHERE state IN ('running', 'paused')",
        "A major incident has one open clock of each kind.",
    )

    @api.depends("deadline", "state", "met_at", "breached_at")
    @api.depends_context("mi_now")
    def _compute_time_left(self):
        now = self.env.context.get("mi_now") or fields.Datetime.now()
        for clock in self:
            reference = clock.met_at if clock.state == "met" else now
            delta = (clock.deadline - reference) if clock.deadline else timedelta()
            clock.overdue = delta < timedelta() and clock.state in ("running", "breached")
            minutes = int(abs(delta).total_seconds() // 60)
            text = f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"
            if clock.state == "met":
                clock.time_left = self.env._("met %(text)s early", text=text) if delta >= timedelta() else self.env._("met %(text)s late", text=text)
            elif clock.state == "cancelled":
                clock.time_left = ""
            elif delta >= timedelta():
                clock.time_left = self.env._("%(text)s left", text=text)
            else:
                clock.time_left = self.env._("%(text)s overdue", text=text)

    @api.depends("kind", "ticket_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for clock in self:
            clock.display_name = f"{clock.ticket_id.number}: {labels.get(clock.kind, clock.kind)}"

    # ------------------------------------------------------------------ planning

    @api.model
    def _target_for(self, ticket, kind):
        """(minutes, business_time) of ``kind`` for ``ticket`` under its policy, or None."""
        policy = ticket.mi_policy_id
        if kind == "ack":
            return ticket._mi_response_minutes(), False
        if kind == "escalation":
            return 0.0, False
        values = {
            "blast": policy.blast_minutes,
            "update": policy.update_interval_minutes,
            "rto": policy.rto_minutes,
            "resolution": policy.resolution_minutes,
            "debrief": policy.debrief_hours * 60,
            "dr_rto": policy.dr_rto_minutes,
            "dr_rpo": policy.dr_rpo_minutes,
        }
        if kind == "postmortem":
            calendar = ticket._mi_calendar()
            minutes = policy.postmortem_business_days * (calendar.hours_per_day or 8.0) * 60
            return (minutes, True) if minutes else None
        minutes = values.get(kind) or 0
        return (float(minutes), False) if minutes else None

    def _compute_deadline(self):
        """Deadline from start, target and time on hold (business time through the calendar)."""
        self.ensure_one()
        if not self.business_time:
            return timing.wall_deadline(self.started_at, self.target_minutes, self.paused_minutes)
        start = self.started_at + timedelta(minutes=self.paused_minutes)
        calendar = self.ticket_id._mi_calendar()
        horizon = timedelta(days=max(60, int(self.target_minutes / 60 / 2) + 60))
        intervals = calendar._mi_work_intervals_utc(start, start + horizon)
        return timing.plan_work_time(start, timedelta(minutes=self.target_minutes), intervals) or (
            start + horizon
        )

    def _compute_next_action_at(self):
        self.ensure_one()
        if self.state != "running":
            return False
        if self.kind == "update" and not self.reminder_sent_at:
            return min(timing.update_reminder_at(self.deadline), self.deadline)
        if self.kind == "escalation" and not self.escalation_level_id:
            return False
        if self.breached_at or (self.ticket_id.mi_in_maintenance and self.kind != "escalation"
                                and self.deadline <= fields.Datetime.now()):
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
    def _open(self, tickets, kinds, start=None):
        """Open the clocks ``kinds`` on ``tickets`` (kinds the policy sets no target for are skipped)."""
        now = fields.Datetime.now()
        vals_list = []
        open_kinds = {
            (clock.ticket_id.id, clock.kind)
            for clock in self.search(
                Domain("ticket_id", "in", tickets.ids) & Domain("state", "in", OPEN_STATES)
            )
        }
        for ticket in tickets:
            for kind in kinds:
                if (ticket.id, kind) in open_kinds:
                    continue
                target = self._target_for(ticket, kind)
                if target is None:
                    continue
                minutes, business = target
                vals_list.append(
                    {
                        "ticket_id": ticket.id,
                        "kind": kind,
                        "started_at": ticket._mi_clock_start(kind, start or now),
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
            lambda c: c.state in OPEN_STATES or (c.state == "breached" and not c.met_at)
        )
        for clock in open_clocks:
            paused = clock.paused_minutes
            if clock.state == "paused" and clock.paused_at:
                paused += timing.paused_minutes_between(clock.paused_at, when)
            clock.write(
                {
                    "state": "met" if not clock.breached_at else "breached",
                    "met_at": when,
                    "paused_minutes": paused,
                    "paused_at": False,
                    "next_action_at": False,
                }
            )
        return open_clocks

    def _cancel(self):
        self.filtered(lambda c: c.state in OPEN_STATES).write(
            {"state": "cancelled", "next_action_at": False, "paused_at": False}
        )

    def _pause(self, reason):
        to_pause = self.filtered(lambda c: c.state == "running" and c.kind in PAUSABLE_KINDS)
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
                    "paused_minutes": clock.paused_minutes
                    + timing.paused_minutes_between(clock.paused_at, now),
                    "paused_at": False,
                }
            )
        paused._replan()
        return paused

    # ------------------------------------------------------------------ escalation ladder

    def _start_ladder(self):
        """Call the first level now; the clock then waits for the next one."""
        escalation = self.env["major.incident.escalation"].sudo()
        for clock in self:
            levels = clock.ticket_id.mi_policy_id.escalation_level_ids.sorted("sequence")
            if not levels:
                clock.write({"escalation_level_id": False, "next_action_at": False})
                continue
            escalation._call(clock.ticket_id, levels[0], clock.started_at)
            clock._plan_next_level(levels, levels[0])

    def _plan_next_level(self, levels, called):
        """Point the clock at the level after ``called``, due ``wait_minutes`` after it."""
        self.ensure_one()
        remaining = levels.filtered(lambda level: level.sequence > called.sequence or
                                    (level.sequence == called.sequence and level.id > called.id))
        following = remaining[:1]
        if not following:
            self.write({"escalation_level_id": False, "next_action_at": False})
            return
        # Counted from when the previous level was due, so a late cron run does not drift the ladder.
        due = timing.ladder_times(self.deadline or self.started_at, [following.wait_minutes])[0]
        self.write({"escalation_level_id": following.id, "deadline": due, "next_action_at": due})
        self._schedule_cron()

    # ------------------------------------------------------------------ the clocks cron

    @api.model
    def _cron_process_due(self, batch_size=500):
        """Process the running clocks whose next action is due: one indexed query a
        batch, rows locked with SKIP LOCKED so that parallel runs never act twice."""
        auto_commit = not modules.module.current_test
        processed = 0
        while True:
            now = fields.Datetime.now()
            self.env.flush_all()
            self.env.cr.execute(
                """
                SELECT id FROM major_incident_clock
                 WHERE state = 'running' AND next_action_at <= %s
                 ORDER BY next_action_at
                 LIMIT %s
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                [now, batch_size],
            )
            clocks = self.browse([row[0] for row in self.env.cr.fetchall()])
            if not clocks:
                break
            clocks._process_due(now)
            processed += len(clocks)
            if auto_commit:
                self.env["ir.cron"]._commit_progress(len(clocks))
            if len(clocks) < batch_size:
                break
        self._schedule_next_run()
        return processed

    def _schedule_next_run(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT MIN(next_action_at) FROM major_incident_clock WHERE state = 'running'"
        )
        next_at = self.env.cr.fetchone()[0]
        if next_at:
            self.env.ref("major_incident.ir_cron_major_incident_clocks").sudo()._trigger(at=next_at)

    def _process_due(self, now):
        escalations = self.filtered(lambda c: c.kind == "escalation")
        escalations._escalate(now)
        updates = self.filtered(lambda c: c.kind == "update")
        reminders = updates.filtered(lambda c: not c.reminder_sent_at and c.deadline > now)
        reminders._remind(now)
        due = self - escalations - reminders
        in_maintenance = due.filtered(lambda c: c.ticket_id.mi_in_maintenance)
        in_maintenance.write({"next_action_at": False})
        (due - in_maintenance)._breach(now)

    def _remind(self, now):
        """Ten minutes before an update is due, the Incident Manager gets a reminder."""
        if not self:
            return
        todo = self.env.ref("mail.mail_activity_data_todo")
        activities = []
        for clock in self:
            ticket = clock.ticket_id
            activities.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id("helpdesk.ticket"),
                    "res_id": ticket.id,
                    "activity_type_id": todo.id,
                    "summary": self.env._(
                        "Send the next update by %(time)s",
                        time=fields.Datetime.to_string(clock.deadline)[:16] + " UTC",
                    ),
                    "user_id": (ticket.incident_manager_id or ticket.user_id or self.env.user).id,
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
            bodies.setdefault(clock.ticket_id.id, []).append(
                self.env._(
                    "SLA breached: %(clock)s was due %(deadline)s UTC.",
                    clock=labels[clock.kind],
                    deadline=fields.Datetime.to_string(clock.deadline)[:16],
                )
            )
        tickets = self.ticket_id
        tickets._message_log_batch(bodies={tid: " ".join(lines) for tid, lines in bodies.items()})
        for clock in self.filtered(lambda c: c.kind == "update"):
            clock.ticket_id._mi_on_update_due(clock)

    def _escalate(self, now):
        """Nobody acknowledged: call the next level of the ladder."""
        escalation_model = self.env["major.incident.escalation"].sudo()
        for clock in self:
            ticket = clock.ticket_id
            level = clock.escalation_level_id
            levels = ticket.mi_policy_id.escalation_level_ids.sorted("sequence")
            previous = ticket.mi_escalation_ids.filtered(lambda r: r.outcome == "called")
            try:
                # _call checks every number before it writes anything.
                escalation_model._call(ticket, level, now)
            except UserError as error:
                # A bad number must not stop the ladder for good: say so, retry shortly.
                ticket.message_post(
                    body=self.env._("Escalation %(level)s failed: %(error)s", level=level.name, error=error.args[0]),
                    subtype_xmlid="mail.mt_note",
                )
                clock.next_action_at = now + RETRY_AFTER
                clock._schedule_cron()
                continue
            previous.write({"outcome": "escalated"})
            clock._plan_next_level(levels, level)
