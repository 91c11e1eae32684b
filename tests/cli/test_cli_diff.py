"""`dl diff` (which sides, tables, --stat, --summary, --where, --limit, -r formats) and its golden
output; `-r sql` replayed with `dl sql` must turn the old side into the new one.

Golden files live in tests/cli/golden/; after an intended change of the output, rewrite them with
`DL_UPDATE_GOLDEN=1 python -m pytest tests/cli/test_cli_diff.py` and review the git diff.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import BAD, FIXTURES, GOLDEN, Dl


def assert_same_content(dl: Dl, a: str, b: str) -> None:
    """Revisions `a` and `b` hold the same tables, schemas and rows (by the diff, not by hash:
    see test_equal_tables_hash_equal)."""
    assert dl.tables(a) == dl.tables(b)
    assert dl.ok("diff", a, b, "-r", "json") == ""  # as Dolt: no changes, no JSON at all


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DL_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"dl diff output differs from {path}"


@pytest.fixture
def changed(people: Path, dl: Dl) -> Path:
    """HEAD: people and codes. Working: people updated (3 modified, 3 added, 1 removed, a NULL
    becoming a value), codes removed, tiny added (text with a quote, a decimal, a date, NULLs)."""
    dl.ok("table", "import", "-c", "--pk", "id", "codes", BAD / "leading_zeros.csv")
    dl.ok("commit", "-Am", "codes")
    dl.ok("table", "import", "-u", "people", FIXTURES / "people_changes.parquet")
    dl.ok("sql", "-q", "delete from people where id = 20; "
                       "create table tiny (k int primary key, note text, price decimal(10,2), "
                       "seen date); insert into tiny values "
                       "(1, 'it''s', 9.99, DATE '2024-02-29'), (2, NULL, NULL, NULL)")
    dl.ok("table", "rm", "codes")
    return people


def test_golden_tabular_diff(changed: Path, dl: Dl) -> None:
    check_golden("diff_tabular.txt", dl.ok("diff", "HEAD"))


def test_golden_schema_change(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "alter table people add column email text; "
                       "update people set email = 'ada@example.com' where id = 1; "
                       "alter table people alter column age type double; "
                       "alter table people drop column city")
    out = dl.ok("diff", "--where", "from_id < 3 or to_id < 3")
    check_golden("diff_schema.txt", out)
    assert out.splitlines()[3:13] == [  # Dolt's: the CREATE TABLE statements diffed line by line
        " CREATE TABLE `people` (", "   `id` bigint NOT NULL,", "   `name` longtext,",
        "-  `age` bigint,", "-  `city` longtext,", "+  `age` double,", "+  `email` text,",
        "   PRIMARY KEY (`id`)", " ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;",
        "+---+----+--------------+-----+------------+-----------------+"]
    doc = json.loads(dl.ok("diff", "-r", "json"))
    assert doc["tables"][0]["schema_diff"] == ["ALTER TABLE `people` MODIFY COLUMN `age` double;",
                                               "ALTER TABLE `people` DROP `city`;",
                                               "ALTER TABLE `people` ADD `email` text;"]
    sql = dl("diff", "-r", "sql")  # a changed type: old rows cannot become UPDATEs (Dolt's refusal)
    assert sql.code == 1 and sql.out.splitlines() == doc["tables"][0]["schema_diff"]
    assert sql.err.splitlines() == ["Incompatible schema change, skipping data diff for table 'people'",
                                    "error: encountered errors during diff"]
    summary = dl.ok("diff", "--summary")
    assert "| people     | modified  | true        | true          |" in summary


def test_diff_working_staged_and_cached(people: Path, dl: Dl) -> None:
    assert dl.ok("diff") == ""
    dl.ok("sql", "-q", "update people set age = 37 where id = 1")
    working = dl.ok("diff")
    assert ("| < | 1  | Ada Lovelace | 36  | London |\n"
            "| > | 1  | Ada Lovelace | 37  | London |\n") in working
    assert dl.ok("diff", "--cached") == ""
    dl.ok("add", "people")
    assert dl.ok("diff") == ""  # working == staged now
    assert dl.ok("diff", "--cached") == working
    assert dl.ok("diff", "--staged") == working
    dl.ok("sql", "-q", "update people set age = 38 where id = 1")
    assert "| < | 1  | Ada Lovelace | 37  | London |" in dl.ok("diff")
    assert "| < | 1  | Ada Lovelace | 36  | London |" in dl.ok("diff", "HEAD")  # REV vs working
    assert "| > | 1  | Ada Lovelace | 37  | London |" in dl.ok("diff", "--cached", "HEAD")
    assert dl.fails("diff", "--cached", "HEAD", "HEAD~1", code=2) == \
        "--cached takes at most one revision"


def test_diff_between_commits_and_ranges(changed: Path, dl: Dl) -> None:
    dl.ok("commit", "-Am", "changes")
    both = dl.ok("diff", "HEAD~1", "HEAD")
    assert both == dl.ok("diff", "HEAD~1..HEAD") == dl.ok("diff", "HEAD~1..")
    assert both == dl.ok("diff", "HEAD~1...HEAD")  # merge base of a line is its ancestor
    assert both.count("diff --dl ") == 3
    reverse = dl.ok("diff", "HEAD", "HEAD~1", "tiny")
    assert reverse.startswith("diff --dl a/tiny b/tiny\ndeleted table\n-CREATE TABLE `tiny` (\n")
    only = dl.ok("diff", "HEAD~1", "HEAD", "people", "tiny")
    assert "a/people" in only and "a/tiny" in only and "a/codes" not in only
    assert dl.ok("diff", "HEAD", "people") == ""  # tables without changes print nothing
    assert dl.fails("diff", "HEAD~1", "HEAD", "nope") == "table nope does not exist in either revision"
    assert dl.fails("diff", "nope..HEAD").startswith("revision not found: nope")


def test_diff_stat_and_summary(changed: Path, dl: Dl) -> None:
    assert dl.ok("diff", "HEAD", "people", "--stat") == (
        "--- a/people\n+++ b/people\n"
        "16 Rows Unmodified (80.00%)\n"
        "3 Rows Added (15.00%)\n"
        "1 Row Deleted (5.00%)\n"
        "3 Rows Modified (15.00%)\n"
        "4 Cells Modified (5.00%)\n"
        "(20 Row Entries vs 22 Row Entries)\n")
    assert dl.ok("diff", "HEAD", "--summary") == (
        "+------------+-----------+-------------+---------------+\n"
        "| Table name | Diff type | Data change | Schema change |\n"
        "+------------+-----------+-------------+---------------+\n"
        "| codes      | dropped   | true        | true          |\n"
        "| people     | modified  | true        | false         |\n"
        "| tiny       | added     | true        | true          |\n"
        "+------------+-----------+-------------+---------------+\n")


def test_diff_where_and_limit(changed: Path, dl: Dl) -> None:
    csv = dl.ok("diff", "HEAD", "people", "-r", "csv", "--where", "to_age > 50 or from_age is null")
    assert csv == ("diff_type,id,name,age,city\n"
                   "modified_from,11,Frances Allen,,Croton-on-Hudson\n"
                   "modified_to,11,Frances Allen,88,Croton-on-Hudson\n"
                   "added,21,Linus Torvalds,55,Portland\n"
                   "added,22,Anita Borg,54,Palo Alto\n"
                   "added,23,Yukihiro Matsumoto,59,Matsue\n")
    removed = dl.ok("diff", "HEAD", "people", "-r", "csv", "--where", "diff_type = 'removed'")
    assert removed == "diff_type,id,name,age,city\nremoved,20,Guido van Rossum,68,Belmont\n"
    assert dl.ok("diff", "HEAD", "people", "-r", "csv", "--where", "to_id = 4").count("\n") == 3
    limited = dl.ok("diff", "HEAD", "people", "-r", "csv", "--limit", "2")  # the first rows by key, as Dolt's
    assert limited == "diff_type,id,name,age,city\nmodified_from,2,Alan Turing,41,Manchester\n" \
                      "modified_to,2,Alan Turing,41,Wilmslow\nmodified_from,4,Zoë Dubois,29,Montréal\n" \
                      "modified_to,4,Zoë Dubois,30,Québec\n"
    assert dl.ok("diff", "HEAD", "people", "-r", "csv", "--limit", "0") == \
        "diff_type,id,name,age,city\n"
    assert dl.fails("diff", "--where", "nocolumn = 1", "HEAD") == (  # Dolt's words
        'Error running diff query (where nocolumn = 1): column "nocolumn" could not be found '
        "in any table in scope")
    assert dl.fails("diff", "--where", "id >", "HEAD").startswith(
        "Failed to parse diff query. Invalid where clause? (where id >): ")
    assert dl.fails("diff", "--where", "1=1; drop table people", "HEAD").startswith("--where ")
    assert dl.fails("diff", "--limit", "-1", code=2).startswith("Invalid value for '--limit'")


def test_diff_json_has_dolts_shape(changed: Path, dl: Dl) -> None:
    doc = json.loads(dl.ok("diff", "HEAD", "-r", "json"))
    assert [t["name"] for t in doc["tables"]] == ["codes", "people", "tiny"]
    codes, people, tiny = doc["tables"]
    assert codes["schema_diff"] == ['DROP TABLE `codes`;']
    assert {"from_row": {"id": 1, "zip": "02134", "code": "007"}, "to_row": {}} \
        in codes["data_diff"]
    assert people["schema_diff"] == []

    def person(id_: int, name: str, age: int | None, city: str) -> dict[str, object]:
        row = {"id": id_, "name": name, "age": age, "city": city}
        return {k: v for k, v in row.items() if v is not None}  # Dolt leaves NULLs out
    assert {"from_row": person(11, "Frances Allen", None, "Croton-on-Hudson"),
            "to_row": person(11, "Frances Allen", 88, "Croton-on-Hudson")} in people["data_diff"]
    assert {"from_row": {}, "to_row": person(23, "Yukihiro Matsumoto", 59, "Matsue")} \
        in people["data_diff"]
    assert {"from_row": person(20, "Guido van Rossum", 68, "Belmont"), "to_row": {}} \
        in people["data_diff"]
    assert len(people["data_diff"]) == 7
    assert tiny["schema_diff"] == [
        'CREATE TABLE `tiny` (\n  `k` int NOT NULL,\n  `note` text,\n'
        '  `price` decimal(10,2),\n  `seen` date,\n  PRIMARY KEY (`k`)\n'
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;']
    assert tiny["data_diff"] == [
        {"from_row": {}, "to_row": {"k": 1, "note": "it's", "price": "9.99", "seen": "2024-02-29"}},
        {"from_row": {}, "to_row": {"k": 2}}]


def test_diff_csv_with_several_tables(changed: Path, dl: Dl) -> None:
    lines = dl.ok("diff", "HEAD", "-r", "csv").splitlines()
    assert lines[0] == "table,diff_type,id,zip,code,name,age,city,k,note,price,seen"
    assert lines[1] == "codes,removed,1,02134,007,,,,,,,"
    assert lines[8] == "people,modified_from,11,,,Frances Allen,,Croton-on-Hudson,,,,"
    assert lines[-2:] == ["tiny,added,,,,,,,1,it's,9.99,2024-02-29", "tiny,added,,,,,,,2,,,"]
    assert len(lines) == 1 + 3 + 10 + 2


def test_diff_bad_format(people: Path, dl: Dl) -> None:
    assert dl.fails("diff", "-r", "xml", code=2) == \
        "unknown result format 'xml' (choose from tabular, json, sql, csv)"
    assert dl.fails("diff", "nope") == "table nope does not exist in either revision"


def test_sql_diff_replayed_turns_old_into_new(people: Path, dl: Dl, tmp_path: Path) -> None:
    """Every kind of change `-r sql` writes as MySQL statements (Dolt's text): rows updated,
    deleted and inserted (quotes, unicode, NULL), a column added at the end, a table created
    (odd names), one dropped, and a keyless table losing one of two identical rows."""
    bag_schema = tmp_path / "bag.sql"
    bag_schema.write_text("CREATE TABLE bag (a INT, b TEXT);")
    bag_new = tmp_path / "bag.csv"
    bag_new.write_text("a,b\n1,x\n2,y\n3,z\n")
    (tmp_path / "bag_old.csv").write_text("a,b\n1,x\n1,x\n2,y\n")
    dl.ok("table", "import", "-c", "--schema", bag_schema, "bag", tmp_path / "bag_old.csv")
    dl.ok("sql", "-q", "create table gone (k text primary key, v int); insert into gone values ('a', 1)")
    dl.ok("commit", "-Am", "old side")
    dl.ok("sql", "-q", "update people set name = 'O''Brien \"quoted\" \\ ✓' where id = 1; "
                       "delete from people where id in (2, 3); "
                       "insert into people values (99, NULL, NULL, 'Z'); "
                       "alter table people add column email text; "
                       "update people set email = 'e' where id = 4; drop table gone; "
                       "create table \"new one\" (\"weird col\" text primary key, n double, b blob); "
                       "insert into \"new one\" values ('x''y', 1.5, '\\x00\\xff'::blob), ('z', 2, NULL)")
    dl.ok("table", "import", "-r", "bag", bag_new)
    dl.ok("commit", "-Am", "new side")
    script = dl.ok("diff", "HEAD~1", "HEAD", "-r", "sql")
    assert "DELETE FROM `bag` WHERE `a`=1 AND `b`='x' LIMIT 1;" in script
    assert "DROP TABLE `gone`;" in script and "ALTER TABLE `people` ADD `email` text;" in script
    assert "UPDATE `people` SET `name`='O\\'Brien \\\"quoted\\\" \\\\ ✓' WHERE `id`=1;" in script
    assert "INSERT INTO `new one` (`weird col`,`n`,`b`) VALUES ('x\\'y',1.5,0x00ff);" in script
    assert "DELETE FROM `people` WHERE `id`=2;" in script
    (tmp_path / "replay.sql").write_text(script)
    dl.ok("checkout", "-b", "replay", "HEAD~1")
    dl.ok("sql", "--dialect", "mysql", "-f", tmp_path / "replay.sql")
    assert_same_content(dl, "main", "WORKING")
    assert dl.tables() == ["bag", "new one", "people"]
    assert dl.query("select a, b from bag order by a") == "a,b\n1,x\n2,y\n3,z\n"


def test_sql_diff_refuses_rows_it_cannot_write(people: Path, dl: Dl) -> None:
    """As Dolt: a changed primary key, or a column whose old values an UPDATE cannot carry,
    writes the schema statements, the reason on stderr, and fails at the end."""
    dl.ok("sql", "-q", "create table rekey (a int primary key, b int); insert into rekey values (1, 10)")
    dl.ok("commit", "-Am", "rekey")
    dl.ok("sql", "--dialect", "mysql", "-q", "alter table rekey drop primary key; alter table rekey add primary key (a, b)")
    dl.ok("sql", "-q", "alter table people drop column city; alter table people add column town text")
    result = dl("diff", "-r", "sql")
    assert result.code == 1
    assert result.out.splitlines() == ["ALTER TABLE `people` DROP `city`;", "ALTER TABLE `people` ADD `town` text;",
                                       "ALTER TABLE `rekey` DROP PRIMARY KEY;", "ALTER TABLE `rekey` ADD PRIMARY KEY (a,b);"]
    assert result.err.splitlines() == [
        "Incompatible schema change, skipping data diff for table 'people'",
        "Primary key sets differ between revisions for table 'rekey', skipping data diff",
        "error: encountered errors during diff"]


def test_sql_diff_of_the_golden_change_replays(changed: Path, dl: Dl, tmp_path: Path) -> None:
    script = tmp_path / "fix.sql"  # rows changed, a table dropped, one added: no schema change that blocks rows
    script.write_text(dl.ok("diff", "HEAD", "-r", "sql"))  # MySQL statements, as Dolt writes them
    dl.ok("commit", "-Am", "new")
    dl.ok("checkout", "-b", "replay", "HEAD~1")
    dl.ok("sql", "--dialect", "mysql", "-f", script)
    assert_same_content(dl, "main", "WORKING")
    assert dl.tables() == ["people", "tiny"]


def test_equal_tables_hash_equal(repo: Path, dl: Dl) -> None:
    hashes = set()
    for i in range(4):
        make = f"create table t{i} (k int primary key, n bigint, p decimal(10,2), d date)"
        fill = (f"insert into t{i} values (1, NULL, NULL, NULL)" if i else
                f"insert into t{i} values (1, 5, 1.5, DATE '2024-01-01'); "
                f"update t{i} set n = NULL, p = NULL, d = NULL")
        dl.ok("sql", "-q", f"{make}; {fill}")
        hashes.add(dl.table_hash(f"t{i}"))
    assert len(hashes) == 1


def test_colour_only_on_a_terminal(people: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    import dl.commands.diff as diff_command
    dl.ok("sql", "-q", "update people set age = 37 where id = 1; delete from people where id = 2")
    plain = dl.ok("diff")
    assert "\x1b[" not in plain
    try:  # echo strips colour codes off a stream that is not a terminal: pretend it is one
        import typer._click.utils as echo_utils
    except ImportError:  # older typer uses click itself
        import click.utils as echo_utils  # type: ignore[no-redef]
    monkeypatch.setattr(echo_utils, "should_strip_ansi", lambda stream=None, color=None: False)
    monkeypatch.setattr(diff_command, "use_colour", lambda: True)
    coloured = dl.ok("diff")
    assert "\x1b[31m| < | 1  | Ada Lovelace | 36  | London     |\x1b[0m" in coloured
    assert "\x1b[32m| > | 1  | Ada Lovelace | 37  | London     |\x1b[0m" in coloured
    assert "\x1b[31m| - | 2  | Alan Turing  | 41  | Manchester |\x1b[0m" in coloured
    assert coloured.replace("\x1b[31m", "").replace("\x1b[32m", "").replace("\x1b[0m", "") == plain
