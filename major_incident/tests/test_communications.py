from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, tagged
from odoo.tools import SQL

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .communications_common import DETECTED, NOW, CommunicationsCase, text


@tagged("at_install", "-post_install")
class TestCommunications(CommunicationsCase, CronMixinCase):
    def _mailings(self, incident):
        return self.env["mailing.mailing"].search([("mi_incident_id", "=", incident.id)])

    def _mail_text(self, email):
        return text(self._find_sent_email_wemail(email)["body"])

    # ------------------------------------------------------------------ audience

    def test_default_audience_is_affected_customers_and_internal(self):
        incident = self._incident()
        self.assertEqual(incident.mailing_list_ids, self.list_northwind | self.list_maple | self.list_internal)
        # Editable before sending; the wizard proposes the incident's audience.
        incident.with_user(self.im).mailing_list_ids -= self.list_maple
        self.assertEqual(self._wizard(incident).mailing_list_ids, self.list_northwind | self.list_internal)
        # Internal and executive updates go to their own lists.
        self.assertEqual(self._wizard(incident, kind="internal").mailing_list_ids, self.list_internal)
        self.assertEqual(self._wizard(incident, kind="executive").mailing_list_ids, self.list_executive)

    # ------------------------------------------------------------------ sending

    def test_initial_blast_through_email_marketing(self):
        """One mail per reachable contact of the lists, deduplicated across them, none to
        the blacklisted or the unsubscribed; each greets its reader, in their time zone."""
        incident = self._incident()
        # Frank is on two of the lists; Alice was imported a second time into another.
        self.contact[self.frank].list_ids |= self.list_internal
        alice_again = self.env["mailing.contact"].create(
            {
                "name": "Alice Vancouver",
                "email": self.alice.email,
                "mi_tz": "America/Vancouver",
                "list_ids": [(4, self.list_internal.id)],
            }
        )
        with freeze_time(NOW), self.capture_triggers("mass_mailing.ir_cron_mass_mailing_queue") as triggers:
            update = self._send(incident, impact="Kiosks are stuck on a white screen.")
        mailing = update.mailing_id
        self.assertEqual(update.kind, "initial")
        self.assertEqual(update.author_id, self.im)
        self.assertEqual(update.sent_at, NOW)
        self.assertEqual(mailing.subject, "Incident Notification - Vision Server")
        self.assertEqual(update.subject, mailing.subject)
        self.assertEqual(mailing.mi_incident_id, incident)
        self.assertEqual(mailing.contact_list_ids, self.list_northwind | self.list_maple | self.list_internal)
        self.assertEqual(mailing.campaign_id, incident.campaign_id)
        self.assertIn(incident.reference, mailing.campaign_id.title)
        self.assertEqual(mailing.email_from, self.company.email_formatted)
        self.assertEqual(mailing.user_id, self.im)
        # Sent now: queued, and the mailing cron triggered for now rather than its next hourly run.
        self.assertEqual(mailing.state, "in_queue")
        self.assertEqual(triggers.records.mapped("call_at"), [NOW])

        with freeze_time(NOW):
            self._run_mailing_queue()
        self.assertEqual(mailing.state, "done")
        contacts = self.contact
        # From the company, addressed to each contact alone.
        sent = {"email_values": {"email_from": self.company.email_formatted, "subject": mailing.subject}}
        self.assertMailTraces(
            [
                {"email": self.alice.email, "trace_status": "cancel", "failure_type": "mail_dup"},
                {"email": self.bob.email, "content": "Dear Bob Noz,", **sent},
                {"email": self.carol.email, "trace_status": "cancel", "failure_type": "mail_bl"},
                {"email": self.dan.email, "trace_status": "cancel", "failure_type": "mail_optout"},
                {"email": self.frank.email, "content": "Dear Frank Maple,", **sent},
                {"email": self.ivy.email, "content": "Dear Ivy Internal,", **sent},
                {"email": self.alice.email, "content": "Dear Alice Vancouver,", **sent},
            ],
            mailing,
            contacts[self.alice]
            | contacts[self.bob]
            | contacts[self.carol]
            | contacts[self.dan]
            | contacts[self.frank]
            | contacts[self.ivy]
            | alice_again,
            author=self.im.partner_id,
        )
        self.assertEqual(len(self._mails), 4)
        self.assertNotIn(self.ed.email, [email for mail in self._mails for email in mail["email_to"]])
        # Times in the reader's time zone, else the company's.
        self.assertIn("Incident Start Time: Mar 10, 8:30 AM UTC−07:00", self._mail_text(self.alice.email))
        self.assertIn("Next Update: Mar 10, 10:00 AM UTC−07:00", self._mail_text(self.alice.email))
        self.assertIn("Incident Start Time: Mar 10, 11:30 AM UTC−04:00", self._mail_text(self.bob.email))
        self.assertIn("Impact: Kiosks are stuck on a white screen.", self._mail_text(self.bob.email))

        # Delivery read back from the traces.
        self.assertEqual(
            (update.expected_count, update.delivered_count, update.bounced_count, update.mailing_state),
            (4, 4, 0, "done"),
        )
        self.gateway_mail_trace_bounce(mailing, contacts[self.frank])
        update.invalidate_recordset()
        self.assertEqual((update.delivered_count, update.bounced_count), (3, 1))

    def test_each_kind(self):
        """Every kind is sent as a mailing to its audience, its subject from the SOP,
        every body greeting its reader and carrying the incident's fields."""
        incident = self._incident()
        self._code(incident)
        cases = [
            (
                "initial",
                {"impact": "White screen on kiosks."},
                "Incident Notification - Vision Server",
                "Impact: White screen on kiosks.",
            ),
            (
                "progress",
                {
                    "findings": "a rejected certificate",
                    "actions_taken": "Rolled back.",
                    "next_steps": "Second balancer.",
                },
                "Incident Update - Vision Server",
                "Our team has identified a rejected certificate and is taking the following actions:",
            ),
            (
                "summary",
                {"impact": "Vision is down.", "localization": "AMER"},
                "Major Outage – Vision Server",
                "Localization: AMER",
            ),
            (
                "internal",
                {"findings": "Certificate", "blockers": "Vendor on-call"},
                f"Internal Update - Vision Server ({incident.reference})",
                "Blockers Requiring Escalation: Vendor on-call",
            ),
            (
                "executive",
                {"overview": "Vision down for two chains.", "risk": "SLA credits"},
                f"Executive Briefing - Vision Server ({incident.reference})",
                "Financial or Reputational Risks SLA credits",
            ),
            (
                "resolution",
                {"root_cause": "Expired certificate.", "preventive_measures": "Expiry monitoring."},
                "Incident Resolved - Vision Server",
                "Root Cause: Expired certificate.",
            ),
        ]
        readers = {
            "internal": [self.ivy],
            "executive": [self.ed],
        }
        for minutes, (kind, values, subject, line) in enumerate(cases, start=1):
            with self.subTest(kind=kind):
                now = NOW + timedelta(minutes=minutes)
                if kind == "resolution":
                    with freeze_time(now):
                        incident.with_user(self.im).action_resolve()
                with freeze_time(now):
                    update = self._send(incident, kind=kind, **values)
                    self._run_mailing_queue()
                self.assertEqual(update.mailing_id.subject, subject)
                self.assertEqual(update.mailing_id.state, "done")
                expected = readers.get(kind, [self.alice, self.bob, self.frank, self.ivy])
                self.assertEqual(
                    sorted(email for mail in self._mails for email in mail["email_to"]),
                    sorted(partner.email for partner in expected),
                )
                for partner in expected:
                    words = self._mail_text(partner.email)
                    self.assertIn(f"Dear {partner.name},", words)
                    self.assertIn(line, words)
        self.assertEqual(len(self._mailings(incident)), len(cases))
        self.assertEqual(self._mailings(incident).campaign_id, incident.campaign_id)

    def test_executive_event_log_has_timestamps(self):
        incident = self._incident()
        with freeze_time(NOW):
            self._send(incident)
        with freeze_time(NOW + timedelta(minutes=5)):
            update = self._send(incident, kind="executive", overview="Vision down.")
            self._run_mailing_queue()
        words = self._mail_text(self.ed.email)
        self.assertIn("Event Log Detected: Mar 10, 11:30 AM UTC−04:00", words)
        self.assertIn(f"{incident.reference}: Initial notification: Mar 10, 12:00 PM UTC−04:00", words)
        self.assertIn(f"{update.display_name}: Mar 10, 12:05 PM UTC−04:00", words)

    def test_agents_follow_the_communications(self):
        """Agents read what was sent and how it was delivered, not Email Marketing."""
        incident = self._incident()
        with freeze_time(NOW):
            self._send(incident)
            self._run_mailing_queue()
        form = Form(incident.with_user(self.agent))
        self.assertEqual(len(form.update_ids), 1)
        update = incident.update_ids.with_user(self.agent)
        self.assertEqual((update.delivered_count, update.mailing_state), (4, "done"))
        self.assertNotIn("mailing_id", update.fields_get())

    # ------------------------------------------------------------------ clocks

    def test_clocks(self):
        """The first external blast meets the blast clock; every update restarts the
        update clock, due at the announced next update time."""
        incident = self._incident()
        clocks = incident.clock_ids
        blast = clocks.filtered(lambda c: c.kind == "blast")
        first_update_clock = clocks.filtered(lambda c: c.kind == "update")
        with freeze_time(NOW - timedelta(minutes=20)):
            self._send(incident, kind="internal", next_update_at=NOW + timedelta(minutes=10))
            self.assertEqual(first_update_clock.state, "running", "queued is not sent")
            self._run_mailing_queue()
        self.assertEqual(blast.state, "running", "an internal update is not the client blast")
        self.assertEqual(first_update_clock.state, "met")
        running = incident.clock_ids.filtered(lambda c: c.kind == "update" and c.state == "running")
        self.assertEqual(running.deadline, NOW + timedelta(minutes=10))

        with freeze_time(NOW):
            self._run_clocks_cron()
            self._send(incident, next_update_at=NOW + timedelta(minutes=45))
            self._run_mailing_queue()
        self.assertEqual((blast.state, blast.met_at), ("breached", NOW), "due 15 minutes after detection")
        self.assertEqual(running.state, "met")
        running = incident.clock_ids.filtered(lambda c: c.kind == "update" and c.state == "running")
        self.assertEqual(running.deadline, NOW + timedelta(minutes=45))

    def test_blast_in_time_is_met(self):
        incident = self._incident()
        with freeze_time(DETECTED + timedelta(minutes=10)):
            self._send(incident)
        blast = incident.clock_ids.filtered(lambda c: c.kind == "blast")
        self.assertEqual(blast.state, "running", "queued is not sent")
        with freeze_time(DETECTED + timedelta(minutes=12)):
            self._run_mailing_queue()
        self.assertEqual((blast.state, blast.met_at), ("met", DETECTED + timedelta(minutes=12)))

    def test_an_older_update_delivered_late_leaves_the_cadence_to_the_newer(self):
        incident = self._incident()
        blast = incident.clock_ids.filtered(lambda c: c.kind == "blast")
        with freeze_time(DETECTED + timedelta(minutes=5)):
            older = self._send(incident, next_update_at=NOW + timedelta(minutes=30))
        with freeze_time(DETECTED + timedelta(minutes=6)):
            newer = self._send(incident, kind="internal", next_update_at=NOW + timedelta(minutes=90))
        # The newer update's e-mails leave first (e.g. the older one's failed and waited for a retry).
        for minutes, update in ((7, newer), (8, older)):
            with freeze_time(DETECTED + timedelta(minutes=minutes)), self.mock_mail_gateway():
                update.mailing_id.sudo()._action_send_mail()
                self._run_blast_mail_queue()
        self.assertEqual((blast.state, blast.met_at), ("met", DETECTED + timedelta(minutes=8)))
        running = incident.clock_ids.filtered(lambda c: c.kind == "update" and c.state == "running")
        self.assertEqual(running.deadline, NOW + timedelta(minutes=90), "the newer update announced it")

    # ------------------------------------------------------------------ the wizard

    def test_wizard_defaults_follow_the_incident(self):
        incident = self._incident()
        with freeze_time(NOW):
            wizard = self._wizard(incident)
            self.assertEqual(wizard.kind, "initial")
            self.assertEqual(wizard.status, "investigating")
            self.assertEqual(wizard.next_update_at, NOW + timedelta(minutes=incident.policy_id.update_interval_minutes))
            self.assertEqual(wizard.template_id, self.env.ref("major_incident.mail_template_mi_initial"))
            wizard.impact = "White screen."
            wizard.action_send()
            self._run_mailing_queue()
            progress = self._wizard(incident)
        self.assertEqual(progress.kind, "progress")
        self.assertEqual(progress.impact, "White screen.", "carried over from the last update")
        self.assertIn(self.im.email, progress.contact_info)

        self._code(incident)
        with freeze_time(NOW + timedelta(minutes=30)):
            incident.with_user(self.im).action_resolve()
        resolution = self._wizard(incident)
        self.assertEqual((resolution.kind, resolution.status), ("resolution", "resolved"))

        # Closed: the closure e-mail goes to leadership, internal stakeholders and clients.
        incident.with_user(self.im).action_close()
        closure = self._wizard(incident)
        self.assertEqual((closure.kind, closure.status), ("summary", "closed"))
        self.assertEqual(
            closure.mailing_list_ids,
            self.list_northwind | self.list_maple | self.list_internal | self.list_executive,
        )
        with freeze_time(NOW + timedelta(hours=1)):
            closure.action_send()
            self._run_mailing_queue()
        self.assertEqual(len(self._mails), 5)
        self.assertIn("Status: Closed", self._mail_text(self.ed.email))

    def test_preview(self):
        incident = self._incident()
        with freeze_time(NOW):
            form = Form(
                self.env["major.incident.update.wizard"]
                .with_user(self.im)
                .with_context(active_model="major.incident", active_id=incident.id)
            )
            form.impact = "Kiosks frozen."
            self.assertFalse(form.preview_error)
            self.assertEqual(form.preview_subject, "Incident Notification - Vision Server")
            self.assertEqual(form.preview_recipient, "Alice Vancouver <alice@northwind.example.com>")
            words = text(form.preview_body)
            self.assertIn("Dear Alice Vancouver,", words)
            self.assertIn("Impact: Kiosks frozen.", words)
            self.assertIn("Incident Start Time: Mar 10, 8:30 AM UTC−07:00", words)
            self.assertEqual(form.reachable_count, 4)
            form.kind = "executive"
            self.assertEqual(form.preview_recipient, "Ed Executive <ed@company-a.example.com>")
            self.assertEqual(form.preview_subject, f"Executive Briefing - Vision Server ({incident.reference})")
            form.template_id = self._broken_template()
            self.assertIn("mi_no_such_field", form.preview_error)

    def test_audience_counts_in_the_form(self):
        """The Send Update form names each list with its reachable size, as the web
        client asks for it: through onchange, on a record not saved yet."""
        incident = self._incident()
        wizard = (
            self.env["major.incident.update.wizard"]
            .with_user(self.im)
            .with_context(active_model="major.incident", active_id=incident.id)
        )
        spec = {"mailing_list_ids": {"fields": {"display_name": {}}}, "incident_id": {}, "kind": {}}
        with freeze_time(NOW):
            values = wizard.onchange(wizard.default_get(list(spec)), [], spec)["value"]
        # The client applies the commands in order: the last display name of a list wins.
        shown = {list_id: line["display_name"] for _command, list_id, line in values["mailing_list_ids"]}
        names = sorted(shown.values())
        expected = sorted(
            f"{mailing_list.name} ({mailing_list.contact_count})" for mailing_list in incident._audience_for("initial")
        )
        self.assertEqual(names, expected)
        self.assertNotIn("(0)", " ".join(names))

    def test_holding_text_one_click(self):
        incident = self._incident()
        with freeze_time(NOW):
            self._send(incident)
            self._run_mailing_queue()
            wizard = self._wizard(incident)
            wizard.action_use_holding_text()
            self.assertTrue(wizard.is_holding)
            self.assertEqual(wizard.findings, "no new findings since our last update")
            # The incident's "Holding Update" button: the wizard opens with the holding text.
            prefilled = self._wizard(incident, context={"default_is_holding": True})
            self.assertEqual(prefilled.findings, "no new findings since our last update")
            prefilled.action_send()
            self._run_mailing_queue()
        update = incident.update_ids[:1]
        self.assertIn(
            "Our team has identified no new findings since our last update and is taking the following actions:",
            self._mail_text(self.bob.email),
        )
        self.assertTrue(update.is_holding)

    # ------------------------------------------------------------------ holding updates on the clock

    def _due_update_clock(self, incident):
        return incident.clock_ids.filtered(lambda c: c.kind == "update" and c.state == "running")

    def test_update_due_reminds_by_default(self):
        incident = self._incident()
        deadline = self._due_update_clock(incident).deadline
        with freeze_time(deadline - timedelta(minutes=10)):
            self._run_clocks_cron()
        self.assertTrue(incident.activity_ids.filtered(lambda a: "Send the next update" in a.summary))
        with freeze_time(deadline):
            self._run_clocks_cron()
        self.assertFalse(incident.update_ids)
        self.assertFalse(self._mailings(incident))

    def test_update_due_sends_the_holding_update_when_the_policy_says_so(self):
        incident = self._incident()
        incident.policy_id.auto_holding_update = True
        clock = self._due_update_clock(incident)
        with freeze_time(clock.deadline):
            self._run_clocks_cron()
            self._run_mailing_queue()
        update = incident.update_ids
        self.assertEqual(len(update), 1)
        self.assertTrue(update.is_holding)
        self.assertEqual((update.kind, update.author_id), ("progress", self.im))
        self.assertEqual(update.mailing_id.state, "done")
        self.assertEqual(clock.state, "breached")
        next_clock = self._due_update_clock(incident)
        self.assertEqual(next_clock.deadline, clock.deadline + timedelta(minutes=60))
        words = self._mail_text(self.bob.email)
        self.assertIn("Our team has identified no new findings since our last update", words)
        self.assertIn("Next Update: Mar 10, 1:30 PM UTC−04:00", words)

    def test_holding_update_refused_is_logged(self):
        incident = self._incident()
        incident.policy_id.auto_holding_update = True
        incident.with_user(self.im).mailing_list_ids = self.env["mailing.list"].create({"name": "Empty"})
        clock = self._due_update_clock(incident)
        with freeze_time(clock.deadline):
            self._run_clocks_cron()
        self.assertFalse(incident.update_ids)
        self.assertFalse(self._mailings(incident))
        self.assertIn("The holding update was not sent", incident.message_ids[0].body)

    # ------------------------------------------------------------------ refusals

    def _broken_template(self, field="body_html"):
        """A template naming a field that no longer exists (say, removed by an upgrade):
        Odoo checks templates when they are saved, not when the fields they use go away."""
        template = self.env.ref("major_incident.mail_template_mi_progress").copy({"name": "Broken update"})
        value = (
            '<p>Dear <t t-out="object.mi_no_such_field"/></p>'
            if field == "body_html"
            else "Update {{ object.mi_no_such_field }}"
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE mail_template SET %s = jsonb_build_object('en_US', %s::text) WHERE id = %s",
                SQL.identifier(field),
                value,
                template.id,
            )
        )
        template.invalidate_recordset([field])
        return template

    def assertRefused(self, incident, exception, message, **values):
        wizard = self._wizard(incident, **values)
        with freeze_time(NOW), self.assertRaisesRegex(exception, message):
            wizard.action_send()
        self.assertFalse(incident.update_ids)
        self.assertFalse(self._mailings(incident))

    def test_refused_without_audience(self):
        incident = self._incident()
        self.assertRefused(incident, UserError, "has no audience", mailing_list_ids=[(5, 0, 0)])

    def test_refused_when_nobody_is_reachable(self):
        incident = self._incident()
        # Blacklisted, without an address, unsubscribed: nobody to send to.
        unreachable = self.env["mailing.list"].create(
            {
                "name": "Unreachable",
                "subscription_ids": [
                    (0, 0, {"contact_id": self.contact[self.carol].id}),
                    (0, 0, {"contact_id": self.env["mailing.contact"].create({"name": "No Address"}).id}),
                    (0, 0, {"contact_id": self.contact[self.frank].id, "opt_out": True}),
                ],
            }
        )
        self.assertRefused(
            incident, UserError, "Nobody on Unreachable can be reached", mailing_list_ids=[(6, 0, unreachable.ids)]
        )

    def test_refused_when_the_template_does_not_render(self):
        incident = self._incident()
        self.assertRefused(
            incident,
            UserError,
            r'(?s)"Broken update" cannot render its body: .*mi_no_such_field',
            kind="progress",
            template_id=self._broken_template().id,
        )
        self.assertRefused(
            incident,
            UserError,
            r'(?s)"Broken update" cannot render its subject: .*mi_no_such_field',
            kind="progress",
            template_id=self._broken_template("subject").id,
        )

    def test_refused_outside_the_incident_manager_group(self):
        incident = self._incident()
        for user in (self.agent, self.user_marketing):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["major.incident.update.wizard"].with_user(user).with_context(
                    active_model="major.incident", active_id=incident.id
                ).create({})
        update = self.env["major.incident.update"].create(incident._update_defaults("initial"))
        with self.assertRaisesRegex(AccessError, "Only an Incident Manager"):
            update.with_user(self.agent)._send()
        self.assertFalse(self._mailings(incident))

    def test_refused_resolution_before_resolved(self):
        incident = self._incident()
        self.assertRefused(incident, UserError, "not resolved yet", kind="resolution")

    def test_refused_next_update_in_the_past(self):
        incident = self._incident()
        self.assertRefused(incident, UserError, "already past", next_update_at=NOW - timedelta(minutes=1))

    def test_refused_braces_in_subject(self):
        incident = self._incident()
        incident.with_user(self.im).service_impact = "Vision {{ object.name }}"
        self.assertRefused(incident, UserError, 'contains "{{"')

    def test_incident_manager_is_no_template_editor(self):
        """The sends above run as in a fresh database: without template editing rights."""
        self.assertFalse(self.im.has_group("mail.group_mail_template_editor"))


@tagged("at_install", "-post_install")
class TestSopTemplates(CommunicationsCase):
    """The SOP's three client e-mails (3.4.1-3.4.3): subjects and fields, word for word."""

    def _render(self, kind, incident, **values):
        with freeze_time(NOW):
            wizard = self._wizard(incident, kind=kind, **values)
            return wizard.preview_subject, text(wizard.preview_body)

    def _signature(self, order):
        parts = {
            "name": "Irene Manager",
            "position": "Incident Manager",
            "company": "Company A Solutions",
            "contact": f"{self.im.email} {self.im.phone}",
        }
        return "Best regards, " + " ".join(parts[part] for part in order)

    def test_initial_notification(self):
        incident = self._incident()
        subject, words = self._render("initial", incident, impact="Orders cannot be placed at the kiosks.")
        self.assertEqual(subject, "Incident Notification - Vision Server")
        self.assertIn(
            "Dear Alice Vancouver, We are writing to inform you of an incident affecting Vision Server. "
            "Our team is actively investigating the issue and working toward a resolution. "
            "Incident Start Time: Mar 10, 8:30 AM UTC−07:00 "
            "Impact: Orders cannot be placed at the kiosks. "
            "Next Update: Mar 10, 10:00 AM UTC−07:00 "
            "We apologize for the inconvenience and appreciate your patience as we address this matter. "
            + self._signature(["name", "position", "company", "contact"]),
            words,
        )

    def test_progress_update(self):
        incident = self._incident()
        subject, words = self._render(
            "progress",
            incident,
            status="mitigating",
            findings="a rejected load balancer certificate",
            actions_taken="Certificate rolled back on one balancer.",
            next_steps="Roll back the second balancer within 30 minutes.",
        )
        self.assertEqual(subject, "Incident Update - Vision Server")
        self.assertIn(
            "Dear Alice Vancouver, We wanted to provide an update regarding the ongoing incident. "
            "Our team has identified a rejected load balancer certificate and is taking the following actions: "
            "Current Status: Mitigating "
            "Actions Taken: Certificate rolled back on one balancer. "
            "Next Steps: Roll back the second balancer within 30 minutes. "
            "Next Update: Mar 10, 10:00 AM UTC−07:00 "
            "Thank you for your understanding. Please reach out if you have any concerns. "
            + self._signature(["name", "position", "contact", "company"]),
            words,
        )

    def test_resolution_confirmation(self):
        incident = self._incident()
        self._code(incident)
        with freeze_time(NOW):
            incident.with_user(self.im).action_resolve()
        subject, words = self._render(
            "resolution",
            incident,
            root_cause="An expired certificate.",
            preventive_measures="Certificate expiry is now monitored.",
        )
        self.assertEqual(subject, "Incident Resolved - Vision Server")
        self.assertIn(
            "Dear Alice Vancouver, We are pleased to inform you that the incident affecting Vision Server "
            "has been resolved. The service has been restored as of Mar 10, 9:00 AM UTC−07:00. "
            "Incident Start Time: Mar 10, 8:30 AM UTC−07:00 "
            "Resolution Time: Mar 10, 9:00 AM UTC−07:00 "
            "Root Cause: An expired certificate. "
            "Preventative Measures: Certificate expiry is now monitored. "
            "We sincerely apologize for any inconvenience caused and thank you for your patience. "
            + self._signature(["name", "position", "contact", "company"]),
            words,
        )

    def test_outage_summary(self):
        incident = self._incident()
        subject, words = self._render(
            "summary",
            incident,
            impact="Vision is down: white screen.",
            localization="AMER",
            contact_info="Hotline 1-877-744-6434, option 2",
        )
        self.assertEqual(subject, "Major Outage – Vision Server")
        self.assertIn(
            "Summary of Services Down: Vision is down: white screen. Localization: AMER "
            "Occurrence: Mar 10, 8:30 AM UTC−07:00 ETA for Resolution: Unknown "
            f"Additional Contact Info: Hotline 1-877-744-6434, option 2 Odoo ID: {incident.reference} "
            "Status: Investigating",
            words,
        )


@tagged("at_install", "-post_install")
class TestDeliveryStartsAtOnce(CommunicationsCase, CronMixinCase):
    """Issue: above 100 recipients a blast waited for the hourly mail queue (the first of
    1,000 e-mails left 48 minutes after Send)."""

    def test_mail_queue_runs_at_once_for_an_incident_mailing(self):
        incident = self._incident()
        with freeze_time(NOW):
            update = self._send(incident, impact="Kiosks are stuck on a white screen.")
        with (
            freeze_time(NOW),
            self.capture_triggers("mail.ir_cron_mail_scheduler_action") as triggers,
            self.mock_mail_gateway(),
            self.enter_registry_test_mode(),
        ):
            self.env.ref("mass_mailing.ir_cron_mass_mailing_queue").sudo().method_direct_trigger()
        self.assertEqual(update.mailing_id.state, "done")
        self.assertEqual(set(triggers.records.mapped("call_at")), {NOW}, "the mail queue runs now")

    def test_other_mailings_keep_email_marketing_pace(self):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Newsletter",
                "body_html": "<p>News</p>",
                "email_from": self.company.email_formatted,
                "contact_list_ids": [(6, 0, self.list_internal.ids)],
            }
        )
        mailing.action_put_in_queue()
        with freeze_time(NOW), self.capture_triggers("mail.ir_cron_mail_scheduler_action") as triggers:
            self._run_mailing_queue()
        self.assertEqual(mailing.state, "done")
        self.assertFalse(triggers.records)

    def test_email_marketing_shows_the_e_mail_not_template_code(self):
        """Issue: an incident's mailing opened in Email Marketing showed raw template code."""
        incident = self._incident()
        with freeze_time(NOW):
            update = self._send(incident, impact="Kiosks are stuck on a white screen.")
        mailing = update.mailing_id
        self.assertNotIn("t-set", mailing.body_arch)
        self.assertNotIn("t-out", mailing.body_arch)
        self.assertIn("Dear ", text(mailing.body_arch))
        self.assertIn("Kiosks are stuck on a white screen.", text(mailing.body_arch))
        self.assertIn("t-out", mailing.body_html, "each reader still gets their own e-mail")


@tagged("at_install", "-post_install")
class TestMailQueueDrains(CommunicationsCase, CronMixinCase):
    """Issue: a 10,000-recipient blast sent its first 1,000 e-mails and left 9,000 for the
    mail queue's next hourly run."""

    def _outgoing(self, mailing, count):
        return (
            self.env["mail.mail"]
            .sudo()
            .create(
                [
                    {
                        "subject": "Blast",
                        "body_html": "<p>x</p>",
                        "email_to": f"reader{i}@example.com",
                        "mailing_id": mailing.id,
                        "state": "outgoing",
                    }
                    for i in range(count)
                ]
            )
        )

    def _run_queue(self):
        self.env["ir.config_parameter"].sudo().set_param("mail.mail.queue.batch.size", 1)
        with self.mock_mail_gateway(), self.capture_triggers("mail.ir_cron_mail_scheduler_action") as triggers:
            self.env["mail.mail"].process_email_queue()
        return triggers

    def test_the_queue_runs_again_while_an_incident_blast_remains(self):
        update = self._send(self._incident(), impact="Kiosks down.")
        mails = self._outgoing(update.mailing_id, 2)
        triggers = self._run_queue()
        self.assertEqual(mails.mapped("state").count("outgoing"), 1, "one batch of one sent")
        self.assertTrue(triggers.records, "and the queue is due again at once")

    def test_other_mail_keeps_the_queue_pace(self):
        newsletter = self.env["mailing.mailing"].create(
            {"subject": "News", "body_html": "<p>x</p>", "email_from": self.company.email_formatted}
        )
        self._outgoing(newsletter, 2)
        self.assertFalse(self._run_queue().records)
