"""engine/delivery.py: an update's delivery from its traces, which delivery meets which
communication clock, when failures are reported and when failed e-mails are retried."""

from datetime import timedelta

import pytest

from major_incident.engine import clock_rules, delivery


def summary_of(**statuses):
    """``statuses``: {trace status: count}, or {status: (count, failure type)}."""
    rows = []
    for status, value in statuses.items():
        count, failure_type = value if isinstance(value, tuple) else (value, False)
        rows.append((status, failure_type, count))
    return delivery.summarize(rows)


def test_states_are_labelled():
    keys = [key for key, _label in delivery.DELIVERY_STATES]
    assert len(set(keys)) == len(keys)


def test_every_trace_status_is_classified_once():
    groups = (
        delivery.ACCEPTED_STATUSES,
        delivery.WAITING_STATUSES,
        delivery.SKIPPED_STATUSES,
        delivery.FAILED_STATUSES,
    )
    statuses = [status for group in groups for status in group]
    assert len(statuses) == len(set(statuses))
    assert set(statuses) == {"outgoing", "process", "pending", "sent", "open", "reply", "bounce", "error", "cancel"}


def test_summary_counts():
    summary = summary_of(sent=3, open=1, bounce=1, cancel=2, outgoing=2, error=(2, "mail_smtp"))
    assert summary == {"expected": 9, "accepted": 5, "waiting": 2, "failed": 2, "bounced": 1, "retryable": 2}


def test_an_invalid_address_is_not_retried():
    summary = delivery.summarize([("error", "mail_email_invalid", 1), ("error", "unknown", 2)])
    assert (summary["failed"], summary["retryable"]) == (3, 2)


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ({}, "queued"),
        ({"outgoing": 4}, "queued"),
        ({"cancel": 1, "outgoing": 4}, "queued"),
        ({"error": 4}, "failed"),
        # Every e-mail tried failed while others wait: failed, not "sending".
        ({"error": 2, "outgoing": 2}, "failed"),
        ({"sent": 1, "outgoing": 3}, "sending"),
        ({"sent": 1, "error": 1, "outgoing": 2}, "sending"),
        ({"sent": 3, "open": 1}, "delivered"),
        ({"sent": 3, "error": 1}, "partial"),
        ({"sent": 3, "bounce": 1}, "partial"),
    ],
)
def test_delivery_state(statuses, state):
    assert delivery.delivery_state(summary_of(**statuses)) == state


def test_a_bounce_was_accepted_by_the_server():
    assert delivery.summarize([("bounce", "mail_bounce", 1)])["accepted"] == 1


@pytest.mark.parametrize(
    ("accepted", "failed", "alert"),
    [(0, 0, False), (0, 4, True), (1, 3, False), (4, 0, False)],
)
def test_all_failed(accepted, failed, alert):
    assert delivery.all_failed(accepted, failed) is alert


def test_retry_backoff_grows_then_stops():
    delays = [delivery.retry_delay(attempt) for attempt in range(len(delivery.RETRY_DELAYS_MINUTES))]
    assert delays[0] == timedelta(minutes=1)
    assert delays == sorted(delays), "never sooner than the retry before"
    assert delivery.retry_delay(len(delivery.RETRY_DELAYS_MINUTES)) is None
    assert delivery.retry_delay(-1) is None


@pytest.mark.parametrize(
    ("external", "superseded", "event"),
    [
        (True, False, "update_sent_external"),
        (False, False, "update_sent_internal"),
        (True, True, "blast_delivered"),
        (False, True, None),
    ],
)
def test_clock_event(external, superseded, event):
    assert delivery.clock_event(external, superseded) == event
    if event:
        clock_rules.effects(event)


def test_a_late_older_blast_meets_the_blast_clock_only():
    assert clock_rules.effects("blast_delivered") == {"meet": ("blast",)}
