"""How an update's e-mails are doing, read from Email Marketing's traces, and what follows:
which delivery meets the communication clocks, when the Incident Manager is told of
failures, and when failed e-mails are tried again.

A communication clock is met when its e-mails start reaching people (the first recipient
accepted by the mail server), never when they are merely queued (DESIGN, "Clocks")."""

from datetime import timedelta

# Trace statuses (mailing.trace.trace_status) of an e-mail the mail server accepted. A bounce
# was accepted first and returned later: delivery had started.
ACCEPTED_STATUSES = ("pending", "sent", "open", "reply", "bounce")
# Not tried yet, or being sent.
WAITING_STATUSES = ("outgoing", "process")
# Left out on purpose (duplicate, blacklisted, opted out): never expected.
SKIPPED_STATUSES = ("cancel",)
# Refused before reaching the mail server, or the server could not be reached.
FAILED_STATUSES = ("error",)

# Failures that say nothing of the recipient (the server was down or refused for a while):
# tried again automatically. An invalid address or sender, or a spam verdict, fails again.
RETRYABLE_FAILURES = ("mail_smtp", "unknown")

DELIVERY_STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("delivered", "Delivered"),
    ("partial", "Delivered with failures"),
    ("failed", "Failed"),
]

# Minutes before the n-th automatic retry of failed e-mails (n from 0); after the last,
# only the Incident Manager's Retry sends them again (about five hours of trying).
RETRY_DELAYS_MINUTES = (1, 2, 5, 10, 15, 30, 60, 60, 60, 60)


def summarize(rows):
    """Counts of an update's e-mails from ``rows`` of (trace status, failure type, count)."""
    summary = {
        "expected": 0,
        "accepted": 0,
        "waiting": 0,
        "failed": 0,
        "bounced": 0,
        "retryable": 0,
    }
    for status, failure_type, count in rows:
        if status in SKIPPED_STATUSES:
            continue
        summary["expected"] += count
        if status in ACCEPTED_STATUSES:
            summary["accepted"] += count
        if status == "bounce":
            summary["bounced"] += count
        if status in WAITING_STATUSES:
            summary["waiting"] += count
        if status in FAILED_STATUSES:
            summary["failed"] += count
            if failure_type in RETRYABLE_FAILURES:
                summary["retryable"] += count
    return summary


def delivery_state(summary):
    """Queued until the first e-mail is tried; failed while every e-mail tried failed."""
    accepted, waiting, failed = summary["accepted"], summary["waiting"], summary["failed"]
    if not accepted and not failed:
        return "queued"
    if not accepted:
        return "failed"
    if waiting:
        return "sending"
    if failed or summary["bounced"]:
        return "partial"
    return "delivered"


def all_failed(accepted, failed):
    """Every e-mail tried (in a batch, or so far) failed: the Incident Manager is told."""
    return failed > 0 and accepted == 0


def retry_delay(attempt):
    """How long before automatic retry number ``attempt`` (0 for the first), or None when
    automatic retries are over."""
    if attempt < 0 or attempt >= len(RETRY_DELAYS_MINUTES):
        return None
    return timedelta(minutes=RETRY_DELAYS_MINUTES[attempt])


def clock_event(external, superseded):
    """The clock event of an update whose delivery started: None when nothing follows.

    ``superseded``: a later update's delivery started first. The cadence then follows the
    later update; an older client update still was the first blast to reach anyone."""
    if not superseded:
        return "update_sent_external" if external else "update_sent_internal"
    return "blast_delivered" if external else None
