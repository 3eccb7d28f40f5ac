"""MariaDB: the one database every OpenStack service keeps its state in.

A private server: its own data directory, no TCP port at all (``skip-networking``; services
connect through a Unix socket in the lab's run directory), and small buffers for a small lab.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

from labsetup.config import Lab, write_private
from labsetup.proc import Daemon, run, wait_for
from labsetup.services.base import Check, Service


def server_binary() -> str:
    """mariadbd lives in /usr/sbin, which a normal user's PATH (Binder's) may not include."""
    return shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/sbin") \
        or "/usr/sbin/mariadbd"


#: InnoDB's page cache in MiB, by profile.  The default keeps the lab small; with a room's
#: tables (about 100 MiB) 16 MiB missed one read in six under benchmarks/classroom.py, so the
#: classroom profile gives it 64.
BUFFER_POOL_MIB = {"default": 16, "classroom": 64}


def buffer_pool_mib(lab: Lab) -> int:
    return BUFFER_POOL_MIB.get(lab.profile, BUFFER_POOL_MIB["default"])


class MariaDB(Service):
    name = "mariadb"
    apt = ("mariadb-server", "mariadb-client", "libmariadb-dev")

    def cnf(self, lab: Lab) -> str:
        return str(lab.etc("mariadb") / "my.cnf")

    def datadir(self, lab: Lab) -> str:
        return str(lab.state("mariadb") / "data")

    def configure(self, lab: Lab) -> None:
        user = "user = root\n" if os.geteuid() == 0 else ""
        write_private(lab.etc("mariadb") / "my.cnf", f"""[mysqld]
{user}datadir = {self.datadir(lab)}
socket = {lab.db_socket}
pid-file = {lab.paths.run}/mysqld.real.pid
skip-networking
skip-name-resolve
log-error = {lab.paths.log}/mariadb-error.log
character-set-server = utf8mb3
collation-server = utf8mb3_general_ci
max_connections = 400
performance_schema = OFF
innodb_buffer_pool_size = {buffer_pool_mib(lab)}M
innodb_log_file_size = 16M
innodb_log_buffer_size = 4M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
key_buffer_size = 1M
table_open_cache = 400
table_definition_cache = 800
thread_cache_size = 32
query_cache_size = 0
tmp_table_size = 4M
max_heap_table_size = 8M
sort_buffer_size = 256K

[client]
socket = {lab.db_socket}
user = root
password = {lab.secrets['db']}
""")
        if not os.path.isdir(os.path.join(self.datadir(lab), "mysql")):
            run(["mariadb-install-db", f"--defaults-file={self.cnf(lab)}",
                 "--auth-root-authentication-method=normal", "--skip-test-db"],
                what="initialising the MariaDB data directory", log=lab.paths.log / "mariadb-init.log")

    def daemons(self, lab: Lab) -> list[Daemon]:
        return [self.daemon(lab, "mariadb", [server_binary(), f"--defaults-file={self.cnf(lab)}"],
                            marker=self.cnf(lab))]

    def sql(self, lab: Lab, statement: str, initial: bool = False) -> str:
        """Run SQL as root over the socket (the password comes from the 0600 my.cnf)."""
        base = (["mariadb", "--no-defaults", f"--socket={lab.db_socket}", "-uroot"] if initial
                else ["mariadb", f"--defaults-file={self.cnf(lab)}"])
        # on standard input: a statement may hold a password, and argv is visible in `ps`
        return run(base + ["-N", "-B"], what="a MariaDB statement", input=statement)

    def ping(self, lab: Lab) -> bool:
        # mariadb-admin ping exits 0 whenever the server is alive (even if access is denied).
        return subprocess.run(["mariadb-admin", f"--defaults-file={self.cnf(lab)}", "ping"],
                              capture_output=True, check=False).returncode == 0

    def wait(self, lab: Lab) -> None:
        d = self.daemons(lab)[0]
        wait_for("MariaDB to accept connections", lambda: self.ping(lab), 60, d, interval=0.1)
        if not self.synced(lab, "root-password"):
            self.sql(lab, f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{lab.secrets['db']}';"
                     " FLUSH PRIVILEGES;", initial=True)
            self.mark_synced(lab, "root-password")
        # a profile switched while MariaDB runs: InnoDB resizes its page cache in place
        wanted = buffer_pool_mib(lab) * 1024 * 1024
        if self.sql(lab, "SELECT @@innodb_buffer_pool_size").strip() != str(wanted):
            self.sql(lab, f"SET GLOBAL innodb_buffer_pool_size = {wanted}")

    def ensure_databases(self, lab: Lab, databases: Sequence[str]) -> None:
        missing = [db for db in databases if not self.synced(lab, f"database-{db}")]
        if missing:
            self.sql(lab, " ".join(f"CREATE DATABASE IF NOT EXISTS {db} CHARACTER SET utf8mb3;"
                                   for db in missing))
            for db in missing:
                self.mark_synced(lab, f"database-{db}")

    def check(self, lab: Lab) -> list[Check]:
        checks = super().check(lab)
        if checks[0].ok:
            ok = self.ping(lab)
            checks.append(Check(self.name, "answers on its socket", ok,
                                str(lab.db_socket) if ok else "no answer"))
        return checks
