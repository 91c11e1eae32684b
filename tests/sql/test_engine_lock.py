"""The DuckDB lock (`sql.engine`): SQL reads only the repository's tables, never files, URLs or
extensions, and nothing in user text (or a stored view) can unlock it."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from dl.core.hashing import address_of
from dl.core.repo import Author, Repository
from dl.core.store.buffered import BufferedStore
from dl.core.tables.table import Table
from dl.core.versioning.root import RootValue
from dl.sql import engine, schema_file
from dl.sql.errors import SqlError
from dl.sql.session import Session
from dl.sql.views import SCHEMA, SCHEMAS_TABLE

from tests.sql.conftest import rows, value

ROOT = Path(__file__).resolve().parents[2]
FILE_QUERIES = [
    "select * from read_csv('{p}')",
    "select content from read_text('{p}')",
    "select content from read_blob('{p}')",
    "select * from read_parquet('{p}')",
    "select * from read_json('{p}')",
    "select * from glob('{d}/*')",
    "select * from sqlite_scan('{p}', 't')",
    "select * from read_csv('http://127.0.0.1:9/x.csv')",
    "select * from t where id in (select 1 from read_csv('{p}'))",
    "create table leak as select * from read_text('{p}')",
    "create view leak as select * from read_text('{p}')",
    "insert into t select 9, content from read_text('{p}')",
]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("id\nsecret-outside-the-repo\n")
    return path


@pytest.mark.parametrize("query", FILE_QUERIES)
def test_file_functions_are_refused_with_one_line(session: Session, secret: Path, query: str) -> None:
    session.run("create table t (id int primary key, v text); insert into t values (1, 'a')")
    with pytest.raises(SqlError) as failed:
        session.run(query.format(p=secret, d=secret.parent))
    message = str(failed.value)
    assert "dl table import" in message and "dl table export" in message
    assert "secret-outside" not in message and "\n" not in message
    assert rows(session, "select * from t") == [(1, "a")]  # nothing was written


def test_a_stored_view_cannot_read_files(repo: Repository, secret: Path) -> None:
    """A view written into dolt_schemas by someone else (e.g. in a cloned repository), not
    checked by CREATE VIEW here, still cannot read the user's files when queried."""
    fragment = f"CREATE VIEW \"leak\" AS select content from read_text('{secret}')"

    def plant(root: RootValue, buffer: BufferedStore) -> RootValue:
        table = Table.empty(buffer, SCHEMA).upsert(pa.table(
            {"type": ["view"], "name": ["leak"], "fragment": [fragment], "extra": ["{}"]}, schema=SCHEMA.arrow))
        data = table.value.encode()
        buffer.put_many({address_of(data): data})
        return root.with_table(SCHEMAS_TABLE, address_of(data))
    repo.update_working(plant)
    with Session(repo) as session:
        assert value(session, "select count(*) from dolt_schemas") == 1
        with pytest.raises(SqlError, match="dl table import"):
            session.run("select * from leak")


def test_configuration_is_locked_after_set_up() -> None:
    con = engine.connect(["SET integer_division = true"])
    try:
        assert con.sql("select 7 / 2").fetchall() == [(3,)]  # the caller's setting applied
        settings = dict(con.sql("select name, value from duckdb_settings()").fetchall())
        assert settings["enable_external_access"] == "false"
        assert settings["autoinstall_known_extensions"] == "false"
        assert settings["autoload_known_extensions"] == "false"
        assert settings["lock_configuration"] == "true"
        for unlock in ("SET enable_external_access = true", "RESET enable_external_access",
                       "SET lock_configuration = false", "SET autoload_known_extensions = true",
                       "SET integer_division = false"):
            with pytest.raises(Exception, match="locked"):
                con.execute(unlock)
        with pytest.raises(Exception, match="disabled"):
            con.execute("LOAD httpfs")
    finally:
        con.close()


def test_registered_arrow_sources_still_work() -> None:
    con = engine.connect()
    try:
        con.register("src", pa.table({"a": list(range(1000))}))
        assert con.sql("select sum(a) from src").fetchall() == [(499500,)]
    finally:
        con.close()


def test_python_variables_are_not_tables() -> None:
    hidden = pa.table({"s": ["hidden"]})  # noqa: F841 - DuckDB's replacement scan would find it
    con = engine.connect()
    try:
        with pytest.raises(Exception, match="hidden"):
            con.sql("select * from hidden").fetchall()
    finally:
        con.close()


def test_schema_file_defaults_run_locked() -> None:
    """The connection that evaluates DEFAULT constants of `--schema FILE` is locked too."""
    constants = schema_file._Constants()
    try:
        assert constants.con.sql("select current_setting('enable_external_access')").fetchall() == [(False,)]
    finally:
        constants.con.close()


def test_every_connection_comes_from_engine_connect() -> None:
    """No module but sql/engine.py calls duckdb.connect, so every connection is locked."""
    offenders = []
    for folder in ("dl", "sql", "core"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "sql" / "engine.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and node.attr == "connect" and \
                        isinstance(node.value, ast.Name) and node.value.id == "duckdb":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_cli_sql_writes_nothing_under_home(tmp_path: Path) -> None:
    """Network and extension functions neither download nor create $HOME/.duckdb."""
    Repository.init(tmp_path, author=Author("T", "t@x")).close()
    home = tmp_path / "home"
    home.mkdir()
    (home / "config_global.json").write_text(json.dumps({"user.name": "T", "user.email": "t@x"}))
    env = {"HOME": str(home), "DL_HOME": str(home), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    for query in ("select * from read_csv('http://127.0.0.1:9/x.csv')", "select * from sqlite_scan('x.db', 't')",
                  "select * from read_parquet('s3://bucket/x.parquet')"):
        done = subprocess.run([sys.executable, "-m", "dl", "sql", "-q", query], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("error: SQL in dl reads only the repository's tables"), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert not (home / ".duckdb").exists()
    assert list(home.iterdir()) == [home / "config_global.json"]


def test_spill_settings_go_in_before_the_lock(tmp_path: Path) -> None:
    """A memory limit and a spill directory (the settings a later change will want) work under
    the lock, and a caller's config cannot switch external access back on."""
    import numpy as np
    spill = tmp_path / "spill"
    con = engine.connect(config={"memory_limit": "64MB", "temp_directory": str(spill),
                                 "enable_external_access": True})
    try:
        assert con.sql("select current_setting('enable_external_access')").fetchall() == [(False,)]
        rng = np.random.default_rng(1)
        con.register("t", pa.table({"a": rng.random(4_000_000), "b": np.arange(4_000_000)}))
        assert con.sql("select count(*) from (select b, a from t order by a)").fetchall() == [(4_000_000,)]
        with pytest.raises(Exception, match="locked"):
            con.execute("SET memory_limit = '8GB'")
    finally:
        con.close()
