"""Kill `dl` mid-command, over and over: the repository always opens, `dl fsck` is clean, and
its state is the one before the command or the one after it, never a mix.

Per scenario (table import, commit, SQL DML in a transaction, merge, gc): 17 deterministic
fault-injection kills spread over every chunk write and both sides of every transaction
commit, and 4 SIGKILLs of a real `dl` process at random moments: 105 kills in all.
"""
from __future__ import annotations

from pathlib import Path

import crash_harness as harness
import pytest

FAULTS_PER_SCENARIO = 17
SIGNALS_PER_SCENARIO = 4


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    harness.warm()


@pytest.mark.parametrize("scenario", harness.SCENARIOS, ids=lambda s: s.name)
def test_fault_injection_kills_leave_before_or_after(scenario: harness.Scenario, tmp_path: Path) -> None:
    prepared = harness.Prepared(scenario, tmp_path)
    assert prepared.counts.get("commit-before") == 1, \
        f"`dl {' '.join(scenario.argv)}` should land in exactly one transaction: {prepared.counts}"
    plans = prepared.fault_plans(FAULTS_PER_SCENARIO)
    while len(plans) < FAULTS_PER_SCENARIO:  # few fault points: kill at each more than once
        plans += plans[:FAULTS_PER_SCENARIO - len(plans)]
    verdicts = [harness.fault_kill(prepared, plan) for plan in plans]
    failed = [v for v in verdicts if not v.recovered]
    assert not failed, failed[:3]
    assert all(v.interrupted for v in verdicts)  # every plan did abort the process
    states = {v.how.split("=")[0]: set() for v in verdicts}
    for v in verdicts:
        states[v.how.split("=")[0]].add(v.state)
    if scenario.name != "gc":  # gc changes no table: before and after are the same state
        assert states["fault commit-before"] == {"before"}
        assert states["fault commit-after"] == {"after"}
        assert states["fault chunk"] == {"before"}


@pytest.mark.parametrize("scenario", harness.SCENARIOS, ids=lambda s: s.name)
def test_sigkill_at_random_moments_leaves_before_or_after(scenario: harness.Scenario,
                                                          tmp_path: Path) -> None:
    prepared = harness.Prepared(scenario, tmp_path)
    delays = harness.random_delays(prepared, SIGNALS_PER_SCENARIO, seed=len(scenario.name))
    verdicts = [harness.signal_kill(prepared, delay) for delay in delays]
    for fraction in (0.7, 0.5, 0.35, 0.25):  # a loaded machine ran it all faster: kill sooner
        if any(v.interrupted for v in verdicts):
            break
        verdicts.append(harness.signal_kill(prepared, fraction * prepared.seconds))
    failed = [v for v in verdicts if not v.recovered]
    assert not failed, failed
    assert any(v.interrupted for v in verdicts)
