from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from ..engine import vocabulary


class MajorIncident(models.Model):
    """Coordination of the incident: the bridge call (SOP step 3) and disaster recovery
    (SOP step 10 and 2.1)."""

    _inherit = "major.incident"  # pylint: disable=consider-merging-classes-inherited  # one concern a file

    def action_open_bridge_wizard(self):
        return self._wizard_action("major.incident.bridge.wizard", self.env._("Open bridge call"))

    def _bridge_partners(self):
        """The Incident Manager and everybody the escalation ladder has called so far."""
        self.ensure_one()
        return (self.incident_manager_id | self.sudo().escalation_ids.user_id).partner_id

    def _open_bridge(self, experts=None, hours=1.0, video_url=None):
        """Create the bridge call: a calendar event starting now with the Incident Manager,
        the people the ladder reached and the subject-matter experts, on ``video_url``
        (default: the team's meeting URL; empty: Odoo's own meeting link), announced in the
        chatter. The invitations are Odoo calendar's own e-mails."""
        self.ensure_one()
        self._check_manager()
        if self.state not in vocabulary.ACTIVE_STATES:
            raise UserError(self.env._("%(incident)s is no longer open: no bridge call.", incident=self.display_name))
        now = fields.Datetime.now()
        organizer = self.incident_manager_id or self.env.user
        partners = self._bridge_partners() | (experts or self.env["res.partner"])
        url = self.team_id.mi_bridge_url if video_url is None else video_url
        event = self.env["calendar.event"].create(
            {
                "name": self.env._("Bridge: %(incident)s", incident=self.display_name),
                "start": now,
                "stop": now + timedelta(hours=hours or 1.0),
                "user_id": organizer.id,
                "partner_ids": [Command.set(partners.ids)],
                "videocall_location": url or False,
                "res_model_id": self.env["ir.model"]._get_id(self._name),
                "res_id": self.id,
                "description": Markup("<p>%s</p>")
                % self.env._("Major incident %(incident)s", incident=self.display_name),
            }
        )
        if not url:
            event._set_discuss_videocall_location()
        # Calendar invites on creation only for future events; the bridge starts now.
        event.attendee_ids._send_invitation_emails()
        self.bridge_event_id = event
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
        self._check_manager()
        for incident in self:
            event = incident.bridge_event_id
            if not event:
                raise UserError(self.env._("%(incident)s has no bridge call.", incident=incident.display_name))
            event.stop = max(event.stop, fields.Datetime.now()) + timedelta(hours=1)
            incident.message_post(
                body=self.env._("Bridge call extended until %(stop)s UTC.", stop=fields.Datetime.to_string(event.stop)),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------ disaster recovery (SOP step 10, 2.1)

    def action_declare_dr(self):
        """IT declares a disaster recovery event: who, when and the DR partner and site are
        recorded, the DR failover clocks start, and the Incident Manager and the support
        team are told ("IT must inform the IM and Support group once DR has been activated")."""
        if not self.env.su and not self.env.user.has_group("major_incident.group_mi_it"):
            raise AccessError(self.env._("Only IT can declare a disaster recovery event."))
        for incident in self:
            if incident.state not in vocabulary.ACTIVE_STATES:
                raise UserError(
                    self.env._("%(incident)s is no longer open: no disaster recovery.", incident=incident.display_name)
                )
            if incident.dr_declared_at:
                raise UserError(
                    self.env._(
                        "Disaster recovery was already declared for %(incident)s at %(time)s UTC.",
                        incident=incident.display_name,
                        time=fields.Datetime.to_string(incident.dr_declared_at),
                    )
                )
        now = fields.Datetime.now()
        declared_by = self.env.user
        # IT need not be an Incident Manager: the group check above is what allows this.
        for incident in self.sudo():
            company = incident.company_id
            incident.write(
                {
                    "dr_declared_at": now,
                    "dr_declared_by_id": declared_by.id,
                    "dr_partner": company.mi_dr_partner,
                    "dr_site": company.mi_dr_site,
                }
            )
            incident._apply_clock_event("dr_declared", now)
            incident._notify_dr()
        return True

    def _dr_summary(self):
        self.ensure_one()
        policy = self.policy_id
        return self.env._(
            "Disaster recovery declared by %(user)s at %(time)s UTC with %(partner)s (%(site)s). "
            "Failover targets: RTO %(rto)s min, RPO %(rpo)s min.",
            user=self.dr_declared_by_id.name,
            time=fields.Datetime.to_string(self.dr_declared_at),
            partner=self.dr_partner or "-",
            site=self.dr_site or "-",
            rto=policy.dr_rto_minutes,
            rpo=policy.dr_rpo_minutes,
        )

    def _dr_update_draft(self):
        """The internal update a DR declaration calls for ("IT must inform the IM and
        Support group"), offered in Send Update until an internal update has gone out."""
        self.ensure_one()
        incident = self.sudo()
        declared_at = incident.dr_declared_at
        if not declared_at or incident.update_ids.filtered(
            lambda update: update.kind == "internal" and update.sent_at and update.sent_at >= declared_at
        ):
            return {}
        policy = incident.policy_id
        return {
            "findings": incident._dr_summary(),
            "actions_taken": self.env._(
                "Failover to %(site)s activated.", site=incident.dr_site or self.env._("the DR site")
            ),
            "next_steps": self.env._(
                "Confirm services run on the DR site within %(rto)s minutes and that no more than "
                "%(rpo)s minutes of data were lost; plan the switch back once the primary site is "
                "restored.",
                rto=policy.dr_rto_minutes,
                rpo=policy.dr_rpo_minutes,
            ),
        }

    def _notify_dr(self):
        """Chatter note to the Incident Manager and the team, and an activity for the IM."""
        self.ensure_one()
        text = self._dr_summary()
        recipients = (self.incident_manager_id | self.team_id.user_ids).partner_id
        self.message_post(body=Markup("<p>%s</p>") % text, subtype_xmlid="mail.mt_note", partner_ids=recipients.ids)
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
