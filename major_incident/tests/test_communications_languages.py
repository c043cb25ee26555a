from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import MajorIncidentCase
from .communications_common import NOW, CommunicationsCase, text


@tagged("at_install", "-post_install")
class TestBilingualBlast(CommunicationsCase):
    """A blast reaches each reader in their language: the incident contact's language
    picks the template's translation, dates follow that language and the reader's zone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_CA")
        cls.env["ir.module.module"]._load_module_terms(["major_incident"], ["fr_CA"], overwrite=True)
        # A Montreal contact of the customer reads Canadian French; Alice stays in English.
        cls.bob.write({"lang": "fr_CA", "tz": "America/Montreal"})

    def _mail(self, email):
        mail = self._find_sent_email_wemail(email)
        return mail["subject"], text(mail["body"])

    def test_contact_language_follows_its_partner(self):
        self.assertEqual(self.contact[self.bob].mi_lang, "fr_CA")
        self.assertEqual(self.contact[self.alice].mi_lang, "en_US")
        self.bob.lang = "en_US"
        self.assertEqual(self.contact[self.bob].mi_lang, "en_US")

    def test_one_update_each_reader_in_their_language(self):
        incident = self._incident()
        with freeze_time(NOW):
            update = self._send(
                incident,
                mailing_list_ids=[Command.set(self.list_northwind.ids)],
                impact="Kiosks are stuck on a white screen.",
            )
        # One mailing per language, the company's (English) first.
        english, french = update.mailing_ids.sorted(lambda mailing: mailing != update.mailing_id)
        self.assertEqual(update.mailing_id, english)
        self.assertEqual(english.subject, "Incident Notification - Vision Server")
        self.assertEqual(french.subject, "Avis d'incident - Vision Server")
        self.assertEqual(update.subject, english.subject)
        self.assertEqual(french.mi_incident_id, incident)
        self.assertEqual(french.contact_list_ids, self.list_northwind)
        self.assertIn("Bonjour", text(french.body_arch))

        with freeze_time(NOW):
            self._run_mailing_queue()
        self.assertEqual((english | french).mapped("state"), ["done", "done"])
        self.assertEqual(len(self._mails), 2, "each reader gets one e-mail, in one language")
        alice_subject, alice_words = self._mail(self.alice.email)
        bob_subject, bob_words = self._mail(self.bob.email)
        self.assertEqual(alice_subject, "Incident Notification - Vision Server")
        self.assertIn("Dear Alice Vancouver,", alice_words)
        self.assertIn("Incident Start Time: Mar 10, 8:30 AM UTC−07:00", alice_words)
        self.assertIn("Next Update: Mar 10, 10:00 AM UTC−07:00", alice_words)
        self.assertEqual(bob_subject, "Avis d'incident - Vision Server")
        self.assertIn("Bonjour Bob Noz,", bob_words)
        self.assertIn("Début de l'incident : 10 mars, 11 h 30 UTC−04:00", bob_words)
        self.assertIn("Prochaine mise à jour : 10 mars, 13 h 00 UTC−04:00", bob_words)
        self.assertIn("Impact : Kiosks are stuck on a white screen.", bob_words)
        self.assertNotIn("Dear", bob_words)
        # Delivery counts both languages.
        self.assertEqual((update.expected_count, update.delivered_count, update.mailing_state), (2, 2, "done"))

    def test_labels_are_the_readers(self):
        """What the update holds as choices (its status) reads in each reader's language."""
        incident = self._incident()
        with freeze_time(NOW):
            self._send(incident, mailing_list_ids=[Command.set(self.list_northwind.ids)], impact="Down.")
            self._send(
                incident,
                kind="progress",
                status="investigating",
                mailing_list_ids=[Command.set(self.list_northwind.ids)],
                findings="a faulty load balancer",
                actions_taken="Traffic moved to Montreal.",
                next_steps="Replace it.",
            )
            self._run_mailing_queue()
        bob_mails = [mail for mail in self._mails if self.bob.email in mail["email_to"][0]]
        alice_mails = [mail for mail in self._mails if self.alice.email in mail["email_to"][0]]
        self.assertIn("Statut actuel : Enquête en cours", text(bob_mails[-1]["body"]))
        self.assertIn("Current Status: Investigating", text(alice_mails[-1]["body"]))
        # One transaction renders every language: the label is not cached across them.
        update = incident.update_ids.sorted("id")[-1]
        self.assertEqual(update.with_context(lang="fr_CA").status_label, "Enquête en cours")
        self.assertEqual(update.with_context(lang="en_US").status_label, "Investigating")

    def test_reader_without_language_reads_the_company_language(self):
        """A contact without a language (e.g. imported) reads the company's."""
        self.company.partner_id.lang = "fr_CA"
        self.alice.lang = False
        incident = self._incident()
        with freeze_time(NOW):
            update = self._send(incident, mailing_list_ids=[Command.set(self.list_northwind.ids)], impact="Down.")
            self._run_mailing_queue()
        self.assertEqual(len(update.mailing_ids), 1)
        self.assertEqual(update.subject, "Avis d'incident - Vision Server")
        self.assertIn("Bonjour Alice Vancouver,", self._mail(self.alice.email)[1])
        self.assertIn("Début de l'incident : 10 mars, 08 h 30 UTC−07:00", self._mail(self.alice.email)[1])

    def test_preview_reads_as_the_first_reader_of_the_first_mailing(self):
        """The wizard previews the e-mail of the company's language, as its first reader gets it."""
        self.company.partner_id.lang = "fr_CA"
        incident = self._incident()
        with freeze_time(NOW):
            wizard = self._wizard(incident, mailing_list_ids=[Command.set(self.list_northwind.ids)], impact="Down.")
            self.assertEqual(wizard.preview_recipient, f"Bob Noz <{self.bob.email}>")
            self.assertEqual(wizard.preview_subject, "Avis d'incident - Vision Server")
            self.assertIn("Bonjour Bob Noz,", text(wizard.preview_body))


@tagged("at_install", "-post_install")
class TestTranslatedPlans(MajorIncidentCase):
    """The procedure's checklist is scheduled in the language of whoever carries it out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_CA")
        cls.env["ir.module.module"]._load_module_terms(["major_incident"], ["fr_CA"], overwrite=True)

    def _checklist(self):
        incident = self._candidate()
        incident.with_user(self.im).action_acknowledge()
        todo = self.env.ref("mail.mail_activity_data_todo")
        return incident.activity_ids.filtered(lambda a: a.activity_type_id == todo)

    def test_checklist_in_the_incident_managers_language(self):
        self.im.lang = "fr_CA"
        checklist = self._checklist()
        self.assertEqual(len(checklist), 6)
        self.assertIn("Trier l'incident.", checklist.mapped("summary"))
        self.assertIn("Trier l'incident.", str(checklist.filtered(lambda a: a.summary == "Trier l'incident.").note))
        plan = self.env.ref("major_incident.plan_sop_p1_actions")
        self.assertEqual(plan.with_context(lang="fr_CA").name, "PON P1 : actions à entreprendre")

    def test_checklist_in_english_for_an_english_reader(self):
        self.im.lang = "en_US"
        self.assertIn("Triage the incident.", self._checklist().mapped("summary"))
