"""The hook's ssh target on the host: a real Dropbear server on the loopback (Debian's
package, kdumplayer.verify.sshserver), OpenSSH's real ssh client, the hook's real
save path. Only net_up is replaced: bringing up an interface would reconfigure
the host (the QEMU proof, tests/verify/test_ssh_target.py, runs the real one).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kdumplayer.verify.sshserver import SshServer
from tests.runtime.conftest import SHELLS, Hook, capture_env, make_hook

SAVE = (
    'net_up() { return 0; }; do_action() { echo "ACTION $1"; }; conf_load "$KDUMP_CONF"; '
    'cmd_save; echo "EXIT $?"'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SshServer, Path, str]]:
    if shutil.which("ssh") is None:
        pytest.fail("OpenSSH's ssh is not installed (make deps installs openssh-client)")
    workdir = tmp_path_factory.mktemp("sshd")
    srv = SshServer(workdir)
    client = srv.keypair("client")
    key = workdir / "client_key"
    key.write_bytes(client.private_openssh)
    key.chmod(0o644)  # the hook copies it with mode 600: ssh would refuse this one
    host_key = srv.prepare(client.public)
    srv.start()
    yield srv, key, host_key
    srv.stop()


@pytest.fixture(params=["dash", "busybox-ash"])
def hook(request: pytest.FixtureRequest, tmp_path: Path) -> Hook:
    return make_hook(tmp_path, SHELLS[request.param])


def _conf(hook: Hook, srv: SshServer, key: Path, host_key: str, remote: Path, **more: str) -> Path:
    settings = {
        "target": "ssh",
        "ssh_user": srv.user,
        "ssh_host": "127.0.0.1",
        "ssh_port": str(srv.port),
        "ssh_path": str(remote),
        "ssh_key": str(key),
        "ssh_host_key": host_key,
        "fallback": "none",
        "failure_action": "halt",
        **more,
    }
    return capture_env(hook, 512 * 1024, **settings)


def _run(hook: Hook) -> tuple[str, str]:
    done = hook.lib(SAVE)
    return done.stdout, done.stderr


@pytest.fixture
def run(hook: Hook) -> Hook:
    # Sourced, the hook's $0 is the shell: it reads its functions for the server from here.
    return _extend_env(hook, lambda _: {"KDUMP_SELF": str(hook.script)})


def _extend_env(hook: Hook, more: Callable[[dict[str, str]], dict[str, str]]) -> Hook:
    """The hook run with its environment plus more(environment)."""
    original = hook.env

    def env() -> dict[str, str]:
        base = original()
        return {**base, **more(base)}

    hook.env = env  # type: ignore[method-assign]
    return hook


def test_dump_arrives_complete_and_rotates(
    run: Hook, server: tuple[SshServer, Path, str], tmp_path: Path
) -> None:
    srv, key, host_key = server
    remote = srv.dumps / tmp_path.name
    crash = _conf(run, srv, key, host_key, remote)
    crash.mkdir()
    (crash / ".kdump-test-pending").write_text("then\n")
    names = []
    for _ in range(3):
        out, err = _run(run)
        assert "ACTION reboot" in out and "EXIT 0" in out, err
        names.append(err.split("kdump: dump ok: ")[1].split()[0].rsplit("/", 1)[1])
    dumps = sorted(p.name for p in remote.iterdir())
    assert dumps == sorted(names[-2:]), (names, dumps)  # keep=2, by capture order
    newest = remote / names[-1]
    assert sorted(p.name for p in newest.iterdir()) == ["seq", "summary.txt", "vmcore"]
    assert (newest / "vmcore").read_bytes() == (run.proc / "vmcore").read_bytes()
    assert (newest / "seq").read_text() == "3\n"
    summary = (newest / "summary.txt").read_text()
    assert "status: ok" in summary
    assert f"target: ssh://{srv.user}@127.0.0.1:{srv.port}{newest}" in summary
    status = run.command("status").stdout
    assert f"last remote dump: ssh://{srv.user}@127.0.0.1:{srv.port}{remote}/" in status
    assert "last test: passed: dump saved in ssh://" in status
    assert "PRIVATE KEY" not in out + err


def test_wrong_host_key_is_refused(
    run: Hook, server: tuple[SshServer, Path, str], tmp_path: Path
) -> None:
    srv, key, _ = server
    other = srv.keypair("other").public
    remote = srv.dumps / tmp_path.name
    crash = _conf(run, srv, key, other, remote)
    out, err = _run(run)
    assert "ACTION halt" in out, err
    assert "does not match the pinned ssh_host_key" in err
    assert not remote.exists()  # nothing ran on the server
    record = (crash / ".kdump-last-remote").read_text()
    assert "status: failed: the host key of 127.0.0.1" in record


def test_server_down_falls_back_to_the_local_directory(
    run: Hook, server: tuple[SshServer, Path, str], tmp_path: Path
) -> None:
    srv, key, host_key = server
    crash = _conf(
        run, srv, key, host_key, srv.dumps / tmp_path.name, fallback="local", ssh_port="1"
    )  # nothing listens on port 1
    out, err = _run(run)
    assert "ACTION halt" in out and "EXIT 1" in out, err
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert (dump / "vmcore").read_bytes() == (run.proc / "vmcore").read_bytes()
    summary = (dump / "summary.txt").read_text()
    assert (
        "status: failed: ssh: connection refused by 127.0.0.1:1; saved locally instead" in summary
    )
    assert "falling back to the local directory" in err


# Dropbear's dbclient (the client a Buildroot or Yocto board with `client: dropbear`
# gets), from the same dropbear-bin package as the server: its own key format, its
# own known_hosts lookup, no -y.
@pytest.fixture
def dbclient(run: Hook, server: tuple[SshServer, Path, str], tmp_path: Path) -> Hook:
    srv, _, _ = server
    tools = tmp_path / "dropbear-bin"
    tools.mkdir()
    libdir = next(p for p in (srv.root / "usr/lib").glob("*-linux-gnu*") if p.is_dir())
    (tools / "dbclient").write_text(
        f'#!/bin/sh\nLD_LIBRARY_PATH="{libdir}" exec "{srv.root}/usr/bin/dbclient" "$@"\n'
    )
    (tools / "dbclient").chmod(0o755)
    return _extend_env(run, lambda base: {"PATH": f"{tools}:{base['PATH']}"})


def _dropbear_key(srv: SshServer) -> Path:
    """The client key in Dropbear's own format (keypair() writes it beside the OpenSSH one)."""
    key = srv.workdir / "client"
    assert key.read_bytes()[:4] != b"----", "expected Dropbear's binary key format"
    return key


def test_dbclient_dump_arrives_complete(
    dbclient: Hook, server: tuple[SshServer, Path, str], tmp_path: Path
) -> None:
    srv, _, host_key = server
    remote = srv.dumps / tmp_path.name
    crash = _conf(
        dbclient, srv, _dropbear_key(srv), host_key, remote, ssh_client="dropbear", keep="3"
    )
    crash.mkdir()
    out, err = _run(dbclient)
    assert "ACTION reboot" in out and "EXIT 0" in out, err
    (dump,) = list(remote.iterdir())
    assert (dump / "vmcore").read_bytes() == (dbclient.proc / "vmcore").read_bytes()
    assert "status: ok" in (dump / "summary.txt").read_text()


def test_dbclient_refuses_a_wrong_host_key(
    dbclient: Hook, server: tuple[SshServer, Path, str], tmp_path: Path
) -> None:
    srv, _, _ = server
    remote = srv.dumps / tmp_path.name
    crash = _conf(
        dbclient,
        srv,
        _dropbear_key(srv),
        srv.keypair("other-db").public,
        remote,
        ssh_client="dropbear",
    )
    out, err = _run(dbclient)
    assert "ACTION halt" in out, err
    assert "does not match the pinned ssh_host_key" in err
    assert not remote.exists()
    assert "status: failed: the host key of 127.0.0.1" in (crash / ".kdump-last-remote").read_text()


@pytest.mark.parametrize(
    ("client", "key_format", "said"),
    [
        ("dropbear", "openssh", "dbclient cannot read the key"),
        ("openssh", "dropbear", "ssh cannot read the key"),
    ],
)
def test_a_key_in_the_other_clients_format_is_named_not_retried(
    dbclient: Hook,
    server: tuple[SshServer, Path, str],
    tmp_path: Path,
    client: str,
    key_format: str,
    said: str,
) -> None:
    srv, openssh_key, host_key = server
    key = openssh_key if key_format == "openssh" else _dropbear_key(srv)
    crash = _conf(dbclient, srv, key, host_key, srv.dumps / tmp_path.name, ssh_client=client)
    out, err = _run(dbclient)
    assert "ACTION halt" in out, err
    assert f"kdump: dump failed: {said} {key}" in err
    assert "trying again" not in err  # a key that cannot be read will not be readable later
    assert said in (crash / ".kdump-last-remote").read_text()


def test_a_refused_ssh_path_stops_before_connecting(
    run: Hook, server: tuple[SshServer, Path, str], tmp_path: Path
) -> None:
    """A relative ssh_path is refused when kdump.conf loads; the save must not then
    try the server with an empty one (it used to run mkdir '' there, 3 times)."""
    srv, key, host_key = server
    crash = _conf(run, srv, key, host_key, Path("relative/dumps"))
    out, err = _run(run)
    assert "ACTION halt" in out, err
    assert "ssh_path: 'relative/dumps' is not an absolute path" in err
    assert f"ssh_host or ssh_path is not set in {run.conf}" in err
    assert "trying again" not in err and "mkdir" not in err
    assert (
        "status: failed: ssh_host or ssh_path is not set"
        in (crash / ".kdump-last-remote").read_text()
    )
