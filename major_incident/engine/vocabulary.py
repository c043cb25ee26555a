"""The words of the procedure, each defined once: states and the moves between them,
severities, sources, controls, support tiers, clock kinds and clock states."""

STATES = [
    ("candidate", "Candidate"),
    ("triage", "Triage"),
    ("investigating", "Investigating"),
    ("mitigating", "Mitigating"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
# The incident is still being worked on: its clocks run and its ladder may call.
ACTIVE_STATES = ("candidate", "triage", "investigating", "mitigating")

# action -> (states it may start from, state it leads to). "resolve" leads to
# "cancelled" instead when the outage was a brief interruption (SOP 1.3).
MOVES = {
    "declare": (("candidate",), "triage"),
    "acknowledge": (("candidate",), "triage"),
    "dismiss": (("candidate", "triage"), "cancelled"),
    "merge": (("candidate",), "cancelled"),
    "start_investigation": (("triage",), "investigating"),
    "mitigate": (("investigating",), "mitigating"),
    "resolve": (("triage", "investigating", "mitigating"), "resolved"),
    "resolve_brief": (ACTIVE_STATES, "cancelled"),
    "close": (("resolved",), "closed"),
}
# Coding (system, component, problem code, software version) is required to leave triage.
CODING_REQUIRED_FOR = ("start_investigation", "resolve", "resolve_brief")

SEVERITIES = [("p1", "P1 Critical"), ("p2", "P2 High"), ("p3", "P3 Medium"), ("p4", "P4 Low")]
DEFAULT_SEVERITY = "p1"

SOURCES = [
    ("monitoring", "Uptime monitoring"),
    ("phone", "Phone call"),
    ("ticket", "Urgent ticket"),
    ("email", "E-mail"),
    ("portal", "Customer portal"),
    ("manual", "Manual"),
]
# Sources where the customer chose the urgency: their dismissal counts as urgency misuse.
CUSTOMER_SOURCES = ("ticket", "email", "phone", "portal")

CONTROLS = [("company", "We restore service"), ("external", "Client or third party restores")]

CANCEL_REASONS = [
    ("not_mi", "Not a major incident"),
    ("brief", "Brief interruption"),
    ("duplicate", "Duplicate of another incident"),
]

TIERS = [("enterprise", "Enterprise"), ("pro", "Pro")]

# helpdesk_mgmt's "Very High" priority is the SOP's "Urgent".
URGENT_PRIORITY = "3"


def allowed_from(action):
    """The states ``action`` may start from."""
    return MOVES[action][0]


def target_state(action):
    return MOVES[action][1]


def can_move(state, action):
    return action in MOVES and state in MOVES[action][0]
