"""Version control over table values: roots, commits, refs, working sets, diff and merge.

Bottom up: `root` (every table at one moment, one chunk), `commit` (commits and the graph),
`refs` and `revisions` (names), `workingset` (working and staged roots, merge state), `diff`
(two roots), `three_way_merge` (the row, cell and schema merge of three roots, pure), and the
operations on a repository built on them: `merge_commits` (merge, cherry-pick, revert,
conflict resolution), `blame`, `stash`.
"""
