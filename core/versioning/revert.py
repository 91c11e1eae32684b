"""Revert as Dolt does it: a series of commits undone one at a time, each as its own commit.

`revert` undoes the commits named, in the order given, each by a three-way merge with the
commit as base and its parent as theirs, and commits each as `Revert "<message>"`. All names
are resolved before the first revert, so `HEAD~1` means the same commit throughout. A revert
that conflicts (or breaks a constraint) stops the series: its conflicts stay in the working
set under a merge state of kind "revert", which also records the commit being reverted, the
commits still to revert and the branch head before the series. From there:

- `continue_revert` commits the resolved revert (its tables staged) and goes on with the rest;
- `abort_revert` puts the branch back where the series started, and the working set as it was.
"""
from __future__ import annotations

from dl.core.errors import ConcurrentUpdate, DlError
from dl.core.hashing import Address
from dl.core.repo import Author, Repository
from dl.core.store.base import RefUpdate
from dl.core.store.buffered import BufferedStore
from dl.core.versioning.merge_commits import MergeKind, MergeResult, _apply_changes, _single_parent
from dl.core.versioning.refs import branch_ref
from dl.core.versioning.workingset import WorkingSet

KIND = "revert"


class NoRevertInProgress(DlError):
    """`--continue` or `--abort` without a stopped revert (Dolt's words)."""

    def __init__(self) -> None:
        super().__init__("There is no revert in progress")


def revert(repo: Repository, revs: str | list[str], *, author: Author | None = None) -> MergeResult:
    """Reverts `revs` in order, one commit each; the result of the last revert made, or of the
    one that stopped on conflicts (its `commit` is then the last revert committed, if any)."""
    revs = [revs] if isinstance(revs, str) else revs
    if not revs:
        raise DlError("nothing specified to revert")
    targets = [_single_parent(repo, rev, "revert")[0] for rev in revs]
    series_head = repo.branch_head(repo.current_branch())
    return _revert_all(repo, targets, author or repo.author(), series_head)


def _revert_all(repo: Repository, targets: list[Address], author: Author, series_head: Address) -> MergeResult:
    last: Address | None = None
    for i, target in enumerate(targets):
        commit = repo.load_commit(target)
        parent_root = repo.load_root(repo.load_commit(commit.parents[0]).root)
        result = _apply_changes(repo, [(repo.load_root(commit.root), parent_root)], f'Revert "{commit.message}"',
                                author, KIND, target)
        if result.kind is MergeKind.CONFLICTS:
            _remember(repo, target, targets[i + 1:], series_head, author)
            return MergeResult(MergeKind.CONFLICTS, last, result.conflicts, result.tables, result.violations)
        last = result.commit
    return MergeResult(MergeKind.MERGED, last)


def _remember(repo: Repository, target: Address, pending: list[Address], series_head: Address,
              author: Author) -> None:
    """Adds what `--continue` and `--abort` need to the stopped revert's merge state."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    state = dict(ws.merge or {})
    state.update({"revert_commit": target.hex, "revert_pending": [p.hex for p in pending],
                  "revert_series_head": series_head.hex, "author": author.name, "email": author.email})
    buffer = BufferedStore(repo.store)
    if not repo.write_working_set(branch, ws_address, WorkingSet(ws.working, ws.staged, state), buffer):
        raise ConcurrentUpdate(f"working set of {branch}")


def _state(repo: Repository) -> dict[str, object]:
    _, ws = repo.working_set()
    if not ws.merge or ws.merge.get("kind") != KIND:
        raise NoRevertInProgress()
    return dict(ws.merge)


def continue_revert(repo: Repository, *, author: Author | None = None) -> MergeResult:
    """Commits the stopped revert once its conflicts are resolved and its tables staged, as
    `Revert "<message>"` (an empty revert too: resolving with ours can leave nothing to
    undo), then reverts the commits still pending."""
    state = _state(repo)
    if repo.status().unstaged:  # tables dolt_ignore ignores do not count
        raise DlError("cannot continue revert with unstaged changes")
    reverted = repo.load_commit(Address(bytes.fromhex(str(state["revert_commit"]))))
    who = author or Author(str(state["author"]), str(state["email"]))
    made = repo.commit(f'Revert "{reverted.message}"', allow_empty=True, author=who)
    pending = [Address(bytes.fromhex(h)) for h in state.get("revert_pending", [])]  # type: ignore[attr-defined]
    series_head = Address(bytes.fromhex(str(state["revert_series_head"])))
    result = _revert_all(repo, pending, who, series_head)
    return MergeResult(result.kind, result.commit or made, result.conflicts, result.tables, result.violations)


def abort_revert(repo: Repository) -> None:
    """Gives up the stopped revert: the branch goes back to where the series started, with the
    working set as it was before the series (tables it did not touch keep their changes)."""
    state = _state(repo)
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    head = repo.branch_head(branch)
    series_head = Address(bytes.fromhex(str(state["revert_series_head"])))
    before_working = repo.load_root(Address(bytes.fromhex(str(state["pre_merge_root"]))))
    before_staged = repo.load_root(Address(bytes.fromhex(str(state["pre_merge_staged_root"]))))
    head_root, start_root = (repo.load_root(repo.load_commit(head).root),
                             repo.load_root(repo.load_commit(series_head).root))
    working, staged = start_root, start_root
    for name in set(before_working.changed_tables(head_root)) | set(before_staged.changed_tables(head_root)):
        working = working.with_table(name, before_working.tables.get(name))
        staged = staged.with_table(name, before_staged.tables.get(name))
    buffer = BufferedStore(repo.store)
    restored = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged))
    extra = [] if head == series_head else [RefUpdate(branch_ref(branch), series_head.hex, head.hex)]
    if not repo.write_working_set(branch, ws_address, restored, buffer, extra):
        raise ConcurrentUpdate(f"working set of {branch}")
