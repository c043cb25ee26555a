"""Benchmark of the major_incident addon on a large database.

Run through ``make bench`` (scripts/devenv.py bench), which prepares four databases:
one with major_incident, one with its dependencies only, one with plain
helpdesk_mgmt and one with OCA helpdesk_mgmt_sla for the reference figures. Tickets and
open MIs are bulk-inserted with SQL; then, per
size, it prints the clocks cron's wall time and query count, the cron calling the next
ladder level of many incidents at once (``--escalations``), the time to declare an
MI, the time to queue a 10,000-recipient blast, the per-ticket cost of creating and
writing a ticket that is not an MI (with and without the addon), and
helpdesk_mgmt_sla's SLA recomputation on the same number of open tickets.
Numbers are reported, never asserted.
"""

import argparse
import cProfile
import json
import pstats
import statistics
import time
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tools import SQL, config


@contextmanager
def measured(cr):
    """Wall time (s), this process's CPU time (s) and queries of the block."""
    result = {}
    queries = cr.sql_log_count
    start, cpu_start = time.perf_counter(), time.process_time()
    yield result
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = time.process_time() - cpu_start
    result["queries"] = cr.sql_log_count - queries


@contextmanager
def scratch_env(registry):
    """An environment whose work is rolled back: measurements leave the database as it was."""
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
        cr.rollback()


def ticket_count(cr):
    cr.execute("SELECT count(*) FROM helpdesk_ticket")
    return cr.fetchone()[0]


def grow_tickets(cr, target):
    """Bulk-insert plain tickets until there are ``target``."""
    missing = target - ticket_count(cr)
    if missing < 0:
        raise SystemExit(f"{cr.dbname} already holds more than {target} tickets: run with --fresh")
    if not missing:
        return
    cr.execute("SELECT id FROM res_company ORDER BY id LIMIT 1")
    company_id = cr.fetchone()[0]
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id, priority, active,
                                     create_date, write_date, create_uid, write_uid)
        SELECT 'BN' || lpad(g::text, 8, '0'), 'Bench ticket ' || g, '<p>bench</p>', %s,
               (g %% 3)::text, true, now(), now(), 1, 1
          FROM generate_series(1, %s) AS g
        """,
        [company_id, missing],
    )


def vacuum(db, tables):
    """VACUUM ANALYZE after a bulk load (it cannot run in a transaction): otherwise the
    first measurements race autovacuum (a blast queued during it took 5.7 s, after it 0.06 s)."""
    with closing(db_connect(db).cursor()) as cr:
        cr._cnx.autocommit = True
        for table in tables:
            cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))


def arm_open_mis(cr, open_mis, due):
    """Make ``open_mis`` open P1 incidents, each linked to one ticket, with their running
    clocks, ``due`` of them with an overdue RTO (what the cron must process)."""
    cr.execute("DELETE FROM major_incident_clock")
    cr.execute("UPDATE helpdesk_ticket SET major_incident_id = NULL WHERE major_incident_id IS NOT NULL")
    cr.execute("DELETE FROM major_incident WHERE reference LIKE 'MI-BENCH-%%'")
    cr.execute(
        """
        WITH picked AS (SELECT id, name, company_id FROM helpdesk_ticket ORDER BY id DESC LIMIT %s),
        created AS (
            INSERT INTO major_incident (reference, name, company_id, state, severity, control, source,
                                        detected_at, create_date, write_date, create_uid, write_uid)
            SELECT 'MI-BENCH-' || p.id, p.name, p.company_id, 'investigating', 'p1', 'company', 'ticket',
                   now() at time zone 'utc' - interval '30 minutes', now(), now(), 1, 1
              FROM picked p
            RETURNING id, reference)
        UPDATE helpdesk_ticket t SET major_incident_id = c.id
          FROM created c
         WHERE c.reference = 'MI-BENCH-' || t.id
        """,
        [open_mis],
    )
    cr.execute(
        """
        INSERT INTO major_incident_clock (incident_id, company_id, kind, state, started_at, target_minutes,
                                          deadline, next_action_at, create_date, write_date, create_uid, write_uid)
        SELECT i.id, i.company_id, k.kind, 'running', i.detected_at, k.minutes,
               i.detected_at + make_interval(mins => k.minutes),
               i.detected_at + make_interval(mins => k.minutes), now(), now(), 1, 1
          FROM major_incident i
         CROSS JOIN (VALUES ('rto', 120), ('update', 60), ('blast', 15000)) AS k(kind, minutes)
         WHERE i.reference LIKE 'MI-BENCH-%%'
        """
    )
    cr.execute(
        """
        UPDATE major_incident_clock SET deadline = now() at time zone 'utc' - interval '1 minute',
               next_action_at = now() at time zone 'utc' - interval '1 minute'
         WHERE id IN (SELECT id FROM major_incident_clock WHERE kind = 'rto' ORDER BY id LIMIT %s)
        """,
        [due],
    )


def create_plain_tickets(env, samples):
    """Tickets that are not MIs, one by one, each flushed as its own request would be."""
    tickets = env["helpdesk.ticket"]
    for i in range(samples):
        tickets |= tickets.create({"name": f"Plain {i}", "description": "<p>x</p>", "priority": "1"})
        env.flush_all()
    return tickets


def write_plain_tickets(env, tickets):
    for ticket in tickets:
        ticket.write({"priority": "2", "name": ticket.name + "!"})
        # Flush each write, as one request would; else the ORM batches them all.
        env.flush_all()


@contextmanager
def counted_calls():
    """Python function calls made in the block."""
    result = {}
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield result
    finally:
        profile.disable()
    result["calls"] = pstats.Stats(profile).total_calls


def per_ticket_costs(env, samples, rounds=5):
    """Create and write non-MI tickets one by one: ms and queries per ticket, the
    median of ``rounds`` rounds of ``samples`` (the machine's noise is of the order
    of the effect measured)."""
    cr = env.cr
    results = []
    # One more round than reported: the first one warms caches and is dropped.
    for _round in range(rounds + 1):
        with measured(cr) as create:
            tickets = create_plain_tickets(env, samples)
        with measured(cr) as write:
            write_plain_tickets(env, tickets)
        env.invalidate_all()
        results.append(
            {
                "create_ms": 1000 * create["seconds"] / samples,
                "create_cpu_ms": 1000 * create["cpu_seconds"] / samples,
                "create_queries": create["queries"] / samples,
                "write_ms": 1000 * write["seconds"] / samples,
                "write_cpu_ms": 1000 * write["cpu_seconds"] / samples,
                "write_queries": write["queries"] / samples,
            }
        )
    results = results[1:]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def blast_queue(env, recipients):
    """Queue a mailing to a list of ``recipients`` contacts (bulk-inserted)."""
    cr = env.cr
    mailing_list = env["mailing.list"].create({"name": f"Bench audience {recipients}"})
    cr.execute(
        """
        WITH c AS (
            INSERT INTO mailing_contact (name, email, create_date, write_date, create_uid, write_uid)
            SELECT 'Contact ' || g, 'contact' || g || '@bench.example.com', now(), now(), 1, 1
              FROM generate_series(1, %s) g RETURNING id)
        INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_date, write_date, create_uid, write_uid)
        SELECT id, %s, false, now(), now(), 1, 1 FROM c
        """,
        [recipients, mailing_list.id],
    )
    env.invalidate_all()
    with measured(cr) as queue:
        mailing = env["mailing.mailing"].create(
            {
                "subject": "Incident Notification - Bench",
                "body_html": "<p>Dear {{ object.name }}</p>",
                "email_from": env.company.email or "bench@example.com",
                "contact_list_ids": [(6, 0, mailing_list.ids)],
            }
        )
        mailing.action_put_in_queue()
        remaining = len(mailing._get_remaining_recipients())
        env.flush_all()
    return {"seconds": queue["seconds"], "queries": queue["queries"], "recipients": remaining}


def escalation_calls(env, count):
    """The clocks cron calling the next ladder level of ``count`` P1 incidents at once (an
    outage raising hundreds of candidates): one director with a phone to call on each, so
    ``count`` escalation rows, phone-call activities and notes. The caller rolls back."""
    cr = env.cr
    director = env["res.users"].create(
        {
            "name": "Bench Director",
            "login": f"bench_director_{count}",
            "phone": "+1 416 555 0199",
            "group_ids": [(6, 0, env.ref("major_incident.group_mi_manager").ids)],
        }
    )
    level = env.ref("major_incident.escalation_sop_p1_level_2")
    level.user_ids = director
    env.flush_all()
    cr.execute(
        """
        WITH created AS (
            INSERT INTO major_incident (reference, name, company_id, state, severity, control, source, policy_id,
                                        detected_at, create_date, write_date, create_uid, write_uid)
            SELECT 'MI-BENCH-ESC-' || g, 'Outage ' || g, %(company)s, 'triage', 'p1', 'company', 'ticket',
                   %(policy)s, now() at time zone 'utc' - interval '10 minutes', now(), now(), 1, 1
              FROM generate_series(1, %(count)s) g
            RETURNING id, company_id, detected_at)
        INSERT INTO major_incident_clock (incident_id, company_id, kind, state, started_at, target_minutes,
                                          deadline, next_action_at, escalation_level_id,
                                          create_date, write_date, create_uid, write_uid)
        SELECT id, company_id, 'escalation', 'running', detected_at, 0,
               now() at time zone 'utc' - interval '1 minute', now() at time zone 'utc' - interval '1 minute',
               %(level)s, now(), now(), 1, 1
          FROM created
        """,
        {"company": env.company.id, "policy": level.policy_id.id, "count": count, "level": level.id},
    )
    env.invalidate_all()
    with measured(cr) as run:
        processed = env["major.incident.clock"]._cron_process_due(commit=False)
        env.flush_all()
    cr.execute("SELECT count(*) FROM major_incident_escalation WHERE user_id = %s", [director.id])
    return {"seconds": run["seconds"], "queries": run["queries"], "processed": processed, "calls": cr.fetchone()[0]}


def bench_escalations(db, counts):
    registry = Registry(db)
    rows = []
    for count in counts:
        with scratch_env(registry) as env:
            row = {"due_escalation_calls": count, **escalation_calls(env, count)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def report_escalations(rows):
    print()
    print("Clocks cron calling the next ladder level of many incidents at once:")
    print("| due escalation calls | cron s | queries | calls made |")
    print("|" + "---|" * 4)
    for row in rows:
        print(f"| {row['due_escalation_calls']:,} | {row['seconds']:.2f} | {row['queries']} | {row['calls']:,} |")


def bench_mi_db(db, sizes, open_mis, due, samples, recipients):
    registry = Registry(db)
    rows = []
    for size in sizes:
        row = {"tickets": size}
        with registry.cursor() as cr:
            grow_tickets(cr, size)
            mis = min(open_mis, size // 10)
            arm_open_mis(cr, mis, min(due, mis))
            row.update(open_mis=mis, due_clocks=min(due, mis))
        vacuum(db, ["helpdesk_ticket", "major_incident", "major_incident_clock"])
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            with measured(cr) as cron:
                processed = env["major.incident.clock"]._cron_process_due()
            row.update(cron_s=cron["seconds"], cron_queries=cron["queries"], cron_processed=processed)
        with scratch_env(registry) as env:
            with measured(env.cr) as declare:
                for i in range(samples):
                    ticket = env["helpdesk.ticket"].create(
                        {"name": f"Urgent {i}", "description": "<p>down</p>", "priority": "3"}
                    )
                    ticket.action_declare_major_incident()
                env.flush_all()
            row.update(declare_ms=1000 * declare["seconds"] / samples, declare_queries=declare["queries"] / samples)
            row.update({f"mi_{k}": v for k, v in per_ticket_costs(env, samples).items()})
        with scratch_env(registry) as env:
            blast = blast_queue(env, recipients)
            row.update(blast_s=blast["seconds"], blast_queries=blast["queries"], blast_recipients=blast["recipients"])
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def bench_base_db(db, deps_db, sla_db, sizes, open_mis, samples):
    """Plain helpdesk_mgmt; the addon's dependencies without the addon; and
    helpdesk_mgmt + helpdesk_mgmt_sla: on the same sizes."""
    registry, deps_registry, sla_registry = Registry(db), Registry(deps_db), Registry(sla_db)
    rows = []
    for size in sizes:
        row = {"tickets": size}
        for each in (registry, deps_registry, sla_registry):
            with each.cursor() as cr:
                grow_tickets(cr, size)
            vacuum(each.db_name, ["helpdesk_ticket"])
        with scratch_env(sla_registry) as env:
            cr = env.cr
            team = env["helpdesk.ticket.team"].search([], limit=1) or env["helpdesk.ticket.team"].create(
                {"name": "Bench"}
            )
            team.use_sla = True
            env["helpdesk.sla"].create({"name": "Bench 4h", "hours": 4, "team_ids": [(6, 0, team.ids)]})
            tickets = env["helpdesk.ticket"].search([], order="id desc", limit=min(open_mis, size // 10))
            tickets.write({"team_id": team.id})
            env.flush_all()
            with measured(cr) as sla:
                tickets.set_sla()
                env.flush_all()
            with measured(cr) as expired:
                env["helpdesk.ticket"].search_count([("sla_expired", "=", True)])
            row.update(
                sla_tickets=len(tickets),
                sla_set_s=sla["seconds"],
                sla_set_queries=sla["queries"],
                sla_expired_search_s=expired["seconds"],
            )
        with scratch_env(registry) as env:
            row.update({f"base_{k}": v for k, v in per_ticket_costs(env, samples).items()})
        with scratch_env(deps_registry) as env:
            row.update({f"deps_{k}": v for k, v in per_ticket_costs(env, samples).items()})
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def plain_ticket_calls(env, samples):
    """Python function calls per plain ticket created, then written: unlike CPU time,
    the same from run to run, so a change of the addon's own cost shows in it."""
    create_plain_tickets(env, 10)
    env.invalidate_all()
    with counted_calls() as create:
        tickets = create_plain_tickets(env, samples)
    env.invalidate_all()
    with counted_calls() as write:
        write_plain_tickets(env, tickets)
    return {"create_calls": create["calls"] / samples, "write_calls": write["calls"] / samples}


def interleaved_overhead(databases, samples, rounds=8):
    """Per-ticket CPU ms to create and write a plain ticket in each database, rounds
    interleaved across the databases and the minimum kept (the median of back-to-back
    runs swings by tens of per cent), and the Python calls per ticket."""
    registries = {db: Registry(db) for db in databases}
    best = {db: {"create_cpu_ms": float("inf"), "write_cpu_ms": float("inf")} for db in databases}
    for _round in range(rounds):
        for db, registry in registries.items():
            with scratch_env(registry) as env:
                costs = per_ticket_costs(env, samples, rounds=1)
            for key in best[db]:
                best[db][key] = min(best[db][key], costs[key])
    for db, registry in registries.items():
        with scratch_env(registry) as env:
            best[db].update(plain_ticket_calls(env, samples))
    return best


def report_overhead(best, mi_db, deps_db, base_db):
    """The plain-ticket table, with the addon's own cost before the incident became a
    record of its own (bench/before_incident_record.json) beside today's."""
    before = json.loads((Path(__file__).parent / "before_incident_record.json").read_text())
    print()
    print("Plain ticket, per ticket: CPU ms of this process (minimum of interleaved rounds) and Python function calls:")
    print(
        "| measure | addon | dependencies only | plain helpdesk_mgmt | vs dependencies | vs plain "
        "| vs dependencies in 19.0.1 (MI on the ticket) |"
    )
    print("|" + "---|" * 7)
    for key, label, fmt in (
        ("create_cpu_ms", "create CPU ms", ".2f"),
        ("write_cpu_ms", "write CPU ms", ".2f"),
        ("create_calls", "create calls", ",.0f"),
        ("write_calls", "write calls", ",.0f"),
    ):
        mi, deps, base = best[mi_db][key], best[deps_db][key], best[base_db][key]
        print(
            f"| {label} | {mi:{fmt}} | {deps:{fmt}} | {base:{fmt}} | {100 * (mi / deps - 1):+.1f} % | "
            f"{100 * (mi / base - 1):+.1f} % | {before['vs_dependencies_percent'][label]:+.1f} % |"
        )


def report(mi_rows, base_rows):
    print()
    print(
        "| tickets | open MIs | due clocks | cron s | cron queries | declare ms (queries) | "
        "blast queue s (recipients) | helpdesk_mgmt_sla set_sla s (tickets) |"
    )
    print("|" + "---|" * 8)
    for mi, base in zip(mi_rows, base_rows, strict=True):
        print(
            f"| {mi['tickets']:,} | {mi['open_mis']:,} | {mi['due_clocks']:,} | {mi['cron_s']:.2f} | "
            f"{mi['cron_queries']} | {mi['declare_ms']:.0f} ({mi['declare_queries']:.0f}) | "
            f"{mi['blast_s']:.2f} ({mi['blast_recipients']:,}) | {base['sla_set_s']:.2f} ({base['sla_tickets']:,}) |"
        )
    print()
    print(
        "Ticket that is not an MI, per ticket (wall ms / CPU ms of this process / queries); the CPU\n"
        "overhead against plain helpdesk_mgmt includes the addon's dependencies (sms, calendar,\n"
        "mass_mailing... hook mail.thread), the one against those dependencies is the addon's own:"
    )
    print("| tickets | op | addon | dependencies only | plain helpdesk_mgmt | vs dependencies | vs plain |")
    print("|" + "---|" * 7)
    for mi, base in zip(mi_rows, base_rows, strict=True):
        for op in ("create", "write"):

            def cell(row, prefix, op=op):
                return (
                    f"{row[f'{prefix}_{op}_ms']:.1f} / {row[f'{prefix}_{op}_cpu_ms']:.2f} / "
                    f"{row[f'{prefix}_{op}_queries']:.1f}"
                )

            def overhead(prefix, op=op, mi=mi, base=base):
                return f"{100 * (mi[f'mi_{op}_cpu_ms'] / base[f'{prefix}_{op}_cpu_ms'] - 1):+.1f} %"

            print(
                f"| {mi['tickets']:,} | {op} | {cell(mi, 'mi')} | {cell(base, 'deps')} | {cell(base, 'base')} | "
                f"{overhead('deps')} | {overhead('base')} |"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mi-db", required=True)
    parser.add_argument("--base-db", required=True, help="plain helpdesk_mgmt")
    parser.add_argument("--deps-db", required=True, help="the addon's dependencies, not the addon")
    parser.add_argument("--sla-db", required=True, help="helpdesk_mgmt + helpdesk_mgmt_sla")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--open-mis", type=int, default=10000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--recipients", type=int, default=10000)
    parser.add_argument("--escalations", default="100,1000", help="numbers of due escalation calls")
    parser.add_argument("--only-escalations", action="store_true", help="only the escalation stage, on --mi-db")
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "latest.json"))
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args()
    config.parse_config(args.odoo_args)
    sizes = [int(s) for s in args.sizes.split(",")]
    started = datetime.now()
    escalation_rows = bench_escalations(args.mi_db, [int(c) for c in args.escalations.split(",")])
    if args.only_escalations:
        report_escalations(escalation_rows)
        return
    mi_rows = bench_mi_db(args.mi_db, sizes, args.open_mis, args.due, args.samples, args.recipients)
    base_rows = bench_base_db(args.base_db, args.deps_db, args.sla_db, sizes, args.open_mis, args.samples)
    report(mi_rows, base_rows)
    report_escalations(escalation_rows)
    best = interleaved_overhead([args.mi_db, args.deps_db, args.base_db], args.samples // 2)
    report_overhead(best, args.mi_db, args.deps_db, args.base_db)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "odoo": odoo.release.version,
                "major_incident": mi_rows,
                "reference": base_rows,
                "escalation_calls": escalation_rows,
                "plain_ticket_min_cpu_ms_and_calls": best,
            },
            indent=2,
        )
    )
    print(f"\nwritten {output} in {(datetime.now() - started) / timedelta(seconds=1):.0f} s")


if __name__ == "__main__":
    main()
