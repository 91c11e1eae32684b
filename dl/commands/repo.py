"""The daily loop: init, status, add, commit, log, reset, tag, config.

Each command is a thin layer over the Python API (`dl.api.Repo`): parse arguments, call one
method, print what happened the way git and Dolt print it (`log` and `tag -v` render commits
and tags from the plumbing, `repo.core`). Nothing here imports pyarrow, duckdb or
sqlglot at module level, so `dl status` and `dl log` start fast.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from dl.api.repo import parse_author, parse_date
from dl.context import (commit_line_colour, global_config_path, open_api, open_repo, start_dir,
                        use_colour)
from dl.core.errors import DlError, NotFound, UsageError
from dl.core.versioning.commit import check_empty_flags
from dl.identity_env import author_date_from_environment, environment_person, environment_value
from dl.terminal_text import printable


def init(ctx: typer.Context,
         name: str = typer.Option(None, "--name", help="user.name to record in this repository."),
         email: str = typer.Option(None, "--email", help="user.email to record in this repository."),
         branch: str = typer.Option(None, "-b", "--initial-branch", help="Name of the first branch (main).")) -> None:
    """Create an empty repository (.dl/) in the current directory.

    Example: mkdir data && cd data && dl init
    """
    import dl.api
    from dl.core.repo import DL_DIR
    directory = start_dir(ctx)
    if not directory.is_dir():
        raise NotFound("directory", str(directory))
    with dl.api.init(directory, branch=branch, name=name, email=email) as repo:
        first = repo.active_branch()
    typer.echo(f"Successfully initialized dl data repository in {directory / DL_DIR} (branch {first})")


def status(ctx: typer.Context,
           ignored: bool = typer.Option(False, "--ignored", help="Also list new tables that dolt_ignore ignores.")) -> None:
    """Show the branch, and tables staged, changed and untracked.

    Example: dl status
    """
    from dl.core.remotes.tracking import tracking_of
    from dl.render import status_text
    repo = open_api(ctx, readonly=True)
    state = repo.status()
    typer.echo(status_text(state, tracking_of(repo.core, state.branch), show_ignored=ignored), nl=False)


def add(ctx: typer.Context,
        tables: list[str] = typer.Argument(None, help="Tables to stage, or . for every changed table."),
        all_tables: bool = typer.Option(False, "-A", "--all", help="Stage every changed table (as `dl add .`)."),
        force: bool = typer.Option(False, "-f", "--force", help="Stage tables that dolt_ignore ignores too.")) -> None:
    """Stage tables for the next commit; tables matched by dolt_ignore are skipped unless --force.

    Example: dl add people   (or: dl add .)
    """
    tables = list(tables or [])
    if not tables and not all_tables:
        raise UsageError("give the tables to stage, or . (or -A) for every changed table")
    repo = open_api(ctx)
    staged = repo.add(*([] if all_tables else tables), force=force)
    if not staged and "." not in tables and not all_tables:
        typer.echo("nothing to add", err=True)


def commit(ctx: typer.Context,
           message: str = typer.Option(None, "-m", "--message", help="The commit message."),
           all_tables: bool = typer.Option(False, "-a", "--all", help="Stage changed tables first (not new ones)."),
           everything: bool = typer.Option(False, "-A", "--ALL", help="Stage every change first, new tables too "
                                                                      "(not those dolt_ignore ignores)."),
           allow_empty: bool = typer.Option(False, "--allow-empty", help="Commit even if nothing changed."),
           skip_empty: bool = typer.Option(False, "--skip-empty", help="Do nothing (and say so) if nothing is staged."),
           force: bool = typer.Option(False, "-f", "--force",
                                      help="Commit despite a merge's unresolved conflicts or constraint violations."),
           amend: bool = typer.Option(False, "--amend", help="Replace the last commit."),
           author: str = typer.Option(None, "--author", help='Author as "Name <email>".'),
           date: str = typer.Option(None, "--date", help="Commit time (ISO 8601); default $DL_AUTHOR_DATE or "
                                                          "$DOLT_AUTHOR_DATE, else now.")) -> None:
    """Record the staged tables as a new commit on the current branch.

    Example: dl commit -am "fix prices"
    """
    check_empty_flags(allow_empty, skip_empty)
    repo = open_api(ctx)
    if message is None and amend:
        message = repo.core.load_commit(repo.core.resolve_commit("HEAD")).message
    if skip_empty and not _has_staged_changes(repo, all_tables or everything):
        typer.echo("Skipping empty commit")
        return
    if message is None:
        from dl.editor import commit_template, editor_command, message_from_editor
        editor = editor_command()
        if editor is None:
            raise UsageError('give a commit message with -m "..." (or set EDITOR)')
        message = message_from_editor(editor, commit_template(repo.status().branch))
    session_author = environment_person(repo.core.config, "AUTHOR")
    committer = environment_person(repo.core.config, "COMMITTER")
    who = parse_author(author, "--author") if author else session_author
    if author:
        from dl.sql.identity import committer_with_author_flag
        committer = committer_with_author_flag(session_author, committer, who)
    date, label = (date, "--date") if date else author_date_from_environment()
    when = parse_date(date, label) if date else None
    committed, committed_label = environment_value("COMMITTER_DATE")
    address = repo.commit(message, all=all_tables, include_new=everything, allow_empty=allow_empty,
                          amend=amend, author=(who.name, who.email) if who else None, date=when, force=force,
                          committer=(committer.name, committer.email) if committer else None,
                          commit_date=parse_date(committed, committed_label) if committed else None)
    print_commit(repo.core, address)


def _has_staged_changes(repo, stage_all: bool) -> bool:  # type: ignore[no-untyped-def]
    state = repo.status()
    return bool(state.staged or (stage_all and state.unstaged) or state.merging)


def print_commit(core, address: str) -> None:  # type: ignore[no-untyped-def]
    """A new commit as `dl log -n 1` shows it (Dolt prints it so after a commit)."""
    from dl import render
    from dl.core.hashing import Address
    commit_address = Address.parse(address)
    tags = {name: tag.commit for name, tag in core.tags().items()}
    decoration = render.decorations(commit_address, core.current_branch(), core.branches(), tags)
    typer.echo(render.commit_text(commit_address, core.load_commit(commit_address), decoration, use_colour()),
               nl=False)


def log(ctx: typer.Context,
        revisions: list[str] = typer.Argument(None, help="Revisions (A, A..B, A...B, ^A) and tables "
                                                          "(after -- if they could be revisions)."),
        negate: list[str] = typer.Option(None, "--not", help="Leave out commits reachable from this revision "
                                                           "(repeatable; Dolt's --not REV)."),
        number: int = typer.Option(None, "-n", "--number", min=0, help="Show at most N commits."),
        one_line: bool = typer.Option(False, "--oneline", help="One line per commit."),
        graph: bool = typer.Option(False, "--graph", help="Draw the commit graph."),
        all_refs: bool = typer.Option(False, "--all", help="History of every branch and tag."),
        merges: bool = typer.Option(False, "--merges", help="Only merge commits (as --min-parents 2)."),
        min_parents: int = typer.Option(0, "--min-parents", min=0, help="Only commits with at least N parents."),
        parents: bool = typer.Option(False, "--parents", help="Print each commit's parents after its hash."),
        stat: bool = typer.Option(False, "--stat", help="Rows changed per table by each commit (not merges)."),
        decorate: str = typer.Option("short", "--decorate",
                                     help="Branch and tag names beside commits: short, full, no, or auto "
                                          "(short on a terminal, else no).")) -> None:
    """Show commit history.

    Example: dl log -n 5 --oneline
    """
    from dl.pager import paged
    style = decorate.lower()
    if style not in ("short", "full", "no", "auto"):
        raise DlError(f"invalid --decorate option: {decorate} (choose short, full, no or auto)")
    if style == "auto":
        from dl.context import is_terminal
        style = "short" if is_terminal() else "no"
    every: list[str] = []
    if all_refs:
        repo = open_repo(ctx, readonly=True)
        every = [*repo.branches(), *repo.tags()]
    include, exclude, tables = _log_arguments(ctx, list(revisions or []), negate, every)
    include = [*include, *every] if every else include
    options = LogOptions(number, one_line, graph, style, max(min_parents, 2 if merges else 0), parents, stat)
    with paged(ctx):
        _print_log(ctx, (include, exclude, tables), options)


@dataclass(frozen=True)
class LogOptions:
    """How `dl log` selects and prints commits, beyond which revisions and tables."""

    number: int | None
    one_line: bool
    graph: bool
    style: str
    min_parents: int
    parents: bool
    stat: bool = False


def _log_arguments(ctx: typer.Context, args: list[str], negate: list[str],
                   every: list[str] | None = None) -> tuple[list[str], list[str], list[str]]:
    """git's log arguments as (include, exclude, tables): `A..B` is B without A, `A...B` either
    without their merge bases, `^A` and `--not A` exclude. As Dolt reads them, the first name
    that is no revision, or names a revision already given (`log main main`), starts the
    tables, which must be tables of the revisions given (of HEAD if none); after `--`, a table
    whatever it is (Dolt lets you ask for a dropped one)."""
    from dl.core.versioning.revisions import check_log_revisions
    repo = open_repo(ctx, readonly=True)
    after = getattr(ctx.find_root().obj, "after_dashes", ())
    split = len(args) - len(after) if after and tuple(args[len(args) - len(after):]) == after else len(args)
    include: list[str] = []
    exclude: list[str] = [rev.removeprefix("^") for rev in negate or []]
    tables = args[split:]
    named: list[str] = []  # the arguments before the tables (Dolt: a name seen twice starts them)
    given: list[str] = []  # every revision argument, for Dolt's rules on ranges
    for n, arg in enumerate(args[:split]):
        if "..." in arg:
            a, b = (part or "HEAD" for part in arg.split("...", 1))
            include += [a, b]
            exclude += [base.hex for base in _merge_bases(repo, a, b)]
            given.append(arg)
        elif ".." in arg:
            a, b = (part or "HEAD" for part in arg.split("..", 1))
            include.append(b)
            exclude.append(a)
            given.append(arg)
        elif arg.startswith("^"):
            exclude.append(arg.removeprefix("^"))
            given.append(arg)
        elif arg not in named and _is_revision(repo, arg):
            include.append(arg)
            named.append(arg)
            given.append(arg)
        else:
            rest = args[n:split]
            check_log_revisions(given, list(negate or []))
            _check_tables(repo, rest, [*(include or ["HEAD"]), *(every or [])])
            return include or ["HEAD"], exclude, rest + tables
    check_log_revisions(given, list(negate or []))
    return include or ["HEAD"], exclude, tables


def _check_tables(repo, names: list[str], revisions: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Each of `names` is a table of one of `revisions` (as Dolt checks `log REV TABLE...`); a
    name that looks like a revision says why the revision is not found."""
    known: set[str] = set()
    for revision in revisions:
        known |= set(repo.resolve_root(revision).tables)
    for name in names:
        if name in known:
            continue
        if "~" in name or "^" in name or _looks_like_hash(name):
            repo.resolve_commit(name)  # revision syntax or a hash: say why it is not found
        raise DlError(f"table {name} does not exist")


def _looks_like_hash(text: str) -> bool:
    from dl.core.hashing import is_hex_prefix
    return is_hex_prefix(text)


def _merge_bases(repo, a: str, b: str) -> list:  # type: ignore[no-untyped-def,type-arg]
    from dl.core.versioning.commit import merge_bases
    return list(merge_bases(repo.load_commit, repo.resolve_commit(a), repo.resolve_commit(b)))


def _is_revision(repo, text: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        repo.resolve_commit(text)
        return True
    except NotFound:
        return False


def _print_log(ctx: typer.Context, what: tuple[list[str], list[str], list[str]], options: LogOptions) -> None:
    from dl import render
    repo = open_repo(ctx, readonly=True)
    include, exclude, tables = what
    commits = repo.history(include, exclude, tables, options.number, options.min_parents)
    one_line, graph, style = options.one_line, options.graph, options.style
    colour = commit_line_colour()
    current = repo.current_branch()
    branches = repo.branches()
    tags = {name: tag.commit for name, tag in repo.tags().items()}
    from dl.core.remotes.tracking import remote_branches
    remotes = remote_branches(repo)
    texts = []
    for address, item in commits:
        decoration = "" if style == "no" else \
            render.decorations(address, current, branches, tags, remotes, full=style == "full")
        if options.parents:  # git's `commit <hash> <parent>...`
            decoration = "".join(f" {p.hex}" for p in item.parents) + decoration
        text = ("commit " if graph else "") + render.oneline(address, item, decoration, colour) if one_line \
            else render.commit_text(address, item, decoration, colour)
        if options.stat and len(item.parents) == 1 and not graph:  # Dolt: no diffstat for merges
            from dl.core.versioning.diff import row_counts
            counts = row_counts(repo.store, repo.resolve_root(item.parents[0].hex), repo.resolve_root(address.hex))
            stat_text = render.log_stat_text(counts)
            if stat_text:
                text += "\n" + stat_text.rstrip("\n") if one_line else "\n" + stat_text
        texts.append(text)
    if graph:
        from dl.graph import draw
        typer.echo(draw(commits, texts, one_line=one_line), nl=False, color=colour or None)
        return
    typer.echo(("\n" if one_line else "\n").join(texts) + ("\n" if one_line and texts else ""), nl=False,
               color=colour or None)  # click strips colour from a pipe unless told


def reset(ctx: typer.Context,
          args: list[str] = typer.Argument(None, help="[REV] with --soft/--hard, else TABLE... to unstage."),
          hard: bool = typer.Option(False, "--hard", help="Reset working and staged tables too (loses changes)."),
          soft: bool = typer.Option(False, "--soft", help="Move the branch only; keep staged and working.")) -> None:
    """Unstage tables, or move the branch to a revision (--soft, --hard).

    Example: dl reset --hard HEAD~1
    """
    repo = open_api(ctx)
    args = list(args or [])
    if hard and soft:
        raise UsageError("give --hard or --soft, not both")
    if hard or soft:
        if len(args) > 1:
            raise UsageError("--hard/--soft take at most one revision")
        target = repo.reset(args[0] if args else "HEAD", hard=hard, soft=soft)
        if hard:
            from dl.render import first_line
            message = repo.core.load_commit(repo.core.resolve_commit(target)).message
            typer.echo(f"HEAD is now at {target[:8]} {first_line(message)}")
        return
    if not args:
        repo.reset_tables()
        _print_unstaged(repo.status())
        return
    if len(args) == 1 and _is_revision_not_table(repo.core, args[0]):
        repo.reset(args[0])
        return
    try:
        repo.reset_tables(*args)
    except NotFound:
        if len(args) > 1:
            raise
        raise NotFound("table", args[0], message=f"Failed to reset changes. cause: {args[0]} is neither a "
                       "table nor a revision (branch not found)") from None


def _print_unstaged(state) -> None:  # type: ignore[no-untyped-def]
    """After `reset`, the tracked tables left changed in the working set, as git and Dolt list them."""
    letters = {"modified": "M", "deleted": "D"}
    changed = [(letters[c], t) for t, c in sorted(state.unstaged.items()) if c in letters]
    if changed:
        typer.echo("Unstaged changes after reset:")
        for letter, table in changed:
            typer.echo(f"{letter}\t{printable(table)}")


def _is_revision_not_table(repo, text: str) -> bool:
    tables = set(repo.resolve_root("WORKING").tables) | set(repo.resolve_root("STAGED").tables) | \
        set(repo.resolve_root("HEAD").tables)
    if text in tables:
        return False
    try:
        repo.resolve_commit(text)
        return True
    except NotFound:
        return False


def tag(ctx: typer.Context,
        name: str = typer.Argument(None, help="Tag to create (none: list tags)."),
        revision: str = typer.Argument("HEAD", help="Commit to tag."),
        message: str = typer.Option("", "-m", "--message", help="Tag message."),
        delete: bool = typer.Option(False, "-d", "--delete", help="Delete the tag NAME."),
        verbose: bool = typer.Option(False, "-v", "--verbose", help="List with commit and message.")) -> None:
    """List, create or delete tags.

    Example: dl tag v1 HEAD -m "first release"
    """
    repo = open_api(ctx, readonly=name is None)
    if delete:
        if not name:
            raise UsageError("give the tag to delete: dl tag -d NAME")
        repo.delete_tag(name)
        typer.echo(f"Deleted tag {name}")
        return
    if name:
        repo.tag(name, revision, message=message)
        return
    for tag_name, value in sorted(repo.core.tags().items()):
        if verbose:
            typer.echo(f"{printable(tag_name)}\t{value.commit.hex}\t{printable(value.message)}")
        else:
            typer.echo(printable(tag_name))


def config(ctx: typer.Context,
           args: list[str] = typer.Argument(None, help="KEY [VALUE] (git style), or use the flags."),
           use_global: bool = typer.Option(False, "--global", help="The user's config (~/.dl)."),
           use_local: bool = typer.Option(False, "--local", help="This repository's config."),
           add: bool = typer.Option(False, "--add", help="Set KEY to VALUE."),
           get: bool = typer.Option(False, "--get", help="Print KEY's value."),
           list_all: bool = typer.Option(False, "--list", "-l", help="Print every key and value."),
           unset: bool = typer.Option(False, "--unset", help="Remove KEY.")) -> None:
    """Read and write configuration (user.name, user.email, ...).

    Example: dl config --global --add user.name "Ada Lovelace"
    """
    from dl.core.config import KNOWN_KEYS, Config, ConfigFile
    from dl.core.repo import CONFIG_FILE, DL_DIR, find_repository
    args = list(args or [])
    if use_global and use_local:
        raise UsageError("give --global or --local, not both")
    if sum([add, get, list_all, unset]) > 1:
        raise UsageError("give one of --add, --get, --list, --unset")
    local_path: Path | None = None
    try:
        local_path = find_repository(start_dir(ctx)) / DL_DIR / CONFIG_FILE
    except NotFound:
        if use_local:
            raise
    merged = Config(global_config_path(), local_path)
    target = ConfigFile(global_config_path() if use_global or local_path is None else local_path)
    if list_all:
        values = target.read() if (use_global or use_local) else merged.merged()
        for key, value in sorted(values.items()):
            typer.echo(f"{printable(key)} = {printable(str(value))}")
        return
    if not (add or unset) and len(args) == 1 or get:
        if len(args) != 1:
            raise UsageError("give the key: dl config --get KEY")
        value = target.read().get(args[0]) if (use_global or use_local) else merged.get(args[0])
        if value is None:
            raise DlError(f"config key not set: {args[0]}")
        typer.echo(printable(str(value)))
        return
    if unset:
        if len(args) != 1:
            raise UsageError("give the key: dl config --unset KEY")
        if not target.unset(args[0]):
            raise DlError(f"config key not set: {args[0]}")
        return
    if len(args) != 2:
        raise UsageError("give a key and a value: dl config --global --add user.name \"Your Name\"")
    key, value = args
    if "." not in key or key.strip() != key or not key:
        raise UsageError(f"config keys look like section.name (e.g. user.email), got {key!r}")
    if key.lower() not in KNOWN_KEYS:
        typer.echo(f"warning: {key} is not a key dl uses ({', '.join(sorted(KNOWN_KEYS))})", err=True)
    if local_path is None and not use_global:
        typer.echo("note: not in a repository; setting it globally", err=True)
    target.set(key, value)


def clean(ctx: typer.Context,
          tables: list[str] = typer.Argument(None, help="Untracked tables to remove (default: all)."),
          dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Say what would be removed; remove nothing.")) -> None:
    """Remove untracked tables (tables never added) from the working set, as Dolt's clean.

    `dl reset --hard` keeps untracked tables; this removes them on purpose.

    Example: dl clean --dry-run
    """
    repo = open_repo(ctx, readonly=dry_run)
    verb = "Would remove" if dry_run else "Removing"
    for name in repo.clean(list(tables or []) or None, dry_run=dry_run):
        typer.echo(f"{verb} table {printable(name)}")


def version() -> None:
    """Print dl's version, as `dolt version` does.

    Example: dl version
    """
    from dl.version import installed_version
    typer.echo(f"dl version {installed_version()}")


def register(app: typer.Typer) -> None:
    app.command("version")(version)
    app.command("init")(init)
    app.command("status")(status)
    app.command("add")(add)
    app.command("commit")(commit)
    app.command("log")(log)
    app.command("reset")(reset)
    app.command("clean")(clean)
    app.command("tag")(tag)
    app.command("config")(config)
