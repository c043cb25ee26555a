import email
import email.policy
import socket
import unittest
from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from odoo.addons.base.models.ir_mail_server import IrMail_Server

from .communications_common import DETECTED, NOW, CommunicationsCase, text

try:
    from aiosmtpd.controller import Controller
except ImportError:
    Controller = None


class SmtpSink:
    """An aiosmtpd handler keeping what it is sent: (envelope recipients, message)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def free_local_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpCase(CommunicationsCase):
    """The only mail server is a local one on a free port; ``_start_sink`` opens it."""

    def setUp(self):
        super().setUp()
        self.sink = SmtpSink()
        self.port = free_local_port()
        self.env["ir.mail_server"].search([]).active = False
        self.env["ir.mail_server"].create(
            {
                "name": "Local SMTP sink",
                "smtp_host": "127.0.0.1",
                "smtp_port": self.port,
                "smtp_encryption": "none",
                "smtp_authentication": "login",
            }
        )
        # Odoo sends nothing while testing; its own SMTP tests lift that the same way.
        sending = patch.object(IrMail_Server, "_disable_send", return_value=False)
        sending.start()
        self.addCleanup(sending.stop)

    def _start_sink(self):
        # Loopback only; stopped when the test ends, whatever its outcome.
        controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        controller.start()
        self.addCleanup(controller.stop)

    def _deliver(self):
        """The mailing cron, then the mail queue that sends an incident blast's e-mails, as
        the scheduler runs them, without any capture in between."""
        self._render_only()
        with self.enter_registry_test_mode():
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo().method_direct_trigger()

    def _render_only(self):
        with self.enter_registry_test_mode():
            self.env.ref("mass_mailing.ir_cron_mass_mailing_queue").sudo().method_direct_trigger()


@tagged("at_install", "-post_install")
@unittest.skipUnless(Controller, "aiosmtpd is not installed")
class TestCommunicationsSmtp(SmtpCase):
    """End to end: the blasts leave over SMTP to a local sink, read back as delivered."""

    def setUp(self):
        super().setUp()
        self._start_sink()

    def _received(self, mailing):
        """{recipient: (subject, body words)} of the e-mails of ``mailing`` the sink received
        (the sink also receives the Incident Manager's own notifications)."""
        message_ids = set(mailing.mailing_trace_ids.mapped("message_id"))
        received = {}
        for recipients, message in self.sink.received:
            if message["Message-Id"] not in message_ids:
                continue
            self.assertEqual(len(recipients), 1, "one e-mail per contact")
            body = message.get_body(preferencelist=("html",)).get_content()
            received[recipients[0]] = (message["Subject"], text(body))
        return received

    def test_blasts_over_smtp(self):
        incident = self._incident()
        self._code(incident)
        # Reader: (greeting name, the detection time in the reader's time zone).
        readers = {
            self.alice.email: ("Alice Vancouver", "Mar 10, 8:30 AM UTC−07:00"),
            self.bob.email: ("Bob Noz", "Mar 10, 11:30 AM UTC−04:00"),
            self.frank.email: ("Frank Maple", "Mar 10, 11:30 AM UTC−04:00"),
            self.ivy.email: ("Ivy Internal", "Mar 10, 11:30 AM UTC−04:00"),
        }
        blasts = [
            (
                "initial",
                {"impact": "Kiosks are stuck on a white screen."},
                "Incident Notification - Vision Server",
                "Incident Start Time: {detected}",
            ),
            (
                "progress",
                {"findings": "a rejected certificate"},
                "Incident Update - Vision Server",
                "Our team has identified a rejected certificate",
            ),
            (
                "resolution",
                {"root_cause": "An expired certificate."},
                "Incident Resolved - Vision Server",
                "Incident Start Time: {detected} Resolution Time:",
            ),
        ]
        for minutes, (kind, values, subject, line) in enumerate(blasts):
            with self.subTest(kind=kind), freeze_time(NOW + timedelta(minutes=minutes)):
                if kind == "resolution":
                    incident.with_user(self.im).action_resolve()
                update = self._send(incident, kind=kind, **values)
                self._deliver()
                received = self._received(update.mailing_id)
                self.assertEqual(set(received), set(readers), "the blacklisted and the unsubscribed left out")
                for address, (name, detected) in readers.items():
                    received_subject, words = received[address]
                    self.assertEqual(received_subject, subject)
                    self.assertIn(f"Dear {name},", words)
                    self.assertIn(line.format(detected=detected), words)
                self.assertEqual((update.delivered_count, update.bounced_count), (len(readers), 0))
                self.assertFalse(
                    self.env["mail.mail"].sudo().search_count([("mailing_id", "=", update.mailing_id.id)]),
                    "sent e-mails are deleted, once per batch",
                )

    def test_the_mail_queue_alone_sends_a_small_blast(self):
        """Issue: a reader of a blast under 100 recipients got it twice: Email Marketing sent
        it itself while the mail queue, triggered at once, sent the same e-mails."""
        incident = self._incident()
        with freeze_time(NOW):
            update = self._send(incident, impact="Kiosks are stuck on a white screen.")
            self._render_only()
        mails = self.env["mail.mail"].sudo().search([("mailing_id", "=", update.mailing_id.id)])
        self.assertEqual(set(mails.mapped("state")), {"outgoing"}, "rendered, left to the mail queue")
        self.assertFalse(self._received(update.mailing_id))
        with freeze_time(NOW):
            self._deliver()
        self.assertEqual(len(self._received(update.mailing_id)), 4, "each reader once")


@tagged("at_install", "-post_install")
@unittest.skipUnless(Controller, "aiosmtpd is not installed")
class TestDeliveryFailures(SmtpCase):
    """Issue: with the mail server down, the blast and update clocks were met, the update
    showed "Sent", 4 of 4 e-mails failed, nobody was told and nothing was sent again; the
    Incident Manager's Retry failed with an access error."""

    def _run_mail_queue(self):
        with self.enter_registry_test_mode():
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo().method_direct_trigger()

    def _run_delivery_cron(self):
        with self.enter_registry_test_mode():
            self.env.ref("major_incident.ir_cron_major_incident_delivery").sudo().method_direct_trigger()

    def _clock(self, incident, kind, state=None):
        clocks = incident.clock_ids.filtered(lambda c: c.kind == kind and (not state or c.state == state))
        return clocks.sorted("id")[-1:]

    def _failure_activities(self, incident):
        activity_type = self.env.ref("major_incident.mail_activity_type_mi_delivery_failed")
        return incident.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    def _notes(self, incident):
        return [text(body) for body in incident.message_ids.mapped("body") if body]

    def _send_while_down(self, incident, **values):
        """Send an update at DETECTED + 5 min with the mail server down; the blast fails."""
        with freeze_time(DETECTED + timedelta(minutes=5)):
            update = self._send(incident, **values)
            self._deliver()
        update.invalidate_recordset()
        return update

    def test_smtp_down_then_up(self):
        incident = self._incident()
        blast = self._clock(incident, "blast")
        first_update_clock = self._clock(incident, "update")
        self.assertEqual(blast.deadline, DETECTED + timedelta(minutes=15))
        update = self._send_while_down(incident, next_update_at=NOW + timedelta(minutes=60))

        # Queued is not sent: the clocks keep running, the failure shows and is reported once.
        self.assertEqual((blast.state, first_update_clock.state), ("running", "running"))
        self.assertFalse(update.delivery_started_at)
        self.assertEqual(
            (update.delivery_state, update.expected_count, update.failed_count, update.delivered_count),
            ("failed", 4, 4, 0),
        )
        self.assertEqual(
            set(update.mailing_id.mailing_trace_ids.mapped("failure_type")) - {"mail_bl", "mail_dup", "mail_optout"},
            {"mail_smtp"},
        )
        activity = self._failure_activities(incident)
        self.assertEqual(activity.user_id, self.im)
        notes = self._notes(incident)
        self.assertTrue(any("queued for" in note for note in notes))
        self.assertFalse(any("delivery started" in note for note in notes))
        self.assertEqual(len([note for note in notes if "4 of 4 e-mails failed" in note]), 1)
        first_retry = DETECTED + timedelta(minutes=6)
        self.assertEqual(update.delivery_retry_at, first_retry)

        # Still down at the first retry: tried again, not reported again, retried later.
        with freeze_time(first_retry):
            self._run_delivery_cron()
            self._run_mail_queue()
        update.invalidate_recordset()
        self.assertEqual((update.delivery_state, update.failed_count), ("failed", 4))
        self.assertEqual(update.delivery_retry_count, 1)
        self.assertEqual(update.delivery_retry_at, first_retry + timedelta(minutes=2))
        self.assertEqual(len(self._failure_activities(incident)), 1)
        self.assertEqual(len([note for note in self._notes(incident) if "e-mails failed" in note]), 1)

        # Nothing delivered by the deadline: the blast clock breaches as usual.
        with freeze_time(blast.deadline):
            self._run_clocks_cron()
        self.assertEqual((blast.state, blast.met_at), ("breached", False))

        # The server is back: the next retry goes through and meets the clocks then.
        self._start_sink()
        back = DETECTED + timedelta(minutes=20)
        with freeze_time(back):
            self._run_delivery_cron()
            self._run_mail_queue()
        update.invalidate_recordset()
        self.assertEqual((update.delivery_state, update.delivered_count, update.failed_count), ("delivered", 4, 0))
        self.assertEqual(len({recipients[0] for recipients, _message in self.sink.received}), 4)
        self.assertEqual(update.delivery_started_at, back)
        self.assertEqual((blast.state, blast.met_at), ("breached", back), "met late, at delivery")
        self.assertEqual((first_update_clock.state, first_update_clock.met_at), ("met", back))
        next_update_clock = self._clock(incident, "update", "running")
        self.assertEqual(next_update_clock.deadline, NOW + timedelta(minutes=60))
        self.assertFalse(self._failure_activities(incident), "the failure reported is over")
        self.assertFalse(update.delivery_retry_at)
        notes = self._notes(incident)
        self.assertTrue(any("delivery started at 2025-03-10 15:50 UTC" in note for note in notes))
        self.assertTrue(any("getting through again" in note for note in notes))

    def test_delivered_in_time_meets_the_clock_when_accepted(self):
        self._start_sink()
        incident = self._incident()
        with freeze_time(DETECTED + timedelta(minutes=5)):
            update = self._send(incident)
        blast = self._clock(incident, "blast")
        self.assertEqual(blast.state, "running", "queued, not yet accepted")
        update.invalidate_recordset()
        self.assertEqual(update.delivery_state, "queued")
        with freeze_time(DETECTED + timedelta(minutes=7)):
            self._deliver()
        update.invalidate_recordset()
        self.assertEqual((blast.state, blast.met_at), ("met", DETECTED + timedelta(minutes=7)))
        self.assertEqual(update.delivery_state, "delivered")
        self.assertFalse(self._failure_activities(incident))

    def test_incident_manager_retries(self):
        incident = self._incident()
        update = self._send_while_down(incident)
        self._start_sink()
        back = DETECTED + timedelta(minutes=8)
        with freeze_time(back):
            update.with_user(self.im).action_retry_delivery()
            update.invalidate_recordset()
            self.assertEqual(update.with_user(self.im).delivery_state, "queued")
            self._run_mail_queue()
        update.invalidate_recordset()
        self.assertEqual((update.with_user(self.im).delivery_state, update.delivered_count), ("delivered", 4))
        self.assertEqual(self._clock(incident, "blast").met_at, back)
        self.assertFalse(update.delivery_retry_at, "no automatic retry left pending")
        self.assertTrue(any(f"sent again by {self.im.name}" in note for note in self._notes(incident)))

    def test_email_marketing_retry_needs_a_template_editor(self):
        """Why the update has its own Retry: Email Marketing's puts the mailing back in the
        queue by writing it, and its body holds template code that only a template editor
        may write; the Incident Manager is none."""
        update = self._send_while_down(self._incident())
        with self.assertRaisesRegex(AccessError, "Mail Template Editor"):
            update.mailing_id.with_user(self.im).action_retry_failed()

    def test_retry_refused_to_other_roles(self):
        update = self._send_while_down(self._incident())
        for user in (self.agent, self.support_agent):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                update.with_user(user).action_retry_delivery()
        self.assertEqual(update.failed_count, 4, "nothing sent again")

    def test_nothing_to_retry(self):
        self._start_sink()
        incident = self._incident()
        with freeze_time(NOW):
            update = self._send(incident)
            self._deliver()
        with self.assertRaises(UserError):
            update.with_user(self.im).action_retry_delivery()
