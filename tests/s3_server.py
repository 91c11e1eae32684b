"""moto's S3-compatible server on 127.0.0.1 for the tests: started on a free port, stopped after.

Only ever bound to 127.0.0.1. `S3Server.bucket()` makes a fresh bucket, so tests sharing one
server never see each other's objects.
"""
from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}
_names = itertools.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class S3Server:
    process: subprocess.Popen[bytes]
    endpoint: str
    _client: Any = field(default=None)

    def client(self) -> Any:
        if self._client is None:
            import boto3
            self._client = boto3.client("s3", endpoint_url=self.endpoint,
                                        aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name="us-east-1")
        return self._client

    def bucket(self) -> str:
        name = f"dl-test-{next(_names)}"
        self.client().create_bucket(Bucket=name)
        return name

    def usage(self, bucket: str) -> tuple[int, int]:
        """(objects, bytes) in the bucket."""
        found = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return len(found), sum(int(o["Size"]) for o in found)


def start() -> S3Server:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = S3Server(process, f"http://{HOST}:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(server)
                raise RuntimeError("moto's S3 server did not start") from None
            time.sleep(0.1)


def stop(server: S3Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
