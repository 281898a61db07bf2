"""A network namespace joined to this host by one veth pair: a stand-in for another machine.

Inside it only the pair's /30 is routed: the host is reachable at `host_ip`, and only on the ports
that listen on that address (or on every address); 127.0.0.1 inside is the namespace's own
loopback, so services bound to the host's loopback (PostgreSQL here) cannot be reached. Needs root
and iproute2 (`ip netns`).
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class NamespaceUnavailable(Exception):
    """`ip netns` cannot make a namespace here (no iproute2, no root, or the kernel refuses)."""


@dataclass(frozen=True)
class NetworkNamespace:
    name: str
    host_ip: str
    worker_ip: str

    def command(self, *argv: str) -> list[str]:
        """argv run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NamespaceUnavailable(f"`ip {' '.join(args)}` failed: {done.stderr.strip()}")


@contextmanager
def network_namespace() -> Iterator[NetworkNamespace]:
    """A fresh namespace and veth pair named after this process, removed afterwards."""
    if shutil.which("ip") is None:
        raise NamespaceUnavailable("iproute2's `ip` is not installed")
    if os.geteuid() != 0:
        raise NamespaceUnavailable("`ip netns` needs root")
    pid = os.getpid()
    name, host_end, worker_end = f"scrw{pid}", f"vh{pid}", f"vw{pid}"
    third, fourth = (pid >> 6) % 256, (pid % 64) * 4
    host_ip, worker_ip = f"10.231.{third}.{fourth + 1}", f"10.231.{third}.{fourth + 2}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)  # a leftover
    subprocess.run(["ip", "link", "del", host_end], capture_output=True, check=False)
    _ip("netns", "add", name)
    try:
        _ip("link", "add", host_end, "type", "veth", "peer", "name", worker_end)
        _ip("link", "set", worker_end, "netns", name)
        _ip("addr", "add", f"{host_ip}/30", "dev", host_end)
        _ip("link", "set", host_end, "up")
        _ip("-n", name, "addr", "add", f"{worker_ip}/30", "dev", worker_end)
        _ip("-n", name, "link", "set", worker_end, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield NetworkNamespace(name=name, host_ip=host_ip, worker_ip=worker_ip)
    finally:
        subprocess.run(["ip", "link", "del", host_end], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
