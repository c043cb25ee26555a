import json
import logging
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from ..controllers.alert import REDACT_FILTER
from ..engine.alerts import MAX_BODY_BYTES
from .alert_payloads import alertmanager, generic, kuma, uptimerobot
from .common import MajorIncidentCase


def ago(minutes):
    return fields.Datetime.now() - timedelta(minutes=minutes)


@tagged("post_install", "-at_install")
class TestAlertWebhook(HttpCase, MajorIncidentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["helpdesk.ticket.team"].create({"name": "Vision support"})
        cls.sources = {}
        cls.tokens = {}
        for payload_format in ("uptime_kuma", "uptimerobot", "alertmanager", "generic"):
            source = cls.env["major.incident.alert.source"].create(
                {
                    "name": f"{payload_format} monitor",
                    "payload_format": payload_format,
                    "team_id": cls.team.id,
                    "severity": "p2",
                    "system_id": cls.system.id,
                }
            )
            cls.sources[payload_format] = source
            cls.tokens[payload_format] = cls._token_of(source.action_rotate_token())

    @staticmethod
    def _token_of(action):
        return action["context"]["default_url"].rsplit("/", 1)[1]

    def _post(self, token, payload=None, data=None, method="POST", headers=None):
        self.env.flush_all()
        response = self.url_open(
            f"/major_incident/alert/{token}",
            data=data if data is not None else json.dumps(payload),
            headers=headers or {"Content-Type": "application/json"},
            method=method,
        )
        self.env.invalidate_all()
        return response

    def _incidents(self):
        return self.env["major.incident"].search([("alert_source_id", "in", [s.id for s in self.sources.values()])])

    def _check_cycle(self, payload_format, down, up, detected_at):
        """Down opens a candidate, the same alert again updates it, up records the recovery."""
        token = self.tokens[payload_format]
        response = self._post(token, down)
        self.assertEqual(response.status_code, 200, response.text)
        result = response.json()["alerts"][0]
        self.assertEqual(result["result"], "created")
        incident = self.env["major.incident"].search([("reference", "=", result["incident"])])
        self.assertEqual(len(incident), 1, result)
        self.assertEqual(incident.state, "candidate")
        self.assertEqual(incident.source, "monitoring")
        self.assertEqual(incident.detected_at, detected_at.replace(microsecond=0))
        self.assertEqual(incident.incident_manager_id, self.im)
        self.assertEqual(incident.team_id, self.team)
        self.assertEqual(incident.severity, "p2")
        self.assertEqual(incident.system_id, self.system)
        self.assertEqual(incident.alert_source_id, self.sources[payload_format])
        self.assertTrue(incident.clock_ids.filtered(lambda c: c.kind == "ack"), "the clocks start at once")
        self.assertEqual(incident.escalation_ids.user_id, self.im, "the ladder calls the IM at once")
        self.assertFalse(incident.ticket_ids, "a monitor is no customer: their tickets link to it later")

        messages = len(incident.message_ids)
        response = self._post(token, down)
        self.assertEqual(response.json()["alerts"][0], {**result, "result": "updated"})
        self.assertEqual(self._incidents(), incident, "the same alert while open is one incident")
        self.assertGreater(len(incident.message_ids), messages)
        self.assertIn("down again", incident.message_ids[0].body)

        response = self._post(token, up)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["alerts"][0]["result"], "updated")
        self.assertEqual(response.json()["alerts"][0]["incident"], incident.reference)
        self.assertTrue(incident.alert_recovered_at)
        self.assertEqual(incident.state, "candidate", "a recovery does not close the incident by itself")
        self.assertIn("up again", incident.message_ids[0].body)
        return incident

    def _brief_proposal(self, incident):
        return incident.activity_ids.filtered(lambda a: a.summary == "Brief interruption? Monitor recovered")

    def test_uptime_kuma(self):
        down_at = ago(6)
        incident = self._check_cycle("uptime_kuma", kuma(0, down_at), kuma(1, ago(1)), down_at)
        self.assertEqual(incident.alert_fingerprint, "7")
        self.assertIn("Vision API", incident.name)
        proposal = self._brief_proposal(incident)
        self.assertEqual(proposal.user_id, self.im, "recovered within 15 minutes: brief interruption proposed")
        self.assertTrue(incident.brief_proposed)
        self._code(incident)
        incident.with_user(self.im).action_resolve_brief_interruption()
        self.assertEqual(incident.state, "cancelled")
        self.assertEqual(incident.cancel_reason, "brief")
        self.assertEqual(incident.resolved_at, incident.alert_recovered_at)

    def test_uptime_kuma_test_notification_and_pending(self):
        token = self.tokens["uptime_kuma"]
        response = self._post(token, {"heartbeat": None, "monitor": None, "msg": "Uptime Kuma Testing"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"alerts": []})
        response = self._post(token, kuma(2, ago(1)))
        self.assertEqual(response.json()["alerts"][0]["result"], "ignored", "pending is not an outage")
        self.assertFalse(self._incidents())

    def test_uptimerobot(self):
        down_at = ago(40).replace(microsecond=0)
        incident = self._check_cycle("uptimerobot", uptimerobot(1, down_at), uptimerobot(2, ago(2)), down_at)
        self.assertEqual(incident.alert_fingerprint, "793712345")
        self.assertFalse(self._brief_proposal(incident), "down 38 minutes: not a brief interruption")
        self.assertFalse(incident.brief_proposed)

    def test_alertmanager(self):
        down_at = ago(10)
        incident = self._check_cycle(
            "alertmanager", alertmanager("firing", down_at), alertmanager("resolved", ago(3)), down_at
        )
        self.assertEqual(incident.alert_fingerprint, "1a30ba71cca2921f")
        self.assertEqual(incident.name, "Vision probe failure is down")

    def test_alertmanager_group_is_one_transaction(self):
        """Several alerts in one notification: each gets its incident, in the same request."""
        payload = alertmanager("firing", ago(2))
        second = dict(payload["alerts"][0], fingerprint="2b41cb82ddb3a30a", labels={"alertname": "DiskFull"})
        payload["alerts"].append(second)
        response = self._post(self.tokens["alertmanager"], payload)
        self.assertEqual([r["result"] for r in response.json()["alerts"]], ["created", "created"])
        self.assertEqual(len(self._incidents()), 2)

    def test_generic(self):
        down_at = ago(5)
        incident = self._check_cycle("generic", generic("down", down_at), generic("up", ago(1)), down_at)
        self.assertEqual(incident.alert_fingerprint, "vision-db")

    def test_same_alert_from_two_sources_is_one_incident(self):
        backup = self.env["major.incident.alert.source"].create(
            {"name": "backup monitor", "payload_format": "generic", "team_id": self.team.id, "severity": "p2"}
        )
        backup_token = self._token_of(backup.action_rotate_token())
        first = self._post(self.tokens["generic"], generic("down", ago(3))).json()["alerts"][0]
        second = self._post(backup_token, generic("down", ago(2))).json()["alerts"][0]
        self.assertEqual((first["result"], second["result"]), ("created", "updated"))
        self.assertEqual(second["incident"], first["incident"])
        incident = self.env["major.incident"].search([("alert_fingerprint", "=", "vision-db")])
        self.assertEqual(incident.reference, first["incident"])
        self.assertEqual(incident.alert_source_id, self.sources["generic"], "the source that raised it")
        self.assertIn("backup monitor reports", incident.message_ids[0].body)

    def test_recovery_without_open_incident_is_ignored(self):
        response = self._post(self.tokens["generic"], generic("up", ago(1)))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json()["alerts"][0],
            {"incident": None, "result": "ignored", "event": "up", "fingerprint": "vision-db"},
        )
        self.assertFalse(self._incidents())

    def test_closed_incident_alert_opens_a_new_one(self):
        first = self._post(self.tokens["generic"], generic("down", ago(30))).json()["alerts"][0]["incident"]
        incident = self.env["major.incident"].search([("reference", "=", first)])
        incident.with_user(self.im).action_dismiss()
        second = self._post(self.tokens["generic"], generic("down", ago(1))).json()["alerts"][0]
        self.assertEqual(second["result"], "created")
        self.assertNotEqual(second["incident"], first)

    # ------------------------------------------------------------------ bad input

    def _assert_refused(self, response, status, error):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        self.assertEqual(response.json()["error"], error)
        self.assertFalse(self._incidents(), "nothing is written on bad input")
        self.assertEqual(self.env["major.incident"].search_count([]), self.incident_count)
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), self.ticket_count)
        for source in self.sources.values():
            self.assertFalse(source.last_alert_at)
        return response.json()

    def test_bad_input_writes_nothing(self):
        self.incident_count = self.env["major.incident"].search_count([])
        self.ticket_count = self.env["helpdesk.ticket"].search_count([])
        token = self.tokens["uptime_kuma"]
        down = kuma(0, ago(1))

        self._assert_refused(self._post("not-a-token", down), 404, "unknown_source")
        self.sources["generic"].active = False
        self._assert_refused(self._post(self.tokens["generic"], generic("down", ago(1))), 404, "unknown_source")

        response = self._post(token, method="GET", data="")
        self._assert_refused(response, 405, "method_not_allowed")
        self.assertEqual(response.headers["Allow"], "POST")

        self._assert_refused(
            self._post(token, data="heartbeat=down", headers={"Content-Type": "text/plain"}), 400, "invalid_json"
        )
        self._assert_refused(self._post(token, data='{"heartbeat": {"monitorID": 7,'), 400, "invalid_json")
        self._assert_refused(self._post(token, data=""), 400, "invalid_json")

        missing = kuma(0, ago(1))
        del missing["heartbeat"]["monitorID"]
        body = self._assert_refused(self._post(token, missing), 422, "invalid_payload")
        self.assertEqual(body["field"], "heartbeat.monitorID")
        self.assertIn("heartbeat.monitorID", body["message"])
        body = self._assert_refused(self._post(token, [down]), 422, "invalid_payload")
        self.assertEqual(body["field"], "heartbeat")

        robot = uptimerobot(1, ago(1))
        del robot["alertType"]
        body = self._assert_refused(self._post(self.tokens["uptimerobot"], robot), 422, "invalid_payload")
        self.assertEqual(body["field"], "alertType")

        manager = alertmanager("firing", ago(1))
        del manager["alerts"][0]["status"]
        body = self._assert_refused(self._post(self.tokens["alertmanager"], manager), 422, "invalid_payload")
        self.assertEqual(body["field"], "alerts[0].status")
        manager = alertmanager("firing", ago(1))
        manager["alerts"][0]["startsAt"] = "yesterday"
        body = self._assert_refused(self._post(self.tokens["alertmanager"], manager), 422, "invalid_payload")
        self.assertEqual(body["field"], "alerts[0].startsAt")

        self.sources["generic"].active = True
        body = self._assert_refused(self._post(self.tokens["generic"], {"status": "down"}), 422, "invalid_payload")
        self.assertEqual(body["field"], "id")
        body = self._assert_refused(
            self._post(self.tokens["generic"], {"id": "x", "status": "sideways"}), 422, "invalid_payload"
        )
        self.assertEqual(body["field"], "status")

        oversized = json.dumps({**generic("down", ago(1)), "padding": "x" * MAX_BODY_BYTES})
        body = self._assert_refused(self._post(self.tokens["generic"], data=oversized), 413, "payload_too_large")
        self.assertEqual(body["limit"], MAX_BODY_BYTES)

    # ------------------------------------------------------------------ token

    def test_token_is_stored_hashed_rotatable_and_redacted(self):
        source = self.sources["generic"]
        old_token = self.tokens["generic"]
        self.assertNotIn(old_token, source.sudo().token_hash)
        self.assertFalse(
            self.env["major.incident.alert.source"].sudo().search([("token_hash", "=", old_token)]),
            "the token itself is not stored",
        )
        new_token = self._token_of(source.action_rotate_token())
        self.assertNotEqual(new_token, old_token)
        self._assert_refused_token(old_token)
        response = self._post(new_token, generic("down", ago(1)))
        self.assertEqual(response.json()["alerts"][0]["result"], "created")

        record = logging.LogRecord(
            "werkzeug",
            logging.INFO,
            __file__,
            1,
            '%s - - "%s" %s %s',
            ("127.0.0.1", f"POST /major_incident/alert/{new_token} HTTP/1.1", "200", "-"),
            None,
        )
        self.assertTrue(REDACT_FILTER.filter(record))
        self.assertNotIn(new_token, record.getMessage())
        self.assertIn("/major_incident/alert/***", record.getMessage())
        self.assertIn(REDACT_FILTER, logging.getLogger("werkzeug").filters)

    def _assert_refused_token(self, token):
        response = self._post(token, generic("down", ago(1)))
        self.assertEqual(response.status_code, 404)

    def test_json_under_curl_form_content_type(self):
        """curl -d sends application/x-www-form-urlencoded: the body is still read as JSON."""
        token = self.tokens["generic"]
        payload = {"id": "vision-1", "status": "down", "title": "Vision", "message": "a=b&c=d"}
        response = self._post(
            token, data=json.dumps(payload), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["alerts"][0]["result"], "created")
        incident = self._incidents()
        self.assertEqual(incident.alert_fingerprint, "vision-1")

    def test_shape_error_names_the_format(self):
        response = self._post(self.tokens["alertmanager"], {"alerts": "nope"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("not a valid Prometheus Alertmanager payload", response.json()["message"])
