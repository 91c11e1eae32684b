"""Small strictnesses a MySQL or git user expects: JSON output is JSON (NaN and infinities are
null), two column-level PRIMARY KEYs are refused as MySQL refuses them, and a branch and a tag
never share a name."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow as pa
import pytest
from cli_helpers import Dl
from dl.sql.formats import to_json


def strict_json(text: str) -> object:
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def test_json_output_has_null_for_nan_and_infinity(repo: Path, dl: Dl) -> None:
    out = dl.ok("sql", "-r", "json", "-q", "select 'nan'::double as x, 1.0/0 as y, -1e308*10 as z, "
                                           "[1.5, 'nan'::double] as l, {'a': 'inf'::float} as s, 2.0::double as ok")
    assert strict_json(out) == {"rows": [{"x": None, "y": None, "z": None, "l": [1.5, None], "s": {"a": None},
                                          "ok": 2.0}]}


def test_to_json_is_vectorized_for_flat_floats() -> None:
    table = pa.table({"f": pa.array([1.0, math.nan, math.inf, None], pa.float32()), "i": [1, 2, 3, 4]})
    assert strict_json(to_json(table)) == {"rows": [{"f": 1.0, "i": 1}, {"f": None, "i": 2},
                                                    {"f": None, "i": 3}, {"f": None, "i": 4}]}


@pytest.mark.parametrize("ddl", ["create table t (id int primary key, id2 int primary key)",
                                 "create table t (id int primary key, id2 int, primary key (id2))"])
def test_two_primary_keys_are_refused(repo: Path, dl: Dl, ddl: str) -> None:
    assert dl.fails("sql", "-q", ddl).startswith("Multiple primary key defined")
    assert dl.tables() == []
    dl.ok("sql", "-q", "create table t (id int, id2 int, primary key (id, id2))")  # the composite way
    assert "PRIMARY KEY (`id`,`id2`)" in dl.ok("schema", "show", "t")  # MySQL's text, as Dolt's


def test_a_tag_named_like_a_branch_and_a_branch_like_a_tag(repo: Path, dl: Dl) -> None:
    dl.ok("branch", "feature")
    dl.ok("tag", "v1")
    assert dl.fails("tag", "feature") == \
        "invalid tag name 'feature': a branch has that name, and a revision name must mean one thing"
    assert dl.fails("tag", "main").startswith("invalid tag name 'main'")
    assert dl.fails("branch", "v1") == \
        "invalid branch name 'v1': a tag has that name, and a revision name must mean one thing"
    assert dl.fails("checkout", "-b", "v1").startswith("invalid branch name 'v1'")
    assert dl.fails("branch", "-m", "feature", "v1").startswith("invalid branch name 'v1'")
    assert "a tag has that name" in dl.fails("sql", "-q", "call dolt_branch('v1')")
    assert "a branch has that name" in dl.fails("sql", "-q", "call dolt_tag('feature')")
    assert dl.ok("tag") == "v1\n"
    assert sorted(dl.ok("branch").split()) == ["*", "feature", "main"]
