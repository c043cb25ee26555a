from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import timing
from .major_incident_update_mixin import EXTERNAL_KINDS

MI_STATES = [
    ("candidate", "Candidate"),
    ("triage", "Triage"),
    ("investigating", "Investigating"),
    ("mitigating", "Mitigating"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
MI_SEVERITIES = [("p1", "P1 Critical"), ("p2", "P2 High"), ("p3", "P3 Medium"), ("p4", "P4 Low")]
MI_ACTIVE_STATES = ("candidate", "triage", "investigating", "mitigating")
MI_CODING_FIELDS = ("mi_system_id", "mi_component_id", "mi_problem_code_id", "mi_software_version")
# The SOP's "Urgent": helpdesk_mgmt's "Very High" priority.
URGENT_PRIORITY = "3"
# Sources where the customer chose the urgency: their dismissal counts as urgency misuse.
CUSTOMER_SOURCES = ("ticket", "email", "phone")
# Urgent-support policy: "reviewed by a support manager within 1 hour during business hours".
EXEC_REVIEW_TIME = timedelta(hours=1)
# How far ahead business time is looked for (long weekends and holidays included).
BUSINESS_HORIZON = timedelta(days=30)
# What the stored MI computes give a ticket that is not an MI, passed at creation
# (DESIGN: a non-MI ticket costs at most 5 % more): the ORM then skips the policy and
# audience computes, and spends less on the others, which it still runs after the insert.
PLAIN_TICKET_MI_VALUES = {
    "mi_policy_id": False,
    "mi_mailing_list_ids": False,
    "mi_next_deadline": False,
    "mi_breached": False,
    "mi_in_maintenance": False,
}


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    is_major_incident = fields.Boolean(
        "Major Incident", copy=False, tracking=True, index="btree_not_null"
    )
    mi_state = fields.Selection(
        MI_STATES, "MI Status", copy=False, tracking=True, index="btree_not_null"
    )
    mi_severity = fields.Selection(MI_SEVERITIES, "Severity", copy=False, tracking=True)
    mi_issue_type_id = fields.Many2one("major.incident.issue.type", "Issue Type", copy=False)
    mi_policy_id = fields.Many2one(
        "major.incident.policy",
        "MI Policy",
        compute="_compute_mi_policy_id",
        store=True,
        readonly=False,
        copy=False,
        help="Chosen from the severity and the issue type in the team's (else the "
        "company's) policy set; can be overridden.",
    )
    mi_control = fields.Selection(
        [("company", "We restore service"), ("external", "Client or third party restores")],
        "Control",
        default="company",
        copy=False,
        help="External: the client or a third party restores service; we manage the incident.",
    )
    mi_source = fields.Selection(
        [
            ("monitoring", "Uptime monitoring"),
            ("phone", "Phone call"),
            ("ticket", "Urgent ticket"),
            ("email", "E-mail"),
            ("manual", "Manual"),
        ],
        "Detected through",
        copy=False,
    )
    incident_manager_id = fields.Many2one(
        "res.users",
        "Incident Manager",
        copy=False,
        tracking=True,
        index="btree_not_null",
        domain=[("share", "=", False)],
    )
    mi_detected_at = fields.Datetime("Detected at", copy=False)
    mi_declared_at = fields.Datetime("Declared at", copy=False)
    mi_acknowledged_at = fields.Datetime("Acknowledged at", copy=False)
    mi_acknowledged_by_id = fields.Many2one("res.users", "Acknowledged by", copy=False)
    mi_resolved_at = fields.Datetime("Resolved at", copy=False)
    mi_closed_at = fields.Datetime("Closed at", copy=False)
    mi_cancel_reason = fields.Selection(
        [("not_mi", "Not a major incident"), ("brief", "Brief interruption")],
        "Cancellation reason",
        copy=False,
        tracking=True,
    )
    mi_dismiss_note = fields.Text("Dismissal note", copy=False, groups="base.group_user")
    # Triage (SOP step 4)
    mi_units_affected = fields.Integer("Units affected", copy=False, groups="base.group_user")
    mi_other_customers_affected = fields.Boolean(
        "Other customers affected", copy=False, groups="base.group_user"
    )
    mi_affected_partner_ids = fields.Many2many(
        "res.partner",
        "helpdesk_ticket_mi_affected_partner_rel",
        "ticket_id",
        "partner_id",
        "Affected customers",
        copy=False,
        groups="base.group_user",
    )
    mi_changes_reviewed = fields.Boolean(
        "Recent changes reviewed",
        copy=False,
        groups="base.group_user",
        help="Recent changes, completed change requests and scheduled maintenance were reviewed.",
    )
    mi_recent_changes = fields.Text("Recent changes found", copy=False, groups="base.group_user")
    mi_system_id = fields.Many2one(
        "major.incident.code",
        "System",
        domain=[("kind", "=", "system")],
        copy=False,
        groups="base.group_user",
    )
    mi_component_id = fields.Many2one(
        "major.incident.code",
        "Component",
        domain="[('kind', '=', 'component'), ('parent_id', '=?', mi_system_id)]",
        copy=False,
        groups="base.group_user",
    )
    mi_problem_code_id = fields.Many2one(
        "major.incident.code",
        "Problem Code",
        domain=[("kind", "=", "problem")],
        copy=False,
        groups="base.group_user",
    )
    mi_software_version = fields.Char("Software version", copy=False, groups="base.group_user")
    mi_coding_complete = fields.Boolean(compute="_compute_mi_coding_complete")
    mi_mailing_list_ids = fields.Many2many(
        "mailing.list",
        "helpdesk_ticket_mi_mailing_list_rel",
        "ticket_id",
        "list_id",
        "Audience",
        compute="_compute_mi_mailing_list_ids",
        store=True,
        readonly=False,
        copy=False,
        groups="base.group_user",
        help="Who receives this incident's updates: by default the lists of its affected "
        "customers and the internal stakeholders.",
    )
    mi_bridge_event_id = fields.Many2one(
        "calendar.event", "Bridge call", copy=False, groups="base.group_user"
    )
    mi_dr_declared_at = fields.Datetime("DR declared at", copy=False, groups="base.group_user")
    mi_clock_ids = fields.One2many(
        "major.incident.clock", "ticket_id", "SLA clocks", copy=False, groups="base.group_user"
    )
    mi_escalation_ids = fields.One2many(
        "major.incident.escalation", "ticket_id", "Escalations", copy=False, groups="base.group_user"
    )
    mi_next_deadline = fields.Datetime(
        "Next deadline",
        compute="_compute_mi_clock_summary",
        store=True,
        help="The nearest deadline of the running clocks.",
    )
    mi_breached = fields.Boolean("SLA breached", compute="_compute_mi_clock_summary", store=True)
    mi_postmortem_ids = fields.One2many(
        "major.incident.postmortem", "ticket_id", copy=False, groups="base.group_user"
    )
    mi_postmortem_id = fields.Many2one(
        "major.incident.postmortem", "Post-mortem", compute="_compute_mi_postmortem_id",
        groups="base.group_user",
    )
    mi_in_maintenance = fields.Boolean(
        "In maintenance window",
        compute="_compute_mi_in_maintenance",
        store=True,
        help="Detected inside a scheduled maintenance window for its system: its clocks do not breach.",
    )

    @api.depends("mi_severity", "mi_issue_type_id", "team_id", "company_id", "is_major_incident")
    def _compute_mi_policy_id(self):
        policy_model = self.env["major.incident.policy"]
        for ticket in self:
            if not ticket.is_major_incident:
                ticket.mi_policy_id = False
                continue
            ticket.mi_policy_id = policy_model._find_for(
                ticket._mi_policy_set(),
                ticket.mi_severity,
                ticket.mi_issue_type_id,
                ticket.company_id,
            )

    def _mi_policy_set(self):
        self.ensure_one()
        return self.team_id.mi_policy_set_id or self.company_id.mi_policy_set_id

    @api.depends("mi_postmortem_ids")
    def _compute_mi_postmortem_id(self):
        for ticket in self:
            ticket.mi_postmortem_id = ticket.mi_postmortem_ids[:1]

    def action_open_postmortem(self):
        """Open the incident's post-mortem, drafting it with the case timeline on first use."""
        self.ensure_one()
        self._mi_check_manager()
        self._mi_check_state(("resolved", "closed"), self.env._("given a post-mortem"))
        postmortem = self.mi_postmortem_id or self.env["major.incident.postmortem"].create(
            {"ticket_id": self.id}
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "major.incident.postmortem",
            "res_id": postmortem.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.depends("mi_clock_ids.state", "mi_clock_ids.deadline")
    def _compute_mi_clock_summary(self):
        for ticket in self:
            clocks = ticket.sudo().mi_clock_ids
            running = clocks.filtered(lambda c: c.state == "running" and c.kind != "escalation")
            ticket.mi_next_deadline = min(running.mapped("deadline"), default=False)
            ticket.mi_breached = any(c.state == "breached" for c in clocks)

    @api.depends("mi_system_id", "mi_detected_at", "company_id")
    def _compute_mi_in_maintenance(self):
        windows = self.env["major.incident.maintenance.window"].sudo()
        for ticket in self:
            ticket.mi_in_maintenance = bool(
                ticket.is_major_incident
                and windows._covering(ticket.mi_detected_at, ticket.sudo().mi_system_id, ticket.company_id)
            )

    @api.depends(*MI_CODING_FIELDS)
    def _compute_mi_coding_complete(self):
        for ticket in self.sudo():
            ticket.mi_coding_complete = all(ticket[f] for f in MI_CODING_FIELDS)

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [
            vals if vals.get("is_major_incident") or vals.get("mi_clock_ids")
            else {**PLAIN_TICKET_MI_VALUES, **vals}
            for vals in vals_list
        ]
        tickets = super().create(vals_list)
        # Priority "Very High" is the SOP's "Urgent": it raises a candidate at once.
        urgent = tickets.filtered(
            lambda t: t.priority == URGENT_PRIORITY and not t.is_major_incident
        )
        if urgent:
            urgent._mi_raise_candidate(source="ticket")
        return tickets

    def write(self, vals):
        result = super().write(vals)
        if {"mi_severity", "mi_issue_type_id", "mi_policy_id"} & set(vals):
            self.filtered("is_major_incident")._mi_replan_clocks()
        if vals.get("priority") == URGENT_PRIORITY:
            upgraded = self.filtered(lambda t: not t.is_major_incident)
            if upgraded:
                upgraded._mi_raise_candidate(source="ticket")
        return result

    # ------------------------------------------------------------------ state machine

    def _mi_manager_on_duty(self):
        """The Incident Manager to call: from the roster (delegate or manager when the
        primary is on leave), else the company's Incident Manager on duty. Rosters do
        not follow working hours, so an MI raised out of hours still reaches a person."""
        self.ensure_one()
        now = fields.Datetime.now()
        entry = self.env["major.incident.roster"].sudo()._entry_for(self.team_id, self.company_id, now)
        if entry:
            return entry._on_duty(now)
        return self.company_id.mi_incident_manager_id

    def _mi_raise_candidate(self, source, detected_at=None):
        """Flag tickets as MI candidates waiting for their Incident Manager."""
        now = fields.Datetime.now()
        for ticket in self:
            vals = {
                "is_major_incident": True,
                "mi_state": "candidate",
                "mi_source": ticket.mi_source or source,
                "mi_detected_at": ticket.mi_detected_at or detected_at or now,
                "mi_severity": ticket.mi_severity or "p1",
            }
            if not ticket.incident_manager_id:
                vals["incident_manager_id"] = ticket._mi_manager_on_duty().id
            ticket.sudo().write(vals)
        self._mi_on_candidate()

    def _mi_on_candidate(self):
        """A candidate was raised: its clocks start and the ladder calls its first level."""
        self._mi_open_clocks(["ack", "escalation", "blast", "update", "rto", "resolution"])

    def _mi_on_declared(self):
        """Hook: an MI was declared; schedules its policy's checklist and playbook."""
        for ticket in self:
            policy = ticket.mi_policy_id
            for plan in (policy.checklist_plan_id | policy.playbook_plan_id):
                ticket._mi_schedule_plan(plan)

    def _mi_schedule_plan(self, plan):
        """Schedule ``plan``'s activities on this ticket, responsible defaulting to its IM."""
        self.ensure_one()
        responsible = self.incident_manager_id or self.env.user
        for template in plan.template_ids:
            user = template._determine_responsible(responsible, self)["responsible"] or responsible
            self.activity_schedule(
                activity_type_id=template.activity_type_id.id,
                summary=template.summary,
                note=template.note,
                user_id=user.id,
                date_deadline=template._get_date_deadline(),
            )
        self.message_post(
            body=self.env._("Plan %(plan)s scheduled.", plan=plan.name),
            subtype_xmlid="mail.mt_note",
        )

    def _mi_check_state(self, allowed, action):
        for ticket in self:
            if not ticket.is_major_incident or ticket.mi_state not in allowed:
                state = dict(MI_STATES).get(ticket.mi_state) or self.env._("not a major incident")
                allowed_labels = ", ".join(
                    dict(MI_STATES).get(s) or self.env._("not a major incident") for s in allowed
                )
                raise UserError(
                    self.env._(
                        "%(ticket)s cannot be %(action)s: it is %(state)s, and only a ticket that is "
                        "%(allowed)s can be.",
                        ticket=ticket.display_name,
                        action=action,
                        state=state,
                        allowed=allowed_labels,
                    )
                )

    def _mi_check_manager(self):
        if not self.env.user.has_group("major_incident.group_mi_manager") and not self.env.su:
            raise AccessError(self.env._("Only an Incident Manager can do this."))

    def _mi_check_coding(self):
        for ticket in self:
            if not ticket.mi_coding_complete:
                missing = [
                    ticket._fields[f].get_description(self.env)["string"]
                    for f in MI_CODING_FIELDS
                    if not ticket.sudo()[f]
                ]
                raise UserError(
                    self.env._(
                        "Code %(ticket)s before leaving triage (SOP step 4). Missing: %(missing)s.",
                        ticket=ticket.display_name,
                        missing=", ".join(missing),
                    )
                )

    def action_declare_major_incident(self):
        """An Incident Manager declares the MI: it is acknowledged at the same time."""
        self._mi_check_manager()
        for ticket in self:
            if ticket.is_major_incident:
                ticket._mi_check_state(("candidate",), self.env._("declared"))
        now = fields.Datetime.now()
        newly = self.filtered(lambda t: not t.is_major_incident)
        if newly:
            newly._mi_raise_candidate(source="manual")
        for ticket in self:
            ticket.write(
                {
                    "mi_state": "triage",
                    "mi_declared_at": now,
                    "incident_manager_id": ticket.incident_manager_id.id or self.env.user.id,
                }
            )
        self._mi_acknowledge(now)
        self._mi_on_declared()
        return True

    def action_acknowledge(self):
        """The Incident Manager takes the candidate: it is declared and goes to triage."""
        self._mi_check_state(("candidate",), self.env._("acknowledged"))
        for ticket in self:
            if not ticket._mi_may_acknowledge(self.env.user):
                raise AccessError(
                    self.env._(
                        "Only an Incident Manager or a person called for %(ticket)s can acknowledge it.",
                        ticket=ticket.display_name,
                    )
                )
        now = fields.Datetime.now()
        for ticket in self:
            ticket.write(
                {
                    "mi_state": "triage",
                    "mi_declared_at": ticket.mi_declared_at or now,
                    "incident_manager_id": ticket.incident_manager_id.id or self.env.user.id,
                }
            )
        self._mi_acknowledge(now)
        self._mi_on_declared()
        return True

    def _mi_may_acknowledge(self, user):
        """The Incident Manager group, or anybody the ladder called for this incident."""
        self.ensure_one()
        return (
            self.env.su
            or user.has_group("major_incident.group_mi_manager")
            or user in self.sudo().mi_escalation_ids.user_id
        )

    def _mi_acknowledge(self, when):
        """Record the acknowledgment: the ladder stops and the response clock is met."""
        self.write({"mi_acknowledged_at": when, "mi_acknowledged_by_id": self.env.user.id})
        for ticket in self.sudo():
            ticket.mi_escalation_ids._stop(self.env.user, when)
        self._mi_meet_clocks(["ack", "escalation"], when)

    def action_dismiss(self, note=None):
        """Not a major incident after all: counts towards urgency misuse."""
        self._mi_check_manager()
        self._mi_check_state(("candidate", "triage"), self.env._("dismissed"))
        self.write(
            {
                "mi_state": "cancelled",
                "mi_cancel_reason": "not_mi",
                "mi_dismiss_note": note or False,
                "mi_closed_at": fields.Datetime.now(),
            }
        )
        self._mi_on_dismissed()
        return True

    def _mi_on_dismissed(self):
        """Not an MI: every clock stops and whoever is still being called is released."""
        now = fields.Datetime.now()
        for ticket in self.sudo():
            ticket.mi_escalation_ids._stop(self.env.user, now)
        self._mi_cancel_clocks()
        self._mi_count_urgency_misuse()

    def action_start_investigation(self):
        self._mi_check_manager()
        self._mi_check_state(("triage",), self.env._("moved to investigation"))
        self._mi_check_coding()
        self.write({"mi_state": "investigating"})
        return True

    def action_mitigate(self):
        """A workaround is in place."""
        self._mi_check_manager()
        self._mi_check_state(("investigating",), self.env._("moved to mitigation"))
        self.write({"mi_state": "mitigating"})
        return True

    def action_resolve(self):
        """Service restored. Within the brief-interruption time of detection the
        MI is cancelled as a brief interruption (no debrief, no post-mortem)."""
        self._mi_check_manager()
        self._mi_check_state(("triage", "investigating", "mitigating"), self.env._("resolved"))
        self._mi_check_coding()
        now = fields.Datetime.now()
        for ticket in self:
            brief_minutes = (
                ticket.mi_policy_id.brief_interruption_minutes if ticket.mi_policy_id else 15
            )
            if timing.is_brief_interruption(ticket.mi_detected_at, now, brief_minutes):
                ticket.write(
                    {
                        "mi_state": "cancelled",
                        "mi_cancel_reason": "brief",
                        "mi_resolved_at": now,
                        "mi_closed_at": now,
                    }
                )
                ticket.message_post(
                    body=self.env._(
                        "Resolved within %(minutes)s minutes of detection: brief interruption. "
                        "Documented and communicated; no debrief or post-mortem.",
                        minutes=brief_minutes,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
            else:
                ticket.write({"mi_state": "resolved", "mi_resolved_at": now})
        self._mi_on_resolved()
        return True

    def _mi_on_resolved(self):
        """Service restored: recovery clocks are met; a real MI starts its debrief
        and post-mortem clocks, a brief interruption does not."""
        for ticket in self:
            ticket._mi_meet_clocks(["rto", "resolution", "dr_rto", "dr_rpo"], ticket.mi_resolved_at)
            ticket._mi_cancel_clocks(["ack", "escalation", "update"])
            if ticket.mi_state == "resolved":
                ticket._mi_open_clocks(["debrief", "postmortem"], ticket.mi_resolved_at)

    def action_close(self):
        self._mi_check_manager()
        self._mi_check_state(("resolved",), self.env._("closed"))
        self.write({"mi_state": "closed", "mi_closed_at": fields.Datetime.now()})
        self._mi_cancel_clocks(["blast"])
        return True

    def _mi_wizard_action(self, res_model, name):
        """A dialog of ``res_model`` about this incident."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": res_model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
        }

    def action_open_dismiss_wizard(self):
        return self._mi_wizard_action(
            "major.incident.dismiss.wizard", self.env._("Dismiss as not a major incident")
        )

    # ------------------------------------------------------------------ clocks

    def _mi_calendar(self):
        """Business time of the policy, else of the company."""
        self.ensure_one()
        return self.mi_policy_id.resource_calendar_id or self.company_id.resource_calendar_id

    def _mi_response_minutes(self):
        """The response target: by customer tier when the policy set defines one
        (in or out of the calendar's business hours at detection), else the policy's."""
        self.ensure_one()
        default = self.mi_policy_id.response_minutes or 15
        policy_set = self.mi_policy_id.policy_set_id
        tier = self.partner_id.commercial_partner_id.mi_support_tier
        if not policy_set.response_target_ids or not tier:
            return default
        targets = {
            t.tier: (t.business_hours_minutes, t.outside_hours_minutes)
            for t in policy_set.response_target_ids
        }
        detected = self.mi_detected_at or fields.Datetime.now()
        in_hours = self._mi_calendar()._mi_is_working_time(detected)
        return timing.response_minutes_for_tier(targets, tier, in_hours, default)

    def _mi_clock_start(self, kind, default):
        self.ensure_one()
        if kind in ("ack", "blast", "rto", "resolution"):
            return self.mi_detected_at or default
        if kind in ("debrief", "postmortem"):
            return self.mi_resolved_at or default
        return default

    def _mi_open_clocks(self, kinds, start=None):
        """Open ``kinds`` clocks from the policy; an escalation clock calls its first level at once."""
        clocks = self.env["major.incident.clock"].sudo()._open(self.sudo(), kinds, start)
        escalations = clocks.filtered(lambda c: c.kind == "escalation")
        if escalations:
            escalations._start_ladder()
        return clocks

    def _mi_meet_clocks(self, kinds, when=None):
        return self.sudo().mi_clock_ids.filtered(lambda c: c.kind in kinds)._meet(when)

    def _mi_cancel_clocks(self, kinds=None):
        clocks = self.sudo().mi_clock_ids
        if kinds is not None:
            clocks = clocks.filtered(lambda c: c.kind in kinds)
        clocks._cancel()

    def _mi_restart_update_clock(self, when=None, next_due=None):
        """An update was sent: the running update clock is met and the next one starts,
        due at ``next_due`` (the announced next update time) or after the policy's cadence."""
        when = when or fields.Datetime.now()
        for ticket in self.sudo():
            ticket._mi_meet_clocks(["update"], when)
            if ticket.mi_state not in MI_ACTIVE_STATES:
                continue
            clock = ticket._mi_open_clocks(["update"], when)
            if clock and next_due:
                minutes = max((next_due - when).total_seconds() / 60.0, 1.0)
                clock.target_minutes = minutes
                clock._replan()

    def _mi_replan_clocks(self):
        """Severity or policy changed: open clocks take the new targets, counted from their start."""
        clocks = self.sudo().mi_clock_ids.filtered(
            lambda c: c.state in ("running", "paused") and c.kind not in ("escalation", "update")
        )
        model = self.env["major.incident.clock"]
        for clock in clocks:
            target = model._target_for(clock.ticket_id, clock.kind)
            if target:
                clock.target_minutes, clock.business_time = target
        clocks.filtered(lambda c: c.state == "running")._replan()
        for clock in clocks.filtered(lambda c: c.state == "paused"):
            clock.deadline = clock._compute_deadline()

    def _mi_on_update_due(self, clock):
        """An update fell due and nothing was sent: remind, or send the holding update."""
        if not self.mi_policy_id.auto_holding_update:
            return False
        return self._mi_send_holding_update()

    def action_pause_clocks(self, reason):
        """Externally controlled MI: the recovery clocks wait on the client or vendor."""
        self._mi_check_manager()
        for ticket in self:
            if ticket.mi_control != "external":
                raise UserError(
                    self.env._(
                        "Only an incident restored by the client or a third party can be put on hold: "
                        "%(ticket)s is restored by us.",
                        ticket=ticket.display_name,
                    )
                )
            if not reason:
                raise UserError(self.env._("Say what the incident is waiting for."))
            paused = ticket.sudo().mi_clock_ids._pause(reason)
            if not paused:
                raise UserError(self.env._("%(ticket)s has no running recovery clock to put on hold.",
                                           ticket=ticket.display_name))
            ticket.message_post(
                body=self.env._("Recovery clocks on hold: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_resume_clocks(self):
        self._mi_check_manager()
        for ticket in self:
            resumed = ticket.sudo().mi_clock_ids._resume()
            if not resumed:
                raise UserError(self.env._("%(ticket)s has no clock on hold.", ticket=ticket.display_name))
            ticket.message_post(
                body=self.env._(
                    "Recovery clocks resumed; new deadlines: %(deadlines)s",
                    deadlines=", ".join(
                        f"{c.kind} {fields.Datetime.to_string(c.deadline)}" for c in resumed
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------ communications

    mi_service_impact = fields.Char(
        "Service impact",
        copy=False,
        groups="base.group_user",
        help="The services or kiosks affected, as the incident e-mails name them "
        "(e.g. in \"Incident Notification - Vision Server\"). Empty: the ticket's title.",
    )
    mi_update_ids = fields.One2many(
        "major.incident.update", "ticket_id", "Communications", copy=False, groups="base.group_user"
    )
    mi_campaign_id = fields.Many2one(
        "utm.campaign",
        "UTM campaign",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="Groups the incident's mailings in Email Marketing.",
    )

    @api.depends("is_major_incident", "mi_affected_partner_ids")
    def _compute_mi_mailing_list_ids(self):
        incidents = self.filtered("is_major_incident")
        # Plain tickets must cost nothing here: no list lookup unless an MI is in the batch.
        defaults = incidents._mi_default_mailing_lists() if incidents else {}
        for ticket in self:
            ticket.mi_mailing_list_ids = defaults.get(ticket, False)

    def _mi_default_mailing_lists(self):
        """{ticket: the lists of its affected customers and the internal stakeholders'}."""
        lists = self.env["mailing.list"].sudo()
        companies = self.mi_affected_partner_ids.commercial_partner_id._origin
        customer_lists = lists._mi_customer_lists(companies)
        internal = lists._mi_internal_list()
        return {
            ticket: internal.union(
                *(
                    customer_lists[company.id]
                    for company in ticket.mi_affected_partner_ids.commercial_partner_id._origin
                    if company.id in customer_lists
                )
            )
            for ticket in self
        }

    def _mi_audience_for(self, kind):
        """The lists an update of ``kind`` goes to unless the Incident Manager changes them."""
        self.ensure_one()
        lists = self.env["mailing.list"]
        if kind == "internal":
            return lists._mi_internal_list()
        if kind == "executive":
            return lists._mi_executive_list()
        audience = self.mi_mailing_list_ids or self._mi_default_mailing_lists()[self]
        if kind == "summary" and self.mi_state == "closed":
            # The closure e-mail: leadership, internal stakeholders and affected clients.
            audience = audience | lists._mi_internal_list() | lists._mi_executive_list()
        return audience

    def _mi_company_tz(self):
        """The time zone of the e-mails' times when the recipient's own is unknown."""
        self.ensure_one()
        company = self.company_id
        return company.partner_id.tz or company.resource_calendar_id.tz or "UTC"

    def _mi_default_update_kind(self):
        """What is due next: the initial blast, progress updates, the resolution
        confirmation once resolved, the closure summary once closed."""
        self.ensure_one()
        if self.mi_state == "closed":
            return "summary"
        if self.mi_resolved_at:
            return "resolution"
        if not self.mi_update_ids.filtered(lambda update: update.kind in EXTERNAL_KINDS):
            return "initial"
        return "progress"

    def _mi_update_defaults(self, kind, author=None):
        """Values a new update of ``kind`` starts from: the incident's status, the next
        update one cadence away, and what the last update said that still holds."""
        self.ensure_one()
        author = author or self.env.user
        last = self.mi_update_ids[:1]
        cadence = self.mi_policy_id.update_interval_minutes or 60
        statuses = {
            "mitigating": "mitigating",
            "resolved": "resolved",
            "closed": "closed",
            "cancelled": "resolved",
        }
        carried = (
            "overview",
            "impact",
            "localization",
            "root_cause",
            "preventive_measures",
            "risk",
            "recovery_strategy",
        )
        contact = " - ".join(filter(None, (author.name, author.email, author.phone)))
        drafted = self._mi_dr_update_draft() if kind == "internal" else {}
        return {
            "ticket_id": self.id,
            "kind": kind,
            "author_id": author.id,
            "status": statuses.get(self.mi_state, "investigating"),
            "next_update_at": fields.Datetime.now() + timedelta(minutes=cadence),
            "contact_info": last.contact_info or contact,
            **{name: last[name] for name in carried},
            **drafted,
        }

    def _mi_campaign(self):
        """The incident's UTM campaign, grouping its mailings; created with the first one."""
        self.ensure_one()
        if not self.mi_campaign_id:
            self.sudo().mi_campaign_id = self.env["utm.campaign"].sudo().create(
                {
                    "title": f"{self.number} {self.name}",
                    "user_id": (self.incident_manager_id or self.env.user).id,
                    "is_auto_campaign": True,
                }
            )
        return self.mi_campaign_id

    def _mi_on_update_sent(self, update):
        """The first external blast meets the blast clock; every update restarts the update clock."""
        self.ensure_one()
        if update.kind in EXTERNAL_KINDS:
            self._mi_meet_clocks(["blast"], update.sent_at)
        self._mi_restart_update_clock(when=update.sent_at, next_due=update.next_update_at)
        self.message_post(
            body=self.env._(
                "%(update)s sent to %(audience)s: %(subject)s",
                update=update.display_name,
                audience=", ".join(update.sudo().mailing_list_ids.mapped("name")),
                subject=update.subject,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _mi_send_holding_update(self):
        """Send the holding update (no new findings, the next update time) to the incident's
        audience now. A refusal is logged on the incident; the reminder then stands."""
        self.ensure_one()
        update_model = self.env["major.incident.update"]
        values = {
            **self._mi_update_defaults("progress", author=self.incident_manager_id),
            **update_model._mi_holding_texts(),
            "is_holding": True,
            "mailing_list_ids": [fields.Command.set(self._mi_audience_for("progress").ids)],
        }
        try:
            with self.env.cr.savepoint():
                update_model.create(values)._send()
        except UserError as error:
            self.message_post(
                body=self.env._("The holding update was not sent: %(reason)s", reason=error.args[0]),
                subtype_xmlid="mail.mt_note",
            )
            return False
        return True

    # ------------------------------------------------------------------ intake and coordination

    mi_alert_source_id = fields.Many2one(
        "major.incident.alert.source",
        "Alert source",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    mi_alert_fingerprint = fields.Char(
        "Alert identifier",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The monitor's identifier of the alert: the same alert again while the incident "
        "is open is added to it.",
    )
    mi_alert_recovered_at = fields.Datetime(
        "Monitor recovered at", copy=False, readonly=True, groups="base.group_user"
    )
    mi_brief_proposed = fields.Boolean(
        "Brief interruption proposed",
        compute="_compute_mi_brief_proposed",
        help="The monitor reported recovery within the brief-interruption time of detection.",
    )
    mi_dr_declared_by_id = fields.Many2one(
        "res.users", "DR declared by", copy=False, readonly=True, groups="base.group_user"
    )
    mi_dr_partner = fields.Char("DR partner", copy=False, readonly=True, groups="base.group_user")
    mi_dr_site = fields.Char("DR site", copy=False, readonly=True, groups="base.group_user")
    mi_exec_escalation_requested_at = fields.Datetime(
        "Executive escalation requested at", copy=False, readonly=True, groups="base.group_user"
    )
    mi_exec_escalation_due_at = fields.Datetime(
        "Executive review due",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="A support manager reviews the request within 1 hour of business time.",
    )

    _mi_open_alert_unique = models.UniqueIndex(
        "(mi_alert_source_id, mi_alert_fingerprint) WHERE mi_alert_fingerprint IS NOT NULL "
        "AND mi_state IN ('candidate', 'triage', 'investigating', 'mitigating')",
        "This alert already has an open major incident.",
    )

    def _mi_brief_minutes(self):
        self.ensure_one()
        return self.mi_policy_id.brief_interruption_minutes if self.mi_policy_id else 15

    @api.depends("mi_alert_recovered_at", "mi_detected_at", "mi_state", "mi_policy_id")
    def _compute_mi_brief_proposed(self):
        for ticket in self:
            ticket.mi_brief_proposed = (
                ticket.mi_state in MI_ACTIVE_STATES
                and bool(ticket.sudo().mi_alert_recovered_at)
                and timing.is_brief_interruption(
                    ticket.mi_detected_at, ticket.sudo().mi_alert_recovered_at, ticket._mi_brief_minutes()
                )
            )

    def _mi_alert_note(self, text, alert):
        body = Markup("<p>%s</p>") % text
        if alert.message:
            body += Markup("<p>%s</p>") % alert.message
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _mi_alert_repeated(self, source, alert, now):
        """The monitor reports the outage again: noted; a recovery reported before is void."""
        self.ensure_one()
        self.mi_alert_recovered_at = False
        self._mi_alert_note(
            self.env._(
                "%(monitor_source)s reports %(monitor)s down again at %(time)s UTC.",
                monitor_source=source.name,
                monitor=alert.title,
                time=fields.Datetime.to_string(min(alert.at or now, now)),
            ),
            alert,
        )

    def _mi_alert_recovered(self, source, alert, now):
        """The monitor reports recovery: recorded, and when within the brief-interruption time
        of detection the Incident Manager is offered that outcome. It resolves nothing by
        itself: the Incident Manager confirms service with the customers (SOP step 6)."""
        self.ensure_one()
        recovered_at = min(alert.at or now, now)
        self.mi_alert_recovered_at = recovered_at
        self._mi_alert_note(
            self.env._(
                "%(monitor_source)s reports %(monitor)s up again at %(time)s UTC.",
                monitor_source=source.name,
                monitor=alert.title,
                time=fields.Datetime.to_string(recovered_at),
            ),
            alert,
        )
        if self.mi_brief_proposed and self.incident_manager_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Brief interruption? Monitor recovered"),
                note=Markup("<p>%s</p>") % self.env._(
                    "%(monitor)s recovered %(minutes)s minutes after detection, within the "
                    "brief-interruption time of %(limit)s minutes. Confirm service with the "
                    "customers, then resolve it as a brief interruption.",
                    monitor=alert.title,
                    minutes=int((recovered_at - self.mi_detected_at).total_seconds() // 60),
                    limit=self._mi_brief_minutes(),
                ),
                user_id=self.incident_manager_id.id,
            )

    def action_resolve_brief_interruption(self):
        """The Incident Manager accepts the monitor's recovery as the resolution: documented
        as a brief interruption, with no debrief or post-mortem."""
        self._mi_check_manager()
        self._mi_check_state(MI_ACTIVE_STATES, self.env._("resolved as a brief interruption"))
        for ticket in self:
            if not ticket.mi_brief_proposed:
                raise UserError(
                    self.env._(
                        "%(ticket)s has no monitor recovery within %(minutes)s minutes of detection.",
                        ticket=ticket.display_name,
                        minutes=ticket._mi_brief_minutes(),
                    )
                )
        self._mi_check_coding()
        now = fields.Datetime.now()
        candidates = self.filtered(lambda t: t.mi_state == "candidate")
        if candidates:
            candidates._mi_acknowledge(now)
        for ticket in self:
            ticket.write(
                {
                    "mi_state": "cancelled",
                    "mi_cancel_reason": "brief",
                    "mi_resolved_at": ticket.mi_alert_recovered_at,
                    "mi_closed_at": now,
                }
            )
            ticket.message_post(
                body=self.env._(
                    "Resolved as a brief interruption: the monitor reported recovery at %(time)s UTC. "
                    "Documented and communicated; no debrief or post-mortem.",
                    time=fields.Datetime.to_string(ticket.mi_alert_recovered_at),
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._mi_on_resolved()
        return True

    # Bridge call (SOP step 3)

    def action_open_bridge_wizard(self):
        return self._mi_wizard_action("major.incident.bridge.wizard", self.env._("Open bridge call"))

    def _mi_bridge_partners(self):
        """The Incident Manager and everybody the escalation ladder has called so far."""
        self.ensure_one()
        return (self.incident_manager_id | self.sudo().mi_escalation_ids.user_id).partner_id

    def _mi_open_bridge(self, experts=None, hours=1.0, video_url=None):
        """Create the bridge call: a calendar event starting now with the Incident Manager,
        the people the ladder reached and the subject-matter experts, on ``video_url``
        (default: the team's meeting URL; empty: Odoo's own meeting link), announced in the
        chatter. The invitations are Odoo calendar's own e-mails."""
        self.ensure_one()
        self._mi_check_manager()
        self._mi_check_state(MI_ACTIVE_STATES, self.env._("given a bridge call"))
        now = fields.Datetime.now()
        organizer = self.incident_manager_id or self.env.user
        partners = self._mi_bridge_partners() | (experts or self.env["res.partner"])
        url = self.team_id.mi_bridge_url if video_url is None else video_url
        event = self.env["calendar.event"].create(
            {
                "name": self.env._("Bridge: %(ticket)s %(title)s", ticket=self.number, title=self.name),
                "start": now,
                "stop": now + timedelta(hours=hours or 1.0),
                "user_id": organizer.id,
                "partner_ids": [fields.Command.set(partners.ids)],
                "videocall_location": url or False,
                "res_model_id": self.env["ir.model"]._get_id(self._name),
                "res_id": self.id,
                "description": Markup("<p>%s</p>") % self.env._(
                    "Major incident %(ticket)s: %(title)s", ticket=self.number, title=self.name
                ),
            }
        )
        if not url:
            event._set_discuss_videocall_location()
        # Calendar invites on creation only for future events; the bridge starts now.
        event.attendee_ids._send_invitation_emails()
        self.mi_bridge_event_id = event
        self.message_post(
            body=Markup('<p>%s</p><p><a href="%s" target="_blank">%s</a></p>')
            % (
                self.env._(
                    "Bridge call opened until %(stop)s UTC with %(people)s.",
                    stop=fields.Datetime.to_string(event.stop),
                    people=", ".join(partners.mapped("name")),
                ),
                event.videocall_location,
                event.videocall_location,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return event

    def action_extend_bridge(self):
        """The bridge goes on: one more hour."""
        self._mi_check_manager()
        for ticket in self:
            event = ticket.mi_bridge_event_id
            if not event:
                raise UserError(self.env._("%(ticket)s has no bridge call.", ticket=ticket.display_name))
            event.stop = max(event.stop, fields.Datetime.now()) + timedelta(hours=1)
            ticket.message_post(
                body=self.env._(
                    "Bridge call extended until %(stop)s UTC.", stop=fields.Datetime.to_string(event.stop)
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # Disaster recovery (SOP step 10 and 2.1)

    def action_declare_dr(self):
        """IT declares a disaster recovery event: who, when and the DR partner and site are
        recorded, the DR failover clocks start, and the Incident Manager and the support
        team are told ("IT must inform the IM and Support group once DR has been activated")."""
        if not self.env.su and not self.env.user.has_group("major_incident.group_mi_it"):
            raise AccessError(self.env._("Only IT can declare a disaster recovery event."))
        self._mi_check_state(MI_ACTIVE_STATES, self.env._("put under disaster recovery"))
        for ticket in self:
            if ticket.mi_dr_declared_at:
                raise UserError(
                    self.env._(
                        "Disaster recovery was already declared for %(ticket)s at %(time)s UTC.",
                        ticket=ticket.display_name,
                        time=fields.Datetime.to_string(ticket.mi_dr_declared_at),
                    )
                )
        now = fields.Datetime.now()
        declared_by = self.env.user
        # IT need not be a helpdesk manager: the group check above is what allows this.
        for ticket in self.sudo():
            company = ticket.company_id
            ticket.write(
                {
                    "mi_dr_declared_at": now,
                    "mi_dr_declared_by_id": declared_by.id,
                    "mi_dr_partner": company.mi_dr_partner,
                    "mi_dr_site": company.mi_dr_site,
                }
            )
            ticket._mi_open_clocks(["dr_rto", "dr_rpo"], now)
            ticket._mi_notify_dr()
        return True

    def _mi_dr_summary(self):
        self.ensure_one()
        policy = self.mi_policy_id
        return self.env._(
            "Disaster recovery declared by %(user)s at %(time)s UTC with %(partner)s (%(site)s). "
            "Failover targets: RTO %(rto)s min, RPO %(rpo)s min.",
            user=self.mi_dr_declared_by_id.name,
            time=fields.Datetime.to_string(self.mi_dr_declared_at),
            partner=self.mi_dr_partner or "-",
            site=self.mi_dr_site or "-",
            rto=policy.dr_rto_minutes,
            rpo=policy.dr_rpo_minutes,
        )

    def _mi_dr_update_draft(self):
        """The internal update a DR declaration calls for ("IT must inform the IM and
        Support group"), offered in Send Update until an internal update has gone out."""
        self.ensure_one()
        ticket = self.sudo()
        declared_at = ticket.mi_dr_declared_at
        if not declared_at or ticket.mi_update_ids.filtered(
            lambda update: update.kind == "internal" and update.sent_at and update.sent_at >= declared_at
        ):
            return {}
        policy = ticket.mi_policy_id
        return {
            "findings": ticket._mi_dr_summary(),
            "actions_taken": self.env._(
                "Failover to %(site)s activated.", site=ticket.mi_dr_site or self.env._("the DR site")
            ),
            "next_steps": self.env._(
                "Confirm services run on the DR site within %(rto)s minutes and that no more than "
                "%(rpo)s minutes of data were lost; plan the switch back once the primary site is "
                "restored.",
                rto=policy.dr_rto_minutes,
                rpo=policy.dr_rpo_minutes,
            ),
        }

    def _mi_notify_dr(self):
        """Chatter note to the Incident Manager and the team, and an activity for the IM."""
        self.ensure_one()
        text = self._mi_dr_summary()
        recipients = (self.incident_manager_id | self.team_id.user_ids).partner_id
        self.message_post(
            body=Markup("<p>%s</p>") % text,
            subtype_xmlid="mail.mt_note",
            partner_ids=recipients.ids,
        )
        if self.incident_manager_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Disaster recovery declared: inform stakeholders"),
                note=Markup("<p>%s</p><p>%s</p>")
                % (
                    text,
                    self.env._(
                        "Send Update, kind Internal update, holds the failover update for the "
                        "support group, ready to send."
                    ),
                ),
                user_id=self.incident_manager_id.id,
            )

    # Urgency misuse and executive escalation (urgent-support policy)

    def _mi_count_urgency_misuse(self):
        """Customer-reported candidates dismissed as not urgent count against the customer,
        who is flagged for coaching past the company's threshold."""
        reported = self.filtered(
            lambda t: t.mi_cancel_reason == "not_mi"
            and t.mi_source in CUSTOMER_SOURCES
            and t.commercial_partner_id
        )
        if reported:
            reported.commercial_partner_id._mi_check_urgency_misuse()

    def _mi_support_manager(self):
        self.ensure_one()
        return self.company_id.mi_support_manager_id or self.team_id.user_id

    def _mi_business_deadline(self, start, duration):
        """``duration`` of business time after ``start`` on the incident's working calendar."""
        self.ensure_one()
        calendar = self._mi_calendar()
        if not calendar:
            return start + duration
        intervals = calendar._mi_work_intervals_utc(start, start + BUSINESS_HORIZON)
        return timing.plan_work_time(start, duration, intervals) or start + duration

    def action_request_executive_escalation(self):
        """The customer asks for executive escalation: a support manager reviews the ticket
        within 1 hour of business time ("All escalation requests are reviewed by a support
        manager within 1 hour during business hours")."""
        now = fields.Datetime.now()
        requested_by = self.env.user
        for ticket in self:
            manager = ticket._mi_support_manager()
            if not manager:
                raise UserError(
                    self.env._(
                        "Set the support manager in the helpdesk settings, or a leader on the team "
                        "of %(ticket)s: nobody can review the escalation.",
                        ticket=ticket.display_name,
                    )
                )
            due = ticket._mi_business_deadline(now, EXEC_REVIEW_TIME)
            tz = pytz.timezone(ticket._mi_calendar().tz or ticket._mi_company_tz())
            local_due = pytz.utc.localize(due).astimezone(tz)
            ticket.sudo().write({"mi_exec_escalation_requested_at": now, "mi_exec_escalation_due_at": due})
            ticket.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=local_due.date(),
                summary=self.env._(
                    "Review executive escalation by %(time)s", time=local_due.strftime("%H:%M %Z")
                ),
                note=Markup("<p>%s</p>") % self.env._(
                    "%(user)s recorded an executive escalation request on %(ticket)s. Review it by "
                    "%(time)s (1 hour of business time).",
                    user=requested_by.name,
                    ticket=ticket.display_name,
                    time=local_due.strftime("%Y-%m-%d %H:%M %Z"),
                ),
                user_id=manager.id,
            )
            ticket.message_post(
                body=self.env._(
                    "Executive escalation requested by %(user)s: %(manager)s reviews it by %(time)s.",
                    user=requested_by.name,
                    manager=manager.name,
                    time=local_due.strftime("%Y-%m-%d %H:%M %Z"),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
