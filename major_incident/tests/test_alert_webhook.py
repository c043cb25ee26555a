import json
import logging
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, tagged

from ..controllers.alert import REDACT_FILTER
from ..engine.alert_grouping import NOTE_INTERVAL, PAGE_CAP, PAGE_WINDOW
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

    def _send(self, token, payload, **kwargs):
        """Post as a monitor does, check the 202, then process the queue as the alert cron
        does: the alert results, one per alert of the payload."""
        response = self._post(token, payload, **kwargs)
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "queued")
        stored = self.env["major.incident.alert.payload"].browse(answer["payload"])
        self.assertEqual(stored.state, "queued", "nothing is processed inside the request")
        self._process_queue()
        self.assertEqual(stored.state, "done", stored.error)
        return self._results(stored)

    def _process_queue(self):
        self.env["major.incident.alert.payload"].search([("state", "=", "queued")], order="id")._process()
        self.env.flush_all()

    def _results(self, stored):
        return [
            {
                "incident": line.incident_id.reference or None,
                "result": line.result,
                "event": line.event or None,
                "fingerprint": line.fingerprint,
            }
            for line in stored.line_ids.sorted("id")
        ]

    def _incidents(self):
        return self.env["major.incident"].search([("alert_source_id", "in", [s.id for s in self.sources.values()])])

    def _check_cycle(self, payload_format, down, up, detected_at):
        """Down opens a candidate, the same alert again updates it, up records the recovery."""
        token = self.tokens[payload_format]
        result = self._send(token, down)[0]
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
        self.assertEqual(self._send(token, down)[0], {**result, "result": "updated"})
        self.assertEqual(self._incidents(), incident, "the same alert while open is one incident")
        self.assertGreater(len(incident.message_ids), messages)
        self.assertIn("down again", incident.message_ids[0].body)

        recovered = self._send(token, up)[0]
        self.assertEqual(recovered["result"], "updated")
        self.assertEqual(recovered["incident"], incident.reference)
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
        self.assertEqual(response.json(), {"status": "nothing_to_record", "alerts": 0})
        self.assertFalse(self.env["major.incident.alert.payload"].search([]))
        pending = self._send(token, kuma(2, ago(1)))
        self.assertEqual(pending[0]["result"], "ignored", "pending is not an outage, yet recorded")
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
        self.assertTrue(incident.alert_fingerprint.startswith("group:"), "the Alertmanager group's incident")
        self.assertEqual(set(incident.alert_line_ids.mapped("fingerprint")), {"1a30ba71cca2921f"})
        self.assertEqual(incident.name, "Vision probe failure is down")

    def test_alertmanager_group_is_one_incident(self):
        """Several alerts of one group in one notification: one incident, each alert recorded."""
        payload = alertmanager("firing", ago(2))
        second = dict(payload["alerts"][0], fingerprint="2b41cb82ddb3a30a", labels={"alertname": "DiskFull"})
        payload["alerts"].append(second)
        results = self._send(self.tokens["alertmanager"], payload)
        self.assertEqual([r["result"] for r in results], ["created", "grouped"])
        self.assertEqual(len(self._incidents()), 1)
        self.assertEqual(results[0]["incident"], results[1]["incident"])

    def test_generic(self):
        down_at = ago(5)
        incident = self._check_cycle("generic", generic("down", down_at), generic("up", ago(1)), down_at)
        self.assertEqual(incident.alert_fingerprint, "vision-db")

    def test_same_alert_from_two_sources_is_one_incident(self):
        backup = self.env["major.incident.alert.source"].create(
            {"name": "backup monitor", "payload_format": "generic", "team_id": self.team.id, "severity": "p2"}
        )
        backup_token = self._token_of(backup.action_rotate_token())
        first = self._send(self.tokens["generic"], generic("down", ago(3)))[0]
        second = self._send(backup_token, generic("down", ago(2)))[0]
        self.assertEqual((first["result"], second["result"]), ("created", "updated"))
        self.assertEqual(second["incident"], first["incident"])
        incident = self.env["major.incident"].search([("alert_fingerprint", "=", "vision-db")])
        self.assertEqual(incident.reference, first["incident"])
        self.assertEqual(incident.alert_source_id, self.sources["generic"], "the source that raised it")
        self.assertIn("backup monitor reports", incident.message_ids[0].body)

    def test_recovery_without_open_incident_is_ignored(self):
        self.assertEqual(
            self._send(self.tokens["generic"], generic("up", ago(1)))[0],
            {"incident": None, "result": "ignored", "event": "up", "fingerprint": "vision-db"},
        )
        self.assertFalse(self._incidents())

    def test_closed_incident_alert_opens_a_new_one(self):
        first = self._send(self.tokens["generic"], generic("down", ago(30)))[0]["incident"]
        incident = self.env["major.incident"].search([("reference", "=", first)])
        incident.with_user(self.im).action_dismiss()
        second = self._send(self.tokens["generic"], generic("down", ago(1)))[0]
        self.assertEqual(second["result"], "created")
        self.assertNotEqual(second["incident"], first)

    # ------------------------------------------------------------------ bad input

    def _assert_refused(self, response, status, error):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        self.assertEqual(response.json()["error"], error)
        self.assertFalse(self._incidents(), "nothing is written on bad input")
        self.assertFalse(self.env["major.incident.alert.payload"].search([]), "nor stored")
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
        self.assertEqual(self._send(new_token, generic("down", ago(1)))[0]["result"], "created")

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
        results = self._send(
            token, None, data=json.dumps(payload), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        self.assertEqual(results[0]["result"], "created")
        incident = self._incidents()
        self.assertEqual(incident.alert_fingerprint, "vision-1")

    def test_shape_error_names_the_format(self):
        response = self._post(self.tokens["alertmanager"], {"alerts": "nope"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("not a valid Prometheus Alertmanager payload", response.json()["message"])

    # ------------------------------------------------------------------ storms

    def _storm(self, size):
        """One Alertmanager notification of ``size`` firing alerts of one group, as a
        datacentre outage sends it (about 200 KB for 3,000 alerts)."""
        payload = alertmanager("firing", ago(2))
        starts_at = payload["alerts"][0]["startsAt"]
        payload["alerts"] = [
            {
                "status": "firing",
                "labels": {"alertname": "HostDown", "instance": f"host{index}"},
                "startsAt": starts_at,
                "fingerprint": f"{index:016x}",
            }
            for index in range(size)
        ]
        return payload

    def test_storm_is_accepted_queued_and_grouped(self):
        """3,000 firing alerts in one payload: answered 202 without processing them, then
        processed by the alert cron into one incident that pages once, every alert recorded."""
        payload = self._storm(3000)
        self.assertLess(len(json.dumps(payload)), MAX_BODY_BYTES)
        response = self._post(self.tokens["alertmanager"], payload)
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual((answer["status"], answer["alerts"], answer["warnings"]), ("queued", 3000, []))
        stored = self.env["major.incident.alert.payload"].browse(answer["payload"])
        self.assertEqual((stored.state, stored.alert_count), ("queued", 3000))
        self.assertFalse(self._incidents(), "nothing opened inside the request")
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.env.ref("major_incident.ir_cron_major_incident_alert_payloads").id)]
            ),
            "the alert cron is woken at once",
        )

        self._process_queue()
        self.assertEqual((stored.state, stored.incident_count), ("done", 1), stored.error)
        incident = self._incidents()
        self.assertEqual(len(incident), 1, "one group, one incident")
        self.assertEqual(len(stored.line_ids), 3000, "every alert recorded")
        self.assertEqual(incident.alert_line_ids, stored.line_ids)
        self.assertEqual(sorted(set(stored.line_ids.mapped("result"))), ["created", "grouped"])
        self.assertEqual(len(incident.escalation_ids), 1, "the Incident Manager is paged once")
        self.assertLess(len(incident.message_ids), 20, "no note per alert")

        # The same group resent (Alertmanager's repeat_interval): the same incident.
        response = self._post(self.tokens["alertmanager"], payload)
        self._process_queue()
        resent = self.env["major.incident.alert.payload"].browse(response.json()["payload"])
        self.assertEqual(set(resent.line_ids.mapped("result")), {"updated"})
        self.assertEqual(resent.line_ids.incident_id, incident)
        self.assertEqual(self._incidents(), incident)

    def test_failed_payload_is_kept_and_does_not_block_others(self):
        bad = self.env["major.incident.alert.payload"].create(
            {"source_id": self.sources["generic"].id, "body": json.dumps({"status": "down"})}
        )
        self._post(self.tokens["generic"], generic("down", ago(1)))
        self._process_queue()
        self.assertEqual(bad.state, "failed")
        self.assertIn("id is missing", bad.error)
        self.assertEqual(len(self._incidents()), 1, "the payload after it is processed")
        failed = self.env["major.incident.alert.payload"].with_user(self.mi_admin).search([("state", "=", "failed")])
        self.assertEqual(failed, bad, "administrators see failed payloads")

        # Its cause fixed, an administrator processes it again.
        bad.body = json.dumps(generic("down", ago(1)))
        failed.action_process()
        self.assertEqual(bad.state, "done")
        self.assertEqual(bad.line_ids.result, "updated")

    def test_alert_records_access(self):
        self._send(self.tokens["generic"], generic("down", ago(1)))
        payload_model = self.env["major.incident.alert.payload"]
        line_model = self.env["major.incident.alert.line"]
        self.assertEqual(len(line_model.with_user(self.agent).search([])), 1, "MI users read the alerts")
        self.assertEqual(len(payload_model.with_user(self.agent).search([])), 1)
        with self.assertRaises(AccessError):
            payload_model.with_user(self.agent).search([]).action_process()
        with self.assertRaises(AccessError):
            line_model.with_user(self.agent).search([]).unlink()
        with self.assertRaises(AccessError):
            line_model.with_user(self.support_agent).search([])
        with self.assertRaises(AccessError):
            payload_model.with_user(self.mi_admin).create({"source_id": self.sources["generic"].id, "body": "{}"})

    def test_identical_alerts_at_once_are_one_incident(self):
        """50 monitors' copies of one alert arrive together: each is accepted (no request
        waits for another), recorded, and they make one incident."""
        token = self.tokens["generic"]
        responses = [self._post(token, generic("down", ago(1))) for _copy in range(50)]
        self.assertEqual({response.status_code for response in responses}, {202})
        self._process_queue()
        incident = self._incidents()
        self.assertEqual(len(incident), 1)
        self.assertEqual(len(incident.alert_line_ids), 50)
        self.assertEqual(sorted(set(incident.alert_line_ids.mapped("result"))), ["created", "updated"])
        self.assertEqual(len(incident.escalation_ids), 1)

    def test_distinct_alerts_at_once_are_all_recorded_within_the_page_cap(self):
        """50 different monitors down together: every alert recorded; the Incident Manager
        is paged at most PAGE_CAP times, the other outages are held on the latest incident."""
        token = self.tokens["generic"]
        for index in range(50):
            response = self._post(token, dict(generic("down", ago(1)), id=f"host-{index}", title=f"Host {index}"))
            self.assertEqual(response.status_code, 202)
        self._process_queue()
        lines = self.env["major.incident.alert.line"].search([("source_id", "=", self.sources["generic"].id)])
        self.assertEqual(sorted(lines.mapped("fingerprint")), sorted(f"host-{i}" for i in range(50)))
        self.assertTrue(all(lines.mapped("incident_id")), "each is on an incident")
        incidents = self._incidents()
        self.assertEqual(len(incidents), PAGE_CAP)
        self.assertEqual(len(incidents.escalation_ids.filtered(lambda r: r.user_id == self.im)), PAGE_CAP)
        held = lines.filtered(lambda line: line.result == "held")
        self.assertEqual(len(held), 50 - PAGE_CAP)
        self.assertEqual(held.incident_id, incidents.sorted("id")[-1])
        self.assertIn("held on this incident", held.incident_id.message_ids[0].body)

        with freeze_time(fields.Datetime.now() + PAGE_WINDOW + timedelta(minutes=1)):
            self._post(token, dict(generic("down", ago(1)), id="host-late"))
            self._process_queue()
        self.assertEqual(len(self._incidents()), PAGE_CAP + 1, "the cap is per window")

    def test_alert_time_before_the_source_is_replaced_and_said(self):
        payload = dict(generic("down", ago(1)), time="0001-01-01T00:00:00Z")
        response = self._post(self.tokens["generic"], payload)
        self.assertEqual(response.status_code, 202, response.text)
        warnings = response.json()["warnings"]
        self.assertEqual(len(warnings), 1)
        self.assertIn("0001-01-01", warnings[0]["message"])
        stored = self.env["major.incident.alert.payload"].browse(response.json()["payload"])
        self._process_queue()
        line = stored.line_ids
        self.assertEqual(line.reported_time, "0001-01-01 00:00:00")
        self.assertEqual(line.alerted_at, stored.received_at)
        self.assertEqual(line.incident_id.detected_at, stored.received_at, "no incident detected in year 1")

    def test_repeated_down_is_noted_once_per_interval(self):
        token = self.tokens["generic"]
        for _repeat in range(201):
            self._post(token, generic("down", ago(1)))
        self._process_queue()
        incident = self._incidents()
        self.assertEqual(len(incident.alert_line_ids), 201, "every repeat is recorded")

        def down_again():
            return incident.message_ids.filtered(lambda m: "down again" in (m.body or ""))

        self.assertEqual(len(down_again()), 1, "200 repeats within the interval: one note")
        with freeze_time(fields.Datetime.now() + NOTE_INTERVAL + timedelta(minutes=1)):
            self._post(token, generic("down", ago(1)))
            self._process_queue()
        self.assertEqual(len(down_again()), 2, "one more note per interval")

    def test_token_never_in_the_log_whatever_the_spelling(self):
        token = self.tokens["generic"]
        encoded = "".join(f"%{byte:02X}" for byte in token.encode())
        spellings = [
            f"/major_incident/alert/{token}",
            f"/MAJOR_INCIDENT/ALERT/{token}",
            f"/Major_Incident/Alert/{token}",
            f"//major_incident//alert//{token}",
            f"/major_incident/alert/{token}/",
            f"/major_incident/alert/{encoded}",
            f"/major_incident%2Falert%2F{token}",
            f"/major%5Fincident/alert/{token}?x=1",
        ]
        body = json.dumps(generic("down", ago(1)))
        # logging.INFO, not "INFO": Odoo names its level 25 "INFO" too.
        with self.assertLogs("werkzeug", level=logging.INFO) as captured:
            for path in spellings:
                self.url_open(path, data=body, headers={"Content-Type": "application/json"}, allow_redirects=False)
        self.assertGreaterEqual(len(captured.records), len(spellings), "every request is logged")
        logged = "\n".join(record.getMessage() for record in captured.records)
        self.assertIn("/major_incident/alert/***", logged)
        for secret in (token, encoded, token.lower()):
            self.assertNotIn(secret.lower(), logged.lower())
