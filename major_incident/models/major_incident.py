from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain

from ..engine import clock_rules, timing, vocabulary

CODING_FIELDS = ("system_id", "component_id", "problem_code_id", "software_version")
# Facts that only the procedure's actions set: a direct write of them is refused to
# everybody but the superuser, so a state cannot skip its clocks and its ladder.
PROTECTED_FIELDS = frozenset(
    {
        "state",
        "detected_at",
        "declared_at",
        "acknowledged_at",
        "acknowledged_by_id",
        "resolved_at",
        "closed_at",
        "cancel_reason",
        "merged_into_id",
        "dr_declared_at",
        "dr_declared_by_id",
        "alert_recovered_at",
    }
)


class MajorIncident(models.Model):
    """One outage, however many customers report it. Its chatter is the war room."""

    _name = "major.incident"
    _description = "Major Incident"
    _inherit = ["mail.thread", "mail.activity.mixin", "major.incident.report.mixin"]
    _order = "detected_at desc, id desc"
    _rec_names_search = ["reference", "name"]
    _check_company_auto = True

    reference = fields.Char(
        required=True, readonly=True, copy=False, index="trigram", default=lambda self: self.env._("New")
    )
    name = fields.Char("Title", required=True, tracking=True)
    description = fields.Html("First description")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    team_id = fields.Many2one("helpdesk.ticket.team", check_company=True, tracking=True)
    partner_id = fields.Many2one("res.partner", "Reported by", help="The customer whose report raised the incident.")
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index="btree_not_null"
    )
    state = fields.Selection(
        vocabulary.STATES,
        "Status",
        required=True,
        default="candidate",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
        group_expand=True,
    )
    severity = fields.Selection(
        vocabulary.SEVERITIES, required=True, default=vocabulary.DEFAULT_SEVERITY, tracking=True
    )
    issue_type_id = fields.Many2one("major.incident.issue.type", tracking=True)
    policy_id = fields.Many2one(
        "major.incident.policy",
        compute="_compute_policy_id",
        store=True,
        readonly=False,
        help="Chosen from the severity and the issue type in the team's (else the "
        "company's) policy set; can be overridden.",
    )
    control = fields.Selection(
        vocabulary.CONTROLS,
        default="company",
        required=True,
        help="External: the client or a third party restores service; we manage the incident.",
    )
    source = fields.Selection(vocabulary.SOURCES, "Detected through", default="manual", required=True)
    incident_manager_id = fields.Many2one(
        "res.users",
        tracking=True,
        index="btree_not_null",
        domain=[("share", "=", False)],
    )
    detected_at = fields.Datetime("Detected at", required=True, readonly=True, default=fields.Datetime.now)
    declared_at = fields.Datetime("Declared at", readonly=True, copy=False)
    acknowledged_at = fields.Datetime("Acknowledged at", readonly=True, copy=False)
    acknowledged_by_id = fields.Many2one("res.users", "Acknowledged by", readonly=True, copy=False)
    resolved_at = fields.Datetime("Resolved at", readonly=True, copy=False)
    closed_at = fields.Datetime("Closed at", readonly=True, copy=False)
    resolution_note = fields.Text(
        "How service was restored", help="Posted on every linked ticket when the incident is resolved."
    )
    cancel_reason = fields.Selection(
        vocabulary.CANCEL_REASONS, "Cancellation reason", readonly=True, copy=False, tracking=True
    )
    dismiss_note = fields.Text("Dismissal note", copy=False)
    merged_into_id = fields.Many2one("major.incident", "Merged into", readonly=True, copy=False, index="btree_not_null")

    # Linked customer tickets
    ticket_ids = fields.One2many("helpdesk.ticket", "major_incident_id", "Linked tickets")
    ticket_count = fields.Integer(compute="_compute_ticket_count")
    affected_partner_ids = fields.Many2many(
        "res.partner",
        "major_incident_affected_partner_rel",
        "incident_id",
        "partner_id",
        "Affected customers",
        help="The customers of the linked tickets, and any added by hand.",
    )
    duplicate_id = fields.Many2one(
        "major.incident",
        "Likely duplicate of",
        compute="_compute_duplicate_id",
        help="An open incident for the same system and component, or the same alert.",
    )

    # Triage (SOP step 4)
    units_affected = fields.Integer("Units affected")
    other_customers_affected = fields.Boolean("Other customers affected")
    changes_reviewed = fields.Boolean(
        "Recent changes reviewed",
        help="Recent changes, completed change requests and scheduled maintenance were reviewed.",
    )
    recent_changes = fields.Text("Recent changes found")
    system_id = fields.Many2one("major.incident.code", domain=[("kind", "=", "system")], index="btree_not_null")
    component_id = fields.Many2one(
        "major.incident.code",
        domain="[('kind', '=', 'component'), ('parent_id', '=?', system_id)]",
    )
    problem_code_id = fields.Many2one("major.incident.code", domain=[("kind", "=", "problem")])
    software_version = fields.Char("Software version")
    coding_complete = fields.Boolean(compute="_compute_coding_complete")

    # Clocks and escalation
    clock_ids = fields.One2many("major.incident.clock", "incident_id", "SLA clocks")
    escalation_ids = fields.One2many("major.incident.escalation", "incident_id", "Escalations")
    call_failed = fields.Boolean(
        "Escalation call failed",
        compute="_compute_call_failed",
        store=True,
        help="Somebody the ladder had to call could not be called: see the escalation log.",
    )
    next_deadline = fields.Datetime(
        "Next deadline",
        compute="_compute_clock_summary",
        store=True,
        help="The nearest deadline of the running clocks.",
    )
    breached = fields.Boolean("SLA breached", compute="_compute_clock_summary", store=True)
    in_maintenance = fields.Boolean(
        "In maintenance window",
        compute="_compute_in_maintenance",
        store=True,
        help="Detected inside a scheduled maintenance window for its system: its clocks do not breach.",
    )

    # Communications
    service_impact = fields.Char(
        "Service impact",
        help="The services or kiosks affected, as the incident e-mails name them "
        '(e.g. in "Incident Notification - Vision Server"). Empty: the title.',
    )
    mailing_list_ids = fields.Many2many(
        "mailing.list",
        "major_incident_mailing_list_rel",
        "incident_id",
        "list_id",
        "Audience",
        compute="_compute_mailing_list_ids",
        store=True,
        readonly=False,
        groups="mass_mailing.group_mass_mailing_user",
        help="Who receives this incident's updates: by default the lists of its affected "
        "customers and the internal stakeholders.",
    )
    update_ids = fields.One2many("major.incident.update", "incident_id", "Communications")
    campaign_id = fields.Many2one(
        "utm.campaign",
        "UTM campaign",
        readonly=True,
        copy=False,
        help="Groups the incident's mailings in Email Marketing.",
    )

    # Coordination
    bridge_event_id = fields.Many2one("calendar.event", "Bridge call", copy=False)
    postmortem_ids = fields.One2many("major.incident.postmortem", "incident_id")
    postmortem_id = fields.Many2one("major.incident.postmortem", "Post-mortem", compute="_compute_postmortem_id")

    # Intake
    alert_source_id = fields.Many2one(
        "major.incident.alert.source", "Alert source", readonly=True, copy=False, index="btree_not_null"
    )
    alert_fingerprint = fields.Char(
        "Alert identifier",
        readonly=True,
        copy=False,
        help="The monitor's identifier of the alert: the same alert again while the incident "
        "is open is added to it, from whichever source.",
    )
    alert_recovered_at = fields.Datetime("Monitor recovered at", readonly=True, copy=False)
    brief_proposed = fields.Boolean(
        "Brief interruption proposed",
        compute="_compute_brief_proposed",
        help="The monitor reported recovery within the brief-interruption time of detection.",
    )

    # Disaster recovery
    dr_declared_at = fields.Datetime("DR declared at", readonly=True, copy=False)
    dr_declared_by_id = fields.Many2one("res.users", "DR declared by", readonly=True, copy=False)
    dr_partner = fields.Char("DR partner", readonly=True, copy=False)
    dr_site = fields.Char("DR site", readonly=True, copy=False)

    _open_alert_unique = models.UniqueIndex(
        "(company_id, alert_fingerprint) WHERE alert_fingerprint IS NOT NULL "
        "AND state IN ('candidate', 'triage', 'investigating', 'mitigating')",
        "This alert already has an open major incident.",
    )
    _reference_unique = models.UniqueIndex("(company_id, reference)", "Incident references are unique.")

    # ------------------------------------------------------------------ computes

    @api.depends("severity", "issue_type_id", "team_id", "company_id")
    def _compute_policy_id(self):
        policy_model = self.env["major.incident.policy"]
        for incident in self:
            incident.policy_id = policy_model._find_for(
                incident._policy_set(), incident.severity, incident.issue_type_id, incident.company_id
            )

    def _policy_set(self):
        """The team's policy set, else the company's, else the first one configured."""
        self.ensure_one()
        return (
            self.team_id.mi_policy_set_id
            or self.company_id.mi_policy_set_id
            or self.env["major.incident.policy.set"].sudo().search([], limit=1)
        )

    @api.depends("ticket_ids")
    def _compute_ticket_count(self):
        for incident in self:
            incident.ticket_count = len(incident.ticket_ids)

    @api.depends("state", "system_id", "component_id", "alert_fingerprint", "company_id")
    def _compute_duplicate_id(self):
        for incident in self:
            incident.duplicate_id = incident._find_duplicate() if incident.state == "candidate" else False

    def _find_duplicate(self):
        """An open incident of the same outage: the same alert, or the same system and
        component. Declared incidents come first, then the oldest."""
        self.ensure_one()
        same_outage = Domain.FALSE
        if self.alert_fingerprint:
            same_outage |= Domain("alert_fingerprint", "=", self.alert_fingerprint)
        if self.system_id:
            same_outage |= Domain("system_id", "=", self.system_id.id) & Domain(
                "component_id", "=", self.component_id.id
            )
        if same_outage.is_false():
            return self.browse()
        candidates = self.sudo().search(
            same_outage
            & Domain("id", "!=", self._origin.id or 0)
            & Domain("company_id", "=", self.company_id.id)
            & Domain("state", "in", vocabulary.ACTIVE_STATES),
            order="declared_at asc nulls last, detected_at, id",
            limit=1,
        )
        return candidates.with_env(self.env)

    @api.depends(*CODING_FIELDS)
    def _compute_coding_complete(self):
        for incident in self:
            incident.coding_complete = all(incident[name] for name in CODING_FIELDS)

    @api.depends("escalation_ids.outcome")
    def _compute_call_failed(self):
        for incident in self:
            incident.call_failed = "unreachable" in incident.escalation_ids.mapped("outcome")

    @api.depends("clock_ids.state", "clock_ids.deadline")
    def _compute_clock_summary(self):
        for incident in self:
            clocks = incident.sudo().clock_ids
            running = clocks.filtered(lambda c: c.state == "running" and c.kind != "escalation")
            incident.next_deadline = min(running.mapped("deadline"), default=False)
            incident.breached = any(c.state == "breached" for c in clocks)

    @api.depends("system_id", "detected_at", "company_id")
    def _compute_in_maintenance(self):
        windows = self.env["major.incident.maintenance.window"].sudo()
        for incident in self:
            incident.in_maintenance = bool(
                windows._covering(incident.detected_at, incident.system_id, incident.company_id)
            )

    @api.depends("affected_partner_ids")
    def _compute_mailing_list_ids(self):
        defaults = self._default_mailing_lists()
        for incident in self:
            incident.mailing_list_ids = defaults[incident]

    @api.depends("postmortem_ids")
    def _compute_postmortem_id(self):
        for incident in self:
            incident.postmortem_id = incident.postmortem_ids[:1]

    @api.depends("alert_recovered_at", "detected_at", "state", "policy_id")
    def _compute_brief_proposed(self):
        for incident in self:
            incident.brief_proposed = (
                incident.state in vocabulary.ACTIVE_STATES
                and bool(incident.alert_recovered_at)
                and timing.is_brief_interruption(
                    incident.detected_at, incident.alert_recovered_at, incident._brief_minutes()
                )
            )

    @api.depends("reference", "name")
    def _compute_display_name(self):
        for incident in self:
            incident.display_name = f"{incident.reference} {incident.name or ''}".strip()

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("reference") or vals["reference"] == self.env._("New"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["reference"] = self.env["ir.sequence"].with_company(company).next_by_code(
                    "major.incident"
                ) or self.env._("New")
        return super().create(vals_list)

    def write(self, vals):
        protected = PROTECTED_FIELDS & set(vals)
        if protected and not self.env.su:
            raise UserError(
                self.env._(
                    "%(fields)s change only through the incident's actions (acknowledge, resolve, "
                    "close, ...), never by a direct write.",
                    fields=", ".join(sorted(self._fields[name].string for name in protected)),
                )
            )
        result = super().write(vals)
        if {"severity", "issue_type_id", "policy_id"} & set(vals):
            self._replan_clocks()
        return result

    @api.constrains("incident_manager_id")
    def _check_incident_manager(self):
        for incident in self:
            user = incident.incident_manager_id
            if user and not user._mi_can_manage():
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot be the Incident Manager: choose an active internal user.",
                        user=user.name,
                    )
                )

    # ------------------------------------------------------------------ raising and linking

    @api.model
    def _raise(self, vals_list):
        """Open candidates waiting for their Incident Manager: the manager on duty is
        assigned, the clocks start and the ladder calls its first level."""
        now = fields.Datetime.now()
        incidents = self.sudo().create(
            [{"detected_at": now, "severity": vocabulary.DEFAULT_SEVERITY, **vals} for vals in vals_list]
        )
        for incident in incidents.filtered(lambda i: not i.incident_manager_id):
            manager = incident._manager_on_duty()
            if manager._mi_can_manage():
                incident.incident_manager_id = manager
            else:
                # The incident exists whatever the staffing: say so where it is seen.
                incident.message_post(
                    body=self.env._(
                        "No Incident Manager on duty could be assigned (%(who)s): set the roster "
                        "or the Incident Manager on duty in the Helpdesk settings.",
                        who=manager.name or self.env._("nobody configured"),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        incidents._apply_clock_event("raised")
        for incident in incidents.filtered("duplicate_id"):
            incident.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Likely duplicate of %(incident)s: merge it there rather than run two incidents.",
                    incident=incident.duplicate_id.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return incidents.with_env(self.env)

    @api.model
    def _values_from_ticket(self, ticket):
        return {
            "name": ticket.name,
            "description": ticket.description,
            "company_id": ticket.company_id.id,
            "team_id": ticket.team_id.id,
            "partner_id": ticket.partner_id.id,
            "affected_partner_ids": [Command.set(ticket.commercial_partner_id.ids)],
        }

    @api.model
    def _raise_for_tickets(self, tickets, source, values=None):
        """One candidate per ticket, each linked to the ticket that raised it."""
        self._enlist_reporters(tickets)
        incidents = self._raise(
            [{**self._values_from_ticket(ticket), "source": source, **(values or {})} for ticket in tickets]
        )
        for ticket, incident in zip(tickets, incidents, strict=True):
            ticket.sudo().major_incident_id = incident
        return incidents

    @api.model
    def _enlist_reporters(self, tickets):
        """Whoever reported the outage hears about it: a ticket's contact with an e-mail and
        no major-incident role yet becomes an incident contact of their company, which puts
        them, and their company's list, in the incident's audience."""
        reporters = tickets.partner_id.filtered(lambda p: p.email and not p.mi_audience)
        if reporters:
            reporters.sudo().mi_audience = "customer"

    def _on_tickets_linked(self, tickets):
        """Tickets joined this incident: their customers are affected, and told with it."""
        self._enlist_reporters(tickets)
        for incident in self.sudo():
            mine = tickets.filtered(lambda t, incident=incident: t.major_incident_id == incident)
            customers = mine.commercial_partner_id - incident.affected_partner_ids
            if customers:
                incident.affected_partner_ids = [Command.link(p.id) for p in customers]
            incident.message_post(
                body=self.env._(
                    "Linked tickets: %(tickets)s.",
                    tickets=", ".join(mine.mapped("display_name")),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_view_tickets(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Tickets of %(incident)s", incident=self.reference),
            "res_model": "helpdesk.ticket",
            "view_mode": "list,form",
            "domain": [("major_incident_id", "=", self.id)],
            "context": {"default_major_incident_id": self.id},
        }

    def action_merge_into_duplicate(self):
        self.ensure_one()
        if not self.duplicate_id:
            raise UserError(self.env._("%(incident)s has no likely duplicate.", incident=self.display_name))
        return self.action_merge_into(self.duplicate_id)

    def action_merge_into(self, incident):
        """This candidate is the same outage as ``incident``: its tickets and customers move
        there, its ladder stops (calls logged as stopped) and it is cancelled. Nothing is
        deleted."""
        self._check_manager()
        self._check_move("merge", self.env._("merged"))
        incident.ensure_one()
        if incident in self or incident.state not in vocabulary.ACTIVE_STATES:
            raise UserError(
                self.env._(
                    "Merge into an open incident other than itself: %(incident)s is not one.",
                    incident=incident.display_name,
                )
            )
        now = fields.Datetime.now()
        for candidate in self.sudo():
            if candidate.company_id != incident.company_id:
                raise UserError(self.env._("Incidents of two companies cannot be merged."))
            tickets = candidate.ticket_ids
            candidate.escalation_ids._stop(
                self.env.user, now, feedback=self.env._("Merged into %(incident)s.", incident=incident.display_name)
            )
            candidate._apply_clock_event("merged", now)
            candidate._close_open_work(self.env._("Merged into %(incident)s.", incident=incident.display_name))
            candidate.write(
                {
                    "state": "cancelled",
                    "cancel_reason": "duplicate",
                    "merged_into_id": incident.id,
                    "closed_at": now,
                }
            )
            tickets.write({"major_incident_id": incident.id})
            incident.sudo().affected_partner_ids = [Command.link(p.id) for p in candidate.affected_partner_ids]
            candidate.message_post(
                body=Markup('<p>%s <a href="#" data-oe-model="major.incident" data-oe-id="%s">%s</a></p>')
                % (self.env._("Merged into"), incident.id, incident.display_name),
                subtype_xmlid="mail.mt_note",
            )
            incident.sudo().message_post(
                body=self.env._(
                    "%(candidate)s merged into this incident by %(user)s, with %(count)s ticket(s).",
                    candidate=candidate.display_name,
                    user=self.env.user.name,
                    count=len(tickets),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return incident._form_action()

    def _form_action(self):
        """The incident's form, in the main window."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "major.incident",
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _declare_for_ticket(self, ticket, source, values=None):
        """Declare the incident of ``ticket``: the candidate already raised for it, else a
        new incident linked to it. ``values`` (severity, control...) go on the incident."""
        incident = ticket.major_incident_id
        if incident and incident.state != "candidate":
            raise UserError(
                self.env._(
                    "%(ticket)s is already linked to %(incident)s.",
                    ticket=ticket.display_name,
                    incident=incident.display_name,
                )
            )
        if incident:
            incident.write({k: v for k, v in (values or {}).items() if k not in PROTECTED_FIELDS})
        else:
            incident = self._raise_for_tickets(ticket, source, values)
        incident._declare()
        return incident

    # ------------------------------------------------------------------ state machine

    def _manager_on_duty(self):
        """The Incident Manager to call: from the roster (delegate or manager when the
        primary is on leave), else the company's Incident Manager on duty. Rosters do
        not follow working hours, so an incident raised out of hours still reaches a person."""
        self.ensure_one()
        now = fields.Datetime.now()
        entry = self.env["major.incident.roster"].sudo()._entry_for(self.team_id, self.company_id, now)
        if entry:
            return entry._on_duty(now)
        return self.company_id.mi_incident_manager_id

    def _report_unreachable(self, level, failures):
        """A person the ladder must call cannot be called: every Incident Manager hears of it
        at once, and the incident is flagged. The ladder goes on."""
        self.ensure_one()
        managers = self.env.ref("major_incident.group_mi_manager").sudo().user_ids.filtered("active")
        self.message_post(
            body=Markup("<p>%s</p><ul>%s</ul>")
            % (
                self.env._("%(level)s: these people could not be called.", level=level.name),
                Markup().join(Markup("<li>%s</li>") % reason for reason in failures.values()),
            ),
            subtype_xmlid="mail.mt_comment",
            partner_ids=managers.partner_id.ids,
        )

    def _report_no_ladder(self):
        """Nobody would be called: no policy applies, or its policy has no ladder. Every
        Incident Manager hears of it at once rather than from a breach later."""
        self.ensure_one()
        managers = self.env.ref("major_incident.group_mi_manager").sudo().user_ids.filtered("active")
        if self.policy_id:
            reason = self.env._("its policy %(policy)s has no escalation ladder", policy=self.policy_id.display_name)
        else:
            reason = self.env._(
                "no policy applies to it (set a policy set on the team or the company, with a policy for its severity)"
            )
        self.message_post(
            body=self.env._("Nobody is called for %(incident)s: %(reason)s.", incident=self.reference, reason=reason),
            subtype_xmlid="mail.mt_comment",
            partner_ids=managers.partner_id.ids,
        )

    def _check_move(self, action, label):
        """Refuse ``action`` from a state the vocabulary does not allow it from, or without
        the coding it requires."""
        allowed = vocabulary.allowed_from(action)
        labels = dict(self._fields["state"]._description_selection(self.env))
        for incident in self:
            if not vocabulary.can_move(incident.state, action):
                raise UserError(
                    self.env._(
                        "%(incident)s cannot be %(action)s: it is %(state)s, and only an incident "
                        "that is %(allowed)s can be.",
                        incident=incident.display_name,
                        action=label,
                        state=labels[incident.state],
                        allowed=", ".join(labels[state] for state in allowed),
                    )
                )
        if action in vocabulary.CODING_REQUIRED_FOR:
            self._check_coding()

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("major_incident.group_mi_manager"):
            raise AccessError(self.env._("Only an Incident Manager can do this."))

    def _check_coding(self):
        for incident in self:
            if not incident.coding_complete:
                missing = [
                    incident._fields[name].get_description(self.env)["string"]
                    for name in CODING_FIELDS
                    if not incident[name]
                ]
                raise UserError(
                    self.env._(
                        "Code %(incident)s before leaving triage (SOP step 4). Missing: %(missing)s.",
                        incident=incident.display_name,
                        missing=", ".join(missing),
                    )
                )

    def _move(self, vals):
        """Write a state move: the actions checked who may do it, the record takes it."""
        self.sudo().write(vals)

    def _declare(self):
        """An Incident Manager declares the incident: acknowledged at the same time."""
        self._check_manager()
        self._check_move("declare", self.env._("declared"))
        now = fields.Datetime.now()
        for incident in self:
            incident._move(
                {
                    "state": vocabulary.target_state("declare"),
                    "declared_at": now,
                    "incident_manager_id": incident.incident_manager_id.id or incident._acting_manager().id,
                }
            )
        self._acknowledge(now)
        self._on_declared()
        return True

    def action_acknowledge(self):
        """The Incident Manager takes the candidate: it is declared and goes to triage."""
        self._check_move("acknowledge", self.env._("acknowledged"))
        for incident in self:
            if not incident._may_acknowledge(self.env.user):
                raise AccessError(
                    self.env._(
                        "Only an Incident Manager or a person called for %(incident)s can acknowledge it.",
                        incident=incident.display_name,
                    )
                )
        now = fields.Datetime.now()
        for incident in self:
            incident._move(
                {
                    "state": vocabulary.target_state("acknowledge"),
                    "declared_at": incident.declared_at or now,
                    "incident_manager_id": incident.incident_manager_id.id or incident._acting_manager().id,
                }
            )
        # Anybody the ladder called may acknowledge (checked above), a director or IT
        # without the Incident Manager's rights included: what follows is the procedure's.
        self.sudo()._acknowledge(now)
        self.sudo()._on_declared()
        return True

    def _acting_manager(self):
        """Whoever acts takes the incident when it has no Incident Manager, unless they
        cannot be one (a script or a cron running as OdooBot)."""
        user = self.env.user
        return user if user._mi_can_manage() else user.browse()

    def _may_acknowledge(self, user):
        """The Incident Manager group, or anybody the ladder called for this incident."""
        self.ensure_one()
        return (
            self.env.su
            or user.has_group("major_incident.group_mi_manager")
            or user in self.sudo().escalation_ids.user_id
        )

    def _acknowledge(self, when):
        """Record the acknowledgment: the ladder stops and the response clock is met."""
        self._move({"acknowledged_at": when, "acknowledged_by_id": self.env.user.id})
        self.sudo().escalation_ids._stop(self.env.user, when)
        self._apply_clock_event("acknowledged", when)

    def _on_declared(self):
        """Schedule the policy's checklist and playbook."""
        for incident in self:
            policy = incident.policy_id
            for plan in policy.checklist_plan_id | policy.playbook_plan_id:
                incident._schedule_plan(plan)

    def _schedule_plan(self, plan):
        """Schedule ``plan``'s activities, responsible defaulting to the Incident Manager,
        each worded in its responsible's language."""
        self.ensure_one()
        responsible = self.incident_manager_id or self.env.user
        for template in plan.template_ids:
            user = template._determine_responsible(responsible, self)["responsible"] or responsible
            worded = template.with_context(lang=user.lang or self.env.lang)
            self.activity_schedule(
                activity_type_id=template.activity_type_id.id,
                summary=worded.summary,
                note=worded.note,
                user_id=user.id,
                date_deadline=template._get_date_deadline(),
            )
        self.message_post(body=self.env._("Plan %(plan)s scheduled.", plan=plan.name), subtype_xmlid="mail.mt_note")

    def action_dismiss(self, note=None):
        """Not a major incident after all: counts towards urgency misuse."""
        self._check_manager()
        self._check_move("dismiss", self.env._("dismissed"))
        now = fields.Datetime.now()
        self._move(
            {
                "state": vocabulary.target_state("dismiss"),
                "cancel_reason": "not_mi",
                "dismiss_note": note or False,
                "closed_at": now,
            }
        )
        self.sudo().escalation_ids._stop(self.env.user, now)
        self._apply_clock_event("dismissed", now)
        self._close_open_work(self.env._("Dismissed: not a major incident."))
        self._count_urgency_misuse()
        return True

    def action_open_dismiss_wizard(self):
        return self._wizard_action("major.incident.dismiss.wizard", self.env._("Dismiss as not a major incident"))

    def action_start_investigation(self):
        self._check_manager()
        self._check_move("start_investigation", self.env._("moved to investigation"))
        self._move({"state": vocabulary.target_state("start_investigation")})
        return True

    def action_mitigate(self):
        """A workaround is in place."""
        self._check_manager()
        self._check_move("mitigate", self.env._("moved to mitigation"))
        self._move({"state": vocabulary.target_state("mitigate")})
        return True

    def _brief_minutes(self):
        self.ensure_one()
        if self.policy_id:
            return self.policy_id.brief_interruption_minutes
        return self._policy_set().fallback_brief_minutes

    def action_resolve(self):
        """Service restored. Within the brief-interruption time of detection the
        incident is cancelled as a brief interruption (no debrief, no post-mortem)."""
        self._check_manager()
        self._check_move("resolve", self.env._("resolved"))
        now = fields.Datetime.now()
        for incident in self:
            minutes = incident._brief_minutes()
            if timing.is_brief_interruption(incident.detected_at, now, minutes):
                incident._resolve_brief(
                    now,
                    self.env._(
                        "Resolved within %(minutes)s minutes of detection: brief interruption. "
                        "Documented and communicated; no debrief or post-mortem.",
                        minutes=minutes,
                    ),
                )
            else:
                incident._move({"state": vocabulary.target_state("resolve"), "resolved_at": now})
                incident._apply_clock_event("resolved", now)
                incident._close_open_work(self.env._("Resolved."), everything=False)
                incident._notify_tickets_resolved()
        return True

    def _resolve_brief(self, resolved_at, note):
        self.ensure_one()
        self._move(
            {
                "state": vocabulary.target_state("resolve_brief"),
                "cancel_reason": "brief",
                "resolved_at": resolved_at,
                "closed_at": fields.Datetime.now(),
            }
        )
        self._apply_clock_event("brief_interruption", resolved_at)
        self._close_open_work(self.env._("Brief interruption: no further work on the incident."))
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        self._notify_tickets_resolved()

    def _notify_tickets_resolved(self):
        """Every linked ticket hears of the resolution, with how service was restored."""
        for incident in self.sudo():
            text = self.env._(
                "Major incident %(incident)s was resolved at %(time)s UTC.",
                incident=incident.display_name,
                time=fields.Datetime.to_string(incident.resolved_at)[:16],
            )
            body = Markup("<p>%s</p>") % text
            if incident.resolution_note:
                body += Markup("<p>%s</p>") % incident.resolution_note
            for ticket in incident.ticket_ids:
                ticket.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _close_open_work(self, reason, everything=True):
        """Close what the incident opened and no longer needs: its to-dos (done, with the
        reason) and a bridge call still going on. ``everything=False`` closes only the
        brief-interruption proposal, which a resolution answers."""
        now = fields.Datetime.now()
        for incident in self.sudo():
            activities = incident.activity_ids if everything else incident.brief_activity_id
            if activities:
                activities.action_feedback(feedback=reason)
            bridge = incident.bridge_event_id
            if everything and bridge and bridge.stop > now:
                bridge.stop = max(now, bridge.start)

    def action_close(self):
        self._check_manager()
        self._check_move("close", self.env._("closed"))
        now = fields.Datetime.now()
        self._move({"state": vocabulary.target_state("close"), "closed_at": now})
        self._apply_clock_event("closed", now)
        self._close_linked_tickets()
        return True

    def _close_linked_tickets(self):
        """Teams that ask for it see their linked tickets moved to their closing stage;
        a ticket a person already closed stays as it is."""
        for incident in self.sudo():
            for team, tickets in incident.ticket_ids.grouped("team_id").items():
                if not team.mi_close_linked_tickets:
                    continue
                closing = team._get_applicable_stages().filtered("closed")[:1]
                still_open = tickets.filtered(lambda t: not t.stage_id.closed)
                if closing and still_open:
                    still_open.write({"stage_id": closing.id})

    def _wizard_action(self, res_model, name):
        """A dialog of ``res_model`` about this incident."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": res_model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_incident_id": self.id},
        }

    def action_open_postmortem(self):
        """Open the incident's post-mortem, creating it on first use, titled after the incident."""
        self.ensure_one()
        self._check_manager()
        if self.state not in ("resolved", "closed"):
            raise UserError(self.env._("%(incident)s gets its post-mortem once resolved.", incident=self.display_name))
        postmortem = self.postmortem_id or self.env["major.incident.postmortem"].create({"incident_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": "major.incident.postmortem",
            "res_id": postmortem.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------ clocks

    def _apply_clock_event(self, event, when=None, next_due=None):
        """Meet, cancel, restart and open clocks as the engine's table says for ``event``.
        ``next_due``: when a restarted clock falls due (an update's announced next update),
        else after the policy's target."""
        when = when or fields.Datetime.now()
        rules = clock_rules.effects(event)
        clocks = self.sudo().clock_ids
        if rules.get("meet"):
            clocks.filtered(lambda c: c.kind in rules["meet"])._meet(when)
        if rules.get("cancel"):
            clocks.filtered(lambda c: c.kind in rules["cancel"])._cancel()
        if rules.get("restart"):
            self._restart_clocks(rules["restart"], when, next_due)
        if rules.get("open"):
            self._open_clocks(rules["open"], when)

    def _calendar(self):
        """Business time of the policy, else of the company."""
        self.ensure_one()
        return self.policy_id.resource_calendar_id or self.company_id.resource_calendar_id

    def _response_minutes(self):
        """The response target: by customer tier when the policy set defines one
        (in or out of the calendar's business hours at detection), else the policy's."""
        self.ensure_one()
        default = self.policy_id.response_minutes or self._policy_set().fallback_response_minutes
        policy_set = self.policy_id.policy_set_id
        tier = self.commercial_partner_id.mi_support_tier
        if not policy_set.response_target_ids or not tier:
            return default
        targets = {t.tier: (t.business_hours_minutes, t.outside_hours_minutes) for t in policy_set.response_target_ids}
        in_hours = self._calendar()._mi_is_working_time(self.detected_at or fields.Datetime.now())
        return timing.response_minutes_for_tier(targets, tier, in_hours, default)

    def _open_clocks(self, kinds, start=None):
        """Open ``kinds`` clocks from the policy; an escalation clock calls its first level at once."""
        clocks = self.env["major.incident.clock"].sudo()._open(self.sudo(), kinds, start)
        escalations = clocks.filtered(lambda c: c.kind == "escalation")
        if escalations:
            escalations._start_ladder()
        return clocks

    def _restart_clocks(self, kinds, when, next_due=None):
        """A cadence starts again: the clocks of ``kinds`` are met at ``when`` and, while the
        incident is open, start anew from it, due at ``next_due`` or after the policy's target."""
        for incident in self.sudo():
            incident.clock_ids.filtered(lambda c: c.kind in kinds)._meet(when)
            if incident.state not in vocabulary.ACTIVE_STATES:
                continue
            restarted = incident._open_clocks(kinds, when)
            if restarted and next_due:
                restarted.write({"target_minutes": max((next_due - when).total_seconds() / 60.0, 1.0)})
                restarted._replan()

    def _replan_clocks(self):
        """Severity or policy changed: open clocks take the new targets, counted from their start."""
        clocks = self.sudo().clock_ids.filtered(
            lambda c: c.state in clock_rules.OPEN_STATES and c.kind in clock_rules.REPLANNED_KINDS
        )
        model = self.env["major.incident.clock"].sudo()
        undefined = model
        for clock in clocks:
            target = model._target_for(clock.incident_id, clock.kind)
            if target:
                clock.target_minutes, clock.business_time = target
            else:
                undefined |= clock
        if undefined:
            undefined._cancel()
            labels = dict(model._fields["kind"]._description_selection(self.env))
            for incident, cancelled in undefined.grouped("incident_id").items():
                incident.message_post(
                    body=self.env._(
                        "Policy %(policy)s sets no target for %(clocks)s: cancelled.",
                        policy=incident.policy_id.display_name or "-",
                        clocks=", ".join(labels[c.kind] for c in cancelled),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        clocks = clocks - undefined
        clocks.filtered(lambda c: c.state == "running")._replan()
        for clock in clocks.filtered(lambda c: c.state == "paused"):
            clock.deadline = clock._compute_deadline()

    def _on_update_due(self):
        """An update fell due and nothing was sent: send the holding update when the policy says so."""
        self.ensure_one()
        if not self.policy_id.auto_holding_update:
            return False
        return self._send_holding_update()

    def action_pause_clocks(self, reason):
        """Externally controlled incident: the recovery clocks wait on the client or vendor."""
        self._check_manager()
        for incident in self:
            if incident.control != "external":
                raise UserError(
                    self.env._(
                        "Only an incident restored by the client or a third party can be put on hold: "
                        "%(incident)s is restored by us.",
                        incident=incident.display_name,
                    )
                )
            if not reason:
                raise UserError(self.env._("Say what the incident is waiting for."))
            if not incident.sudo().clock_ids._pause(reason):
                raise UserError(
                    self.env._(
                        "%(incident)s has no running recovery clock to put on hold.", incident=incident.display_name
                    )
                )
            incident.message_post(
                body=self.env._("Recovery clocks on hold: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_resume_clocks(self):
        self._check_manager()
        for incident in self:
            resumed = incident.sudo().clock_ids._resume()
            if not resumed:
                raise UserError(self.env._("%(incident)s has no clock on hold.", incident=incident.display_name))
            incident.message_post(
                body=self.env._(
                    "Recovery clocks resumed; new deadlines: %(deadlines)s",
                    deadlines=", ".join(f"{c.kind} {fields.Datetime.to_string(c.deadline)}" for c in resumed),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------ urgency misuse (urgent-support policy)

    def _count_urgency_misuse(self):
        """Customer-reported candidates dismissed as not urgent count against the customer,
        who is flagged for coaching past the company's threshold."""
        reported = self.filtered(
            lambda i: (
                i.cancel_reason == "not_mi" and i.source in vocabulary.CUSTOMER_SOURCES and i.commercial_partner_id
            )
        )
        if reported:
            reported.commercial_partner_id._mi_check_urgency_misuse()
