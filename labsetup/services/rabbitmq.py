"""RabbitMQ: the message queue Nova and Cinder services use to call each other (RPC).

vCenter is one process; OpenStack's services are many, and they talk over AMQP.  A private
broker: its own node name, database and logs, listening on 127.0.0.1 only, with one user
(created from ``rabbitmq.conf`` on first boot) and Erlang flags for a small machine.
"""

from __future__ import annotations

import os
import socket
import subprocess

from labsetup.config import PORTS, Lab, write_private
from labsetup.proc import Daemon, wait_for
from labsetup.services.base import Check, Service

NODE = "lab@localhost"
BIN = "/usr/lib/rabbitmq/bin"


class RabbitMQ(Service):
    name = "rabbitmq"
    apt = ("rabbitmq-server",)

    def env(self, lab: Lab) -> dict[str, str]:
        state = lab.state("rabbitmq")
        etc = lab.etc("rabbitmq")
        return {
            "HOME": str(state),
            "RABBITMQ_NODENAME": NODE,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(PORTS["rabbitmq"]),
            "RABBITMQ_DIST_PORT": str(PORTS["rabbitmq-dist"]),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": str(PORTS["epmd"]),
            "RABBITMQ_MNESIA_BASE": str(state / "mnesia"),
            "RABBITMQ_LOG_BASE": str(lab.paths.log),
            "RABBITMQ_LOGS": str(lab.paths.log / "rabbitmq-server.log"),
            "RABBITMQ_PID_FILE": str(lab.paths.run / "rabbitmq.real.pid"),
            "RABBITMQ_CONFIG_FILE": str(etc / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(etc / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(etc / "rabbitmq-env.conf"),
            # Erlang's distribution port (for rabbitmqctl) on loopback, like everything else.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
                "+S 1:1 +sbwt none +sbwtdcpu none +sbwtdio none +A 4 "
                "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_CTL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def configure(self, lab: Lab) -> None:
        etc = lab.etc("rabbitmq")
        write_private(etc / "rabbitmq.conf", "\n".join([
            f"listeners.tcp.default = 127.0.0.1:{PORTS['rabbitmq']}",
            "default_user = lab",
            f"default_pass = {lab.secrets['rabbit']}",
            "default_vhost = /",
            "default_permissions.configure = .*",
            "default_permissions.read = .*",
            "default_permissions.write = .*",
            "loopback_users = none",
            "vm_memory_high_watermark.absolute = 512MiB",
            "disk_free_limit.absolute = 50MB",
            "log.console = false",
            "log.file.level = warning",
            "management.tcp.ip = 127.0.0.1",
            "",
        ]))
        (etc / "enabled_plugins").write_text("[].\n")
        (etc / "rabbitmq-env.conf").write_text("")

    def daemons(self, lab: Lab) -> list[Daemon]:
        return [self.daemon(lab, "rabbitmq", [f"{BIN}/rabbitmq-server"], env=self.env(lab),
                            marker="rabbit")]

    def answers(self, lab: Lab) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", PORTS["rabbitmq"]), timeout=1) as s:
                s.sendall(b"AMQP\x00\x00\x09\x01")
                return s.recv(8)[:1] == b"\x01"  # connection.start frame
        except OSError:
            return False

    def wait(self, lab: Lab) -> None:
        wait_for("RabbitMQ to accept AMQP connections", lambda: self.answers(lab), 90,
                 self.daemons(lab)[0])

    def stop(self, lab: Lab) -> None:
        super().stop(lab)
        subprocess.run(["epmd", "-kill"], capture_output=True, check=False,
                       env={**os.environ, **self.env(lab)})

    def check(self, lab: Lab) -> list[Check]:
        checks = super().check(lab)
        if checks[0].ok:
            ok = self.answers(lab)
            checks.append(Check(self.name, "AMQP answers", ok, f"127.0.0.1:{PORTS['rabbitmq']}"))
        return checks
