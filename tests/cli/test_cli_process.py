"""The installed `dl` as a real process: the entry point, the working directory, -C, start-up
imports, and errors on stderr with exit codes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_helpers import FIXTURES, run_dl


def test_help_through_the_entry_point(tmp_path: Path, cli_env: Path) -> None:
    done = run_dl("--help", cwd=tmp_path, home=cli_env)
    assert done.returncode == 0 and done.stderr == ""
    assert "Usage: dl [OPTIONS] COMMAND [ARGS]..." in done.stdout
    assert "Example: dl init" in done.stdout
    for command in ("init", "status", "commit", "diff", "branch", "checkout", "table", "schema"):
        assert f" {command} " in done.stdout
    bare = run_dl(cwd=tmp_path, home=cli_env)  # no arguments: the help, as a usage error
    assert bare.returncode == 2 and "Usage: dl" in bare.stdout + bare.stderr


def test_daily_loop_from_a_subdirectory_and_with_C(tmp_path: Path, cli_env: Path) -> None:
    repo = tmp_path / "data"
    repo.mkdir()
    done = run_dl("init", cwd=repo, home=cli_env)
    assert done.returncode == 0, done.stderr
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    done = run_dl("table", "import", "-c", "--pk", "id", "people", FIXTURES / "people.csv",
                  cwd=deep, home=cli_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("Rows Processed: 20, Additions: 20, Modifications: 0, Had No Effect: 0\n"
                           "Import completed successfully.\n")
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    done = run_dl("commit", "-Am", "import people", cwd=deep, home=cli_env)
    assert done.returncode == 0 and done.stdout.startswith("commit "), done.stderr
    done = run_dl("-C", repo, "log", "--oneline", cwd=tmp_path, home=cli_env)
    assert [line[41:] for line in done.stdout.splitlines()] == \
        ["(HEAD -> main) import people", "Initialize data repository"]
    done = run_dl("--data-dir", deep, "status", cwd=tmp_path, home=cli_env)
    assert done.stdout == "On branch main\nnothing to commit, working tree clean\n"
    assert not (deep / ".dl").exists()


def test_outside_a_repository_is_one_line_and_exit_1(tmp_path: Path, cli_env: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_dl("status", cwd=empty, home=cli_env)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (f"error: repository not found: {empty}; "
                           "run `dl init` to create one, or use --data-dir\n")
    done = run_dl("-C", empty / "nowhere", "log", cwd=tmp_path, home=cli_env)
    assert done.returncode == 1 and done.stderr.startswith("error: repository not found: ")
    assert "Traceback" not in done.stderr


def test_bad_input_in_a_real_process(tmp_path: Path, cli_env: Path) -> None:
    run_dl("init", cwd=tmp_path, home=cli_env)
    ragged = FIXTURES / "bad" / "ragged.csv"
    done = run_dl("table", "import", "-c", "--pk", "id", "t", ragged, cwd=tmp_path, home=cli_env)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("error: An error occurred while moving data: A bad row was encountered "
                                  "inserting into table t (on line 5): CSV reader expected 4 values, but saw 3.")
    assert done.stderr.count("\n") == 1
    done = run_dl("commit", "--bogus", cwd=tmp_path, home=cli_env)
    assert done.returncode == 2 and done.stderr == "error: No such option: --bogus\n"
    done = run_dl("table", "ls", cwd=tmp_path, home=cli_env)
    assert done.stdout == "No tables in working set\n"


def test_sql_script_from_stdin_replays_a_diff(tmp_path: Path, cli_env: Path) -> None:
    """`dl diff -r sql | dl sql` in two processes, as a shell pipeline would run it."""
    def dl(*args: str | Path, stdin: str | None = None) -> str:
        done = run_dl(*args, cwd=tmp_path, home=cli_env, stdin=stdin)
        assert done.returncode == 0, done.stderr
        return done.stdout
    dl("init")
    dl("table", "import", "-c", "--pk", "id", "people", FIXTURES / "people.csv")
    dl("commit", "-Am", "one")
    dl("table", "import", "-u", "people", FIXTURES / "people_changes.parquet")
    script = dl("diff", "-r", "sql")
    dl("commit", "-am", "two")
    dl("checkout", "-b", "replay", "HEAD~1")
    dl("sql", "--dialect", "mysql", stdin=script)  # Dolt's MySQL statements
    assert dl("diff", "main", "WORKING") == ""


def test_status_and_help_do_not_import_the_heavy_libraries(tmp_path: Path, cli_env: Path) -> None:
    """`dl --help`, `status`, `log` and `branch` start fast: pyarrow, duckdb, sqlglot and numpy
    load lazily, pydantic (typer's conversion) only for a parameter that needs it
    (dl.plain_params), rich only to render on a terminal; nor the remotes' transport
    (dl.core.remotes.sync), tempfile or random, which only writes and syncs need."""
    run_dl("init", cwd=tmp_path, home=cli_env)
    probe = ("import sys; from dl.app import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "heavy = sorted(m for m in ('pyarrow', 'duckdb', 'sqlglot', 'numpy', 'pydantic', 'rich',\n"
             "                            'dl.core.remotes.sync', 'tempfile', 'random')\n"
             "               if m in sys.modules)\n"
             "print('HEAVY', heavy, file=sys.stderr)\n")
    for args in (["--help"], ["status"], ["log"], ["log", "-n", "1"], ["branch"], ["branch", "-a"]):
        env = {"DL_HOME": str(cli_env), "PATH": "/usr/bin:/bin", "COLUMNS": "120", "NO_COLOR": "1"}
        done = subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert "HEAVY []" in done.stderr, (args, done.stderr)


def test_import_commit_and_point_statements_do_not_import_pandas(tmp_path: Path, cli_env: Path) -> None:
    """pyarrow imports pandas, when it is installed, on the first `pa.array` or `pa.scalar`
    of Python values (~0.3 s of CPU, more than reading a 1M-row CSV): `dl table import` of a
    CSV with integer, float, text and empty cells, `add`, `commit`, and point statements by
    key never get there."""
    run_dl("init", cwd=tmp_path, home=cli_env)
    csv = tmp_path / "t.csv"
    csv.write_text("id,a,b,c,d\n1,5,x,1.5,\n2,,y,NA,when\n3,7,,2.5,09:30:00\n")
    probe = ("import sys; from dl.app import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit as done:\n    print('EXIT', done.code, file=sys.stderr)\n"
             "print('PANDAS', 'pandas' in sys.modules, file=sys.stderr)\n")
    env = {"DL_HOME": str(cli_env), "PATH": "/usr/bin:/bin", "COLUMNS": "120", "NO_COLOR": "1"}
    for args in (["table", "import", "-c", "--pk", "id", "t", str(csv)], ["add", "."], ["commit", "-m", "t"]):
        done = subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert "EXIT 0" in done.stderr or "EXIT None" in done.stderr, (args, done.stderr)
        assert "PANDAS False" in done.stderr, (args, done.stderr)
    for statement in ("select * from t where id = 2", "update t set a = a + 1, b = 'z' where id = 1",
                      "delete from t where id = 3"):  # point statements, by key
        done = subprocess.run([sys.executable, "-c", probe, "sql", "-q", statement], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert "EXIT 0" in done.stderr or "EXIT None" in done.stderr, (statement, done.stderr)
        assert "PANDAS False" in done.stderr, (statement, done.stderr)
    out = run_dl("sql", "-q", "select * from t order by id", "-r", "csv", cwd=tmp_path, home=cli_env)
    assert out.stdout == "id,a,b,c,d\n1,6,z,1.5,\n2,,y,,when\n"


def test_the_entry_point_keeps_numpy_from_starting_spinning_blas_threads(tmp_path: Path, cli_env: Path) -> None:
    """numpy's OpenBLAS starts a spinning thread per core on import (~100 ms of CPU a process,
    taken from the import's own threads); `dl` asks for one, and a user's own setting wins."""
    probe = ("import os, sys\n"
             "import dl.__main__ as entry\n"
             "entry.limit_native_threads()\n"
             "before = len(os.listdir('/proc/self/task'))\n"
             "import numpy\n"
             "print('NEW THREADS', len(os.listdir('/proc/self/task')) - before, os.environ['OPENBLAS_NUM_THREADS'])\n")
    env = {"DL_HOME": str(cli_env), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert "NEW THREADS 0 1" in done.stdout, done.stdout + done.stderr
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={**env, "OPENBLAS_NUM_THREADS": "3"},
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split()[-1] == "3"
    run_dl("init", cwd=tmp_path, home=cli_env)
    through_main = ("import atexit, os, sys\n"
                    "atexit.register(lambda: print('BLAS', os.environ.get('OPENBLAS_NUM_THREADS'), file=sys.stderr))\n"
                    "from dl.__main__ import main\n"
                    "sys.argv = ['dl', 'table', 'import', '-c', '--pk', 'id', 'people', sys.argv[1]]\n"
                    "main()\n")
    done = subprocess.run([sys.executable, "-c", through_main, str(FIXTURES / "people.csv")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "BLAS 1" in done.stderr, done.stderr
