import hashlib
import secrets

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain

from ..engine import alerts, vocabulary

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

    def _receive(self, received):
        """Record parsed alerts: an outage opens a candidate, the same alert again while its
        incident is open (from any source of the company) adds to its chatter, a recovery is
        noted on it. Returns one result per alert."""
        self.ensure_one()
        now = fields.Datetime.now()
        # Writing the source locks its row: a concurrent request from the same source waits,
        # then fails to serialize and is retried by Odoo on a fresh snapshot, where it finds
        # the incident this one opened. The same alert twice is one incident.
        self.sudo().last_alert_at = now
        self.flush_recordset(["last_alert_at"])
        fingerprints = {alert.fingerprint for alert in received}
        open_incidents = self._open_incidents(fingerprints)
        new_alerts = {}
        for alert in received:
            if alert.event == alerts.DOWN and alert.fingerprint not in open_incidents:
                new_alerts.setdefault(alert.fingerprint, alert)
        open_incidents.update(self._open_candidates(list(new_alerts.values()), now))
        results = []
        for alert in received:
            incident = open_incidents.get(alert.fingerprint)
            if not incident or not alert.event:
                result = "ignored"
            elif new_alerts.get(alert.fingerprint) is alert:
                result = "created"
            elif alert.event == alerts.DOWN:
                incident._alert_repeated(self, alert, now)
                result = "updated"
            else:
                incident._alert_recovered(self, alert, now)
                result = "updated"
            results.append(
                {
                    "incident": incident.reference if incident and result != "ignored" else None,
                    "result": result,
                    "event": alert.event,
                    "fingerprint": alert.fingerprint,
                }
            )
        return results

    def _open_incidents(self, fingerprints):
        """{fingerprint: open incident} of the company; a candidate merged into another
        incident hands its alerts on to it."""
        incidents = self.env["major.incident"].search(
            Domain("company_id", "=", self.company_id.id)
            & Domain("alert_fingerprint", "in", list(fingerprints))
            & (
                Domain("state", "in", vocabulary.ACTIVE_STATES)
                | Domain("merged_into_id.state", "in", vocabulary.ACTIVE_STATES)
            ),
            order="id",
        )
        found = {}
        for incident in incidents:
            target = incident if incident.state in vocabulary.ACTIVE_STATES else incident.merged_into_id
            if incident.state in vocabulary.ACTIVE_STATES or incident.alert_fingerprint not in found:
                found[incident.alert_fingerprint] = target
        return found

    def _open_candidates(self, new_alerts, now):
        """{fingerprint: incident} of the candidates opened for ``new_alerts``."""
        if not new_alerts:
            return {}
        incidents = (
            self.env["major.incident"]
            .with_company(self.company_id)
            ._raise(
                [
                    {
                        "name": self.env._("%(monitor)s is down", monitor=alert.title),
                        "description": self._alert_html(alert),
                        "company_id": self.company_id.id,
                        "team_id": self.team_id.id,
                        "source": "monitoring",
                        "detected_at": min(alert.at or now, now),
                        "severity": self.severity,
                        "system_id": self.system_id.id,
                        "alert_source_id": self.id,
                        "alert_fingerprint": alert.fingerprint,
                    }
                    for alert in new_alerts
                ]
            )
        )
        return {incident.alert_fingerprint: incident for incident in incidents}

    def _alert_html(self, alert):
        body = Markup("<p>%s</p>") % self.env._(
            "%(monitor_source)s reported %(monitor)s down.", monitor_source=self.name, monitor=alert.title
        )
        if alert.message:
            body += Markup("<p>%s</p>") % alert.message
        if alert.url.startswith(("http://", "https://")):
            body += Markup('<p><a href="%s" target="_blank">%s</a></p>') % (alert.url, alert.url)
        return body
