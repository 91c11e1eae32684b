"""Long statements run off the event loop (`DlSession._off_loop`): while one connection runs a
slow query, the others are served; a client leaving mid-query, or the server stopping, ends
the query without harm to the rest."""
from __future__ import annotations

import signal
import threading
import time

from tests.server.conftest import Server

ROWS = 60_000
SLOW = "select count(*) from big a, big b where a.v + a.id <> b.v * 3 + b.id"  # 3.6e9 pairs: seconds


def with_big_table(server: Server) -> None:
    with server.connect() as c, c.cursor() as cur:
        cur.execute(f"create table big (id int primary key, v int); "
                    f"insert into big select i, i % 7 from range({ROWS}) t(i)")


def test_a_slow_query_does_not_hold_up_other_connections(server: Server) -> None:
    with_big_table(server)
    slow: dict[str, float] = {}

    def run_slow() -> None:
        with server.connect() as c, c.cursor() as cur:
            start = time.monotonic()
            cur.execute(SLOW)
            slow["rows"] = cur.fetchone()[0]
            slow["start"], slow["end"] = start, time.monotonic()

    thread = threading.Thread(target=run_slow)
    with server.connect() as other, other.cursor() as cur:
        cur.execute("select name from t where id = 1")  # connected and warm before the slow query starts
        thread.start()
        time.sleep(0.3)
        answered, latencies = [], []
        for key in (1, 2, 1, 2, 1):
            asked = time.monotonic()
            cur.execute("select name from t where id = %s", (key,))
            answered.append(cur.fetchone()[0])
            latencies.append(time.monotonic() - asked)
            cur.execute("select count(*) from big where id between 10 and 19")  # a range, on the general path
            assert cur.fetchone()[0] == 10
        done = time.monotonic()
    thread.join()
    assert slow["rows"] > ROWS * ROWS // 2  # it ran to the end, with an answer
    assert slow["end"] - slow["start"] > 1.0, "the slow query was not slow: the test shows nothing"
    assert answered == ["one", None, "one", None, "one"]
    assert done < slow["end"], (latencies, slow)  # all answered while the slow query still ran
    assert max(latencies) < (slow["end"] - slow["start"]) / 2


def test_a_client_leaving_mid_query_costs_only_its_connection(server: Server) -> None:
    with_big_table(server)
    leaving = server.connect(read_timeout=1)

    def run_and_leave() -> None:
        try:
            with leaving.cursor() as cur:
                cur.execute(SLOW)  # the client gives up after 1 s: its socket closes
        except Exception:  # noqa: BLE001 - pymysql's timeout error
            pass
        leaving.close()

    thread = threading.Thread(target=run_and_leave)
    thread.start()
    thread.join()
    with server.connect() as c, c.cursor() as cur:
        cur.execute("select name from t where id = 1")
        assert cur.fetchone()[0] == "one"
        cur.execute("update counter set n = n + 1 where id = 1")
        cur.execute("select n from counter where id = 1")
        assert cur.fetchone()[0] == 1
    assert server.process.poll() is None


def test_sigterm_during_a_slow_query_stops_the_server_promptly(server: Server) -> None:
    with_big_table(server)

    def run_slow() -> None:
        try:
            with server.connect() as c, c.cursor() as cur:
                cur.execute(SLOW)
        except Exception:  # noqa: BLE001 - the server went away mid-query, as asked
            pass

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    asked = time.monotonic()
    assert server.stop(signal.SIGTERM) == 0
    assert time.monotonic() - asked < 10  # the running query was interrupted, not waited out
    thread.join()
    assert "stopped" in server.output()
