import email
import email.policy
import socket
import unittest
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import freeze_time, tagged

from odoo.addons.base.models.ir_mail_server import IrMail_Server

from .communications_common import NOW, CommunicationsCase, text

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


@tagged("at_install", "-post_install")
@unittest.skipUnless(Controller, "aiosmtpd is not installed")
class TestCommunicationsSmtp(CommunicationsCase):
    """End to end: the blasts leave over SMTP to a local sink, read back as delivered."""

    def setUp(self):
        super().setUp()
        self.sink = SmtpSink()
        port = free_local_port()
        # Loopback only; stopped when the test ends, whatever its outcome.
        controller = Controller(self.sink, hostname="127.0.0.1", port=port, ready_timeout=10)
        controller.start()
        self.addCleanup(controller.stop)
        self.env["ir.mail_server"].search([]).active = False
        self.env["ir.mail_server"].create(
            {
                "name": "Local SMTP sink",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_encryption": "none",
                "smtp_authentication": "login",
            }
        )
        # Odoo sends nothing while testing; its own SMTP tests lift that the same way.
        sending = patch.object(IrMail_Server, "_disable_send", return_value=False)
        sending.start()
        self.addCleanup(sending.stop)

    def _deliver(self):
        """The mailing cron as the scheduler runs it, without any capture in between."""
        with self.enter_registry_test_mode():
            self.env.ref("mass_mailing.ir_cron_mass_mailing_queue").sudo().method_direct_trigger()

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
            ("initial", {"impact": "Kiosks are stuck on a white screen."},
             "Incident Notification - Vision Server", "Incident Start Time: {detected}"),
            ("progress", {"findings": "a rejected certificate"},
             "Incident Update - Vision Server", "Our team has identified a rejected certificate"),
            ("resolution", {"root_cause": "An expired certificate."},
             "Incident Resolved - Vision Server", "Incident Start Time: {detected} Resolution Time:"),
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
