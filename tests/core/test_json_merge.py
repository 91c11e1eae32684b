"""Three-way merge of JSON documents (core.versioning.json_merge), as Dolt merges JSON cells."""
from __future__ import annotations

import json

import pytest
from dl.core.versioning.json_merge import merge_json_text
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(("base", "ours", "theirs", "merged"), [
    ('{}', '{"a": 1}', '{"b": 1}', {"a": 1, "b": 1}),  # different keys added
    ('{"a": 1, "b": 1}', '{"a": 2, "b": 1}', '{"a": 1}', {"a": 2}),  # changed here, removed there
    ('{"x": {"y": 1, "z": 1}}', '{"x": {"y": 2, "z": 1}}', '{"x": {"y": 1, "z": 2}}', {"x": {"y": 2, "z": 2}}),
    ('{"a": 1}', '{"a": 5}', '{"a": 5}', {"a": 5}),  # changed alike
    ('[1]', '[1, 2]', '[1]', [1, 2]),  # one side only: any document
])
def test_changes_to_different_parts_merge(base: str, ours: str, theirs: str, merged: object) -> None:
    text = merge_json_text(base, ours, theirs)
    assert text is not None and json.loads(text) == merged


@pytest.mark.parametrize(("base", "ours", "theirs"), [
    ('{"a": 1}', '{"a": 2}', '{"a": 3}'),  # one key changed differently
    ('{"x": {"y": 1}}', '{"x": {"y": 2}}', '{"x": 3}'),  # an object against a scalar
    ('{"a": 1}', '{"a": 2}', '{}'),  # changed here, removed there
    ('[1]', '[1, 2]', '[1, 3]'),  # arrays are values, not merged element-wise
    ('{"a": true}', '{"a": 1}', '{"a": 2}'),
    ('{}', 'not json', '{"a": 1}'),
    ('{}', None, '{"a": 1}'),
])
def test_changes_to_the_same_part_conflict(base: str, ours: str | None, theirs: str) -> None:
    assert merge_json_text(base, ours, theirs) is None


def test_true_and_one_are_different_values() -> None:
    assert merge_json_text('{"a": 1}', '{"a": true}', '{"a": 1, "b": 2}') == '{"a": true, "b": 2}'


documents = st.dictionaries(st.sampled_from("abcd"), st.integers(0, 3), max_size=4)


@given(documents, documents)
def test_merging_with_an_unchanged_side_takes_the_other(base: dict, changed: dict) -> None:
    for ours, theirs in ((changed, base), (base, changed)):
        text = merge_json_text(json.dumps(base), json.dumps(ours), json.dumps(theirs))
        assert text is not None and json.loads(text) == changed
