from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError


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

    def _alert_note(self, text, alert):
        body = Markup("<p>%s</p>") % text
        if alert.message:
            body += Markup("<p>%s</p>") % alert.message
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _alert_repeated(self, source, alert, now):
        """The monitor reports the outage again: noted; a recovery reported before is void."""
        self.ensure_one()
        self.sudo().alert_recovered_at = False
        self._alert_note(
            self.env._(
                "%(monitor_source)s reports %(monitor)s down again at %(time)s UTC.",
                monitor_source=source.name,
                monitor=alert.title,
                time=fields.Datetime.to_string(min(alert.at or now, now)),
            ),
            alert,
        )

    def _alert_recovered(self, source, alert, now):
        """The monitor reports recovery: recorded, and when within the brief-interruption time
        of detection the Incident Manager is offered that outcome. It resolves nothing by
        itself: the Incident Manager confirms service with the customers (SOP step 6)."""
        self.ensure_one()
        recovered_at = min(alert.at or now, now)
        self.sudo().alert_recovered_at = recovered_at
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
