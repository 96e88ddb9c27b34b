"""A throwaway PostgreSQL server that a test starts, stops and restarts at will.

Uses the server binaries of `pg_config --bindir`, a temporary data directory and a free
loopback port. initdb/postgres refuse to run as root, so as root they run as `nobody`.
With `superuser_password`, TCP logins need a password (SCRAM), as on RDS; the tests that only
need a server to stop use trust.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.servers import free_port


def _bindir() -> Path:
    out = subprocess.run(  # the PostgreSQL tools on PATH, fixed arguments
        ["pg_config", "--bindir"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


class PrivatePostgres:
    def __init__(self, superuser_password: str | None = None) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="realworld-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.password = superuser_password
        self.as_nobody = os.geteuid() == 0
        if self.as_nobody:
            shutil.chown(self.root, user="nobody")
        auth = ["-A", "trust"]
        if superuser_password is not None:
            pwfile = self.root / "pwfile"
            pwfile.write_text(superuser_password + "\n")
            if self.as_nobody:
                shutil.chown(pwfile, user="nobody")
            auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", *auth, "-E", "UTF8")

    @property
    def url(self) -> str:
        credentials = f"postgres:{self.password}" if self.password is not None else "postgres"
        return f"postgres://{credentials}@127.0.0.1:{self.port}/realworld"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.as_nobody:
            command = ["runuser", "-u", "nobody", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def start(self) -> float:
        """Starts the server; returns the monotonic time at which it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")  # fmt: skip
        return time.monotonic()

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` drops every connection at once, like a crash or a failover."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
