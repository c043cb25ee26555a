"""Which event opens, meets, cancels, pauses or resumes which SLA clock, when each
clock starts and which policy number sets its target: one table, read by the models.

A clock is met by the event it waits for, never by a person ticking it (DESIGN,
"Clocks")."""

KINDS = [
    ("ack", "Response"),
    ("escalation", "Escalation ladder"),
    ("blast", "First blast"),
    ("update", "Next update"),
    ("rto", "Recovery (RTO)"),
    ("resolution", "Resolution target"),
    ("debrief", "Debrief"),
    ("postmortem", "Post-mortem"),
    ("dr_rto", "DR failover (RTO)"),
    ("dr_rpo", "DR data (RPO)"),
]
CLOCK_STATES = [
    ("running", "Running"),
    ("met", "Met"),
    ("breached", "Breached"),
    ("paused", "On hold"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("running", "paused")
ALL_KINDS = tuple(kind for kind, _label in KINDS)
# Only these wait on the client or a vendor when the incident is externally controlled.
PAUSABLE_KINDS = ("rto", "resolution")
RECOVERY_KINDS = ("rto", "resolution", "dr_rto", "dr_rpo")

# event -> {effect: kinds}. Effects: "open" (from the policy; kinds it sets no target
# for are skipped), "meet", "cancel", "pause", "resume", "restart" (meet, then open
# again from the event).
RULES = {
    # An urgent ticket, an alert or an urgent e-mail raised a candidate.
    "raised": {"open": ("ack", "escalation", "blast", "update", "rto", "resolution")},
    # The Incident Manager took it (a declaration acknowledges too).
    "acknowledged": {"meet": ("ack", "escalation")},
    # An update started reaching its audience (its first recipient accepted by the mail
    # server; queued is not sent).
    "update_sent_external": {"meet": ("blast",), "restart": ("update",)},
    "update_sent_internal": {"restart": ("update",)},
    # An older client update started reaching people after a later update had: it is still
    # the first blast, but the cadence follows the later update.
    "blast_delivered": {"meet": ("blast",)},
    # Service restored.
    "resolved": {
        "meet": RECOVERY_KINDS,
        "cancel": ("ack", "escalation", "update"),
        "open": ("debrief", "postmortem"),
    },
    # Restored within the brief-interruption time: no debrief, no post-mortem (SOP 1.3).
    "brief_interruption": {"meet": RECOVERY_KINDS, "cancel": ("ack", "escalation", "update")},
    "dismissed": {"cancel": ALL_KINDS},
    "merged": {"cancel": ALL_KINDS},
    "closed": {"cancel": ("blast",)},
    "hold": {"pause": PAUSABLE_KINDS},
    "resume": {"resume": PAUSABLE_KINDS},
    "dr_declared": {"open": ("dr_rto", "dr_rpo")},
    "debrief_held": {"meet": ("debrief",)},
    "postmortem_published": {"meet": ("postmortem",)},
}
EFFECTS = ("open", "meet", "cancel", "pause", "resume", "restart")

# Where a clock counts from: the incident's detection or resolution time, else the event.
STARTS = {
    "ack": "detected_at",
    "blast": "detected_at",
    "rto": "detected_at",
    "resolution": "detected_at",
    "debrief": "resolved_at",
    "postmortem": "resolved_at",
}

# kind -> (policy field, unit). "minutes" and "hours" are wall-clock; "business_days"
# count working time on the policy's calendar. "ack" comes from the response target
# (policy or customer tier) and "escalation" from the ladder: see ``target``.
TARGETS = {
    "blast": ("blast_minutes", "minutes"),
    "update": ("update_interval_minutes", "minutes"),
    "rto": ("rto_minutes", "minutes"),
    "resolution": ("resolution_minutes", "minutes"),
    "debrief": ("debrief_hours", "hours"),
    "postmortem": ("postmortem_business_days", "business_days"),
    "dr_rto": ("dr_rto_minutes", "minutes"),
    "dr_rpo": ("dr_rpo_minutes", "minutes"),
}
# Re-planned from their start when the severity or the policy changes.
REPLANNED_KINDS = tuple(kind for kind in ALL_KINDS if kind not in ("escalation", "update"))


def effects(event):
    """{effect: kinds} for ``event``; an unknown event is a programming error."""
    if event not in RULES:
        raise KeyError(f"unknown clock event {event!r}")
    return RULES[event]


def start_of(kind, times, default):
    """When a ``kind`` clock counts from: ``times`` maps "detected_at" / "resolved_at"
    to the incident's datetimes (or None)."""
    return times.get(STARTS.get(kind)) or default


def target(kind, policy_values, response_minutes=None, hours_per_day=8.0):
    """(minutes, business_time) of a ``kind`` clock, or None when the policy sets none.

    ``policy_values`` maps the policy's field names to their numbers;
    ``response_minutes`` is the response target already chosen for the customer."""
    if kind == "ack":
        return (float(response_minutes), False) if response_minutes else None
    if kind == "escalation":
        return 0.0, False
    field, unit = TARGETS[kind]
    value = policy_values.get(field) or 0
    if value <= 0:
        return None
    if unit == "hours":
        return float(value) * 60, False
    if unit == "business_days":
        return float(value) * (hours_per_day or 8.0) * 60, True
    return float(value), False


def policy_fields():
    """The policy fields the targets read."""
    return sorted({field for field, _unit in TARGETS.values()})
