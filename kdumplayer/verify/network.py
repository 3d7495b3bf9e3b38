"""The proof of the ssh dump target: the guest sends its dump to a Dropbear server
on this machine's loopback (verify.sshserver), reached as 10.0.2.2 through QEMU's
user network, with OpenSSH's ssh in the guest.

ssh-capture: DHCP, the dump arrives whole; the server's makedumpfile -R makes it
  a vmcore (server_makedumpfile=False: it stays vmcore.flat and `kdumplayer
  reassemble` does it on the host); it checks like a local one, the server
  numbered it, the next boot's status says where it went and that the test passed.
ssh-server-down: nothing listens on the port: fallback local saves the dump on
  the board, its summary and the remote record say why, the failure action runs.
ssh-wrong-host-key: the server's key is not the pinned one: refused before
  anything runs on the server, said in the record, the failure action runs.
ssh-cut: the server is killed mid-transfer: it keeps only vmcore.flat-incomplete
  beside a summary that says so; the failure action runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kdumplayer.board.model import Board
from kdumplayer.board.target import Network, SshTarget, parse_host_key
from kdumplayer.reassemble import reassemble
from kdumplayer.verify import inspect
from kdumplayer.verify.assets import Kernel
from kdumplayer.verify.guest import Guest
from kdumplayer.verify.machine import BootRun
from kdumplayer.verify.rootfs import verify_board
from kdumplayer.verify.scenarios import (
    CRASH_LINE,
    SMALL_MEMORY,
    SMALL_MEMORY_APPEND,
    Outcome,
    Scenario,
    _check_dump,
    _crash_run,
    _dumps,
    _tail,
    dump_disk_size,
)
from kdumplayer.verify.sshserver import HOST_FROM_GUEST, SshServer, client_files

KEY_PATH = "/etc/kdump/id_ed25519"  # where the proof provisions the board's key
RECORD = "/.kdump-last-remote"  # on the dump disk, mounted at dump.dir
CUT_AFTER = 2 << 20  # bytes of the flattened vmcore the server gets before the cut
INTERRUPTED = "failed: interrupted while saving the vmcore"


def unproven_reason(board: Board) -> str | None:
    """Why the network scenarios cannot boot this board's init system (None: they can)."""
    if board.init != "busybox":
        return (
            f"the ssh scenarios boot BusyBox's root (its ip and udhcpc); the Debian "
            f"root of init {board.init} has neither yet"
        )
    return None


def _ssh_board(
    board: Board, server: SshServer, host_key: str, port: int, fallback: str, **dump: Any
) -> Board:
    board = verify_board(board)
    ssh = SshTarget(
        user=server.user,
        host=HOST_FROM_GUEST,
        port=port,
        path=str(server.dumps),
        key=board.dump.ssh.key if board.dump.ssh else KEY_PATH,
        host_key=parse_host_key(host_key),
        client="openssh",
        fallback=fallback,
    )
    network = board.dump.network or Network(interface="eth0", address="dhcp", gateway=None)
    return replace(board, dump=replace(board.dump, ssh=ssh, network=network, **dump))


def _provision(board: Board, private_key: bytes) -> Callable[[Path], None]:
    """The staged root gets ssh with its libraries, the key (600) and a passwd entry
    for root (ssh looks the user up)."""
    files = client_files(board.arch)
    key_path = board.dump.ssh.key if board.dump.ssh else KEY_PATH

    def customize(root: Path) -> None:
        for guest, host in files:
            target = root / guest.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.write_bytes(host.read_bytes())
                target.chmod(0o755)
        key = root / key_path.lstrip("/")
        key.parent.mkdir(parents=True, exist_ok=True)
        key.parent.chmod(0o700)
        key.write_bytes(private_key)
        key.chmod(0o600)
        for name, line in (("passwd", "root:x:0:0:root:/root:/bin/sh\n"), ("group", "root:x:0:\n")):
            path = root / "etc" / name
            if not path.exists():
                path.write_text(line)

    return customize


def _guest(
    board: Board,
    kernel: Kernel,
    workdir: Path,
    private_key: bytes,
    append_extra: tuple[str, ...] = (),
) -> Guest:
    guest = Guest(
        board,
        kernel,
        workdir,
        dump_disk_size(board),
        customize=_provision(board, private_key),
        network=True,
        append_extra=append_extra,
    )
    guest.build()
    return guest


def _server(workdir: Path) -> tuple[SshServer, bytes, str]:
    """A prepared server (not started), the client's private key, the host key line."""
    directory = workdir / "server"
    directory.mkdir(parents=True, exist_ok=True)
    server = SshServer(directory)
    client = server.keypair("client")
    return server, client.private_openssh, server.prepare(client.public)


def server_dumps(server: SshServer) -> list[inspect.Dump]:
    """The dump directories on the server, read like the ones on a disk image."""
    dumps = []
    for path in sorted(p for p in server.dumps.iterdir() if p.is_dir()):
        files = {f.name: f.stat().st_size for f in path.iterdir()}
        core = next(
            (
                path / n
                for n in ("vmcore", "vmcore.flat", "vmcore.flat-incomplete", "vmcore-incomplete")
                if n in files
            ),
            None,
        )
        head = core.read_bytes()[:64] if core else b""

        def text(name: str, path: Path = path) -> str:
            file = path / name
            return file.read_text(errors="replace") if file.exists() else ""

        dumps.append(
            inspect.Dump(
                name=path.name,
                files=files,
                summary=inspect.parse_summary(text("summary.txt")),
                dmesg=text("vmcore-dmesg.txt"),
                vmcore_head=head,
            )
        )
    return dumps


def _record(guest: Guest) -> str:
    return inspect.read_text(guest.dump_image, RECORD) or ""


def _failure_action(out: Outcome, run: BootRun, board: Board) -> None:
    out.check(
        f"failure action ({board.dump.failure_action}) ran, not the final action",
        run.has(f"kdump: failure action: {board.dump.failure_action}")
        and not run.has("kdump: final action"),
        _tail(run),
    )


def ssh_capture(
    board: Board, kernel: Kernel, workdir: Path, server_makedumpfile: bool = True
) -> Outcome:
    out = Outcome("ssh-capture", board.name, kernel.name, workdir=workdir)
    server, private_key, host_key = _server(workdir)
    server.makedumpfile = server_makedumpfile
    server.start()
    try:
        board = _ssh_board(board, server, host_key, server.port, "none")
        guest = _guest(board, kernel, workdir / "guest", private_key)
        out.accel = guest.accel
        run = _crash_run(out, guest, "crash")
        url = f"ssh://{server.user}@{HOST_FROM_GUEST}:{server.port}{server.dumps}/"
        out.check(
            "the guest brought up its network by DHCP",
            run.has("kdump: network: eth0 has 10.0.2.15/24 (DHCP)"),
            _tail(run, 40),
        )
        out.check(
            "the hook said the dump reached the server",
            run.has(f"kdump: dump ok: {url}"),
            _tail(run, 40),
        )
        dumps = server_dumps(server)
        if out.check("one dump on the server", len(dumps) == 1, str(dumps)):
            path = server.dumps / dumps[0].name
            kept = "vmcore" if server_makedumpfile else "vmcore.flat"
            out.check(
                f"the whole vmcore arrived, renamed from -incomplete ({kept})",
                kept in dumps[0].files and "vmcore.flat-incomplete" not in dumps[0].files,
                str(dumps[0].files),
            )
            out.check(
                "numbered by the server like a local dump", (path / "seq").read_text() == "1\n"
            )
            out.check(
                "the summary names the target",
                dumps[0].summary.get("target") == f"{url}{dumps[0].name}",
                str(dumps[0].summary),
            )
            if not server_makedumpfile and "vmcore.flat" in dumps[0].files:
                reassemble(path)  # what `kdumplayer reassemble DIR` runs
            (dump,) = [d for d in server_dumps(server) if d.name == dumps[0].name]
            _check_dump(out, dump, "reassembled dump", kernel)
            out.check(
                "reassembled into a kdump-compressed vmcore",
                dump.vmcore_format == "kdump-compressed",
                repr(dump.vmcore_head[:8]),
            )
        status = guest.boot("status")
        out.check(
            "next boot: status says where the dump went",
            status.has(f"last remote dump: {url}") and status.has("(ok)"),
            _tail(status),
        )
        out.check(
            "next boot: status reports the test passed",
            status.has(f"last test: passed: dump saved in {url}"),
            _tail(status),
        )
        out.runs, out.retried = guest.runs, guest.retried
    finally:
        server.stop()
    return out


def ssh_server_down(board: Board, kernel: Kernel, workdir: Path) -> Outcome:
    out = Outcome("ssh-server-down", board.name, kernel.name, workdir=workdir)
    server, private_key, host_key = _server(workdir)
    server.start()  # for a free port, then stopped: nothing listens on it at the crash
    port = server.port
    server.stop()
    board = _ssh_board(board, server, host_key, port, "local", failure_action="reboot")
    guest = _guest(board, kernel, workdir / "guest", private_key)
    out.accel = guest.accel
    run = _crash_run(out, guest, "crash")
    refused = f"connection refused by {HOST_FROM_GUEST}:{port}"
    out.check(
        "the hook says the server refused the connection",
        run.has(f"kdump: ssh: {refused}"),
        _tail(run, 40),
    )
    out.check("it fell back to the local directory", run.has("falling back to the local directory"))
    _failure_action(out, run, board)
    dumps = _dumps(out, guest)
    if out.check("one dump saved on the board", len(dumps) == 1, str(dumps)):
        _check_dump_failed(out, dumps[0], f"failed: ssh: {refused}; saved locally instead")
    record = _record(guest)
    out.check(
        "the remote record says the server was not reached, and where the dump went",
        f"status: failed: {refused} (saved to the local" in record,
        record,
    )
    out.runs, out.retried = guest.runs, guest.retried
    return out


def _check_dump_failed(out: Outcome, dump: inspect.Dump, status: str) -> None:
    out.check(
        "the local dump is whole",
        dump.complete and dump.vmcore_format != "unknown",
        str(dump.files),
    )
    out.check("its kernel log holds the crash", inspect.CRASH_MESSAGE in dump.dmesg)
    out.check("its summary says failed, and why", dump.status == status, dump.status)


def ssh_wrong_host_key(board: Board, kernel: Kernel, workdir: Path) -> Outcome:
    out = Outcome("ssh-wrong-host-key", board.name, kernel.name, workdir=workdir)
    server, private_key, _ = _server(workdir)
    impostor = server.keypair("impostor").public  # what the board pins instead
    server.start()
    try:
        board = _ssh_board(
            board,
            server,
            impostor,
            server.port,
            "none",
            failure_action="reboot",
            final_action="poweroff",
        )
        guest = _guest(board, kernel, workdir / "guest", private_key)
        out.accel = guest.accel
        run = _crash_run(out, guest, "crash")
        refused = (
            f"the host key of {HOST_FROM_GUEST}:{server.port} does not match the "
            "pinned ssh_host_key: refused"
        )
        out.check(
            "the hook refused the server's key", run.has(f"kdump: ssh: {refused}"), _tail(run, 40)
        )
        out.check("no second try against a wrong key", not run.has("trying again"))
        _failure_action(out, run, board)
        out.check(
            "nothing was written on the server",
            server_dumps(server) == [],
            str(server_dumps(server)),
        )
        record = _record(guest)
        out.check(
            "the record says the key was refused", f"status: failed: {refused}" in record, record
        )
        dumps = _dumps(out, guest)
        out.check("no local dump (fallback none)", dumps == [], str(dumps))
        out.runs, out.retried = guest.runs, guest.retried
    finally:
        server.stop()
    return out


def _cut_when_growing(server: SshServer, done: threading.Event) -> None:
    """Kill the server once a flattened vmcore on it passed CUT_AFTER bytes."""
    while not done.wait(0.2):
        for part in server.dumps.glob("*/vmcore.flat-incomplete"):
            if part.stat().st_size >= CUT_AFTER:
                server.stop()
                (server.workdir / "cut").write_text(f"{part} {part.stat().st_size}\n")
                return


def ssh_cut(board: Board, kernel: Kernel, workdir: Path) -> Outcome:
    out = Outcome("ssh-cut", board.name, kernel.name, workdir=workdir)
    server, private_key, host_key = _server(workdir)
    server.start()
    done = threading.Event()
    try:
        # Unfiltered and uncompressed, 512M: the transfer lasts long enough to be cut.
        board = _ssh_board(
            board,
            server,
            host_key,
            server.port,
            "none",
            level=0,
            compression="none",
            failure_action="reboot",
        )
        board = replace(board, memory=min(board.memory, SMALL_MEMORY))
        guest = _guest(board, kernel, workdir / "guest", private_key, SMALL_MEMORY_APPEND)
        out.accel = guest.accel
        watcher = threading.Thread(target=_cut_when_growing, args=(server, done), daemon=True)
        watcher.start()
        run = _crash_run(out, guest, "crash")
        done.set()
        watcher.join(timeout=5)
        out.check("the server was killed mid-transfer", (server.workdir / "cut").exists())
        out.check(
            "the hook says the transfer failed", run.has("the transfer failed"), _tail(run, 40)
        )
        _failure_action(out, run, board)
        dumps = server_dumps(server)
        if out.check("one dump directory on the server", len(dumps) == 1, str(dumps)):
            files = dumps[0].files
            out.check(
                "the server keeps only vmcore.flat-incomplete",
                "vmcore.flat-incomplete" in files
                and "vmcore.flat" not in files
                and "vmcore" not in files,
                str(files),
            )
            out.check(
                "its summary says the capture was interrupted",
                dumps[0].status == INTERRUPTED,
                dumps[0].status,
            )
        record = _record(guest)
        out.check(
            "the record says the transfer failed",
            "status: failed: the transfer failed" in record,
            record,
        )
        out.check("the crash was captured at all", run.has(CRASH_LINE))
        out.runs, out.retried = guest.runs, guest.retried
    finally:
        done.set()
        server.stop()
    return out


NETWORK_SCENARIOS = {
    "ssh-capture": ssh_capture,
    "ssh-server-down": ssh_server_down,
    "ssh-wrong-host-key": ssh_wrong_host_key,
    "ssh-cut": ssh_cut,
}


def scenario(name: str) -> Scenario:
    """The network scenario `name`, reported unproven where it cannot boot the board's init."""

    def run(board: Board, kernel: Kernel, workdir: Path, **options: Any) -> Outcome:
        reason = unproven_reason(board)
        if reason:
            return Outcome(name, board.name, kernel.name, init=board.init, unproven=reason)
        return NETWORK_SCENARIOS[name](board, kernel, workdir, **options)

    return run
