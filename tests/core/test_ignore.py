"""dolt_ignore patterns (`core.versioning.ignore`): Dolt's matching and conflict rules."""
from __future__ import annotations

import pytest
from dl.core.versioning.ignore import IgnoreConflict, IgnoreResult, Pattern, classify, is_ignored, split_ignored

# the patterns of Dolt's own ignore tests
PATTERNS = [Pattern(p, i) for p, i in [
    ("ignoreme", True), ("dontignore", False), ("*_ignore", True), ("do_not_ignore", False),
    ("%_ignore_too", True), ("commit_*", False), ("commit_me_not", True),
    ("test*", True), ("test?*", False), ("test?", True)]]


@pytest.mark.parametrize("name, ignored", [
    ("ignoreme", True), ("dontignore", False), ("please_ignore", True), ("do_not_ignore", False),
    ("please_ignore_too", True), ("commit_me", False), ("commit_me_not", True), ("nomatch", False),
    ("test1", True), ("test12", False), ("test", True)])
def test_the_more_specific_pattern_wins(name: str, ignored: bool) -> None:
    assert is_ignored(name, PATTERNS) is ignored


def test_patterns_that_disagree_are_a_conflict_naming_them() -> None:
    result, true, false = classify("commit_ignore", PATTERNS)
    assert (result, true, false) == (IgnoreResult.CONFLICT, ["*_ignore"], ["commit_*"])
    with pytest.raises(IgnoreConflict) as caught:
        is_ignored("commit_ignore", PATTERNS)
    assert str(caught.value).splitlines() == ["the table commit_ignore matches conflicting patterns in dolt_ignore:",
                                              "ignored:     *_ignore", "not ignored: commit_*"]


def test_equivalent_patterns_with_different_values_conflict() -> None:
    patterns = [Pattern("a_*", True), Pattern("a_%", False)]
    assert classify("a_test", patterns)[0] is IgnoreResult.CONFLICT


def test_split_ignored_sorts_names_three_ways() -> None:
    assert split_ignored(["nomatch", "ignoreme", "commit_ignore"], PATTERNS) == (
        ["nomatch"], ["ignoreme"], ["commit_ignore"])
    assert split_ignored(["t"], []) == (["t"], [], [])
