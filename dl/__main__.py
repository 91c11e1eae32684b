"""Entry point of the `dl` command.

A plain `dl sql -q "SELECT ..."` is answered before the CLI is built (`dl.fast_sql`: no typer,
sqlglot or pyarrow to import); everything else, and whatever the fast path declines, runs
through the CLI (`dl.app`).
"""
import os
import sys


def limit_native_threads() -> None:
    """One OpenBLAS thread, unless the user says otherwise. numpy's OpenBLAS starts a thread
    per core when numpy is imported, and they spin: ~100 ms of CPU per `dl` process that
    imports pyarrow (which imports numpy), taken from the cores that read CSV, build trees and
    compress. dl does no linear algebra; its threads are its own pool's (`core.workers`)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    limit_native_threads()
    from dl.fast_sql import answer
    if answer(sys.argv[1:]):
        sys.exit(0)
    from dl.app import main as app_main
    app_main()


if __name__ == "__main__":
    main()
