"""Two processes writing the same table through SQL at the same time: no update is lost.

A statement outside a transaction lands by compare-and-swap and re-runs on the fresh working
set when the other process got there first; a BEGIN..COMMIT whose working set moved fails with
a concurrent-update error and lands nothing. So the final counter equals the number of
increments that reported success, whatever the interleaving.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dl.core.repo import Author, Repository
from dl.sql.session import Session

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 40

WORKER = """
import sys
from pathlib import Path
from dl.core.errors import ConcurrentUpdate
from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.session import Session

directory, mode, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
repo = Repository.open(Path(directory))
session = Session(repo)
done = 0
for _ in range(rounds):
    if mode == "autocommit":
        session.run("update t set v = v + 1 where id = 1")
        done += 1
        continue
    try:
        session.run("begin; update t set v = v + 1 where id = 1; update t set w = w + 1 where id = 2; commit")
        done += 1
    except SqlError as exc:
        if not isinstance(exc.cause, ConcurrentUpdate):
            raise
print(done)
"""


def test_two_processes_never_overwrite_each_other(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path, author=Author("T", "t@x"))
    Session(repo).run("create table t (id int primary key, v int, w int); insert into t values (1, 0, 0), (2, 0, 0)")
    repo.close()
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), mode, str(ROUNDS)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for mode in ("autocommit", "autocommit", "transaction")]
    outputs = [w.communicate(timeout=300) for w in workers]
    for worker, (out, err) in zip(workers, outputs):
        assert worker.returncode == 0, err
    done = [int(out) for out, _ in outputs]
    assert done[0] == done[1] == ROUNDS  # autocommit statements retry until they land
    repo = Repository.open(tmp_path)
    got = Session(repo).query("select id, v, w from t order by id").to_pylist()
    assert got == [{"id": 1, "v": 2 * ROUNDS + done[2], "w": 0}, {"id": 2, "v": 0, "w": done[2]}]
    repo.close()
