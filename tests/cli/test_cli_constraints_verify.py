"""`dl table import --disable-fk-checks` and `dl constraints verify` (issue 11): rows that break
a foreign key land when checks are off, and `constraints verify` finds them (and broken CHECK
constraints) as Dolt's command does: "All constraints are not satisfied." and exit code 1."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl

COLORS = ("CREATE TABLE colors (id INT NOT NULL, color VARCHAR(32) NOT NULL, PRIMARY KEY (id), "
          "INDEX color_index(color)); CREATE TABLE objects (id INT NOT NULL, name VARCHAR(64) NOT NULL, "
          "color VARCHAR(32), PRIMARY KEY(id), FOREIGN KEY (color) REFERENCES colors(color)); "
          "INSERT INTO colors VALUES (1,'red'),(2,'green'); INSERT INTO objects VALUES (1,'truck','red')")
BAD = "id,name,color\n4,laptop,red\n6,bottle,gray\n"


def test_disable_fk_checks_lands_rows_and_verify_finds_them(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", COLORS)
    (repo / "bad.csv").write_text(BAD)
    assert "foreign key" in dl.fails("table", "import", "-u", "objects", "bad.csv").lower()
    assert dl.ok("table", "import", "-u", "objects", "bad.csv", "--disable-fk-checks") \
        .startswith("Rows Processed: 2, Additions: 2")
    assert dl.query("select * from objects where id = 6") == "id,name,color\n6,bottle,gray\n"
    done = dl("constraints", "verify", "objects")
    assert (done.code, done.err) == (1, "All constraints are not satisfied.\n")
    lines = done.out.splitlines()
    assert lines[1] == "dolt_constraint_violations_objects"
    assert lines[3].startswith("| violation_type | id | name   | color | violation_info")
    assert lines[5].startswith("| foreign key    | 6  | bottle | gray  | {") and len(lines) == 7
    assert dl("constraints", "verify", "colors").code == 0


def test_verify_looks_at_rows_changed_since_head_unless_all(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", COLORS)
    (repo / "bad.csv").write_text(BAD)
    dl.ok("table", "import", "-u", "objects", "bad.csv", "--disable-fk-checks")
    dl.ok("add", ".")
    dl.ok("commit", "-m", "with a dangling color")
    assert dl("constraints", "verify").code == 0  # committed rows are not looked at again
    assert dl("constraints", "verify", "--all").code == 1
    assert dl("constraints", "verify", "-a", "-o", "objects").code == 1


def test_verify_passes_a_kept_check_and_names_a_missing_table(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "create table p (id int primary key, age int check (age >= 18))")
    (repo / "p.csv").write_text("id,age\n1,20\n")
    dl.ok("table", "import", "-u", "p", "p.csv")
    assert dl("constraints", "verify", "p").code == 0
    assert dl.fails("constraints", "verify", "nope") == "table not found: nope"
