"""Scale-out run: two Odoo servers in ``--workers`` mode, each with a cron worker, on one
database, as several hosts would run it. Alerts are spread over both servers, the
escalations of many incidents fall due in the same minute, and one server is killed
(SIGKILL, master and workers) while they are being called. Then it checks, in the
database, that every escalation was called exactly once and every alert recorded.

    python3 bench/scale_out.py [--incidents 60] [--alerts 300]

Run with the system ``python3`` (as ``make``): it uses scripts/devenv.py for Odoo, the
virtual environment and the throwaway PostgreSQL cluster. Figures go to
bench/results/scale_out.json; nothing is asserted, the exit code is 1 when a check fails.
Traffic goes to 127.0.0.1 only; every wait is bounded.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import devenv  # noqa: E402  (the repository's own entry point, found beside this file)

DB = "mi_scale_out"
TOKEN = "scale-out-bench-token"
ROUTE = "/major_incident/alert"
SETUP = f"""
from odoo.addons.major_incident.models.major_incident_alert_source import hash_token
# Level 2 of every ladder falls due one minute after an incident is raised, level 3 never
# within the run: all the incidents raised together are escalated in the same minute.
for policy in env["major.incident.policy"].search([]):
    levels = policy.escalation_level_ids.sorted("sequence")
    levels[1:2].wait_minutes = 1
    levels[2:].wait_minutes = 600
env["major.incident.alert.source"].create({{
    "name": "Scale-out monitor", "payload_format": "alertmanager", "token_hash": hash_token({TOKEN!r}),
}})
env.cr.commit()
"""


class Client:
    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}"
        self.uid = self._rpc("common", "login", DB, "admin", "admin")

    def _rpc(self, service, method, *args):
        body = json.dumps(
            {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}}
        ).encode()
        request = urllib.request.Request(f"{self.url}/jsonrpc", body, {"Content-Type": "application/json"})
        answer = json.loads(urllib.request.urlopen(request, timeout=120).read())
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]

    def __call__(self, model, method, *args, **kwargs):
        return self._rpc("object", "execute_kw", DB, self.uid, "admin", model, method, list(args), kwargs)

    def post_alerts(self, alerts):
        body = json.dumps(
            {
                "version": "4",
                "status": "firing",
                "receiver": "odoo",
                "groupKey": alerts[0]["fingerprint"],
                "alerts": alerts,
            }
        ).encode()
        request = urllib.request.Request(f"{self.url}{ROUTE}/{TOKEN}", body, {"Content-Type": "application/json"})
        try:
            return urllib.request.urlopen(request, timeout=120).status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return "connection lost"


def alert(number):
    return {
        "status": "firing",
        "labels": {"alertname": f"ScaleOut{number}", "severity": "critical", "instance": f"host{number}"},
        "annotations": {"summary": f"Scale-out alert {number}"},
        "startsAt": "2026-11-25T08:00:00Z",
        "fingerprint": f"scale-out-{number:05d}",
    }


def sql(cluster, query):
    out = subprocess.run(
        ["psql", "-XAtqd", DB, "-F", "\t", "-c", query],
        env=devenv.psql_env(cluster),
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def start_server(root, extra, port):
    # Launched through a script file, not ``-m odoo``: in --workers mode Odoo starts its
    # websocket server as ``python <argv[0]> gevent``, which a module's __main__.py cannot be.
    launcher = devenv.STATE / "odoo-bin"
    launcher.write_text("import odoo.cli\n\nodoo.cli.main()\n")
    cmd = devenv.odoo_cmd(
        root,
        extra
        + [
            "-d",
            DB,
            f"--db-filter=^{DB}$",
            f"--http-port={port}",
            f"--gevent-port={devenv.free_port()}",
            "--http-interface=127.0.0.1",
            "--workers=2",
            "--max-cron-threads=1",
            "--log-level=warn",
            "--log-handler=odoo.addons.rpc.controllers.jsonrpc:ERROR",
        ],
    )
    cmd[1:3] = [str(launcher)]
    # A session of its own, so that killing it kills its workers with it.
    return subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)


def wait_until(condition, timeout, step=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def reachable(port):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=5)
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=60, help="incidents raised, escalated in the same minute")
    parser.add_argument("--alerts", type=int, default=300, help="distinct alerts, 10 per payload, over both servers")
    parser.add_argument("--timeout", type=int, default=300, help="seconds to wait for the work to be done")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale_out.json"))
    args = parser.parse_args()

    root = devenv.require_odoo()
    devenv.ensure_venv(root)
    extra, cluster = devenv.db_args()
    devenv.drop_db(DB, cluster)
    devenv.log(f"creating {DB} with {devenv.ADDON} and demo data")
    subprocess.run(
        devenv.odoo_cmd(
            root, extra + ["-d", DB, "-i", devenv.ADDON, "--with-demo", "--stop-after-init", "--log-level=warn"]
        ),
        check=True,
        cwd=ROOT,
    )
    shell = [
        str(devenv.venv_python()),
        "-m",
        "odoo",
        "shell",
        f"--addons-path={devenv.addons_path(root)}",
        *extra,
        "-d",
        DB,
        "--log-level=warn",
    ]
    subprocess.run(shell, input=SETUP, text=True, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)

    ports = [devenv.free_port(), devenv.free_port()]
    servers = [start_server(root, extra, port) for port in ports]
    report = {"incidents": args.incidents, "alerts": args.alerts}
    try:
        if not all(wait_until(lambda port=port: reachable(port), 120) for port in ports):
            sys.exit("the servers did not start")
        clients = [Client(port) for port in ports]

        devenv.log(f"raising {args.incidents} incidents over both servers")
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda n: clients[n % 2](
                        "helpdesk.ticket",
                        "create",
                        {"name": f"Scale-out outage {n}", "description": "<p>Down</p>", "priority": "3"},
                    ),
                    range(args.incidents),
                )
            )
        report["raise_s"] = round(time.monotonic() - started, 1)

        devenv.log(f"posting {args.alerts} alerts, 10 per payload, over both servers")
        started = time.monotonic()
        payloads = [
            [alert(n) for n in range(first, min(args.alerts, first + 10))] for first in range(0, args.alerts, 10)
        ]
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda i: clients[i % 2].post_alerts(payloads[i]), range(len(payloads))))
        report["alert_post_s"] = round(time.monotonic() - started, 1)
        report["alert_answers"] = {str(status): statuses.count(status) for status in set(statuses)}
        queued = "SELECT count(*) FROM major_incident_alert_payload WHERE state = 'queued'"
        wait_until(lambda: int(sql(cluster, queued)[0][0]) == 0, 120)
        report["alert_processed_s"] = round(time.monotonic() - started, 1)

        # The escalations of the incidents just raised: due within the next minutes.
        due = sql(
            cluster,
            "SELECT incident_id, next_action_at FROM major_incident_clock "
            "WHERE kind = 'escalation' AND state = 'running' "
            "AND next_action_at <= (now() at time zone 'utc') + interval '3 minutes'",
        )
        incident_ids = ",".join(row[0] for row in due)
        first_due = min(row[1] for row in due)
        report["escalations_due"] = len(due)
        escalated = (
            f"SELECT count(DISTINCT incident_id) FROM major_incident_escalation "
            f"WHERE incident_id IN ({incident_ids}) AND contacted_at >= '{first_due}'"
        )
        seconds_to_due = float(
            sql(cluster, f"SELECT extract(epoch FROM '{first_due}'::timestamp - (now() at time zone 'utc'))")[0][0]
        )
        devenv.log(f"{len(due)} escalations fall due from {first_due} UTC; killing server A half a second after")
        time.sleep(max(0.0, seconds_to_due) + 0.5)
        os.killpg(servers[0].pid, signal.SIGKILL)
        servers[0].wait()
        killed_at = time.monotonic()
        report["escalated_when_killed"] = int(sql(cluster, escalated)[0][0])
        devenv.log(f"killed server A with {report['escalated_when_killed']} of {len(due)} escalated; B goes on")

        report["escalations_done"] = wait_until(lambda: int(sql(cluster, escalated)[0][0]) >= len(due), args.timeout)
        report["escalation_drain_s"] = round(time.monotonic() - killed_at, 1)
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=60)

    report["incidents_escalated"] = int(sql(cluster, escalated)[0][0])
    report["people_called_twice"] = int(
        sql(
            cluster,
            """
        SELECT count(*) FROM (SELECT 1 FROM major_incident_escalation
                              GROUP BY incident_id, level_sequence, user_id HAVING count(*) > 1) twice""",
        )[0][0]
    )
    # One "Phone call" activity per person called: none left over by a run that died.
    calls = sql(
        cluster,
        f"""
        SELECT (SELECT count(*) FROM mail_activity WHERE res_model = 'major.incident'
                AND res_id IN ({incident_ids}) AND create_date >= '{first_due}'),
               (SELECT count(*) FROM major_incident_escalation WHERE incident_id IN ({incident_ids})
                AND contacted_at >= '{first_due}' AND activity_id IS NOT NULL)""",
    )[0]
    report["call_activities"], report["people_called"] = int(calls[0]), int(calls[1])
    report["alerts_recorded"] = int(
        sql(
            cluster,
            "SELECT count(DISTINCT fingerprint) FROM major_incident_alert_line WHERE fingerprint LIKE 'scale-out-%'",
        )[0][0]
    )
    report["alert_payloads_failed"] = int(
        sql(cluster, "SELECT count(*) FROM major_incident_alert_payload WHERE state = 'failed'")[0][0]
    )
    checks = {
        "every escalation called": report["incidents_escalated"] >= report["escalations_due"],
        "nobody called twice": report["people_called_twice"] == 0
        and report["call_activities"] == report["people_called"],
        "every alert recorded": report["alerts_recorded"] == args.alerts and not report["alert_payloads_failed"],
    }
    report["checks"] = checks
    print(json.dumps(report, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
