"""`dl constraints verify`: Dolt's command to check the working set's rows against their
tables' CHECK and FOREIGN KEY constraints (after `--disable-fk-checks` or
FOREIGN_KEY_CHECKS=0). The finding is `core.versioning.verify`; this draws it as Dolt does:
"All constraints are not satisfied." on stderr, then per table its name and a box of the
violating rows, and exit code 1."""
from __future__ import annotations

import typer

from dl.context import open_repo
from dl.terminal_text import printable, printable_table

constraints_app = typer.Typer(help="Check tables' constraints.\n\nExample: dl constraints verify --all",
                              no_args_is_help=True)


@constraints_app.command("verify")
def verify(ctx: typer.Context,
           tables: list[str] = typer.Argument(None, help="Tables to verify (default: every table)."),
           all_rows: bool = typer.Option(False, "--all", "-a",
                                         help="Verify every row, not only those changed since HEAD."),
           output_only: bool = typer.Option(False, "--output-only", "-o",
                                            help="Only print the violations (dl never records them "
                                                 "outside a merge).")) -> None:
    """Verify that the working set's rows satisfy their tables' constraints; exit code 1 and
    the violating rows if not. Unlike Dolt, the violations are printed, not recorded in
    dolt_constraint_violations_<table>.

    Example: dl constraints verify --all orders
    """
    from dl.core.versioning.verify import verify_constraints, violation_rows
    from dl.sql import check_eval
    from dl.sql.formats import to_box
    check_eval.install()  # CHECK expressions are evaluated by the SQL layer
    found = verify_constraints(open_repo(ctx, readonly=True), tables or None, all_rows=all_rows)
    if not found:
        return
    typer.echo("All constraints are not satisfied.", err=True)
    for table, violations in found.items():
        typer.echo(f"\ndolt_constraint_violations_{printable(table)}")
        typer.echo(to_box(printable_table(violation_rows(violations))), nl=False)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(constraints_app, name="constraints")
