"""The root Typer app and the one place errors become messages and exit codes.

Commands live in `dl/commands/<group>.py`; each module exposes `register(app)`. Modules import
only typer and light parts of core at the top; pyarrow, duckdb and sqlglot are imported inside
the commands that need them, so `dl status`, `dl log` and `dl --help` start fast.

Errors: a `DlError` prints one line on stderr (`error: ...`) and exits with its code (1, or 2
for usage); anything else is a bug and shows a traceback only with `--debug`.
"""
from __future__ import annotations

import copy
import importlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import typer

try:  # typer >= 0.22 vendors click as typer._click; older typer depends on click itself
    from typer._click.exceptions import ClickException, MissingParameter, NoArgsIsHelpError
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException, MissingParameter, NoArgsIsHelpError

from dl import plain_params
from dl.core.errors import DlError
from dl.help_format import hide_flag_types
from dl.terminal_text import raw_bytes_stdout
from dl.version import installed_version

INTERRUPTED = 130  # exit code after Ctrl-C
COMMAND_MODULES = ("repo", "branch", "diff", "table", "sql", "sql_server", "merge", "constraints",
                   "maintenance", "remote")

app = typer.Typer(
    name="dl",
    help="Version control for tables: import, change with SQL, commit, diff, branch, merge.\n\n"
         "Example: dl init && dl table import -c --pk id people people.csv && dl commit -Am 'import'",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Rich help on a terminal; piped, the plain text of click's formatter (and no rich import).
    rich_markup_mode="rich" if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"dl version {installed_version()}")
        raise typer.Exit(0)


@dataclass
class AppState:
    """Options every command sees: where the repository is, whether to show tracebacks, whether
    long output may go through a pager."""

    data_dir: Path | None
    debug: bool
    no_pager: bool = False
    branch: str | None = None  # `--branch NAME`: run the command on NAME without checking it out
    database: str | None = None  # `--use-db DB[/BRANCH]`: the repository's name, checked when it opens
    after_dashes: tuple[str, ...] = ()  # the arguments after `--` (log: tables, even dropped ones)


@app.callback()
def _options(
    ctx: typer.Context,
    data_dir: Path = typer.Option(None, "--data-dir", "-C", help="Run as if started in this directory."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
    no_pager: bool = typer.Option(False, "--no-pager", help="Do not page long output (log, diff, show, blame)."),
    branch: str = typer.Option(None, "--branch", help="Run the command on this branch, as if it were checked "
                                                      "out, without moving HEAD."),
    use_db: str = typer.Option(None, "--use-db", help="DB[/BRANCH]: the repository (by its directory's "
                                                      "name) and optionally the branch to run on, as Dolt's."),
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print dl's version and exit."),
) -> None:
    database, _, db_branch = (use_db or "").partition("/")
    ctx.obj = AppState(data_dir, debug, no_pager, branch or db_branch or None, after_dashes=_after_dashes,
                       database=database or None)


# The module that registers each top-level command and group: a process runs one command, so
# it imports and registers that module only (importing all nine costs ~25 ms of every start).
# tests/cli/test_cli_app.py checks this against what the modules register.
MODULE_OF = {
    **dict.fromkeys(("version", "init", "status", "add", "commit", "log", "reset", "clean", "tag", "config"),
                    "repo"),
    "branch": "branch", "checkout": "branch", "diff": "diff", "show": "diff",
    "table": "table", "schema": "table", "index": "table", "ls": "table", "sql": "sql",
    "sql-server": "sql_server",
    **dict.fromkeys(("merge", "merge-base", "cherry-pick", "revert", "blame", "conflicts", "stash"), "merge"),
    "constraints": "constraints", "fsck": "maintenance", "gc": "maintenance",
    **dict.fromkeys(("remote", "clone", "fetch", "pull", "push"), "remote"),
}
_registered: list[str] = []  # the modules registered into `app`, in order
_after_dashes: tuple[str, ...] = ()


def _register_commands(command: str | None = None) -> None:
    """Adds the command groups to `app`: every module, or only the one that registers
    `command`. Each module once per process (tests call `main` many times); going from some
    to all registers them all again in their usual order, so help lists them as always."""
    module = MODULE_OF.get(command) if command is not None else None
    wanted = [module] if module is not None else list(COMMAND_MODULES)
    if all(name in _registered for name in wanted):
        return
    if module is None and _registered:
        app.registered_commands.clear()
        app.registered_groups.clear()
        _registered.clear()
    hide_flag_types()
    for name in wanted:
        _registered.append(name)
        try:
            imported = importlib.import_module(f"dl.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"dl.commands.{name}":
                continue
            raise
        imported.register(app)


def main(argv: list[str] | None = None) -> None:
    """Runs dl; maps errors to one line on stderr and an exit code."""
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv or bool(os.environ.get("DL_DEBUG"))
    raw_bytes_stdout()
    _arm_faults(os.environ.get("DL_FAULT"))
    plain_params.install()
    argv = _command_names_any_case(argv)
    global _after_dashes
    _after_dashes = tuple(argv[argv.index("--") + 1:]) if "--" in argv else ()
    try:
        # plain (piped) help wraps to the terminal's width too, not click's default 80 columns
        code = _app_for(argv)(args=argv, prog_name="dl", standalone_mode=False,
                              max_content_width=shutil.get_terminal_size().columns)
    except DlError as exc:
        _fail(str(exc), exc.exit_code, all_lines=exc.multiline)
    except typer.Abort:
        _fail("aborted", 130)
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ClickException as exc:
        _fail(exc.format_message() + _usage_of(exc), exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # Ctrl-C: DuckDB was told to stop (sql/interrupt.py); exit as shells expect
        _interrupted()
    except RecursionError:  # a safety net: sql/ turns deep statements into one line itself
        _fail("input nested too deeply for dl to parse: flatten it", 1)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)
    except Exception as exc:  # a bug: say so, briefly, unless debugging
        if debug:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)", 1)
    if code == INTERRUPTED:  # typer turns a KeyboardInterrupt into a silent exit 130: say why
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


def _invoked(argv: list[str]) -> str | None:
    """The command `argv` runs, or None where the whole app answers: help before the command
    (`dl --help`, `dl -h sql`), `--version`, no command, or a name dl does not know (its error
    lists the commands and suggests one)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] in ("-h", "--help", "--version"):
            return None
        i += 2 if argv[i] in _VALUED_OPTIONS else 1
    return argv[i] if i < len(argv) and argv[i] in MODULE_OF else None


def _app_for(argv: list[str]) -> typer.Typer:
    """`app` with only the command that `argv` runs: typer builds a click object for every
    command it holds, inspecting each signature and its type hints (~10 ms for 46 commands),
    and a run needs one."""
    name = _invoked(argv)
    commands = [c for c in app.registered_commands if _name_of(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if name is None or not commands and not groups:
        return app
    narrow = copy.copy(app)
    narrow.registered_commands, narrow.registered_groups = commands, groups
    return narrow


def _name_of(command: typer.models.CommandInfo) -> str:
    return command.name or (command.callback.__name__ if command.callback else "")


def _usage_of(exc: ClickException) -> str:
    """` (usage: dl table rm [OPTIONS] TABLES...)` after a missing argument, on the same line."""
    ctx = getattr(exc, "ctx", None)
    if not isinstance(exc, MissingParameter) or ctx is None:
        return ""
    usage = ctx.get_usage().strip()
    return f" (usage: {usage.removeprefix('Usage:').strip()})" if usage else ""


_VALUED_OPTIONS = ("--data-dir", "-C", "--branch", "--use-db")  # global options that take a value


def _command_names_any_case(argv: list[str]) -> list[str]:
    """`dl SQL ...` runs `dl sql ...`: the command name (after the global options) is matched
    without regard to case, as Dolt's is; options and arguments keep their case."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _VALUED_OPTIONS else 1
    if i < len(argv) and argv[i] not in MODULE_OF and argv[i].lower() in MODULE_OF:
        argv = [*argv[:i], argv[i].lower(), *argv[i + 1:]]
    _register_commands(_invoked(argv))
    return _list_options(_single_dash_long_options(argv, i), i)


_LIST_OPTIONS = {"log": ("--not",)}  # options that take every value up to the next option (Dolt's lists)


def _list_options(argv: list[str], i: int) -> list[str]:
    """Dolt's list options take each argument up to the next option (`log A --not B C` leaves
    out B and C): in click's spelling, the option again before each value."""
    names = _LIST_OPTIONS.get(argv[i], ()) if i < len(argv) else ()
    if not names:
        return argv
    out, listing = argv[:i + 1], None
    for k, token in enumerate(argv[i + 1:]):
        if token == "--":
            return out + argv[i + 1 + k:]
        if token.startswith("-"):
            listing = token if token in names else None
        elif listing is not None and out[-1] != listing:
            out.append(listing)
        out.append(token)
    return out


def _single_dash_long_options(argv: list[str], i: int) -> list[str]:
    """Dolt also reads a long option with one dash (`commit -ALL`, `import -pk id`): such a
    token becomes `--name` when the command has that long option (clusters such as `-am`
    are left alone: `--am` is no option). Its parser also reads `-s=FILE` as `-s FILE`."""
    if i >= len(argv) or not any(len(a) > 2 and a[0] == "-" and a[1] != "-" for a in argv[i + 1:]):
        return argv
    declared = _option_names(argv[i:i + 2])
    out = argv[:i + 1]
    for k, token in enumerate(argv[i + 1:]):
        if token == "--":
            return out + argv[i + 1 + k:]
        out.extend(_dolt_spelling(token, declared))
    return out


def _dolt_spelling(token: str, declared: set[str]) -> list[str]:
    """One argument in click's spelling: `-pk` -> `--pk`, `-pk=id` -> `--pk=id`, `-s=F` -> `-s F`
    (each only when the command declares that option)."""
    if len(token) <= 2 or token[0] != "-" or token[1] == "-":
        return [token]
    name, equals, value = token.partition("=")
    if "-" + name in declared:
        return ["-" + token]
    if equals and name in declared:
        return [name, value]
    return [token]


def _option_names(words: list[str]) -> set[str]:
    """The option names (`--pk`, `-s`...) of the command `words` names (a command, or a group
    and its command)."""
    import inspect
    commands = {c.name or (c.callback.__name__ if c.callback else ""): c for c in app.registered_commands}
    groups = {g.name: g for g in app.registered_groups}
    found = commands.get(words[0])
    if found is None and words[0] in groups and len(words) > 1:
        inner = groups[words[0]].typer_instance
        found = next((c for c in (inner.registered_commands if inner else [])
                      if (c.name or (c.callback.__name__ if c.callback else "")) == words[1]), None)
    if found is None or found.callback is None:
        return set()
    decls: set[str] = set()
    for parameter in inspect.signature(found.callback).parameters.values():
        decls.update(d for d in getattr(parameter.default, "param_decls", None) or () if d.startswith("-"))
    return decls


def _arm_faults(spec: str | None) -> None:
    """`DL_FAULT=chunk=37` (for the crash tests only) aborts inside the store at that point;
    see core/store/faults.py."""
    if spec:
        from dl.core.store import faults
        try:
            faults.arm(spec)
        except ValueError as exc:
            _fail(f"DL_FAULT: {exc}", 2)


def _interrupted() -> None:
    """Ctrl-C: colour off, one line, exit 130 (128 + SIGINT, as shells report it)."""
    _reset_terminal()
    _fail("interrupted", INTERRUPTED)


def _reset_terminal() -> None:
    """Turns colour off on a terminal, so a Ctrl-C during coloured output leaves none behind."""
    try:
        if sys.stdout.isatty():
            sys.stdout.write("\x1b[0m")
            sys.stdout.flush()
    except (OSError, ValueError):
        pass


def _fail(message: str, code: int, *, all_lines: bool = False) -> None:
    from dl.terminal_text import printable
    lines = message.strip().splitlines() or ["failed"]
    print(f"error: {printable(lines[0])}", file=sys.stderr)
    for line in lines[1:] if all_lines else ():  # the lines after the first may indent with tabs
        print(printable(line, keep_tabs=True), file=sys.stderr)
    sys.exit(code)
