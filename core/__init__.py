"""dl's storage and version-control layer.

Owns the chunk store, prolly trees of Arrow rows, table and root values, commits, refs,
working sets, diff and merge. Knows nothing of SQL, terminals or the CLI: every function
takes plain values and returns plain values (dataclasses, Arrow tables).

The folders are the floors, each importing only those below it: `store` (chunk stores),
`prolly` (trees of Arrow rows), `tables` (schemas, key encoding, table values, import), `io`
(table files in and out), `versioning` (roots, commits, refs, working sets, diff, merge, blame,
stash), `maintenance` (fsck, gc). `repo` is the facade the query layer and the CLI call; the
basics every floor uses sit beside it (`errors`, `hashing`, `chunks`, `names`, `config`).
Installed, this folder is `dl.core`.
"""
