"""A SQL session's open transaction, and how COMMIT lands it as Dolt's transactions do.

A `Transaction` is the working set read at BEGIN (the merge base and the compare-and-swap
token) and the session's private root, whose chunks sit in a write buffer until COMMIT.

At COMMIT (`land`), if the branch's working set is still the one read at BEGIN, the private
root replaces it by compare-and-swap. If another session committed meanwhile, the private root
is merged three-way with the branch's current working root, the root at BEGIN as the base
(`merge_roots`, cell by cell): changes to different rows or cells merge and land; the same
cell changed by both, or a schema change that cannot be combined, is a serialization failure
(`SqlError` whose cause is `ConcurrentUpdate`: MySQL's 1213, "try restarting transaction"),
the transaction is rolled back and the client retries it. No committed change is ever lost:
each landing is a compare-and-swap of the working set, retried from a fresh read.
"""
from __future__ import annotations

from dl.core.errors import ConcurrentUpdate, DlError
from dl.core.hashing import Address, address_of
from dl.core.repo import Repository
from dl.core.store.base import RefUpdate
from dl.core.store.buffered import BufferedStore
from dl.core.tables.table import TableValue
from dl.core.versioning.refs import working_set_ref
from dl.core.versioning.root import RootValue
from dl.core.versioning.workingset import WorkingSet
from dl.sql.errors import SqlError
from dl.sql.pending_edits import PendingTable, keeps_pending

LANDING_ATTEMPTS = 50
NO_WORKING_SET = Address(b"\0" * 20)  # what `Repository.working_set` gives a branch without one


class Transaction:
    """An open transaction: the working set read at BEGIN, the private root, and the point
    writes to one table not yet applied to that root (`pending_edits`)."""

    def __init__(self, branch: str, ws_address: Address, ws: WorkingSet, root: RootValue,
                 buffer: BufferedStore) -> None:
        self.branch, self.ws_address, self.ws, self.buffer = branch, ws_address, ws, buffer
        self._root = self._begun = root
        self._pending: PendingTable | None = None
        self.stored_tables: list[tuple[Address, TableValue]] = []  # table values pending writes landed as

    @property
    def root(self) -> RootValue:
        """The private root with every write of the transaction in it: pending point writes
        are applied first, so no reader ever gets a root without them."""
        if self._pending is not None:
            self._root = self._pending.landed(self._root, self.buffer)
            if self._pending.stored is not None:
                self.stored_tables.append(self._pending.stored)
            self._pending = None
        return self._root

    @root.setter
    def root(self, root: RootValue) -> None:
        if self._pending is not None:  # a root computed without them would lose them
            raise RuntimeError("pending point writes must be applied (read tx.root) before replacing the root")
        self._root = root

    def wrote(self) -> bool:
        """Whether anything was written since BEGIN (pending rows, or another root): if not,
        COMMIT has nothing to land."""
        return self._pending is not None or self._root is not self._begun

    @property
    def root_before_pending(self) -> RootValue:
        """The private root without the pending writes: for table names and schemas only
        (pending writes change rows, never those)."""
        return self._root

    def pending_table(self, repo: Repository, name: str) -> PendingTable | None:
        """Where point writes to the stored table `name` wait (another table's pending writes
        are applied first); None when its writes cannot wait (`keeps_pending`)."""
        if self._pending is not None and self._pending.name == name:
            return self._pending
        root = self.root
        table = repo.table_in(root, name, self.buffer)
        if not keeps_pending(repo, self.buffer, root, name, table):
            return None
        self._pending = PendingTable(name, table)
        return self._pending


def begin(repo: Repository, branch: str) -> Transaction:
    """A transaction on `branch`, reading its working set now."""
    address, ws = repo.working_set(branch)
    return Transaction(branch, address, ws, repo.load_root(ws.working), BufferedStore(repo.store))


def land(repo: Repository, tx: Transaction) -> None:
    """Lands `tx` on its branch's working set (see the module docstring); raises the
    serialization failure when it conflicts with what another session committed."""
    if tx.root.address == tx.ws.working:
        tx.buffer.discard()
        return
    expected, current, root = tx.ws_address, tx.ws, tx.root
    base = repo.load_root(tx.ws.working, tx.buffer)
    for _ in range(LANDING_ATTEMPTS):
        root_address = repo.put_root(tx.buffer, root)
        ws = current.with_working(root_address)
        landed = _flush(tx, expected, ws)
        if landed is not None:  # the next transaction's BEGIN reads these back: keep them decoded
            for address, value in [(landed, ws), (root_address, root), *tx.stored_tables]:
                repo.remember(address, value)
            return
        expected, current = repo.working_set(tx.branch)
        root = _merged(repo, tx, base, repo.load_root(current.working, tx.buffer))
    tx.buffer.discard()
    raise _failure(tx.branch, "the working set kept changing")


def _flush(tx: Transaction, expected: Address, ws: WorkingSet) -> Address | None:
    """One compare-and-swap of the working set: its new address, or None on a loss (the
    buffer keeps its chunks, the transaction's rows, which the next attempt's merged root
    still refers to)."""
    data = ws.encode()
    address = address_of(data)
    tx.buffer.put_many({address: data})
    old = None if expected == NO_WORKING_SET else expected.hex
    return address if tx.buffer.flush([RefUpdate(working_set_ref(tx.branch), address.hex, old)]) else None


def _merged(repo: Repository, tx: Transaction, base: RootValue, theirs: RootValue) -> RootValue:
    """The transaction's root merged with `theirs` (the branch's working root now)."""
    from dl.core.versioning.three_way_merge import merge_roots
    try:
        outcome = merge_roots(tx.buffer, base, tx.root, theirs, strict=True)
    except DlError as exc:  # a schema change the two sides made incompatibly
        tx.buffer.discard()
        raise _failure(tx.branch, str(exc)) from None
    if outcome.conflicts:
        tx.buffer.discard()
        tables = ", ".join(sorted(outcome.conflicts))
        raise _failure(tx.branch, f"another session changed the same rows of {tables}")
    return outcome.root


def _failure(branch: str, why: str) -> SqlError:
    # the words every writer's failure has (tests/reliability): "concurrent update", "retry"
    return SqlError(f"serialization failure on branch {branch}: {why} (a concurrent update); the transaction "
                    "was rolled back, try restarting transaction (retry it)",
                    cause=ConcurrentUpdate(working_set_ref(branch)))
