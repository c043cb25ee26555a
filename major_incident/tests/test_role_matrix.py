"""Role matrix: every action a role has in the UI, done as a user holding only that
role's groups, with what it may do and what it is refused.

One table (``MATRIX``) names, for each action, the outcome for each role; each row runs
in a savepoint of its own, on a fixture built as the superuser, with an empty cache (as
a request starts), then as the role's user."""

import socket
from collections import namedtuple
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.base.models.ir_mail_server import IrMail_Server

from .communications_common import CommunicationsCase

ROLES = ("support", "own", "mi_user", "im", "it", "admin", "portal")
OK = "ok"
# Refused, whichever way: an AccessError (rights) or a UserError (a rule of the procedure).
REFUSED = "refused"
A, U, R = AccessError, UserError, REFUSED

# Outcomes per role, in the order of ROLES.
HELPDESK_ROLES = (OK, OK, OK, OK, OK, OK, A)
MANAGERS = (A, A, A, OK, A, OK, A)
MI_READERS = (A, A, OK, OK, OK, OK, A)
NOBODY = (R, R, R, R, R, R, R)

MATRIX = [
    # (action, its outcome for support, own, mi_user, im, it, admin, portal)
    ("create_low_ticket", HELPDESK_ROLES),
    ("create_very_high_ticket", HELPDESK_ROLES),
    ("write_ticket", HELPDESK_ROLES),
    ("edit_ticket_in_form", HELPDESK_ROLES),
    ("raise_ticket_to_very_high", HELPDESK_ROLES),
    ("link_ticket_to_incident", HELPDESK_ROLES),
    ("link_ticket_new_candidate", HELPDESK_ROLES),
    ("request_executive_escalation", (OK, OK, OK, OK, OK, OK, U)),
    ("declare_from_ticket", MANAGERS),
    ("declare_candidate_from_ticket", MANAGERS),
    ("declare_wizard", MANAGERS),
    ("acknowledge", MANAGERS),
    ("dismiss_wizard", MANAGERS),
    ("start_investigation", MANAGERS),
    ("mitigate", MANAGERS),
    ("resolve", MANAGERS),
    ("resolve_brief_interruption", MANAGERS),
    ("close", MANAGERS),
    ("merge_into_duplicate", MANAGERS),
    ("write_severity", MANAGERS),
    ("write_coding", MANAGERS),
    ("edit_triage_in_form", MANAGERS),
    ("send_update", MANAGERS),
    ("send_resolution_confirmation", MANAGERS),
    ("retry_delivery", MANAGERS),
    ("open_bridge", MANAGERS),
    ("extend_bridge", MANAGERS),
    ("declare_dr", (A, A, A, A, OK, A, A)),
    ("pause_clocks", MANAGERS),
    ("resume_clocks", MANAGERS),
    ("open_postmortem", MANAGERS),
    ("record_debrief", MANAGERS),
    ("publish_postmortem", MANAGERS),
    ("rotate_alert_token", (A, A, A, A, A, OK, A)),
    ("read_incident", HELPDESK_ROLES),
    ("read_clocks", MI_READERS),
    ("read_escalations", MI_READERS),
    ("read_updates", MI_READERS),
    ("read_postmortem", MI_READERS),
    ("read_other_customer_ticket_mi", (OK, A, OK, OK, OK, OK, A)),
    ("read_ticket_exec_escalation", HELPDESK_ROLES),
    ("write_state", NOBODY),
    ("write_detected_at", NOBODY),
    ("write_acknowledged_at", NOBODY),
    ("write_resolved_at", NOBODY),
    ("write_closed_at", NOBODY),
    ("write_postmortem_published", NOBODY),
    ("write_update_sent_at", NOBODY),
]

Action = namedtuple("Action", "prepare perform")


@tagged("at_install", "-post_install")
class TestRoleMatrix(CommunicationsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Exactly the groups of each role: nothing else.
        cls.roles = {
            "support": new_test_user(
                cls.env, login="rm_support", name="Sue Support", groups="helpdesk_mgmt.group_helpdesk_user"
            ),
            "own": new_test_user(
                cls.env, login="rm_own", name="Owen Own", groups="helpdesk_mgmt.group_helpdesk_user_own"
            ),
            "mi_user": new_test_user(
                cls.env,
                login="rm_mi_user",
                name="Uma User",
                groups="major_incident.group_mi_user,helpdesk_mgmt.group_helpdesk_user",
            ),
            "im": new_test_user(
                cls.env,
                login="rm_im",
                name="Ian Manager",
                groups="major_incident.group_mi_manager,helpdesk_mgmt.group_helpdesk_user",
                phone="+1 416 555 0190",
            ),
            "it": new_test_user(
                cls.env,
                login="rm_it",
                name="Ines IT",
                groups="major_incident.group_mi_it,helpdesk_mgmt.group_helpdesk_user",
            ),
            "admin": new_test_user(
                cls.env,
                login="rm_admin",
                name="Adam Admin",
                groups="major_incident.group_mi_admin,helpdesk_mgmt.group_helpdesk_user",
            ),
            "portal": new_test_user(cls.env, login="rm_portal", name="Pia Portal", groups="base.group_portal"),
        }
        cls.role_im = cls.roles["im"]
        # The Incident Manager on duty, who the ladders call, and the executive reviews' manager.
        cls.env.company.mi_incident_manager_id = cls.role_im
        cls.env.company.mi_support_manager_id = cls.role_im
        # The portal user is a customer's contact: the partner of the tickets below.
        cls.customer = cls.env["res.partner"].create({"name": "Role Matrix Customer", "is_company": True})
        cls.portal_partner = cls.roles["portal"].partner_id
        cls.portal_partner.parent_id = cls.customer
        # Codes no demo incident uses: the duplicates found are this test's own.
        codes = cls.env["major.incident.code"]
        cls.rm_system = codes.create({"name": "Role matrix kiosks", "kind": "system"})
        cls.rm_component = codes.create(
            {"name": "Role matrix kiosk app", "kind": "component", "parent_id": cls.rm_system.id}
        )
        cls.alert_source = cls.env["major.incident.alert.source"].create({"name": "Role matrix monitor"})

    # ------------------------------------------------------------------ fixtures (as the superuser)

    def _user(self, role):
        return self.roles[role]

    def _ticket_for(self, role, **values):
        """A ticket of the customer the role may work on: the own-tickets user's is assigned
        to them, the portal user's is theirs as the customer."""
        vals = {
            "name": "Kiosks show a white screen",
            "description": "<p>Since 9:00 at three stores</p>",
            "partner_id": self.portal_partner.id,
            "priority": "1",
        }
        if role == "own":
            vals["user_id"] = self._user(role).id
        vals.update(values)
        return self.env["helpdesk.ticket"].create(vals)

    def _new_candidate(self):
        """A candidate raised by the customer's "Very High" ticket."""
        incident = self._ticket_for("portal", priority="3").major_incident_id
        self.assertEqual(incident.state, "candidate")
        return incident

    def _declared(self, **values):
        """An incident declared from the customer's ticket, in triage; ``values`` written on it."""
        ticket = self._ticket_for("portal")
        ticket.action_declare_major_incident()
        incident = ticket.major_incident_id
        if values:
            incident.write(values)
        self.assertEqual(incident.state, "triage")
        self.assertEqual(incident.incident_manager_id, self.role_im)
        return incident

    def _coded(self, **values):
        return self._declared(
            **{
                "system_id": self.rm_system.id,
                "component_id": self.rm_component.id,
                "problem_code_id": self.problem.id,
                "software_version": "4.12.3",
                # Long enough ago not to be resolved as a brief interruption.
                "detected_at": fields.Datetime.now() - timedelta(hours=2),
                **values,
            }
        )

    def _resolved(self):
        incident = self._coded()
        incident.action_resolve()
        self.assertEqual(incident.state, "resolved")
        return incident

    def _postmortem(self, **values):
        return self.env["major.incident.postmortem"].create(
            {
                "incident_id": self._resolved().id,
                "summary": "<p>Kiosks down for two hours</p>",
                "root_cause": "<p>Expired certificate</p>",
                "preventive_measures": "<p>Certificate expiry monitoring</p>",
                **values,
            }
        )

    def _with_update(self):
        incident = self._declared()
        update = self.env["major.incident.update"].create(
            {"incident_id": incident.id, "kind": "internal", "findings": "The certificate expired"}
        )
        return incident, update

    def _clock(self, incident, kind):
        return incident.sudo().clock_ids.filtered(lambda c: c.kind == kind)

    # ------------------------------------------------------------------ actions

    def _actions(self):
        """{name: Action(prepare(role) -> fixture, perform(fixture, role))}. ``perform`` acts
        as the role's user, then checks the effect (reached only when the action succeeded)."""
        return {
            # Tickets
            "create_low_ticket": Action(lambda role: None, self._do_create_low_ticket),
            "create_very_high_ticket": Action(lambda role: None, self._do_create_very_high_ticket),
            "write_ticket": Action(self._ticket_for, self._do_write_ticket),
            "edit_ticket_in_form": Action(self._ticket_for, self._do_edit_ticket_in_form),
            "raise_ticket_to_very_high": Action(self._ticket_for, self._do_raise_ticket),
            "link_ticket_to_incident": Action(
                lambda role: (self._ticket_for(role), self._declared()), self._do_link_ticket
            ),
            "link_ticket_new_candidate": Action(self._ticket_for, self._do_link_new_candidate),
            "request_executive_escalation": Action(self._ticket_for, self._do_exec_escalation),
            # Declaring and the state machine
            "declare_from_ticket": Action(self._ticket_for, self._do_declare_from_ticket),
            "declare_candidate_from_ticket": Action(
                lambda role: self._ticket_for(role, priority="3"), self._do_declare_candidate
            ),
            "declare_wizard": Action(lambda role: None, self._do_declare_wizard),
            "acknowledge": Action(lambda role: self._new_candidate(), self._do_acknowledge),
            "dismiss_wizard": Action(lambda role: self._new_candidate(), self._do_dismiss),
            "start_investigation": Action(lambda role: self._coded(), self._do_start_investigation),
            "mitigate": Action(self._prepare_investigating, self._do_mitigate),
            "resolve": Action(lambda role: self._coded(), self._do_resolve),
            "resolve_brief_interruption": Action(self._prepare_recovered, self._do_resolve_brief),
            "close": Action(lambda role: self._resolved(), self._do_close),
            "merge_into_duplicate": Action(self._prepare_duplicate, self._do_merge),
            # Triage and coding
            "write_severity": Action(lambda role: self._declared(), self._do_write_severity),
            "write_coding": Action(lambda role: self._declared(), self._do_write_coding),
            "edit_triage_in_form": Action(lambda role: self._declared(), self._do_edit_triage_in_form),
            # Communications and coordination
            "send_update": Action(self._prepare_audience, self._do_send_update),
            "send_resolution_confirmation": Action(self._prepare_resolved_audience, self._do_send_resolution),
            "retry_delivery": Action(self._prepare_failed_delivery, self._do_retry_delivery),
            "open_bridge": Action(lambda role: self._declared(), self._do_open_bridge),
            "extend_bridge": Action(self._prepare_bridge, self._do_extend_bridge),
            "declare_dr": Action(lambda role: self._declared(), self._do_declare_dr),
            "pause_clocks": Action(lambda role: self._declared(control="external"), self._do_pause),
            "resume_clocks": Action(self._prepare_paused, self._do_resume),
            # Post-mortem
            "open_postmortem": Action(lambda role: self._resolved(), self._do_open_postmortem),
            "record_debrief": Action(lambda role: self._postmortem(), self._do_record_debrief),
            "publish_postmortem": Action(lambda role: self._postmortem(), self._do_publish_postmortem),
            # Administration
            "rotate_alert_token": Action(lambda role: self.alert_source, self._do_rotate_token),
            # Reading
            "read_incident": Action(lambda role: self._declared(), self._do_read_incident),
            "read_clocks": Action(lambda role: self._declared(), self._do_read_clocks),
            "read_escalations": Action(lambda role: self._new_candidate(), self._do_read_escalations),
            "read_updates": Action(lambda role: self._with_update()[0], self._do_read_updates),
            "read_postmortem": Action(lambda role: self._postmortem(), self._do_read_postmortem),
            "read_other_customer_ticket_mi": Action(
                lambda role: self._ticket_for(role, partner_id=self.frank.id, user_id=False, priority="3"),
                self._do_read_ticket_mi,
            ),
            "read_ticket_exec_escalation": Action(self._prepare_exec_requested, self._do_read_exec_fields),
            # Facts only the procedure's actions write
            "write_state": Action(lambda role: self._declared(), self._write({"state": "resolved"})),
            "write_detected_at": Action(
                lambda role: self._declared(), self._write({"detected_at": fields.Datetime.now()})
            ),
            "write_acknowledged_at": Action(
                lambda role: self._new_candidate(), self._write({"acknowledged_at": fields.Datetime.now()})
            ),
            "write_resolved_at": Action(
                lambda role: self._declared(), self._write({"resolved_at": fields.Datetime.now()})
            ),
            "write_closed_at": Action(lambda role: self._resolved(), self._write({"closed_at": fields.Datetime.now()})),
            "write_postmortem_published": Action(lambda role: self._postmortem(), self._write({"state": "published"})),
            "write_update_sent_at": Action(
                lambda role: self._with_update()[1], self._write({"sent_at": fields.Datetime.now()})
            ),
        }

    # tickets

    def _do_create_low_ticket(self, _fixture, role):
        vals = {"name": "Receipt printer jams", "description": "<p>Store 12</p>", "priority": "0"}
        if role == "own":
            vals["user_id"] = self._user(role).id
        ticket = self.env["helpdesk.ticket"].with_user(self._user(role)).create(vals)
        self.assertFalse(ticket.major_incident_id)
        self.assertFalse(ticket.is_major_incident)

    def _do_create_very_high_ticket(self, _fixture, role):
        vals = {
            "name": "Every kiosk is down",
            "description": "<p>Bad gateway</p>",
            "priority": "3",
            "partner_id": self.portal_partner.id,
        }
        if role == "own":
            vals["user_id"] = self._user(role).id
        ticket = self.env["helpdesk.ticket"].with_user(self._user(role)).create(vals)
        incident = ticket.major_incident_id
        self.assertEqual(incident.state, "candidate")
        self.assertEqual(incident.incident_manager_id, self.role_im)
        self.assertIn(self.role_im, incident.sudo().escalation_ids.user_id, "the ladder called the IM on duty")
        self.assertEqual(ticket.with_user(self._user(role)).mi_state, "candidate")

    def _do_write_ticket(self, ticket, role):
        ticket.with_user(self._user(role)).write(
            {"name": "Kiosks show a white screen (3 stores)", "description": "<p>Also store 14</p>"}
        )
        self.assertEqual(ticket.name, "Kiosks show a white screen (3 stores)")
        self.assertFalse(ticket.major_incident_id)

    def _do_edit_ticket_in_form(self, ticket, role):
        """As on the ticket's form: change the title and raise the priority to "Very High"."""
        with Form(ticket.with_user(self._user(role))) as form:
            form.name = "Every kiosk of the customer is down"
            form.priority = "3"
        self.assertEqual(ticket.name, "Every kiosk of the customer is down")
        self.assertEqual(ticket.major_incident_id.state, "candidate")

    def _do_raise_ticket(self, ticket, role):
        ticket.with_user(self._user(role)).write({"priority": "3"})
        self.assertEqual(ticket.major_incident_id.state, "candidate")
        self.assertEqual(ticket.major_incident_id.ticket_ids, ticket)

    def _do_link_ticket(self, fixture, role):
        ticket, incident = fixture
        user = self._user(role)
        action = ticket.with_user(user).action_link_major_incident()
        wizard = (
            self.env[action["res_model"]]  # pylint: disable=context-overridden  # the action's context alone, as the web client opens it
            .with_user(user)
            .with_context(action["context"])
            .create({"mode": "link", "incident_id": incident.id})
        )
        self.assertIn(incident, wizard.open_incident_ids)
        result = wizard.action_link()
        self.assertEqual(result["res_id"], incident.id)
        self.assertEqual(ticket.major_incident_id, incident)
        self.assertEqual(len(incident.ticket_ids), 2)

    def _do_link_new_candidate(self, ticket, role):
        wizard = (
            self.env["major.incident.link.wizard"]
            .with_user(self._user(role))
            .create({"ticket_ids": [Command.set(ticket.ids)], "mode": "new"})
        )
        wizard.action_link()
        self.assertEqual(ticket.major_incident_id.state, "candidate")

    def _do_exec_escalation(self, ticket, role):
        ticket.with_user(self._user(role)).action_request_executive_escalation()
        ticket = ticket.sudo()
        self.assertTrue(ticket.mi_exec_escalation_requested_at)
        self.assertTrue(ticket.mi_exec_escalation_due_at)
        self.assertEqual(ticket.activity_ids.user_id, self.role_im, "the support manager reviews it")

    # declaring and the state machine

    def _do_declare_from_ticket(self, ticket, role):
        ticket.with_user(self._user(role)).action_declare_major_incident()
        incident = ticket.major_incident_id
        self.assertEqual(incident.state, "triage")
        self.assertTrue(incident.declared_at)
        self.assertEqual(incident.acknowledged_by_id, self._user(role))

    def _do_declare_candidate(self, ticket, role):
        """The ticket's "Declare Major Incident" button on the candidate its priority raised."""
        candidate = ticket.major_incident_id
        self.assertEqual(candidate.state, "candidate")
        ticket.with_user(self._user(role)).action_declare_major_incident()
        self.assertEqual(ticket.major_incident_id, candidate)
        self.assertEqual(candidate.state, "triage")
        self.assertEqual(self._clock(candidate, "ack").state, "met")

    def _do_declare_wizard(self, _fixture, role):
        wizard = (
            self.env["major.incident.declare.wizard"]
            .with_user(self._user(role))
            .create(
                {
                    "mode": "new",
                    "name": "Phone: every kiosk is down",
                    "description": "<p>The customer called</p>",
                    "partner_id": self.portal_partner.id,
                    "severity": "p2",
                }
            )
        )
        action = wizard.action_declare()
        incident = self.env["major.incident"].browse(action["res_id"])
        self.assertEqual((incident.state, incident.severity, incident.source), ("triage", "p2", "phone"))
        self.assertEqual(incident.ticket_ids.partner_id, self.portal_partner)

    def _do_acknowledge(self, incident, role):
        incident.with_user(self._user(role)).action_acknowledge()
        self.assertEqual(incident.state, "triage")
        self.assertEqual(incident.acknowledged_by_id, self._user(role))
        self.assertEqual(self._clock(incident, "ack").state, "met")

    def _do_dismiss(self, incident, role):
        user = self._user(role)
        action = incident.with_user(user).action_open_dismiss_wizard()
        wizard = (
            self.env[action["res_model"]]  # pylint: disable=context-overridden  # the action's context alone, as the web client opens it
            .with_user(user)
            .with_context(action["context"])
            .create({"note": "A single kiosk unplugged"})
        )
        wizard.action_dismiss()
        self.assertEqual((incident.state, incident.cancel_reason), ("cancelled", "not_mi"))

    def _do_start_investigation(self, incident, role):
        incident.with_user(self._user(role)).action_start_investigation()
        self.assertEqual(incident.state, "investigating")

    def _prepare_investigating(self, role):
        incident = self._coded()
        incident.action_start_investigation()
        return incident

    def _do_mitigate(self, incident, role):
        incident.with_user(self._user(role)).action_mitigate()
        self.assertEqual(incident.state, "mitigating")

    def _do_resolve(self, incident, role):
        incident.with_user(self._user(role)).action_resolve()
        self.assertEqual(incident.state, "resolved")
        self.assertTrue(incident.resolved_at)

    def _prepare_recovered(self, role):
        """Coded, and the monitor reported recovery within the brief-interruption time."""
        incident = self._coded(detected_at=fields.Datetime.now() - timedelta(minutes=5))
        incident.write({"alert_recovered_at": fields.Datetime.now()})
        self.assertTrue(incident.brief_proposed)
        return incident

    def _do_resolve_brief(self, incident, role):
        incident.with_user(self._user(role)).action_resolve_brief_interruption()
        self.assertEqual((incident.state, incident.cancel_reason), ("cancelled", "brief"))

    def _do_close(self, incident, role):
        incident.with_user(self._user(role)).action_close()
        self.assertEqual(incident.state, "closed")
        self.assertTrue(incident.closed_at)

    def _prepare_duplicate(self, role):
        ongoing = self._coded()
        ticket = self._ticket_for("portal")
        candidate = self.env["major.incident"]._raise_for_tickets(
            ticket, "ticket", {"system_id": self.rm_system.id, "component_id": self.rm_component.id}
        )
        self.assertEqual(candidate.duplicate_id, ongoing)
        return candidate, ongoing

    def _do_merge(self, fixture, role):
        candidate, ongoing = fixture
        tickets = candidate.ticket_ids
        candidate.with_user(self._user(role)).action_merge_into_duplicate()
        self.assertEqual((candidate.state, candidate.cancel_reason), ("cancelled", "duplicate"))
        self.assertEqual(candidate.merged_into_id, ongoing)
        self.assertEqual(tickets.major_incident_id, ongoing)

    # triage and coding

    def _do_write_severity(self, incident, role):
        incident.with_user(self._user(role)).write({"severity": "p2"})
        self.assertEqual(incident.severity, "p2")
        self.assertEqual(incident.policy_id, self.env.ref("major_incident.policy_sop_p2"))

    def _do_write_coding(self, incident, role):
        incident.with_user(self._user(role)).write(
            {
                "system_id": self.rm_system.id,
                "component_id": self.rm_component.id,
                "problem_code_id": self.problem.id,
                "software_version": "4.12.3",
                "units_affected": 40,
            }
        )
        self.assertTrue(incident.coding_complete)

    def _do_edit_triage_in_form(self, incident, role):
        """As on the incident's form: severity, triage findings and coding, then save."""
        with Form(incident.with_user(self._user(role))) as form:
            form.severity = "p2"
            form.units_affected = 40
            form.changes_reviewed = True
            form.recent_changes = "Certificate renewal postponed"
            form.system_id = self.rm_system
            form.component_id = self.rm_component
            form.problem_code_id = self.problem
            form.software_version = "4.12.3"
        self.assertEqual((incident.severity, incident.units_affected), ("p2", 40))
        self.assertTrue(incident.coding_complete)

    # communications and coordination

    def _prepare_audience(self, role):
        """A declared incident affecting two customers with reachable incident contacts."""
        return self._declared(
            affected_partner_ids=[Command.set((self.northwind | self.maple).ids)],
            service_impact="Vision Server",
        )

    def _do_send_update(self, incident, role):
        wizard = (
            self.env["major.incident.update.wizard"]
            .with_user(self._user(role))
            .with_context(active_model="major.incident", active_id=incident.id)
            .create({})
        )
        self.assertEqual(wizard.kind, "initial")
        self.assertTrue(wizard.reachable_count)
        wizard.action_send()
        update = incident.sudo().update_ids
        self.assertEqual(len(update), 1)
        self.assertTrue(update.sent_at)
        self.assertEqual(update.mailing_id.state, "in_queue")
        self.assertEqual(update.author_id, self._user(role))

    def _prepare_failed_delivery(self, role):
        """An initial blast sent while the only mail server refuses connections."""
        incident = self._prepare_audience(role)
        self.env["major.incident.update.wizard"].with_context(
            active_model="major.incident", active_id=incident.id
        ).create({}).action_send()
        update = incident.update_ids
        self.env["ir.mail_server"].search([]).active = False
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        self.env["ir.mail_server"].create({"name": "Down", "smtp_host": "127.0.0.1", "smtp_port": port})
        with patch.object(IrMail_Server, "_disable_send", return_value=False):
            update.mailing_id._action_send_mail()
            self.env["mail.mail"].sudo().search([("mailing_id", "=", update.mailing_id.id)]).send()
        update.invalidate_recordset()
        self.assertEqual((update.delivery_state, update.failed_count), ("failed", 4))
        return update

    def _do_retry_delivery(self, update, role):
        update.with_user(self._user(role)).action_retry_delivery()
        update.invalidate_recordset()
        self.assertEqual((update.delivery_state, update.failed_count), ("queued", 0))

    def _prepare_resolved_audience(self, role):
        incident = self._prepare_audience(role)
        incident.write({"detected_at": fields.Datetime.now() - timedelta(hours=2)})
        self._coded_in_place(incident)
        incident.action_resolve()
        self.assertEqual(incident.state, "resolved")
        return incident

    def _coded_in_place(self, incident):
        incident.write(
            {
                "system_id": self.rm_system.id,
                "component_id": self.rm_component.id,
                "problem_code_id": self.problem.id,
                "software_version": "4.12.3",
            }
        )

    def _do_send_resolution(self, incident, role):
        """The form's "Send Resolution Confirmation" button: the wizard opens on that kind."""
        wizard = (
            self.env["major.incident.update.wizard"]
            .with_user(self._user(role))
            .with_context(active_model="major.incident", active_id=incident.id, default_kind="resolution")
            .create({})
        )
        wizard.action_send()
        update = incident.sudo().update_ids
        self.assertEqual(update.kind, "resolution")
        self.assertTrue(update.sent_at)

    def _do_open_bridge(self, incident, role):
        user = self._user(role)
        action = incident.with_user(user).action_open_bridge_wizard()
        wizard = self.env[action["res_model"]].with_user(user).with_context(action["context"]).create({})  # pylint: disable=context-overridden  # the action's context alone, as the web client opens it
        wizard.action_open_bridge()
        event = incident.bridge_event_id
        self.assertTrue(event)
        self.assertIn(self.role_im.partner_id, event.partner_ids)

    def _prepare_bridge(self, role):
        incident = self._declared()
        incident._open_bridge()
        return incident

    def _do_extend_bridge(self, incident, role):
        stop = incident.bridge_event_id.stop
        incident.with_user(self._user(role)).action_extend_bridge()
        self.assertGreater(incident.bridge_event_id.stop, stop)

    def _do_declare_dr(self, incident, role):
        incident.with_user(self._user(role)).action_declare_dr()
        self.assertTrue(incident.dr_declared_at)
        self.assertEqual(incident.dr_declared_by_id, self._user(role))

    def _do_pause(self, incident, role):
        self.assertEqual(self._clock(incident, "rto").state, "running")
        wizard = (
            self.env["major.incident.pause.wizard"]
            .with_user(self._user(role))
            .with_context(default_incident_id=incident.id)
            .create({"reason": "The client's network team restarts the VPN"})
        )
        wizard.action_pause()
        self.assertEqual(self._clock(incident, "rto").state, "paused")

    def _prepare_paused(self, role):
        incident = self._declared(control="external")
        incident.action_pause_clocks("Vendor replaces the switch")
        self.assertEqual(self._clock(incident, "rto").state, "paused")
        return incident

    def _do_resume(self, incident, role):
        incident.with_user(self._user(role)).action_resume_clocks()
        self.assertEqual(self._clock(incident, "rto").state, "running")

    # post-mortem

    def _do_open_postmortem(self, incident, role):
        action = incident.with_user(self._user(role)).action_open_postmortem()
        self.assertTrue(incident.postmortem_id)
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("major.incident.postmortem", incident.postmortem_id.id)
        )

    def _do_record_debrief(self, postmortem, role):
        postmortem.with_user(self._user(role)).action_record_debrief()
        self.assertTrue(postmortem.debrief_held_at)

    def _do_publish_postmortem(self, postmortem, role):
        postmortem.with_user(self._user(role)).action_publish()
        self.assertEqual(postmortem.state, "published")
        self.assertTrue(postmortem.published_at)

    # administration

    def _do_rotate_token(self, source, role):
        action = source.with_user(self._user(role)).action_rotate_token()
        self.assertIn("/major_incident/alert/", action["context"]["default_url"])
        self.assertTrue(source.sudo().token_hash)
        self.assertTrue(source.token_set_at)

    # reading

    def _do_read_incident(self, incident, role):
        user = self._user(role)
        as_user = self.env["major.incident"].with_user(user)
        self.assertEqual(as_user.search([("id", "=", incident.id)]), incident)
        values = incident.with_user(user).read(["reference", "name", "state", "severity", "incident_manager_id"])[0]
        self.assertEqual((values["state"], values["severity"]), ("triage", "p1"))
        # As its form opens for the role: the view leaves out what the role may not read.
        form = Form(incident.with_user(user))
        self.assertEqual(form.reference, incident.reference)

    def _do_read_clocks(self, incident, role):
        clocks = (
            self.env["major.incident.clock"].with_user(self._user(role)).search([("incident_id", "=", incident.id)])
        )
        self.assertTrue(clocks)
        self.assertTrue(all(value["deadline"] for value in clocks.read(["kind", "state", "deadline"])))

    def _do_read_escalations(self, incident, role):
        rows = (
            self.env["major.incident.escalation"]
            .with_user(self._user(role))
            .search([("incident_id", "=", incident.id)])
        )
        self.assertIn(self.role_im.id, [value["user_id"][0] for value in rows.read(["user_id", "outcome"])])

    def _do_read_updates(self, incident, role):
        updates = (
            self.env["major.incident.update"].with_user(self._user(role)).search([("incident_id", "=", incident.id)])
        )
        self.assertEqual(updates.read(["findings"])[0]["findings"], "The certificate expired")

    def _do_read_postmortem(self, postmortem, role):
        found = (
            self.env["major.incident.postmortem"]
            .with_user(self._user(role))
            .search([("incident_id", "=", postmortem.incident_id.id)])
        )
        self.assertEqual(found, postmortem)
        self.assertIn("Expired certificate", found.read(["root_cause"])[0]["root_cause"])

    def _do_read_ticket_mi(self, ticket, role):
        values = ticket.with_user(self._user(role)).read(["major_incident_id", "mi_state", "mi_severity"])[0]
        self.assertEqual((values["mi_state"], values["mi_severity"]), ("candidate", "p1"))

    def _prepare_exec_requested(self, role):
        ticket = self._ticket_for(role)
        ticket.action_request_executive_escalation()
        return ticket

    def _do_read_exec_fields(self, ticket, role):
        values = ticket.with_user(self._user(role)).read(
            ["mi_exec_escalation_requested_at", "mi_exec_escalation_due_at"]
        )[0]
        self.assertTrue(values["mi_exec_escalation_due_at"])

    # protected facts

    def _write(self, vals):
        def perform(record, role):
            record.with_user(self._user(role)).write(vals)
            self.fail(f"{role} wrote {sorted(vals)} on {record._name} directly")

        return perform

    # ------------------------------------------------------------------ the matrix

    def _matrix(self):
        """[(role, action name, Action, expected)], one row per role and action."""
        actions = self._actions()
        self.assertEqual({name for name, _outcomes in MATRIX}, set(actions), "every action has its row")
        rows = []
        for name, outcomes in MATRIX:
            self.assertEqual(len(outcomes), len(ROLES), name)
            rows += [(role, name, actions[name], expected) for role, expected in zip(ROLES, outcomes, strict=True)]
        return rows

    def test_role_matrix(self):
        for role, name, action, expected in self._matrix():
            with self.subTest(role=role, action=name), closing(self.env.cr.savepoint()):
                fixture = action.prepare(role)
                # A request starts with an empty cache: nothing read as the superuser leaks.
                self.env.invalidate_all()
                if expected == OK:
                    action.perform(fixture, role)
                    continue
                with self.assertRaises(UserError if expected in (REFUSED, UserError) else expected) as caught:
                    action.perform(fixture, role)
                if expected is UserError:
                    self.assertNotIsInstance(caught.exception, AccessError)

    # ------------------------------------------------------------------ focused tests

    def test_roles_hold_exactly_their_groups(self):
        support, own, mi_user, im, it, admin, portal = (self.roles[role] for role in ROLES)
        for user in (support, own):
            with self.subTest(user=user.login):
                self.assertFalse(user.has_group("major_incident.group_mi_user"))
                self.assertFalse(user.has_group("mass_mailing.group_mass_mailing_user"))
        self.assertFalse(own.has_group("helpdesk_mgmt.group_helpdesk_user"))
        self.assertFalse(mi_user.has_group("major_incident.group_mi_manager"))
        self.assertFalse(it.has_group("major_incident.group_mi_manager"))
        self.assertTrue(it.has_group("major_incident.group_mi_user"))
        self.assertTrue(im.has_group("mass_mailing.group_mass_mailing_user"))
        self.assertFalse(im.has_group("major_incident.group_mi_admin"))
        self.assertFalse(im.has_group("major_incident.group_mi_it"))
        self.assertTrue(admin.has_group("major_incident.group_mi_manager"))
        self.assertFalse(admin.has_group("major_incident.group_mi_it"))
        self.assertTrue(portal.share)
        self.assertEqual(self.env.company.mi_incident_manager_id, im)
        self.assertEqual(im.partner_id._mi_phone_e164(), "+14165550190")

    def test_ladder_called_person_acknowledges(self):
        """Besides the Incident Managers, anybody the ladder called for the incident may
        acknowledge it (DESIGN: acknowledging stops the ladder): here an MI user with no
        manager rights, called as a ladder level."""
        person = self.roles["mi_user"]
        person.phone = "+1 416 555 0193"
        incident = self._new_candidate()
        level = incident.policy_id.escalation_level_ids.sorted("sequence")[-1]
        level.user_ids = person
        self.env["major.incident.escalation"]._call(incident, level, fields.Datetime.now())
        self.assertIn(person, incident.escalation_ids.user_id)
        self.env.invalidate_all()
        incident.with_user(person).action_acknowledge()
        self.assertEqual(incident.state, "triage")
        self.assertEqual(incident.acknowledged_by_id, person)
        answered = incident.escalation_ids.filtered(lambda row: row.user_id == person)
        self.assertEqual(answered.outcome, "acknowledged")
        # Another MI user the ladder did not call is still refused.
        other = self._new_candidate()
        with self.assertRaises(AccessError):
            other.with_user(self.roles["it"]).action_acknowledge()

    def test_superuser_alone_writes_protected_facts(self):
        """State and event times change through the actions; the superuser (scripts,
        migrations) may still write them directly, no role may."""
        incident = self._declared()
        now = fields.Datetime.now()
        protected = {
            "state": "investigating",
            "detected_at": now - timedelta(hours=1),
            "declared_at": now,
            "acknowledged_at": now,
            "resolved_at": now,
            "closed_at": now,
            "dr_declared_at": now,
        }
        for name, value in protected.items():
            for role in ("im", "admin"):
                with self.subTest(field=name, role=role):
                    with self.assertRaises(UserError) as caught:
                        incident.with_user(self.roles[role]).write({name: value})
                    self.assertNotIsInstance(caught.exception, AccessError)
        incident.write(protected)
        self.assertEqual(incident.state, "investigating")
        self.assertEqual(incident.closed_at, now)
        # An administrator acting as superuser (sudo) is the superuser.
        incident.with_user(self.roles["admin"]).sudo().write({"state": "mitigating"})
        self.assertEqual(incident.state, "mitigating")

    def test_forms_show_each_role_its_buttons(self):
        """The buttons of the incident and ticket forms follow the roles of the matrix."""

        def buttons(model, role):
            arch = self.env[model].with_user(self.roles[role]).get_views([(False, "form")])["views"]["form"]["arch"]
            return arch

        manager_buttons = (
            "action_start_investigation",
            "action_mitigate",
            "action_resolve",
            "action_close",
            "action_open_bridge_wizard",
            "action_resume_clocks",
            "action_open_postmortem",
            "action_open_dismiss_wizard",
            "action_merge_into_duplicate",
        )
        for role in ("support", "own", "mi_user", "im", "it", "admin"):
            arch = buttons("major.incident", role)
            is_manager = role in ("im", "admin")
            for name in manager_buttons:
                with self.subTest(role=role, button=name):
                    self.assertEqual(f'name="{name}"' in arch, is_manager)
            with self.subTest(role=role, button="action_declare_dr"):
                self.assertEqual('name="action_declare_dr"' in arch, role == "it")
            ticket_arch = buttons("helpdesk.ticket", role)
            with self.subTest(role=role, button="action_declare_major_incident"):
                self.assertEqual('name="action_declare_major_incident"' in ticket_arch, is_manager)
            for name in ("action_link_major_incident", "action_request_executive_escalation"):
                with self.subTest(role=role, button=name):
                    self.assertIn(f'name="{name}"', ticket_arch)

    def test_portal_customer_reads_own_ticket_not_the_incident(self):
        """The customer reads their own ticket, but not the incident it belongs to nor any of
        the incident's internal records."""
        portal = self.roles["portal"]
        incident = self._coded()
        ticket = incident.ticket_ids
        self.assertEqual(ticket.partner_id, portal.partner_id)
        self.env["major.incident.update"].create({"incident_id": incident.id, "kind": "internal"})
        incident.action_resolve()
        self.env["major.incident.postmortem"].create({"incident_id": incident.id})
        self.env.invalidate_all()
        self.assertEqual(ticket.with_user(portal).read(["name"])[0]["name"], ticket.name)
        with self.assertRaises(AccessError):
            ticket.with_user(portal).major_incident_id.read(["name"])
        for model in (
            "major.incident",
            "major.incident.clock",
            "major.incident.escalation",
            "major.incident.update",
            "major.incident.postmortem",
        ):
            with self.subTest(model=model):
                self.assertTrue(self.env[model].search([("id", "!=", False)], limit=1))
                with self.assertRaises(AccessError):
                    self.env[model].with_user(portal).search([])
        # Another customer's ticket, urgent and linked: not even its status.
        other = self._ticket_for("support", partner_id=self.frank.id, priority="3")
        with self.assertRaises(AccessError):
            other.with_user(portal).read(["mi_state"])
