"""A PostgreSQL cluster of the test's own: initdb into a temporary directory, on a free port,
started, crashed (SIGKILL to the postmaster) and restarted at will; and streaming replicas of it
(pg_basebackup). The server refuses to run as root, so it runs as the ``postgres`` OS user."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.scale.processes import free_port

USER = "postgres"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or sorted(
        glob.glob(f"/usr/local/bin/{name}")
    )
    if not found:
        pytest.skip(f"{name} not installed")
    return found[-1]


def _as_postgres(*command: str, **kw: object) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", USER, "--"] if os.geteuid() == 0 else []
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*prefix, *command], check=True, capture_output=True, text=True, **kw
    )


class Cluster:
    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.log = data.parent / f"{data.name}.log"

    @classmethod
    def create(cls, root: Path) -> Cluster:
        cluster = cls(root / "primary", free_port())
        _as_postgres(
            _bin("initdb"), "-D", str(cluster.data), "-U", USER, "--auth=trust", "-E", "UTF8"
        )
        cluster.configure("wal_level = replica", "max_wal_senders = 5", "fsync = off")
        (cluster.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
            "host replication all 127.0.0.1/32 trust\n"
        )
        return cluster

    def configure(self, *lines: str) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n".join(
                    [
                        f"port = {self.port}",
                        "listen_addresses = '127.0.0.1'",
                        f"unix_socket_directories = '{self.data.parent}'",
                        *lines,
                    ]
                )
                + "\n"
            )

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def crash(self) -> None:
        """SIGKILL to the postmaster, as a machine losing power would look to clients."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        # The backends go with it (they notice the postmaster gone); the pid file stays.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.url, connect_timeout=1):
                    time.sleep(0.1)
            except psycopg.OperationalError:
                return

    def restart_after_crash(self) -> None:
        # Stray backends may hold shared memory a moment after their postmaster died.
        for _ in range(50):
            try:
                self.start()
                return
            except subprocess.CalledProcessError:
                time.sleep(0.2)
        self.start()

    def replica(self, root: Path, name: str = "replica") -> Cluster:
        """A streaming replica of this cluster (pg_basebackup -R), not yet started."""
        replica = Cluster(root / name, free_port())
        _as_postgres(
            _bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER,
            "-D", str(replica.data), "-R", "-X", "stream",
        )  # fmt: skip
        replica.configure("hot_standby = on")
        return replica


def temporary_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="parledger-pg-"))
    shutil.chown(root, USER, USER)
    root.chmod(0o755)
    return root
