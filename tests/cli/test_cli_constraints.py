"""Constraints at the command line, as a Dolt user meets them: a merge that breaks a foreign
key, CHECK or UNIQUE index records Dolt's constraint violations (a UNIQUE collision: every
row of the colliding group), blocks the commit until their rows are deleted, and `dl status`
lists them; cherry-pick the same; imports refuse violations with one line and write nothing;
`dl schema show` prints declared MySQL types and constraints back, and that text runs again."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl

PARENT_CHILD = ("CREATE TABLE parent (pk BIGINT PRIMARY KEY, v1 BIGINT, INDEX(v1));"
                "CREATE TABLE child (pk BIGINT PRIMARY KEY, v1 BIGINT, "
                "CONSTRAINT fk_name FOREIGN KEY (v1) REFERENCES parent (v1));"
                "INSERT INTO parent VALUES (10, 1), (20, 2); INSERT INTO child VALUES (1, 1);")

FK_INFO = ('"{""Index"": ""fk_name"", ""Table"": ""child"", ""Columns"": [""v1""], ""OnDelete"": '
           '""RESTRICT"", ""OnUpdate"": ""RESTRICT"", ""ForeignKey"": ""fk_name"", ""ReferencedIndex"": '
           '""v1"", ""ReferencedTable"": ""parent"", ""ReferencedColumns"": [""v1""]}"')


def _diverge(dl: Dl) -> None:
    """Dolt's "main parent remove, other child add, restrict" history."""
    dl.ok("sql", "-q", PARENT_CHILD)
    dl.ok("commit", "-Am", "MC1")
    dl.ok("branch", "other")
    dl.ok("sql", "-q", "DELETE FROM parent WHERE pk = 20")
    dl.ok("commit", "-am", "MC2")
    dl.ok("checkout", "other")
    dl.ok("sql", "-q", "INSERT INTO child VALUES (2, 2)")
    dl.ok("commit", "-am", "OC1")
    dl.ok("checkout", "main")


def test_merge_records_violations_blocks_commit_until_resolved(repo: Path, dl: Dl) -> None:
    _diverge(dl)
    result = dl("merge", "other")
    assert result.code == 1
    assert "CONSTRAINT VIOLATION (content): Merge created constraint violation in child" in result.out
    assert "Fix constraint violations" in result.out
    assert dl.query("SELECT * FROM dolt_constraint_violations").splitlines() == ["table,num_violations", "child,1"]
    assert dl.query("SELECT * FROM dolt_constraint_violations_parent").splitlines() == [
        "from_root_ish,violation_type,pk,v1,violation_info"]
    lines = dl.query("SELECT violation_type, pk, v1, violation_info FROM dolt_constraint_violations_child").splitlines()
    assert lines == ["violation_type,pk,v1,violation_info", "foreign key,2,2," + FK_INFO]
    assert dl.query("SELECT * FROM child ORDER BY pk").splitlines() == ["pk,v1", "1,1", "2,2"]  # merged as is
    status = dl.ok("status")
    assert "fix constraint violations" in status and "child" in status
    assert "constraint violation" in dl.fails("commit", "-am", "this should fail")
    dl.ok("sql", "-q", "DELETE FROM dolt_constraint_violations_child WHERE pk = 2")
    assert "constraint violations fixed" in dl.ok("status")
    dl.ok("commit", "-am", "this works")
    assert len(dl.ok("log", "--oneline").splitlines()) == 5  # the merge commit on top


def test_check_violations_from_a_merge(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (id int primary key, a int, b int, constraint a_lt_b check (a < b));"
                       "insert into t values (1, 1, 5)")
    dl.ok("commit", "-Am", "base")
    dl.ok("branch", "other")
    dl.ok("sql", "-q", "update t set a = 4 where id = 1")
    dl.ok("commit", "-am", "a=4")
    dl.ok("checkout", "other")
    dl.ok("sql", "-q", "update t set b = 2 where id = 1")
    dl.ok("commit", "-am", "b=2")
    dl.ok("checkout", "main")
    assert dl("merge", "other").code == 1  # each side keeps the check; the cell merge breaks it
    assert dl.query("SELECT violation_type, id, a, b FROM dolt_constraint_violations_t").splitlines() == [
        "violation_type,id,a,b", "check constraint,1,4,2"]
    dl.ok("sql", "-q", "update t set b = 9; delete from dolt_constraint_violations_t")
    dl.ok("commit", "-am", "fixed")


def test_cherry_pick_records_violations(repo: Path, dl: Dl) -> None:
    _diverge(dl)
    head = dl.ok("log", "--oneline", "other").splitlines()[0].split()[0]
    assert dl("cherry-pick", head).code == 1
    assert "child,1" in dl.query("SELECT * FROM dolt_constraint_violations")


def test_merge_abort_drops_the_violations(repo: Path, dl: Dl) -> None:
    _diverge(dl)
    dl("merge", "other")
    dl.ok("merge", "--abort")
    assert dl.query("SELECT * FROM dolt_constraint_violations").splitlines() == ["table,num_violations"]
    assert dl.query("SELECT count(*) AS n FROM child").splitlines()[1] == "1"


def test_imports_refuse_violations_and_write_nothing(repo: Path, dl: Dl, tmp_path: Path) -> None:
    dl.ok("sql", "-q", "create table p (id int primary key); insert into p values (1);"
                       "create table c (id int primary key, pid int references p (id), n int check (n > 0), "
                       "e enum('a','b'))")
    before = dl.table_hash("c")
    for body, message in [("id,pid,n,e\n1,1,1,a\n2,9,1,a\n", "cannot add or update a child row - Foreign key"),
                          ("id,pid,n,e\n1,1,-1,a\n", "Check constraint 'c_chk_1' is violated"),
                          ("id,pid,n,e\n1,1,1,zz\n", "Data truncated for column 'e' at row 1")]:
        path = tmp_path / "rows.csv"
        path.write_text(body)
        assert message in dl.fails("table", "import", "-u", "c", path)
        assert dl.table_hash("c") == before
    (tmp_path / "ok.csv").write_text("id,pid,n,e\n1,1,1,A\n")
    dl.ok("table", "import", "-u", "c", tmp_path / "ok.csv")
    (tmp_path / "p.csv").write_text("id\n2\n")
    # replacing a referenced table is refused before any row, as its TRUNCATE is (Dolt's words)
    assert dl.fails("table", "import", "-r", "p", tmp_path / "p.csv") == \
        "cannot truncate table p as it is referenced in foreign key c_ibfk_1 on table c"
    assert dl.query("select * from p") == "id\n1\n"


def test_schema_show_prints_mysql_types_and_constraints_that_run_again(repo: Path, dl: Dl, tmp_path: Path) -> None:
    dl.ok("sql", "-q", "create table p (id int primary key);"
                       "create table c (id int primary key auto_increment, pid int, e enum('a','b'), s set('x','y'), "
                       "y year, v varchar(3), j json, constraint fk foreign key (pid) references p (id) "
                       "on delete cascade, check (y > 2000))")
    shown = dl.ok("schema", "show", "c")
    for text in ["`id` int NOT NULL AUTO_INCREMENT", "`e` enum('a','b')", "`s` set('x','y')", "`y` year",
                 "`v` varchar(3)", "`j` json",
                 "CONSTRAINT `fk` FOREIGN KEY (`pid`) REFERENCES `p` (`id`) ON DELETE CASCADE",
                 "CONSTRAINT `c_chk_1` CHECK ((`y` > 2000))"]:
        assert text in shown, shown
    script = tmp_path / "c.sql"
    script.write_text("\n".join(shown.splitlines()[1:]).replace("`c`", "`c2`").replace("`fk`", "`fk2`")
                      .replace("`c_chk_1`", "`c2_chk_1`"))
    dl.ok("sql", "--dialect", "mysql", "-f", script)  # MySQL's text, as Dolt's
    again = dl.ok("schema", "show", "c2")
    assert again.replace("`c2`", "`c`").replace("`fk2`", "`fk`").replace("c2_chk_1", "c_chk_1") \
        .replace("c2 @", "c @") == shown


def test_import_runs_the_childrens_referential_actions(repo: Path, dl: Dl, tmp_path: Path) -> None:
    """Dolt's foreign-keys.bats "dolt table import": an update import moves children along."""
    dl.ok("sql", "-q", "create table parent (id int primary key, v1 int, v2 int, index v1 (v1));"
                       "create table child (id int primary key, v1 int, v2 int);"
                       "alter table child add constraint fk1 foreign key (v1) references parent (v1) "
                       "on delete cascade on update cascade;"
                       "insert into parent values (1, 1, 1), (2, 2, 2); insert into child values (1, 1, 1), (2, 2, 2)")
    (tmp_path / "update_parent.csv").write_text("id,v1,v2\n1,3,3\n2,4,4\n")
    assert "Modifications: 2" in dl.ok("table", "import", "-u", "parent", tmp_path / "update_parent.csv")
    assert dl.query("select * from child order by id").splitlines() == ["id,v1,v2", "1,3,1", "2,4,2"]
    assert "table not found" in dl.fails("sql", "-q", "alter table child add constraint f2 foreign key (v1) "
                                                      "references father (v1)")
    assert "does not have column" in dl.fails("sql", "-q", "alter table child add constraint f2 foreign key "
                                                           "(random) references parent (v1)")


UNIQUE_INFO = '"{""Name"": ""aColumn_UNIQUE"", ""Columns"": [""aColumn""]}"'


def _diverge_unique(dl: Dl) -> None:
    """Dolt's unique-index violation history: both branches insert aColumn = 1 under other keys."""
    dl.ok("sql", "-q", "CREATE TABLE aTable (aColumn INT, bColumn INT PRIMARY KEY, "
                       "UNIQUE KEY aColumn_UNIQUE (aColumn)); INSERT INTO aTable VALUES (0, 0)")
    dl.ok("commit", "-Am", "base")
    dl.ok("branch", "other")
    dl.ok("sql", "-q", "INSERT INTO aTable VALUES (1, 2), (NULL, 4)")
    dl.ok("commit", "-am", "main adds aColumn 1")
    dl.ok("checkout", "other")
    dl.ok("sql", "-q", "INSERT INTO aTable VALUES (1, 3), (NULL, 5)")
    dl.ok("commit", "-am", "other adds aColumn 1")
    dl.ok("checkout", "main")


def test_merge_records_unique_index_violations_for_every_row_of_the_group(repo: Path, dl: Dl) -> None:
    _diverge_unique(dl)
    result = dl("merge", "other")
    assert result.code == 1
    assert "CONSTRAINT VIOLATION (content): Merge created constraint violation in aTable" in result.out
    assert dl.query("SELECT * FROM dolt_constraint_violations").splitlines() == ["table,num_violations", "aTable,2"]
    lines = dl.query("SELECT violation_type, aColumn, bColumn, violation_info FROM dolt_constraint_violations_aTable "
                     "ORDER BY bColumn").splitlines()
    assert lines == ["violation_type,aColumn,bColumn,violation_info",
                     "unique index,1,2," + UNIQUE_INFO, "unique index,1,3," + UNIQUE_INFO]  # NULLs never collide
    assert dl.query("SELECT count(*) AS n FROM aTable").splitlines()[1] == "5"  # merged as is
    assert "constraint violation" in dl.fails("commit", "-am", "this should fail")
    dl.ok("sql", "-q", "UPDATE aTable SET aColumn = 2 WHERE bColumn = 3")
    assert "duplicate unique key given" in dl.fails("sql", "-q", "UPDATE aTable SET aColumn = 0 WHERE bColumn = 3")
    dl.ok("sql", "-q", "DELETE FROM dolt_constraint_violations_aTable")
    dl.ok("commit", "-am", "fixed")
    assert dl.query("SELECT bColumn FROM aTable WHERE aColumn = 2").splitlines()[1:] == ["3"]


def test_cherry_pick_records_unique_index_violations(repo: Path, dl: Dl) -> None:
    _diverge_unique(dl)
    head = dl.ok("log", "--oneline", "other").splitlines()[0].split()[0]
    assert dl("cherry-pick", head).code == 1
    assert dl.query("SELECT violation_type, bColumn FROM dolt_constraint_violations_aTable ORDER BY bColumn"
                    ).splitlines() == ["violation_type,bColumn", "unique index,2", "unique index,3"]
    assert "constraint violation" in dl.fails("commit", "-am", "this should fail")
    dl.ok("sql", "-q", "DELETE FROM aTable WHERE bColumn = 3; DELETE FROM dolt_constraint_violations_aTable")
    dl.ok("commit", "-am", "picked without the duplicate")


def test_merge_abort_drops_unique_index_violations(repo: Path, dl: Dl) -> None:
    _diverge_unique(dl)
    dl("merge", "other")
    dl.ok("merge", "--abort")
    assert dl.query("SELECT * FROM dolt_constraint_violations").splitlines() == ["table,num_violations"]
    assert dl.query("SELECT bColumn FROM aTable ORDER BY bColumn").splitlines()[1:] == ["0", "2", "4"]
    assert dl.ok("status").count("nothing to commit") == 1
