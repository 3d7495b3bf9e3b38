"""The proof's SSH server and the guest's SSH client, from Debian's packages.

The server is Dropbear's (dropbear-bin), run unprivileged-style on the host's
loopback on a free high port with its own host key; nss_wrapper (libnss-wrapper)
gives the login user a passwd entry whose home is a temporary directory, so that
its ~/.ssh/authorized_keys is the test's and nothing of the host's accounts or
/root is read or written. The guest reaches it as 10.0.2.2 through QEMU's user
network. The client is OpenSSH's ssh (openssh-client) with the libraries it
links, for the guest's arch. All of it is unpacked through the private apt
state (kdumplayer.debian), never installed.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kdumplayer import debian
from kdumplayer.arch import Arch
from kdumplayer.errors import UserError
from kdumplayer.verify import arches, assets

# Dropbear, its libraries and nss_wrapper: the server side, for the host's arch.
SERVER_PACKAGES = (
    "dropbear-bin",
    "libtomcrypt1",
    "libtommath1",
    "libgmp10",
    "libnss-wrapper",
    "zlib1g",
    "libcrypt1",
    "libc6",
)
# OpenSSH's client and the libraries it links (named, not the whole dependency
# closure: adduser and perl are of no use to a binary copied into a guest).
CLIENT_PACKAGES = (
    "openssh-client",
    "libc6",
    "libedit2",
    "libgssapi-krb5-2",
    "libkrb5-3",
    "libk5crypto3",
    "libkrb5support0",
    "libcom-err2",
    "libkeyutils1",
    "libselinux1",
    "libpcre2-8-0",
    "libssl3",
    "zlib1g",
    "libbsd0",
    "libmd0",
    "libtinfo6",
    "libcrypt1",
)
GUEST_SSH = "/usr/bin/ssh"
HOST_FROM_GUEST = "10.0.2.2"  # QEMU's user network: the host's loopback
_HOST_DEBIAN = {"x86_64": "amd64", "aarch64": "arm64"}


@cache
def _server_root() -> Path:
    """The unpacked server packages (asked of apt once a process: its queries take seconds)."""
    arch = _HOST_DEBIAN.get(platform.machine())
    if arch is None:
        raise UserError(f"no SSH server for a {platform.machine()} host")
    return debian.PrivateApt(assets.HOST_GENERATION, arch).unpack(
        SERVER_PACKAGES, with_depends=False
    )


def client_files(arch: Arch) -> list[tuple[str, Path]]:
    """(guest path, host path) of ssh and its libraries for `arch`'s guest."""
    root = debian.PrivateApt(assets.HOST_GENERATION, arch.debian_arch).unpack(
        CLIENT_PACKAGES, with_depends=False
    )
    libs = arches.library_closure(root, [GUEST_SSH], arches._multiarch(root))
    return [(guest, arches._host_path(root, guest)) for guest in [GUEST_SSH, *libs]]


@dataclass(frozen=True)
class KeyPair:
    private_openssh: bytes  # the client's key as OpenSSH's ssh reads it
    public: str  # "TYPE BASE64 comment"


@dataclass
class SshServer:
    """One Dropbear server on 127.0.0.1:port serving `user`, its files in `workdir`."""

    workdir: Path
    user: str = "kdump"
    port: int = 0
    # False: the server's makedumpfile fails as a missing one would (exit 127), so the
    # dump stays flattened (vmcore.flat) for `kdumplayer reassemble`.
    makedumpfile: bool = True
    process: subprocess.Popen[bytes] | None = None

    @property
    def root(self) -> Path:
        return _server_root()

    def _env(self) -> dict[str, str]:
        libdir = next(p for p in (self.root / "usr/lib").glob("*-linux-gnu*") if p.is_dir())
        return {**os.environ, "LD_LIBRARY_PATH": str(libdir)}

    def _tool(self, name: str, *args: str) -> str:
        done = subprocess.run(
            [str(self.root / "usr/bin" / name), *args],
            capture_output=True,
            text=True,
            env=self._env(),
            check=False,
        )
        if done.returncode != 0:
            raise UserError(f"{name} {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def keypair(self, name: str) -> KeyPair:
        """A new ed25519 key pair (Dropbear's file, its OpenSSH form, the public line)."""
        path = self.workdir / name
        path.unlink(missing_ok=True)
        self._tool("dropbearkey", "-t", "ed25519", "-f", str(path))
        public = next(
            line
            for line in self._tool("dropbearkey", "-y", "-f", str(path)).splitlines()
            if line.startswith("ssh-")
        )
        converted = path.with_suffix(".openssh")
        converted.unlink(missing_ok=True)
        self._tool("dropbearconvert", "dropbear", "openssh", str(path), str(converted))
        return KeyPair(
            private_openssh=converted.read_bytes(),
            public=" ".join(public.split()[:2]) + f" kdumplayer-{name}",
        )

    @property
    def host_key_file(self) -> Path:
        return self.workdir / "host_key"

    @property
    def dumps(self) -> Path:
        """The directory the board's ssh_path points at (the server's dumps)."""
        return self.workdir / "dumps"

    def prepare(self, client_public: str) -> str:
        """Host key, login user, authorized key; returns the host key's public line."""
        home = self.workdir / "home"
        (home / ".ssh").mkdir(parents=True, exist_ok=True, mode=0o700)
        (home / ".ssh" / "authorized_keys").write_text(client_public + "\n")
        (home / ".ssh" / "authorized_keys").chmod(0o600)
        self.dumps.mkdir(exist_ok=True)
        (self.workdir / "passwd").write_text(
            f"{self.user}:x:{os.getuid()}:{os.getgid()}:kdump:{home}:/bin/sh\n"
        )
        (self.workdir / "group").write_text(f"{self.user}:x:{os.getgid()}:\n")
        host = self.keypair("host_key")
        return host.public

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1 (kept as self.port)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        libdir = self._env()["LD_LIBRARY_PATH"]
        env = {
            **self._env(),
            "LD_PRELOAD": f"{libdir}/libnss_wrapper.so",
            "NSS_WRAPPER_PASSWD": str(self.workdir / "passwd"),
            "NSS_WRAPPER_GROUP": str(self.workdir / "group"),
        }
        forced: list[str] = []
        if not self.makedumpfile:
            tools = self.workdir / "bin"
            tools.mkdir(exist_ok=True)
            (tools / "makedumpfile").write_text(
                "#!/bin/sh\necho 'makedumpfile: not on this server' >&2\nexit 127\n"
            )
            (tools / "makedumpfile").chmod(0o755)
            # Dropbear sets the session's PATH itself: a forced command puts the
            # stand-in first, then runs what the client asked for.
            forced = ["-c", f'PATH={tools}:$PATH; export PATH; eval "$SSH_ORIGINAL_COMMAND"']
        log = (self.workdir / "server.log").open("ab")
        # -s: keys only; -F -E: foreground, log to stderr; -e: the sessions get this
        # environment (nss_wrapper), whoever runs the test; a session of its own so
        # that a cut kills the server and the session it forked.
        self.process = subprocess.Popen(
            [
                str(self.root / "usr/sbin/dropbear"),
                "-F",
                "-E",
                "-e",
                "-s",
                "-m",
                "-p",
                f"127.0.0.1:{self.port}",
                "-r",
                str(self.host_key_file),
                "-P",
                str(self.workdir / "dropbear.pid"),
                *forced,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise UserError(f"dropbear did not start: {(self.workdir / 'server.log').read_text()}")

    def stop(self) -> None:
        """Kill the server and every session it forked: Dropbear re-executes each
        connection's process in a session of its own, so the process group is not
        enough; its descendants are found by their parent pid."""
        if self.process is not None and self.process.poll() is None:
            victims = _descendants(self.process.pid)
            os.killpg(self.process.pid, signal.SIGKILL)
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


def _descendants(root: int) -> list[int]:
    """The pids below `root` in the process tree (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The fields after the command name, which may hold spaces and ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
