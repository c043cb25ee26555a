"""Blast delivery, end to end: time from "Send" to the first and the last e-mail at a real
SMTP server, for an incident update to N recipients, on a running Odoo server whose own
cron threads do the sending (nothing is run by hand).

Run by ``python3 scripts/devenv.py bench`` against a server it starts; by hand:
    .venv/bin/python bench/delivery.py http://127.0.0.1:8071 mi_bench_delivery 1000,10000
It logs in as admin/admin, points the outgoing mail server at an SMTP sink it runs itself
(aiosmtpd, on 127.0.0.1), builds a mailing list of N contacts per size, raises an incident
from an urgent ticket and sends its initial notification to that list through the Send
Update wizard. Figures go to bench/results/delivery.json; nothing is asserted.
"""

import argparse
import json
import socket
import threading
import time
import urllib.request
from pathlib import Path

from aiosmtpd.controller import Controller

BATCH = 2000


class Sink:
    """Counts the messages of each subject and when the first and the last arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = {}

    async def handle_DATA(self, server, session, envelope):
        subject = ""
        for line in envelope.content.decode(errors="replace").splitlines():
            if line.lower().startswith("subject:"):
                subject = line.split(":", 1)[1].strip()
                break
            if not line:
                break
        with self.lock:
            self.arrivals.setdefault(subject, []).append(time.monotonic())
        return "250 OK"

    def times(self, subject):
        with self.lock:
            return list(self.arrivals.get(subject, ()))


class Client:
    def __init__(self, url, db, login="admin", password="admin"):
        self.url, self.db, self.password = url, db, password
        self.uid = self._rpc("common", "login", db, login, password)
        if not self.uid:
            raise SystemExit(f"cannot log in to {db} as {login}")

    def _rpc(self, service, method, *args):
        body = json.dumps(
            {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}}
        ).encode()
        request = urllib.request.Request(f"{self.url}/jsonrpc", body, {"Content-Type": "application/json"})
        answer = json.loads(urllib.request.urlopen(request, timeout=600).read())
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]

    def __call__(self, model, method, *args, **kwargs):
        return self._rpc("object", "execute_kw", self.db, self.uid, self.password, model, method, list(args), kwargs)


def build_list(odoo, size, stamp):
    mailing_list = odoo("mailing.list", "create", {"name": f"Delivery bench {size} {stamp}"})
    for start in range(0, size, BATCH):
        odoo(
            "mailing.contact",
            "create",
            [
                {
                    "name": f"Reader {i}",
                    "email": f"reader{i}.{stamp}@bench.example.com",
                    "list_ids": [(4, mailing_list)],
                }
                for i in range(start, min(size, start + BATCH))
            ],
        )
    return mailing_list


def send_blast(odoo, mailing_list, subject_tag):
    ticket = odoo("helpdesk.ticket", "create", {"name": subject_tag, "description": "<p>bench</p>", "priority": "3"})
    incident = odoo("helpdesk.ticket", "read", [ticket], ["major_incident_id"])[0]["major_incident_id"][0]
    odoo("major.incident", "action_acknowledge", [incident])
    odoo("major.incident", "write", [incident], {"service_impact": subject_tag})
    context = {
        "active_model": "major.incident",
        "active_id": incident,
        "default_incident_id": incident,
        "default_kind": "initial",
    }
    wizard = odoo(
        "major.incident.update.wizard",
        "create",
        {"incident_id": incident, "kind": "initial", "mailing_list_ids": [(6, 0, [mailing_list])]},
        context=context,
    )
    sent = time.monotonic()
    odoo("major.incident.update.wizard", "action_send", [wizard], context=context)
    return sent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("db")
    parser.add_argument("sizes", help="recipients per blast, comma-separated")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "delivery.json"))
    args = parser.parse_args()
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    odoo = Client(args.url, args.db)
    odoo(
        "ir.mail_server",
        "create",
        {
            "name": "Delivery bench sink",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_encryption": "none",
            "sequence": 1,
        },
    )
    odoo("res.company", "write", [1], {"email": "incidents@bench.example.com"})
    rows = []
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            stamp = int(time.time())
            mailing_list = build_list(odoo, size, stamp)
            tag = f"Delivery bench {size} {stamp}"
            subject = f"Incident Notification - {tag}"
            sent = send_blast(odoo, mailing_list, tag)
            deadline = sent + args.timeout
            while len(sink.times(subject)) < size and time.monotonic() < deadline:
                time.sleep(0.5)
            arrivals = sink.times(subject)
            row = {
                "recipients": size,
                "delivered": len(arrivals),
                "first_s": round(min(arrivals) - sent, 1) if arrivals else None,
                "last_s": round(max(arrivals) - sent, 1) if arrivals else None,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        controller.stop()
    print()
    print("| recipients | delivered | Send to first e-mail | Send to last e-mail |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['recipients']:,} | {row['delivered']:,} | {row['first_s']} s | {row['last_s']} s |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
