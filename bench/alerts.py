"""Alert intake under a storm, end to end on a running Odoo server whose own cron threads
process the alerts (nothing is run by hand).

Run by ``python3 scripts/devenv.py bench`` against a server it starts; by hand:
    .venv/bin/python bench/alerts.py http://127.0.0.1:8071 mi_bench_alerts
It logs in as admin/admin, creates an Alertmanager and a generic alert source, then
measures: the time until a 3,000-alert Alertmanager payload (about 200 KB) is answered
202, the time until the alert cron has processed it, and 50 identical then 50 distinct
alerts posted at once from 50 threads (answers, incidents, alerts recorded), with the
admin as Incident Manager on duty so that the page cap applies. Figures go to
bench/results/alerts.json; nothing is asserted.
"""

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from delivery import Client

STORM = 3000
PARALLEL = 50


def post(url, payload):
    """(HTTP status, decoded answer) of one webhook call."""
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def new_source(odoo, name, payload_format):
    """(source id, its webhook URL on this server: web.base.url may name another port)."""
    source = odoo("major.incident.alert.source", "create", {"name": name, "payload_format": payload_format})
    action = odoo("major.incident.alert.source", "action_rotate_token", [source])
    return source, odoo.url + urlsplit(action["context"]["default_url"]).path


def storm_payload(size, stamp):
    starts_at = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return {
        "receiver": "odoo",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HostDown", "instance": f"h{index}"},
                "annotations": {"summary": f"h{index} down"},
                "startsAt": starts_at,
                "fingerprint": f"{stamp:x}{index:08x}",
            }
            for index in range(size)
        ],
        "groupLabels": {"alertname": "HostDown"},
        "version": "4",
        "groupKey": f'{{}}:{{alertname="HostDown",bench="{stamp}"}}',
    }


def wait_processed(odoo, payload_ids, timeout):
    """Seconds until every payload left the queue (None on timeout), and their states."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        rows = odoo("major.incident.alert.payload", "read", payload_ids, ["state"])
        if all(row["state"] != "queued" for row in rows):
            return time.monotonic() - start, [row["state"] for row in rows]
        time.sleep(0.2)
    return None, [row["state"] for row in rows]


def at_once(url, payloads):
    """Post every payload from its own thread, released together."""
    barrier = threading.Barrier(len(payloads))
    answers = [None] * len(payloads)

    def send(index):
        barrier.wait()
        answers[index] = post(url, payloads[index])

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(payloads))]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - start, answers


def parallel_row(odoo, url, source, label, payloads, timeout):
    seconds, answers = at_once(url, payloads)
    accepted = [answer["payload"] for status, answer in answers if status == 202]
    processed_s, states = wait_processed(odoo, accepted, timeout) if accepted else (0, [])
    return {
        "scenario": label,
        "posted": len(payloads),
        "answered_202": len(accepted),
        "other_answers": sorted({status for status, _answer in answers if status != 202}),
        "all_answered_s": round(seconds, 2),
        "processed_s": round(processed_s, 2) if processed_s is not None else None,
        "payloads_failed": states.count("failed"),
        "alerts_recorded": odoo("major.incident.alert.line", "search_count", [("source_id", "=", source)]),
        "incidents": odoo("major.incident", "search_count", [("alert_source_id", "=", source)]),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("db")
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "alerts.json"))
    args = parser.parse_args()
    odoo = Client(args.url, args.db)
    # Someone on duty to page, so that the page cap applies (admin, who has no phone:
    # the ladder logs them as unreachable, which is no matter here).
    odoo("res.company", "write", [1], {"mi_incident_manager_id": odoo.uid})
    stamp = int(time.time())
    rows = []

    source, url = new_source(odoo, f"Alertmanager bench {stamp}", "alertmanager")
    payload = storm_payload(STORM, stamp)
    start = time.monotonic()
    status, answer = post(url, payload)
    acknowledged = time.monotonic() - start
    processed, states = wait_processed(odoo, [answer["payload"]], args.timeout) if status == 202 else (None, [])
    rows.append(
        {
            "scenario": f"{STORM}-alert Alertmanager payload",
            "body_kb": round(len(json.dumps(payload)) / 1024),
            "status": status,
            "acknowledged_s": round(acknowledged, 3),
            "processed_s": round(acknowledged + processed, 2) if processed is not None else None,
            "state": states[0] if states else None,
            "alerts_recorded": odoo("major.incident.alert.line", "search_count", [("source_id", "=", source)]),
            "incidents": odoo("major.incident", "search_count", [("alert_source_id", "=", source)]),
        }
    )

    source, url = new_source(odoo, f"Generic bench identical {stamp}", "generic")
    identical = [{"id": f"bench-{stamp}", "status": "down", "title": "Bench service"}] * PARALLEL
    rows.append(parallel_row(odoo, url, source, f"{PARALLEL} identical alerts at once", identical, args.timeout))

    source, url = new_source(odoo, f"Generic bench distinct {stamp}", "generic")
    distinct = [{"id": f"bench-{stamp}-{i}", "status": "down", "title": f"Bench {i}"} for i in range(PARALLEL)]
    rows.append(parallel_row(odoo, url, source, f"{PARALLEL} distinct alerts at once", distinct, args.timeout))

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows, indent=2))
    for row in rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
