"""Entry point of the `dl` command.

A plain `dl sql -q "SELECT ..."` is answered before the CLI is built (`dl.fast_sql`: no typer,
sqlglot or pyarrow to import); everything else, and whatever the fast path declines, runs
through the CLI (`dl.app`).
"""
import sys


def main() -> None:
    from dl.fast_sql import answer
    if answer(sys.argv[1:]):
        sys.exit(0)
    from dl.app import main as app_main
    app_main()


if __name__ == "__main__":
    main()
