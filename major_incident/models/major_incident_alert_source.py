import hashlib
import secrets

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

from ..engine import alert_grouping, vocabulary

ALERT_FORMATS = [
    ("uptime_kuma", "Uptime Kuma"),
    ("uptimerobot", "UptimeRobot"),
    ("alertmanager", "Prometheus Alertmanager"),
    ("generic", "Generic JSON"),
]
ROUTE = "/major_incident/alert"


def hash_token(token):
    """Tokens are kept as their SHA-256 digest: a database dump does not reveal them."""
    return hashlib.sha256(token.encode()).hexdigest()


class MajorIncidentAlertSource(models.Model):
    """An uptime monitor allowed to post alerts (SOP step 1: "Uptime monitoring").

    Its secret token is shown once, when generated; only its digest is stored."""

    _name = "major.incident.alert.source"
    _description = "Major Incident Alert Source"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    payload_format = fields.Selection(
        ALERT_FORMATS,
        "Format",
        required=True,
        default="uptime_kuma",
        help="The webhook payload the monitor sends, as its tool documents it.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    team_id = fields.Many2one("helpdesk.ticket.team", check_company=True, help="The team of the incidents it opens.")
    severity = fields.Selection(
        vocabulary.SEVERITIES,
        required=True,
        default=vocabulary.DEFAULT_SEVERITY,
        help="The severity of the candidates it opens.",
    )
    system_id = fields.Many2one(
        "major.incident.code",
        domain=[("kind", "=", "system")],
        help="The system its alerts concern, coded on the incidents it opens.",
    )
    token_hash = fields.Char(copy=False, index=True, groups="base.group_system")
    token_set_at = fields.Datetime("Token generated at", copy=False, readonly=True)
    last_alert_at = fields.Datetime("Last alert", copy=False, readonly=True)
    endpoint = fields.Char(compute="_compute_endpoint")
    incident_ids = fields.One2many("major.incident", "alert_source_id", "Incidents")
    incident_count = fields.Integer(compute="_compute_incident_count")

    _token_hash_unique = models.UniqueIndex("(token_hash) WHERE token_hash IS NOT NULL")

    def _compute_endpoint(self):
        # get_base_url() takes one record: each source's own (its company's website, when
        # there is one).
        for source in self:
            source.endpoint = f"{source.get_base_url()}{ROUTE}/<token>"

    @api.depends("incident_ids")
    def _compute_incident_count(self):
        counts = dict(
            self.env["major.incident"]._read_group(
                Domain("alert_source_id", "in", self.ids), ["alert_source_id"], ["__count"]
            )
        )
        for source in self:
            source.incident_count = counts.get(source, 0)

    # ------------------------------------------------------------------ token

    def action_rotate_token(self):
        """Generate a new token (the previous one stops working) and show it once."""
        self.ensure_one()
        # A new token silently cuts off the monitor that holds the old one.
        if not self.env.su and not self.env.user.has_group("major_incident.group_mi_admin"):
            raise AccessError(self.env._("Only a Major Incident administrator can rotate an alert token."))
        token = secrets.token_urlsafe(32)
        self.sudo().write({"token_hash": hash_token(token), "token_set_at": fields.Datetime.now()})
        return {
            "type": "ir.actions.act_window",
            "res_model": "major.incident.alert.token.show",
            "name": self.env._("Alert URL of %(monitor_source)s", monitor_source=self.name),
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_url": f"{self.get_base_url()}{ROUTE}/{token}"},
        }

    @api.model
    def _find_by_token(self, token):
        """The active source holding ``token``, or an empty recordset."""
        if not token:
            return self.browse()
        return self.sudo().search([("token_hash", "=", hash_token(token))], limit=1)

    def action_view_incidents(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Incidents from %(monitor_source)s", monitor_source=self.name),
            "res_model": "major.incident",
            "view_mode": "list,form",
            "domain": [("alert_source_id", "=", self.id)],
        }

    # ------------------------------------------------------------------ alerts

    def _receive(self, received, group=None, payload=None, received_at=None):
        """Record parsed alerts, one alert line each: an outage opens a candidate (the
        alerts of one ``group`` share it), the same alert again while its incident is open
        (from any source of the company) is added to it, a recovery is noted on it. Beyond
        the page cap, alerts that would open an incident are held on the paged person's
        latest one. Returns one result per alert."""
        self.ensure_one()
        now = fields.Datetime.now()
        received_at = min(received_at or now, now)
        # Writing the source locks its row: a concurrent transaction processing the same
        # source waits, then fails to serialize and is retried on a fresh snapshot, where it
        # finds the incident this one opened; the unique index of open alert identifiers
        # backs it. The same alert twice is one incident.
        self.sudo().last_alert_at = now
        self.flush_recordset(["last_alert_at"])
        keys = {alert.fingerprint for alert in received} | ({group} if group else set())
        open_incidents = self._open_incidents(keys)
        routes = alert_grouping.route(received, group, set(open_incidents))
        times = [alert_grouping.alert_time(alert.at, received_at, self.create_date) for alert in received]
        held_keys = self._open_routed(received, routes, times, open_incidents, now)
        lines, by_incident = [], {}
        for alert, routed, (at, replaced) in zip(received, routes, times, strict=True):
            incident = open_incidents.get(routed.key) if routed.key else None
            result = alert_grouping.HELD if routed.key in held_keys else routed.result
            lines.append(
                {
                    "payload_id": payload.id if payload else False,
                    "source_id": self.id,
                    "company_id": self.company_id.id,
                    "incident_id": incident.id if incident else False,
                    "fingerprint": alert.fingerprint,
                    "event": alert.event,
                    "result": result,
                    "title": alert.title,
                    "message": alert.message,
                    "alerted_at": at,
                    "reported_time": alert.at.isoformat(sep=" ") if replaced else False,
                }
            )
            if incident and result != alert_grouping.CREATED:
                by_incident.setdefault(incident, []).append((alert, at, result))
        self.env["major.incident.alert.line"].sudo().create(lines)
        for incident, reported in by_incident.items():
            incident._alerts_reported(self, reported, now)
        return [
            {
                "incident": open_incidents[routed.key].reference if routed.key in open_incidents else None,
                "result": line["result"],
                "event": alert.event,
                "fingerprint": alert.fingerprint,
            }
            for alert, routed, line in zip(received, routes, lines, strict=True)
        ]

    def _open_routed(self, received, routes, times, open_incidents, now):
        """Open the candidates the routes create, within the page cap of the person they
        would page; add them to ``open_incidents``. Returns the keys held instead, which
        ``open_incidents`` maps to that person's latest open incident."""
        openers, members = {}, {}
        for alert, routed, (at, _replaced) in zip(received, routes, times, strict=True):
            if routed.result == alert_grouping.CREATED:
                openers[routed.key] = (alert, at)
            if routed.result in (alert_grouping.CREATED, alert_grouping.GROUPED):
                members[routed.key] = members.get(routed.key, 0) + 1
        if not openers:
            return set()
        keys = list(openers)
        manager = self._manager_to_page()
        allowed, held = keys, []
        overflow = self.env["major.incident"]
        if manager:
            allowed, held = alert_grouping.split_by_page_cap(keys, self._pages_in_window(manager, now))
            overflow = self._overflow_incident(manager) if held else overflow
            if held and not overflow:
                # Nothing open to hold them on: one more incident, the rest held on it.
                allowed, held = allowed + held[:1], held[1:]
        open_incidents.update(self._open_candidates([(key, *openers[key], members[key]) for key in allowed]))
        if held:
            overflow = overflow or open_incidents[allowed[-1]]
            open_incidents.update(dict.fromkeys(held, overflow))
        return set(held)

    def _manager_to_page(self):
        """The Incident Manager a new candidate of this source would page, if any."""
        incident = self.env["major.incident"].new({"company_id": self.company_id.id, "team_id": self.team_id.id})
        manager = incident._manager_on_duty()
        return manager if manager._mi_can_manage() else manager.browse()

    def _pages_in_window(self, manager, now):
        return (
            self.env["major.incident.escalation"]
            .sudo()
            .search_count(
                Domain("user_id", "=", manager.id) & Domain("contacted_at", ">=", now - alert_grouping.PAGE_WINDOW)
            )
        )

    def _overflow_incident(self, manager):
        return self.env["major.incident"].search(
            Domain("company_id", "=", self.company_id.id)
            & Domain("source", "=", "monitoring")
            & Domain("incident_manager_id", "=", manager.id)
            & Domain("state", "in", vocabulary.ACTIVE_STATES),
            order="id desc",
            limit=1,
        )

    def _open_incidents(self, fingerprints):
        """{alert identifier: open incident} of the company, by the incident's identifier
        or by an alert it grouped; a candidate merged into another incident hands its
        alerts on to it."""
        fingerprints = list(fingerprints)
        still_open = Domain("state", "in", vocabulary.ACTIVE_STATES) | Domain(
            "merged_into_id.state", "in", vocabulary.ACTIVE_STATES
        )
        incidents = self.env["major.incident"].search(
            Domain("company_id", "=", self.company_id.id)
            & Domain("alert_fingerprint", "in", fingerprints)
            & still_open,
            order="id",
        )
        lines = (
            self.env["major.incident.alert.line"]
            .sudo()
            .search(
                Domain("company_id", "=", self.company_id.id)
                & Domain("fingerprint", "in", fingerprints)
                & Domain("incident_id", "any", still_open),
                order="id",
            )
        )
        found = {}
        for fingerprint, incident in [(line.fingerprint, line.incident_id) for line in lines] + [
            (incident.alert_fingerprint, incident) for incident in incidents
        ]:
            target = incident if incident.state in vocabulary.ACTIVE_STATES else incident.merged_into_id
            if incident.state in vocabulary.ACTIVE_STATES or fingerprint not in found:
                found[fingerprint] = target
        return found

    def _open_candidates(self, openers):
        """{key: incident} of the candidates opened for ``openers``: (key, the alert that
        opens it, its time, how many alerts of the payload it groups)."""
        if not openers:
            return {}
        incidents = (
            self.env["major.incident"]
            .with_company(self.company_id)
            ._raise(
                [
                    {
                        "name": self.env._("%(monitor)s is down", monitor=alert.title),
                        "description": self._alert_html(alert, members),
                        "company_id": self.company_id.id,
                        "team_id": self.team_id.id,
                        "source": "monitoring",
                        "detected_at": at,
                        "severity": self.severity,
                        "system_id": self.system_id.id,
                        "alert_source_id": self.id,
                        "alert_fingerprint": key,
                    }
                    for key, alert, at, members in openers
                ]
            )
        )
        return {incident.alert_fingerprint: incident for incident in incidents}

    def _alert_html(self, alert, members=1):
        body = Markup("<p>%s</p>") % self.env._(
            "%(monitor_source)s reported %(monitor)s down.", monitor_source=self.name, monitor=alert.title
        )
        if members > 1:
            body += Markup("<p>%s</p>") % self.env._(
                "%(count)s alerts of one group were reported together: all are listed on the incident.",
                count=members,
            )
        if alert.message:
            body += Markup("<p>%s</p>") % alert.message
        if alert.url.startswith(("http://", "https://")):
            body += Markup('<p><a href="%s" target="_blank">%s</a></p>') % (alert.url, alert.url)
        return body
