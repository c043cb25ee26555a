"""engine/vocabulary.py and engine/clock_rules.py: the words of the procedure and the
table of which event does what to which SLA clock. No Odoo, no database."""

import ast
from datetime import datetime
from pathlib import Path

import pytest

from major_incident.engine import clock_rules, vocabulary

STATE_KEYS = [key for key, _label in vocabulary.STATES]
KIND_KEYS = [key for key, _label in clock_rules.KINDS]
CLOCK_STATE_KEYS = [key for key, _label in clock_rules.CLOCK_STATES]


# ================================================================ vocabulary


@pytest.mark.parametrize(
    "selection",
    ["STATES", "SEVERITIES", "SOURCES", "CONTROLS", "CANCEL_REASONS", "TIERS"],
)
def test_selections_are_unique_labelled_pairs(selection):
    pairs = getattr(vocabulary, selection)
    keys = [key for key, _label in pairs]
    assert len(keys) == len(set(keys)), f"{selection} repeats a key"
    for key, label in pairs:
        assert isinstance(key, str) and key
        assert isinstance(label, str) and label


@pytest.mark.parametrize("action", sorted(vocabulary.MOVES))
def test_every_move_goes_between_known_states(action):
    sources, target = vocabulary.MOVES[action]
    assert target in STATE_KEYS, f"{action} leads to unknown state {target!r}"
    assert sources, f"{action} starts from nowhere"
    for state in sources:
        assert state in STATE_KEYS, f"{action} starts from unknown state {state!r}"
    assert target not in sources, f"{action} goes nowhere"


def test_active_states_are_states():
    assert set(vocabulary.ACTIVE_STATES) <= set(STATE_KEYS)
    assert "candidate" in vocabulary.ACTIVE_STATES
    for done in ("resolved", "closed", "cancelled"):
        assert done not in vocabulary.ACTIVE_STATES


def test_final_states_have_no_way_out():
    for state in ("closed", "cancelled"):
        assert not [action for action in vocabulary.MOVES if vocabulary.can_move(state, action)], state


def test_every_non_final_state_can_be_left():
    for state in STATE_KEYS:
        if state in ("closed", "cancelled"):
            continue
        assert any(vocabulary.can_move(state, action) for action in vocabulary.MOVES), state


def test_can_move():
    assert vocabulary.can_move("candidate", "declare")
    assert vocabulary.can_move("candidate", "acknowledge")
    assert vocabulary.can_move("triage", "start_investigation")
    assert vocabulary.can_move("investigating", "mitigate")
    assert vocabulary.can_move("mitigating", "resolve")
    assert vocabulary.can_move("resolved", "close")
    assert vocabulary.can_move("triage", "dismiss")
    assert not vocabulary.can_move("candidate", "resolve"), "a candidate is declared or dismissed first"
    assert not vocabulary.can_move("investigating", "dismiss")
    assert not vocabulary.can_move("triage", "merge")
    assert not vocabulary.can_move("mitigating", "close")
    assert not vocabulary.can_move("resolved", "resolve")


def test_can_move_unknown_action_or_state():
    assert not vocabulary.can_move("candidate", "teleport")
    assert not vocabulary.can_move("nowhere", "declare")
    assert not vocabulary.can_move(None, "declare")
    assert not vocabulary.can_move(False, "close")


def test_brief_interruption_leaves_any_active_state_for_cancelled():
    for state in vocabulary.ACTIVE_STATES:
        assert vocabulary.can_move(state, "resolve_brief"), state
    for state in set(STATE_KEYS) - set(vocabulary.ACTIVE_STATES):
        assert not vocabulary.can_move(state, "resolve_brief"), state
    assert vocabulary.target_state("resolve_brief") == "cancelled"


def test_allowed_from_and_target_state():
    for action, (sources, target) in vocabulary.MOVES.items():
        assert vocabulary.allowed_from(action) == sources
        assert vocabulary.target_state(action) == target
    assert vocabulary.target_state("resolve") == "resolved"
    assert vocabulary.target_state("close") == "closed"
    with pytest.raises(KeyError):
        vocabulary.allowed_from("teleport")
    with pytest.raises(KeyError):
        vocabulary.target_state("teleport")


def test_coding_required_for_known_moves_leaving_triage():
    for action in vocabulary.CODING_REQUIRED_FOR:
        assert action in vocabulary.MOVES
        assert "triage" in vocabulary.allowed_from(action)


def test_customer_sources_and_default_severity_are_known():
    source_keys = {key for key, _label in vocabulary.SOURCES}
    assert set(vocabulary.CUSTOMER_SOURCES) <= source_keys
    assert "monitoring" not in vocabulary.CUSTOMER_SOURCES
    assert "manual" not in vocabulary.CUSTOMER_SOURCES
    assert vocabulary.DEFAULT_SEVERITY in {key for key, _label in vocabulary.SEVERITIES}
    assert "brief" in {key for key, _label in vocabulary.CANCEL_REASONS}


# ================================================================ clock rules: the table


def test_clock_vocabulary_is_consistent():
    assert len(KIND_KEYS) == len(set(KIND_KEYS))
    assert clock_rules.ALL_KINDS == tuple(KIND_KEYS)
    assert set(clock_rules.OPEN_STATES) <= set(CLOCK_STATE_KEYS)
    assert set(clock_rules.PAUSABLE_KINDS) <= set(KIND_KEYS)
    assert set(clock_rules.RECOVERY_KINDS) <= set(KIND_KEYS)
    assert set(clock_rules.STARTS) <= set(KIND_KEYS)
    assert set(clock_rules.STARTS.values()) <= {"detected_at", "resolved_at"}
    assert set(clock_rules.TARGETS) <= set(KIND_KEYS)
    assert {unit for _field, unit in clock_rules.TARGETS.values()} <= {"minutes", "hours", "business_days"}
    assert set(clock_rules.REPLANNED_KINDS) == set(KIND_KEYS) - {"escalation", "update"}


@pytest.mark.parametrize("event", sorted(clock_rules.RULES))
def test_every_rule_names_known_effects_and_kinds(event):
    rule = clock_rules.RULES[event]
    assert rule, f"{event} does nothing"
    for effect, kinds in rule.items():
        assert effect in clock_rules.EFFECTS, f"{event}: unknown effect {effect!r}"
        assert isinstance(kinds, tuple) and kinds, f"{event}: {effect} names no kinds"
        for kind in kinds:
            assert kind in KIND_KEYS, f"{event}: {effect} names unknown kind {kind!r}"


@pytest.mark.parametrize("event", sorted(clock_rules.RULES))
def test_no_rule_does_two_things_to_one_clock(event):
    seen = [kind for kinds in clock_rules.RULES[event].values() for kind in kinds]
    assert len(seen) == len(set(seen)), f"{event} acts twice on one clock"


def test_every_opened_kind_has_a_target_rule():
    for event, rule in clock_rules.RULES.items():
        for kind in rule.get("open", ()) + rule.get("restart", ()):
            assert kind in clock_rules.TARGETS or kind in ("ack", "escalation"), (event, kind)


def test_only_pausable_kinds_pause_and_resume():
    for event, rule in clock_rules.RULES.items():
        for effect in ("pause", "resume"):
            assert set(rule.get(effect, ())) <= set(clock_rules.PAUSABLE_KINDS), event
    assert clock_rules.effects("hold") == {"pause": clock_rules.PAUSABLE_KINDS}
    assert clock_rules.effects("resume") == {"resume": clock_rules.PAUSABLE_KINDS}


def test_dismissal_and_merge_cancel_every_clock():
    for event in ("dismissed", "merged"):
        assert clock_rules.effects(event) == {"cancel": clock_rules.ALL_KINDS}


def test_resolution_meets_recovery_and_opens_follow_up():
    rule = clock_rules.effects("resolved")
    assert rule["meet"] == clock_rules.RECOVERY_KINDS
    assert set(rule["open"]) == {"debrief", "postmortem"}
    brief = clock_rules.effects("brief_interruption")
    assert brief["meet"] == clock_rules.RECOVERY_KINDS
    assert "open" not in brief, "a brief interruption has no debrief and no post-mortem (SOP 1.3)"


def test_updates_meet_blast_only_when_external():
    assert clock_rules.effects("update_sent_external") == {"meet": ("blast",), "restart": ("update",)}
    assert clock_rules.effects("update_sent_internal") == {"restart": ("update",)}


# ================================================================ clock rules: functions


def test_effects_returns_the_rule():
    for event, rule in clock_rules.RULES.items():
        assert clock_rules.effects(event) is rule
    assert clock_rules.effects("acknowledged") == {"meet": ("ack", "escalation")}


@pytest.mark.parametrize("event", ["teleported", "", None, "Resolved"])
def test_effects_raises_on_unknown_event(event):
    with pytest.raises(KeyError, match="unknown clock event"):
        clock_rules.effects(event)


def test_start_of():
    detected = datetime(2026, 3, 6, 10, 0)
    resolved = datetime(2026, 3, 6, 12, 0)
    event_time = datetime(2026, 3, 6, 13, 0)
    times = {"detected_at": detected, "resolved_at": resolved}
    for kind in ("ack", "blast", "rto", "resolution"):
        assert clock_rules.start_of(kind, times, event_time) == detected, kind
    for kind in ("debrief", "postmortem"):
        assert clock_rules.start_of(kind, times, event_time) == resolved, kind
    for kind in ("escalation", "update", "dr_rto", "dr_rpo"):
        assert clock_rules.start_of(kind, times, event_time) == event_time, kind


def test_start_of_falls_back_when_the_time_is_unknown():
    event_time = datetime(2026, 3, 6, 13, 0)
    assert (
        clock_rules.start_of("debrief", {"detected_at": datetime(2026, 3, 6, 10), "resolved_at": None}, event_time)
        == event_time
    )
    assert clock_rules.start_of("ack", {"detected_at": False}, event_time) == event_time
    assert clock_rules.start_of("rto", {}, event_time) == event_time


POLICY = {
    "blast_minutes": 30,
    "update_interval_minutes": 60,
    "rto_minutes": 240,
    "resolution_minutes": 480,
    "debrief_hours": 48,
    "postmortem_business_days": 5,
    "dr_rto_minutes": 120,
    "dr_rpo_minutes": 15,
}


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("blast", (30.0, False)),
        ("update", (60.0, False)),
        ("rto", (240.0, False)),
        ("resolution", (480.0, False)),
        ("dr_rto", (120.0, False)),
        ("dr_rpo", (15.0, False)),
    ],
)
def test_target_minutes(kind, expected):
    assert clock_rules.target(kind, POLICY) == expected


def test_target_hours_are_wall_clock_minutes():
    assert clock_rules.target("debrief", POLICY) == (48 * 60.0, False)
    assert clock_rules.target("debrief", {"debrief_hours": 1.5}) == (90.0, False)


def test_target_business_days_use_the_working_day():
    assert clock_rules.target("postmortem", POLICY) == (5 * 8 * 60.0, True)
    assert clock_rules.target("postmortem", POLICY, hours_per_day=7.5) == (5 * 7.5 * 60, True)
    assert clock_rules.target("postmortem", POLICY, hours_per_day=0) == (5 * 8 * 60.0, True), "no calendar: 8 hours"
    assert clock_rules.target("postmortem", POLICY, hours_per_day=None) == (5 * 8 * 60.0, True)


def test_target_ack_comes_from_the_response_target():
    assert clock_rules.target("ack", POLICY, response_minutes=15) == (15.0, False)
    assert clock_rules.target("ack", {}, response_minutes=120) == (120.0, False)
    assert clock_rules.target("ack", POLICY) is None
    assert clock_rules.target("ack", POLICY, response_minutes=0) is None


def test_target_escalation_is_due_at_once():
    assert clock_rules.target("escalation", {}) == (0.0, False)
    assert clock_rules.target("escalation", POLICY, response_minutes=15) == (0.0, False)


@pytest.mark.parametrize("value", [None, False, 0, 0.0, -10])
@pytest.mark.parametrize("kind", sorted(clock_rules.TARGETS))
def test_target_none_when_the_policy_sets_none(kind, value):
    field, _unit = clock_rules.TARGETS[kind]
    assert clock_rules.target(kind, {field: value}) is None
    assert clock_rules.target(kind, {}) is None


@pytest.mark.parametrize("kind", clock_rules.ALL_KINDS)
def test_target_is_defined_for_every_kind(kind):
    result = clock_rules.target(kind, POLICY, response_minutes=15)
    minutes, business_time = result
    assert isinstance(minutes, float) and minutes >= 0
    assert isinstance(business_time, bool)


def test_target_unknown_kind_raises():
    with pytest.raises(KeyError):
        clock_rules.target("coffee", POLICY)


def test_policy_fields():
    fields = clock_rules.policy_fields()
    assert fields == sorted(set(fields))
    assert set(fields) == {field for field, _unit in clock_rules.TARGETS.values()}
    assert set(fields) == set(POLICY)


def test_policy_fields_exist_on_the_policy_model():
    """The table names fields of major.incident.policy: read its source, Odoo is not loaded."""
    source = Path(__file__).resolve().parent.parent / "major_incident" / "models" / "major_incident_policy.py"
    declared = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.value, ast.Call)
                    and isinstance(stmt.value.func, ast.Attribute)
                    and isinstance(stmt.value.func.value, ast.Name)
                    and stmt.value.func.value.id == "fields"
                ):
                    declared.update(target.id for target in stmt.targets if isinstance(target, ast.Name))
    missing = set(clock_rules.policy_fields()) - declared
    assert not missing, f"clock_rules.TARGETS reads fields the policy does not declare: {sorted(missing)}"
