"""The S3 remote against a real S3-compatible server (moto's, on 127.0.0.1): push, clone,
fetch, conditional writes as the compare-and-swap, transfer proportional to change, and
each bad-input case as one clear error."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.errors import NotFound, StoreError
from dl.core.maintenance.fsck import fsck
from dl.core.remotes.clone import clone
from dl.core.remotes.packed import MANIFEST, PackedRemote
from dl.core.remotes.s3 import S3Objects
from dl.core.remotes.sync import PushRejected, add_remote, fetch, push
from dl.core.repo import Repository
from remote_helpers import commit_rows, make_repo, value_of


def test_conditional_put_is_a_compare_and_swap(s3_env):
    objects = S3Objects(s3_env.bucket(), "p")
    assert objects.put_if("m", b"1", None)
    assert not objects.put_if("m", b"2", None)  # If-None-Match: * refuses an existing object
    found = objects.get("m")
    assert found is not None and found[0] == b"1"
    assert not objects.put_if("m", b"3", '"not-the-etag"')  # If-Match with a stale tag
    assert objects.put_if("m", b"4", found[1])
    assert objects.get("m")[0] == b"4"  # type: ignore[index]


def test_push_clone_and_a_one_row_change(s3_env, tmp_path: Path):
    bucket = s3_env.bucket()
    a = make_repo(tmp_path / "a", rows=3000)
    add_remote(a, "origin", f"s3://{bucket}/team/repo")
    push(a, "origin", "main", set_upstream=True)
    b = Repository.open(clone(f"s3://{bucket}/team/repo", tmp_path / "b").directory)
    assert value_of(b, 2999) == 29990 and fsck(b.store).problems == []
    objects_before, bytes_before = s3_env.usage(bucket)
    commit_rows(a, {1500: -1}, "one row")
    pushed = push(a, "origin", "main")
    objects_after, bytes_after = s3_env.usage(bucket)
    assert objects_after - objects_before == 2  # one pack and its index; the manifest replaced
    assert bytes_after - bytes_before < 16_000 and pushed.stats.requests <= 6, pushed.stats
    fetched = fetch(b, "origin")
    assert fetched.stats.requests <= 4 and fetched.stats.bytes_received < 16_000, fetched.stats
    assert value_of(b, 1500, "origin/main") == -1


def test_the_loser_of_two_pushes_is_rejected_and_leaves_no_trace(s3_env, tmp_path: Path):
    bucket = s3_env.bucket()
    a = make_repo(tmp_path / "a", rows=50)
    add_remote(a, "origin", f"s3://{bucket}/r")
    push(a, "origin", "main")
    b = Repository.open(clone(f"s3://{bucket}/r", tmp_path / "b").directory)
    commit_rows(a, {1: 100}, "a")
    commit_rows(b, {2: 200}, "b")
    remote = PackedRemote(S3Objects(bucket, "r"))
    stale = remote.list_refs()["refs/heads/main"]
    push(a, "origin", "main")
    # b read the ref before a's push landed: its swap must fail
    from dl.core.remotes.walk import find_missing
    from dl.core.store.base import RefUpdate
    head = b.branch_head("main")
    missing = find_missing([head], b.store.get_many, remote.has_many)
    assert not remote.update(list(missing.chunks.items()),
                             [RefUpdate("refs/heads/main", head.hex, stale)])
    assert PackedRemote(S3Objects(bucket, "r")).list_refs()["refs/heads/main"] == a.branch_head("main").hex
    with pytest.raises(PushRejected, match="fetch first"):
        push(b, "origin", "main")


def test_bad_input_is_one_clear_error(s3_env, tmp_path: Path, monkeypatch):
    a = make_repo(tmp_path / "a", rows=5)
    add_remote(a, "nobucket", "s3://no-such-bucket/x")
    with pytest.raises(NotFound, match="bucket not found: no-such-bucket"):
        push(a, "nobucket", "main")
    with pytest.raises(NotFound):
        clone("s3://no-such-bucket/x", tmp_path / "c")
    assert not (tmp_path / "c").exists()
    bucket = s3_env.bucket()
    add_remote(a, "down", f"s3://{bucket}/x", {"endpoint": "http://127.0.0.1:9"})
    with pytest.raises(StoreError, match="cannot reach"):
        push(a, "down", "main")
    assert S3Objects(bucket, "x").get(MANIFEST) is None
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    add_remote(a, "nocreds", f"s3://{bucket}/y")
    with pytest.raises(StoreError, match="credentials"):
        push(a, "nocreds", "main")
    assert not a.store.list_refs("refs/remotes/")  # nothing changed locally either


def test_denied_access_is_one_clear_error(s3_env):
    """moto accepts any key, so wrong credentials are shown by the error S3 answers them with."""
    from botocore.exceptions import ClientError
    objects = S3Objects(s3_env.bucket(), "x")
    denied = ClientError({"Error": {"Code": "InvalidAccessKeyId", "Message": "no such key id"},
                          "ResponseMetadata": {"HTTPStatusCode": 403}}, "GetObject")

    def refuse(**kwargs: object) -> None:
        raise denied
    with pytest.raises(StoreError, match="access to s3://.*/x denied .InvalidAccessKeyId.: check the AWS credentials"):
        objects._call(refuse)


def test_region_and_profile_parameters(s3_env, tmp_path: Path, monkeypatch):
    config = tmp_path / "aws-config"
    config.write_text("[profile team]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("[team]\naws_access_key_id = team\naws_secret_access_key = team\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    bucket = s3_env.bucket()
    a = make_repo(tmp_path / "a", rows=5)
    add_remote(a, "team", f"s3://{bucket}/p", {"profile": "team", "region": "us-east-1"})
    push(a, "team", "main")  # with the profile's credentials
    add_remote(a, "nobody", f"s3://{bucket}/q", {"profile": "nobody"})
    with pytest.raises(StoreError, match="AWS profile not found: nobody"):
        push(a, "nobody", "main")


def test_a_shallow_clone_from_s3_reads_less_and_pushes_back(s3_env, tmp_path: Path):
    from dl.core.versioning.shallow import boundary
    bucket = s3_env.bucket()
    a = make_repo(tmp_path / "a", rows=3000)
    for k in range(5):
        commit_rows(a, {k: -k, 3000 + k: k}, f"c{k}")
    add_remote(a, "origin", f"s3://{bucket}/r")
    push(a, "origin", "main")
    full = clone(f"s3://{bucket}/r", tmp_path / "full")
    tip = clone(f"s3://{bucket}/r", tmp_path / "tip", depth=1)
    assert tip.fetched.chunks < full.fetched.chunks
    b = Repository.open(tip.directory)
    assert [c.message for _, c in b.log()] == ["c4"] and b.table("t").count() == 3005
    assert boundary(b.store) == {a.branch_head("main")} and fsck(b.store).problems == []
    commit_rows(b, {7: 77}, "from the tip")
    push(b, "origin", "main")
    fetch(a, "origin")
    assert value_of(a, 7, "origin/main") == 77
