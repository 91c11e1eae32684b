"""core.names: columns are SQL identifiers only, so they take what MySQL and Dolt take (`/`,
`..`, a leading `-`); tables, branches and indexes keep the stricter rules."""
from __future__ import annotations

import pytest
from dl.core.errors import InvalidName
from dl.core.names import check_name, check_ref_name, check_table_name


@pytest.mark.parametrize("name", ["--Key1", "/Key5", "a/b", "a..b", "a\\b", "-"])
def test_a_column_may_hold_path_and_flag_characters(name: str) -> None:
    assert check_name("column", name) == name


@pytest.mark.parametrize("name, reason", [("-t", "it starts with '-'"), ("a/b", "it contains a path separator"),
                                          ("a..b", "it contains '..'")])
def test_tables_and_indexes_still_refuse_them(name: str, reason: str) -> None:
    for check in (check_table_name, lambda n: check_name("index", n)):
        with pytest.raises(InvalidName) as info:
            check(name)
        assert info.value.reason == reason
    with pytest.raises(InvalidName):
        check_ref_name("branch", "-t")


@pytest.mark.parametrize("name", ["", " a", "a\tb", "x" * 256])
def test_a_column_still_refuses_empty_spaced_control_and_long_names(name: str) -> None:
    with pytest.raises(InvalidName):
        check_name("column", name)
