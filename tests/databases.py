"""Both databases for the tests: a SQLite file, and a throwaway PostgreSQL cluster.

The cluster is Debian's PostgreSQL (`/usr/lib/postgresql/*/bin/`), started once per test
session in a temporary folder, listening on a unix socket in that folder and on 127.0.0.1 at a
free port (password authentication there, so a wrong password can be tried). initdb refuses
to run as root, and the tests run as root here and in CI: then the server runs as the
`postgres` user the Debian package creates, in a folder owned by it. Each test gets a fresh
database, copied from a template migrated once.

Use the fixtures of tests/conftest.py: `database_url` (parametrised over both backends),
`database` (opened and migrated), `postgres` (the cluster itself).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

BACKENDS = ("sqlite", "postgresql")
SUPERUSER = "postgres"
PASSWORD = "a test cluster password"
TEMPLATE = "campaign_template"


def postgres_bin() -> Path:
    """The folder of Debian's PostgreSQL programs (the newest installed version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4])
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "run `make test`, which installs the Debian package postgresql"
        )
    return Path(found[-1]).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A PostgreSQL server of its own in a temporary folder, for one test session."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable  # fsync as a real server does (benchmarks); off for the tests
        self.folder = Path(tempfile.mkdtemp(prefix="campaign-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.log = self.folder / "server.log"
        self._names = itertools.count(1)
        self._as_root = os.geteuid() == 0

    # --- start and stop -------------------------------------------------------------------

    def start(self) -> Cluster:
        """initdb, then pg_ctl start; RuntimeError with the server's own words if it fails."""
        bin_folder = postgres_bin()
        if self._as_root:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "the tests run as root, and PostgreSQL refuses to: they need the "
                    "`postgres` user of Debian's postgresql package (`make test` installs it)"
                ) from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.folder.chmod(0o700)
        password_file = self.folder / "password"
        password_file.write_text(PASSWORD + "\n")
        if self._as_root:
            os.chown(password_file, account.pw_uid, account.pw_gid)
        self._run(
            bin_folder / "initdb",
            "-D",
            self.data,
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        settings = [
            f"-c port={self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.folder}",
            "-c max_connections=200",
        ]
        if not self.durable:  # a throwaway cluster: durability is not what the tests test
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        options = " ".join(settings)
        self._run(
            bin_folder / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "start"
        )
        self._admin(f"CREATE DATABASE {TEMPLATE}")
        from campaign.storage import database

        migrated = database.open_database(self.url(TEMPLATE))
        migrated.engine.dispose()
        database.dispose_all()
        return self

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        with contextlib.suppress(RuntimeError):
            self._run(postgres_bin() / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- databases --------------------------------------------------------------------------

    def url(self, name: str, *, tcp: bool = False, password: str = PASSWORD) -> str:
        """The URL of database `name`: over the unix socket, or over TCP with a password."""
        if tcp:
            return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{name}"
        return f"postgresql://{SUPERUSER}@/{name}?host={self.folder}&port={self.port}"

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database's name: a copy of the migrated template, or empty."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        template = TEMPLATE if migrated else "template0"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test's database, ending any connection still open to it."""
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, statement: str) -> None:
        """Run one statement as the superuser, outside a transaction."""
        with psycopg.connect(
            host=str(self.folder),
            port=self.port,
            user=SUPERUSER,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(statement)  # type: ignore[arg-type]

    def _run(self, *command: object) -> None:
        """Run a PostgreSQL program, as the postgres user when we are root."""
        words = [str(part) for part in command]
        if self._as_root:
            words = ["runuser", "-u", "postgres", "--", *words]
        result = subprocess.run(words, capture_output=True, text=True, cwd=self.folder, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"the test PostgreSQL server could not start: {' '.join(words)} exited with "
                f"{result.returncode}:\n{result.stdout}{result.stderr}{log}"
            )
