"""`dl table export TABLE FILE.sql` (issue 11): the MySQL script Dolt's export writes (DROP
TABLE IF EXISTS, CREATE TABLE in MySQL's form, one INSERT a row), which `dl sql --dialect mysql`
replays into the very same table."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl

EXPECTED = """DROP TABLE IF EXISTS `test_int`;
CREATE TABLE `test_int` (
  `pk` bigint NOT NULL,
  `c1` bigint,
  `c2` bigint,
  PRIMARY KEY (`pk`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
INSERT INTO `test_int` (`pk`,`c1`,`c2`) VALUES (0,1,NULL);
INSERT INTO `test_int` (`pk`,`c1`,`c2`) VALUES (1,-2,3);
"""


def test_sql_export_is_dolts_script(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table test_int (pk bigint not null, c1 bigint, c2 bigint, primary key (pk)); "
          "insert into test_int values (0, 1, NULL), (1, -2, 3)")
    done = dl("table", "export", "test_int", "export.sql")
    assert (done.code, done.err) == (0, "Successfully exported data.\n")
    assert (repo / "export.sql").read_text() == EXPECTED


def test_sql_export_writes_mysql_literals(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table t (pk bigint primary key, d date, tm time, y year, dt datetime, b bool, "
          "s varchar(20), bl blob); insert into t values (1, '2020-04-08', '11:11:11', 2020, "
          "'2020-04-08 11:11:11', true, 'it''s \\\\ ok', X'717765')")
    dl.ok("table", "export", "t", "t.sql")
    assert (repo / "t.sql").read_text().splitlines()[-1] == (
        "INSERT INTO `t` (`pk`,`d`,`tm`,`y`,`dt`,`b`,`s`,`bl`) VALUES (1,'2020-04-08',"
        "'11:11:11.000000','2020','2020-04-08 11:11:11',1,'it\\'s \\\\ ok',0x717765);")


def test_a_replayed_dump_makes_the_same_table(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table two (c int primary key, d int); "
          "create table s (a varchar(10) primary key, b char(10), c text, d blob, "
          "e set('one','two','three''s'), f enum('x','y'), g json, h int, CHECK (a <> 'zz'), "
          "FOREIGN KEY (h) REFERENCES two (c)); "
          "insert into two values (1, 1); "
          "insert into s values ('abc', '123', 'do re me', 'qwe', 'one,three''s', 'x', "
          "'[{\"a\": \"it''s\"}]', 1), ('def', NULL, '', NULL, '', NULL, NULL, NULL)")
    dl.ok("commit", "-Am", "tables")
    dl.ok("table", "export", "s", "s.sql")
    script = (repo / "s.sql").read_text()
    assert "CONSTRAINT `s_chk_1` CHECK (" in script
    assert "CONSTRAINT `s_ibfk_1` FOREIGN KEY (`h`) REFERENCES `two` (`c`)" in script
    dl.ok("sql", "--dialect", "mysql", "-f", "s.sql")
    assert dl.ok("status").endswith("nothing to commit, working tree clean\n")


def test_keyless_and_empty_tables_dump_and_replay(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table s (v varchar(6)); insert into s values ('value'), (NULL), ('value'); "
          "create table i (n integer)")
    dl.ok("commit", "-Am", "tables")
    for name in ("s", "i"):
        dl.ok("table", "export", name, f"{name}.sql")
        dl.ok("table", "rm", name)
        dl.ok("sql", "--dialect", "mysql", "-f", f"{name}.sql")
    assert dl.ok("status").endswith("nothing to commit, working tree clean\n")
    assert dl.query("select count(*) as n from s") == "n\n3\n"


def test_sql_batch_flag_is_accepted_as_dolt_accepts_it(repo: Path, dl: Dl) -> None:
    assert dl.ok("sql", "-b", "-q", "select 1 as x", "-r", "csv") == "x\n1\n"


def test_schema_export_is_the_dumps_create_table(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (pk bigint primary key, v varchar(5) not null)")
    assert dl.ok("schema", "export", "t") == (
        "CREATE TABLE `t` (\n  `pk` bigint NOT NULL,\n  `v` varchar(5) NOT NULL,\n  PRIMARY KEY (`pk`)\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;\n\n")
