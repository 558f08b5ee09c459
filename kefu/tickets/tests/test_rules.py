"""The transition table and ownership rules, without a database."""

from hypothesis import given
from hypothesis import strategies as st

from kefu.tickets import rules
from kefu.tickets.rules import Status

ALL = [s.value for s in Status]


def test_every_status_has_a_row_in_the_table():
    assert set(rules.TRANSITIONS) == set(Status)


def test_documented_lifecycle_is_allowed():
    path = ["new", "open", "pending_customer", "open", "pending_internal", "resolved", "closed"]
    for current, target in zip(path, path[1:], strict=False):
        assert rules.can_transition(current, target), (current, target)


def test_reopen_only_from_resolved():
    assert rules.can_transition("resolved", "open")
    assert rules.is_reopen("resolved", "open")
    assert not rules.can_transition("closed", "open")


def test_closed_is_final():
    assert all(not rules.can_transition("closed", s) for s in ALL)


def test_open_ticket_cannot_skip_resolution_to_closed():
    for current in ("open", "pending_customer", "pending_internal"):
        assert not rules.can_transition(current, "closed")


def test_nothing_goes_back_to_new():
    assert all(not rules.can_transition(s, "new") for s in ALL)


@given(st.text(max_size=20), st.text(max_size=20))
def test_unknown_statuses_are_never_allowed(current, target):
    if current not in ALL or target not in ALL:
        assert rules.can_transition(current, target) is False


@given(st.sampled_from(ALL), st.sampled_from(ALL))
def test_no_self_loops_and_targets_match_table(current, target):
    assert rules.can_transition(current, target) == (Status(target) in rules.TRANSITIONS[Status(current)])
    assert not rules.can_transition(current, current)


def test_allowed_targets_are_in_lifecycle_order():
    assert rules.allowed_targets("resolved") == ["open", "closed"]


def test_first_agent_becomes_owner_and_owner_then_sticks():
    assert rules.owner_after_action(current_owner_id=None, actor_id=7, actor_is_agent=True) == 7
    assert rules.owner_after_action(current_owner_id=3, actor_id=7, actor_is_agent=True) == 3
    assert rules.owner_after_action(current_owner_id=None, actor_id=7, actor_is_agent=False) is None


def test_leaving_new_needs_an_owner():
    assert all(rules.transition_needs_owner(s) for s in ALL if s != "new")


def test_complaints_are_never_low_priority():
    assert rules.complaint_escalated_priority("complaint", "low") == "normal"
    assert rules.complaint_escalated_priority("complaint", "urgent") == "urgent"
    assert rules.complaint_escalated_priority("inquiry", "low") == "low"
