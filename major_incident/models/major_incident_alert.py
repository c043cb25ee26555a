from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError

from ..engine import alert_grouping, alerts


class MajorIncident(models.Model):
    """What uptime monitors report on an open incident: repeats, recoveries and the
    brief-interruption outcome they may propose."""

    _inherit = "major.incident"  # pylint: disable=consider-merging-classes-inherited  # one concern a file

    brief_activity_id = fields.Many2one(
        "mail.activity",
        "Brief interruption proposal",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The one open to-do that proposes the brief-interruption outcome: a flapping "
        "monitor does not add another.",
    )
    alert_noted_at = fields.Datetime(
        "Last alert note",
        readonly=True,
        copy=False,
        help="When a repeated alert was last noted: repeats are noted once per interval.",
    )
    alert_line_ids = fields.One2many("major.incident.alert.line", "incident_id", "Alerts", readonly=True)

    def _alert_note(self, text, alert):
        body = Markup("<p>%s</p>") % text
        if alert.message:
            body += Markup("<p>%s</p>") % alert.message
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _alerts_reported(self, source, reported, now):
        """The alerts of one payload that concern this open incident, as (alert, time,
        result): the last of them says whether the monitored service is down or up again;
        alerts held by the page cap are noted as such. Notes are few, whatever the number
        of alerts: every alert is on its alert line."""
        self.ensure_one()
        held = [alert for alert, _at, result in reported if result == alert_grouping.HELD]
        if held:
            self._alerts_held(source, held, now)
        events = [(alert, at, result) for alert, at, result in reported if result != alert_grouping.HELD]
        if not events:
            return
        last_alert, last_at, _result = events[-1]
        # Alerts grouped into the incident this payload opened are told in its description.
        repeats = sum(1 for _alert, _at, result in events if result == alert_grouping.UPDATED)
        if last_alert.event == alerts.UP:
            self._alert_recovered(source, last_alert, last_at)
        elif repeats:
            self._alert_repeated(source, last_alert, last_at, now, repeats)

    def _alerts_held(self, source, held, now):
        if not alert_grouping.note_due(self.alert_noted_at or None, now):
            return
        self.sudo().alert_noted_at = now
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "%(monitor_source)s reports %(count)s more outages (%(monitors)s). %(person)s was "
                "paged %(cap)s times within %(minutes)s minutes: they are held on this incident "
                "rather than paging again, and listed with its alerts.",
                monitor_source=source.name,
                count=len(held),
                monitors=", ".join(alert.title for alert in held[:10]) + (", …" if len(held) > 10 else ""),
                person=self.incident_manager_id.name or "",
                cap=alert_grouping.PAGE_CAP,
                minutes=int(alert_grouping.PAGE_WINDOW.total_seconds() // 60),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _alert_repeated(self, source, alert, at, now, count=1):
        """The monitor reports the outage again: a recovery reported before is void; noted
        at most once per note interval, so that a monitor repeating itself does not bury
        the chatter."""
        self.ensure_one()
        self.sudo().alert_recovered_at = False
        if not alert_grouping.note_due(self.alert_noted_at or None, now):
            return
        self.sudo().alert_noted_at = now
        text = self.env._(
            "%(monitor_source)s reports %(monitor)s down again at %(time)s UTC.",
            monitor_source=source.name,
            monitor=alert.title,
            time=fields.Datetime.to_string(at),
        )
        if count > 1:
            text += " " + self.env._("%(count)s alerts in this report.", count=count)
        self._alert_note(text, alert)

    def _alert_recovered(self, source, alert, recovered_at):
        """The monitor reports recovery: recorded, and when within the brief-interruption time
        of detection the Incident Manager is offered that outcome. It resolves nothing by
        itself: the Incident Manager confirms service with the customers (SOP step 6)."""
        self.ensure_one()
        self.sudo().alert_recovered_at = recovered_at
        self.sudo().alert_noted_at = False
        self._alert_note(
            self.env._(
                "%(monitor_source)s reports %(monitor)s up again at %(time)s UTC.",
                monitor_source=source.name,
                monitor=alert.title,
                time=fields.Datetime.to_string(recovered_at),
            ),
            alert,
        )
        if self.brief_proposed and self.incident_manager_id and not self.brief_activity_id:
            self.sudo().brief_activity_id = self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Brief interruption? Monitor recovered"),
                note=Markup("<p>%s</p>")
                % self.env._(
                    "%(monitor)s recovered %(minutes)s minutes after detection, within the "
                    "brief-interruption time of %(limit)s minutes. Confirm service with the "
                    "customers, then resolve it as a brief interruption.",
                    monitor=alert.title,
                    minutes=int((recovered_at - self.detected_at).total_seconds() // 60),
                    limit=self._brief_minutes(),
                ),
                user_id=self.incident_manager_id.id,
            )

    def action_resolve_brief_interruption(self):
        """The Incident Manager accepts the monitor's recovery as the resolution: documented
        as a brief interruption, with no debrief or post-mortem."""
        self._check_manager()
        self._check_move("resolve_brief", self.env._("resolved as a brief interruption"))
        for incident in self:
            if not incident.brief_proposed:
                raise UserError(
                    self.env._(
                        "%(incident)s has no monitor recovery within %(minutes)s minutes of detection.",
                        incident=incident.display_name,
                        minutes=incident._brief_minutes(),
                    )
                )
        now = fields.Datetime.now()
        candidates = self.filtered(lambda i: i.state == "candidate")
        if candidates:
            candidates._acknowledge(now)
        for incident in self:
            incident._resolve_brief(
                incident.alert_recovered_at,
                self.env._(
                    "Resolved as a brief interruption: the monitor reported recovery at %(time)s UTC. "
                    "Documented and communicated; no debrief or post-mortem.",
                    time=fields.Datetime.to_string(incident.alert_recovered_at),
                ),
            )
        return True
