"""Remotes: sharing a repository by clone, fetch, pull and push.

The floor, bottom up: `url` (what a remote URL names), `objects` (a small object-store
interface, get / put / list / conditional put, over a directory) and `s3` (the same over any
S3-compatible store, boto3 loaded lazily), `packs` (chunk packs and their indexes), `packed`
(a remote in dl's pack format over an object store), `repository` (another dl repository's
directory used as a remote), `walk` (what the other side lacks), `settings` (the remotes a
repository knows and each branch's upstream), `sync` (fetch, push, pull, remote gc), `clone`
(a new repository from a remote; the Python API's `dl.clone` calls it too), `tracking`
(ahead/behind an upstream), `check` (fsck of a remote).
Nothing of ours runs on the remote side: every remote is storage that this process reads and
writes, and every ref move there is a compare-and-swap.
"""
