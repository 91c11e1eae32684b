"""dl's storage and version-control layer.

Owns the chunk store, prolly trees of Arrow rows, table and root values, commits, refs,
working sets, diff and merge. Knows nothing of SQL, terminals or the CLI: every function
takes plain values and returns plain values (dataclasses, Arrow tables).
"""
