"""The proof's parts that need no QEMU: the initramfs writer (read back by the real
cpio), ext4 images (made by mkfs.ext4, read by debugfs), the QEMU command line,
the root assembly, the gold kernel's config merge check and the bisection."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kdumplayer.arch import get_arch
from kdumplayer.board.model import load_board
from kdumplayer.render import render
from kdumplayer.runtime import runtime_files
from kdumplayer.verify import (
    catalog,
    cpio,
    debroot,
    disk,
    floor,
    gold,
    inspect,
    machine,
    report,
    rootfs,
    scenarios,
)
from kdumplayer.verify.assets import GUEST_TOOLS, Kernel, library_closure
from kdumplayer.verify.guest import Seed, seed_tree
from tests.conftest import BOARDS, DEFAULT_BOARD, run_cli


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed (make deps installs it)"
    return path


def test_cpio_newc_is_read_by_cpio(tmp_path: Path) -> None:
    _tool("cpio")
    entries = [
        cpio.Entry("bin", "dir"),
        cpio.Entry("bin/tool", "file", 0o755, b"#!/bin/sh\necho hi\n"),
        cpio.Entry("bin/sh", "link", 0o777, b"tool"),
        cpio.Entry("odd", "file", 0o644, b"x" * 5),
    ]
    archive = tmp_path / "a.cpio"
    archive.write_bytes(cpio.newc(entries))
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        ["cpio", "-idm", "--quiet", "-F", str(archive)],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "bin" / "tool").read_bytes() == b"#!/bin/sh\necho hi\n"
    assert (out / "bin" / "tool").stat().st_mode & 0o777 == 0o755
    assert (out / "bin" / "sh").readlink() == Path("tool")
    assert (out / "odd").read_bytes() == b"xxxxx"


def test_cpio_is_deterministic() -> None:
    entries = [cpio.Entry("b", "file", 0o644, b"2"), cpio.Entry("a", "file", 0o644, b"1")]
    assert cpio.newc(entries) == cpio.newc(list(reversed(entries)))


def test_ext4_round_trip_without_mounting(tmp_path: Path) -> None:
    _tool("mkfs.ext4")
    _tool("debugfs")
    source = tmp_path / "src"
    seed_tree(source, (Seed("20240101-000000", True), Seed("20240102-000000", False)))
    image = tmp_path / "d.img"
    disk.make_ext4(image, 16 << 20, source, "dump")
    names = [e.name for e in disk.list_dir(image, "/") or []]
    assert names == ["20240101-000000", "20240102-000000", "lost+found"]
    assert disk.list_dir(image, "/nonexistent") is None
    dumps = inspect.read_dumps(image, "/", tmp_path / "scratch") or []
    assert [(d.name, d.complete, d.status, d.vmcore_format) for d in dumps] == [
        ("20240101-000000", True, "ok", "kdump-compressed"),
        ("20240102-000000", False, "failed: vmcore", "kdump-compressed"),
    ]
    assert "earlier crash" in dumps[0].dmesg


def _machine(accel: str) -> machine.Machine:
    return machine.Machine(
        arch=get_arch("x86_64"),
        memory_mb=1024,
        kernel=Path("/k"),
        initrd=Path("/i"),
        append="console=ttyS0 a=b",
        disks=(Path("/r.img"), Path("/d.img")),
        accel=accel,
    )


def test_qemu_argv_tcg() -> None:
    argv = machine.qemu_argv(_machine("tcg"))
    assert argv[0] == "qemu-system-x86_64"
    assert argv[argv.index("-accel") + 1] == "tcg"
    assert argv[argv.index("-cpu") + 1] == "max"
    assert argv[argv.index("-m") + 1] == "1024M"
    assert argv[argv.index("-append") + 1] == "console=ttyS0 a=b"
    assert "-no-reboot" in argv  # a reboot ends the run: the host sees each capture end
    assert argv.count("virtio-blk-pci,drive=disk0") == 1
    assert "file=/d.img,format=raw,if=none,id=disk1" in argv


def test_qemu_argv_rtc_starts_at_the_given_time() -> None:
    assert "-rtc" not in machine.qemu_argv(_machine("tcg"))  # the host's time by default
    argv = machine.qemu_argv(replace(_machine("tcg"), rtc_base="2020-01-01T00:00:00"))
    assert argv[argv.index("-rtc") + 1] == "base=2020-01-01T00:00:00,clock=vm"


def test_qemu_argv_kvm_uses_the_host_cpu() -> None:
    argv = machine.qemu_argv(_machine("kvm"))
    assert argv[argv.index("-cpu") + 1] == "host"


def test_accel_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KDUMPLAYER_ACCEL", "tcg")
    assert machine.choose_accel(get_arch("x86_64")) == "tcg"
    assert not machine.kvm_usable(get_arch("arm64"))  # never KVM for a foreign arch


def test_library_closure_has_the_loader_and_libc() -> None:
    libs = library_closure(GUEST_TOOLS)
    assert any(p.endswith("libc.so.6") for p in libs)
    assert any("ld-linux" in p for p in libs)
    assert any("libz.so" in p for p in libs)  # makedumpfile's zlib compression


@pytest.fixture(scope="module")
def assembled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("root")
    board = rootfs.verify_board(load_board(DEFAULT_BOARD))
    image = root.parent / "bzImage"
    image.write_bytes(b"kernel")
    module = root.parent / "virtio.ko"
    module.write_bytes(b"module")
    kernel = Kernel(name="k", image=image, release="r", modules=(module,))
    rootfs.assemble_root(root, board, kernel, rootfs.initramfs(kernel), dump_disk=True)
    return root, board


def test_root_holds_exactly_the_runtime_files(assembled: tuple[Path, object]) -> None:
    root, board = assembled
    for item in runtime_files(board):  # type: ignore[arg-type]
        path = root / item.install_path.lstrip("/")
        assert path.read_text() == item.text
        assert path.stat().st_mode & 0o777 == item.mode
    assert (root / "boot" / "bzImage").read_bytes() == b"kernel"
    assert (root / "boot" / "initrd.img").exists()
    assert "initrd=/boot/initrd.img" in (root / "etc" / "kdump.conf").read_text()


def test_root_has_the_tools_and_their_libraries(assembled: tuple[Path, object]) -> None:
    root, _ = assembled
    for tool in (*GUEST_TOOLS, *library_closure(GUEST_TOOLS)):
        assert (root / tool.lstrip("/")).is_file(), tool
    assert (root / "sbin" / "init").readlink() == Path("/bin/busybox")
    assert "/dev/vdb\t/var/crash\text4" in (root / "etc" / "fstab").read_text()


def test_initramfs_loads_the_modules_in_order(tmp_path: Path) -> None:
    mods = []
    for name in ("virtio_ring", "virtio", "virtio_blk"):
        path = tmp_path / f"{name}.ko"
        path.write_bytes(name.encode())
        mods.append(path)
    data = rootfs.initramfs(Kernel("k", tmp_path / "k", "r", tuple(mods)))
    init = data[data.index(b"#!/bin/sh") :].split(b"\0", 1)[0].decode()
    order = [line.split()[1] for line in init.splitlines() if line.startswith("insmod")]
    assert order == [f"/lib/modules/{n}.ko" for n in ("virtio_ring", "virtio", "virtio_blk")]


@pytest.mark.parametrize("board_path", BOARDS, ids=lambda p: p.stem)
def test_verify_board_adds_a_capture_initrd(board_path: Path) -> None:
    board = load_board(board_path)
    booted = rootfs.verify_board(board)
    assert booted.capture.initrd == (board.capture.initrd or rootfs.INITRD_PATH)
    # Only the board's own init system, never BusyBox in its place.
    assert rootfs.booted_init(board) in (board.init, None)


CONFIGS = [
    ('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="x y"\n', {"A": "y", "B": "n", "C": '"x y"'}),
    ("# comment\nCONFIG_D=0x10\n", {"D": "0x10"}),
]


@pytest.mark.parametrize(("text", "values"), CONFIGS)
def test_parse_config(text: str, values: dict[str, str]) -> None:
    assert gold.parse_config(text) == values


def test_unmet_fragment_values() -> None:
    wanted = {"KEXEC": "y", "DEBUG_INFO": "y", "X": "n"}
    final = {"KEXEC": "y", "DEBUG_INFO": "n"}
    assert gold.unmet(wanted, final) == {"DEBUG_INFO": ("y", "n")}


def test_gold_key_follows_the_fragment() -> None:
    board = load_board(DEFAULT_BOARD)
    cfg = gold.gold_config(board)
    assert cfg.key == gold.gold_config(board).key
    assert replace(cfg, fragment=cfg.fragment + "CONFIG_X=y\n").key != cfg.key


@pytest.mark.parametrize(
    ("init", "ssh", "added"),
    [
        ("busybox", False, set()),
        ("systemd", False, {"CONFIG_CGROUPS=y", "CONFIG_SIGNALFD=y"}),
        ("busybox", True, {"CONFIG_INET=y", "CONFIG_VIRTIO_NET=y"}),
        ("sysv", False, set()),
    ],
)
def test_gold_machine_needs_follow_the_init_and_the_target(
    init: str, ssh: bool, added: set[str]
) -> None:
    """systemd freezes on a tinyconfig kernel ("Failed to mount API filesystems": no
    cgroups); an ssh target needs the network in the capture kernel."""
    board = replace(load_board(DEFAULT_BOARD), init=init)
    if ssh:
        board = load_board(Path(__file__).parents[1] / "data/network/ssh-board.yaml")
    plain = set(
        gold.gold_config(replace(load_board(DEFAULT_BOARD), init="busybox")).machine.split("\n")
    )
    lines = set(gold.gold_config(board).machine.split("\n"))
    assert added <= lines
    assert (lines - plain == set()) == (not added)


BISECTIONS = [(100, 256, 104), (33, 256, 40), (250, 256, 256), (300, 256, None)]


@pytest.mark.parametrize(("threshold", "high", "expected"), BISECTIONS)
def test_bisect_smallest(threshold: int, high: int, expected: int | None) -> None:
    tried: list[int] = []

    def works(size: int) -> bool:
        tried.append(size)
        return size >= threshold

    assert report.bisect_smallest(works, 32, high, 8) == expected
    assert len(tried) <= 6  # log2(224 / 8) + 1 boots, not a linear scan


def test_verify_never_proves_an_init_it_cannot_boot() -> None:
    """visionfive2 runs OpenRC on riscv64: the Debian roots are built for the host's
    arch only, so nothing stands in for its init: NOT PROVEN, exit 1, nothing booted."""
    riscv = next(p for p in BOARDS if p.stem == "visionfive2")
    result = run_cli("verify", riscv)
    assert result.code == 1, result.err
    assert result.out.startswith("NOT PROVEN capture: visionfive2: nothing booted: init openrc")


def test_format_report() -> None:
    result = report.Report(board="b", kernel="k", memory=1 << 30, accel="tcg")
    result.sizes = [
        report.Capture(256 << 20, 31, "zlib", True, 12.5, 17 << 20, 20.0),
        report.Capture(256 << 20, 0, "none", False, None, None, 30.0),
    ]
    result.probes = [
        report.Capture(s << 20, 31, "zlib", s >= 96, None, None, 20.0) for s in (256, 144, 96, 88)
    ]
    result.smallest = 96 << 20
    text = report.format_report(result)
    assert "     31  zlib             17.0M    1.66%         12.5s" in text
    assert "      0  none            FAILED" in text
    assert "smallest: 96M" in text
    assert "Fedora default: 256M (2.7x the smallest)" in text
    assert "Debian default: 192M (2.0x the smallest)" in text


def test_guest_scripts_pass_shellcheck(tmp_path: Path) -> None:
    _tool("shellcheck")
    scripts = {
        "init": render("runtime/qemu/init", modules=["virtio_ring", "virtio_blk"]),
        "rcS": render("runtime/qemu/rcS"),
        "S99verify": render("runtime/qemu/S99verify"),
        "kdumplayer-verify.openrc": render(
            "runtime/qemu/kdumplayer-verify.openrc", driver="/usr/local/sbin/kdumplayer-verify"
        ),
        "makedumpfile-fault": render(
            "runtime/qemu/makedumpfile-fault", real="/usr/bin/makedumpfile.real"
        ),
    }
    for name, text in scripts.items():
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        ["shellcheck", "-s", "sh", *(str(tmp_path / n) for n in scripts)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_outcome_printing(capsys: pytest.CaptureFixture[str]) -> None:
    from kdumplayer.cli.verify import _print_outcome
    from kdumplayer.verify.scenarios import Outcome

    outcome = Outcome("capture", "b", "k", accel="tcg", crash_to_saved=[12.25], init="systemd")
    outcome.check("saved", True)
    outcome.check("summary says ok", False, "status: failed: vmcore")
    assert not outcome.ok and [c.name for c in outcome.failed()] == ["summary says ok"]
    _print_outcome(outcome)
    text = capsys.readouterr().out
    assert text.startswith("FAIL capture: b, init systemd, k, QEMU tcg, crash to dump saved 12.2s")
    assert "  ok   saved" in text
    assert "  FAIL summary says ok\n         status: failed: vmcore" in text


def test_a_board_whose_init_cannot_boot_is_not_proven() -> None:
    """BusyBox init never stands in for the board's: no PASS, exit 1, and why."""
    result = run_cli("verify", "--all", DEFAULT_BOARD.parent / "beaglebone-black.yaml")
    assert result.code == 1, result.out + result.err
    assert "PASS " not in result.out
    verdicts = [line for line in result.out.splitlines() if line.startswith("NOT PROVEN ")]
    # A board saving to its own disk: --all leaves out the ssh scenarios where they
    # cannot boot its init system (they would turn it into an ssh board).
    local = [name for name in catalog.SCENARIOS if not name.startswith("ssh-")]
    assert len(local) < len(catalog.SCENARIOS)
    assert len(verdicts) == len(local)
    assert f"{len(local)} scenarios: 0 PASS, 0 FAIL, {len(local)} NOT PROVEN" in result.out
    assert "init sysv runs on a Debian root built for the host only" in result.out


def test_unproven_outcome_is_never_ok(tmp_path: Path) -> None:
    board = load_board(DEFAULT_BOARD.parent / "beaglebone-black.yaml")
    outcome = catalog.SCENARIOS["capture"](board, Kernel("k", tmp_path, "r", ()), tmp_path)
    assert outcome.unproven and not outcome.ok and not outcome.runs
    assert not any(tmp_path.iterdir())  # nothing was built or booted


@pytest.mark.parametrize("init", ["systemd", "sysv", "openrc"])
def test_debian_root_is_keyed_by_its_package_list(init: str) -> None:
    argv = debroot.mmdebstrap_argv(init, Path("/tmp/x.tar"))
    assert "--variant=minbase" in argv and argv[-3:] == ["bookworm", "/tmp/x.tar", debroot.MIRROR]
    included = next(a for a in argv if a.startswith("--include=")).split("=", 1)[1].split(",")
    assert {"kexec-tools", "makedumpfile", *debroot.INIT_PACKAGES[init]} == set(included)
    assert "--dpkgopt=path-exclude=/usr/share/doc/*" in argv
    others = {debroot.cache_key(i) for i in debroot.INIT_PACKAGES if i != init}
    assert debroot.cache_key(init) not in others


def test_makedumpfile_fault_wrapper_fails_early_with_the_real_makedumpfile(tmp_path: Path) -> None:
    """The wrapper the makedumpfile-fails scenario installs: the dump call fails in the
    real makedumpfile before any output exists; -v still answers."""
    wrapper = tmp_path / "makedumpfile"
    wrapper.write_text(render("runtime/qemu/makedumpfile-fault", real=_tool("makedumpfile")))
    wrapper.chmod(0o755)
    core = tmp_path / "vmcore"
    core.write_bytes(b"\x7fELF" + bytes(4092))
    done = subprocess.run(
        [str(wrapper), "-d", "31", str(core), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "--kdumplayer-fault" in done.stderr
    assert not (tmp_path / "out").exists()
    version = subprocess.run([str(wrapper), "-v"], capture_output=True, text=True, check=False)
    assert "makedumpfile" in version.stdout + version.stderr


@pytest.mark.parametrize("init", ["systemd", "sysv", "openrc"])
def test_debian_root_gets_the_runtime_files_enabled_as_the_trees_do(
    init: str, tmp_path: Path
) -> None:
    from kdumplayer.verify import initsys

    board = replace(load_board(DEFAULT_BOARD), init=init)
    initsys.integrate(tmp_path, board, dump_disk=True)
    for item in runtime_files(board):
        path = tmp_path / item.install_path.lstrip("/")
        assert path.read_text() == item.text
        assert path.stat().st_mode & 0o777 == item.mode
    enabled = {
        "systemd": (
            "etc/systemd/system/multi-user.target.wants/kdump.service",
            "/usr/lib/systemd/system/kdump.service",
        ),
        "openrc": ("etc/runlevels/default/kdump", "/etc/init.d/kdump"),
    }
    if init in enabled:
        link, target = enabled[init]
        assert str((tmp_path / link).readlink()) == target
    else:  # Buildroot's sysvinit inittab runs rcS, which runs /etc/init.d/S??*
        assert "rcS:12345:wait:/etc/init.d/rcS" in (tmp_path / "etc/inittab").read_text()
        assert (tmp_path / "etc/init.d/S95kdump").exists()
    assert "/dev/vdb\t/var/crash\text4" in (tmp_path / "etc/fstab").read_text()


def test_summary_lists_each_scenario_with_its_checks_and_wall_time() -> None:
    from kdumplayer.verify.summary import summary_lines

    passed = scenarios.Outcome("capture", "b", "k", accel="tcg", init="sysv", seconds=31.4)
    passed.check("saved", True)
    failed = scenarios.Outcome("power-cut", "b", "k", accel="tcg", init="sysv", seconds=92.6)
    failed.check("cut", True)
    failed.check("status reports it", False)
    unproven = scenarios.Outcome("no-rtc", "b", "k", init="sysv", unproven="no root")
    lines = summary_lines([passed, failed, unproven])
    assert lines == [
        "verify summary: b, init sysv, k, QEMU tcg",
        "  PASS       capture     0 boots      1/1 checks      31 s",
        "  FAIL       power-cut   0 boots      1/2 checks      93 s",
        "  NOT PROVEN no-rtc     nothing booted",
        "  3 scenarios: 1 PASS, 1 FAIL, 1 NOT PROVEN; wall time 124 s",
    ]


def test_no_rtc_needs_enough_crashes_to_rotate() -> None:
    result = run_cli("verify", "--rtc-crashes", "3", DEFAULT_BOARD)
    assert result.code == 2
    assert result.err.strip() == (
        "kdumplayer: error: --rtc-crashes 3: at least 4 "
        "(keep: 3 and one more, or nothing is rotated)"
    )


def _fake_console(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, console: list[tuple[str, float]]
) -> None:
    """machine.run boots a script that prints `console` instead of QEMU; its last pause
    is an exec, so that killing the "machine" ends its output as killing QEMU would."""
    script = tmp_path / "console.sh"
    steps = [f"echo '{line}'; sleep {pause}" for line, pause in console]
    steps[-1] = steps[-1].replace("; sleep", "; exec sleep")
    script.write_text("#!/bin/sh\n" + "\n".join(steps) + "\n")
    script.chmod(0o755)
    monkeypatch.setattr(machine, "qemu_argv", lambda _m: [str(script)])


# A stand-in console for machine.run's Stall watch (no QEMU: the watch is the reading
# of lines and the silence between them): (line, seconds of silence after it).
STALLS = [
    # the capture kernel never speaks after the crash: killed after 1 s of silence
    ([("boot", 0), ("CRASH", 4)], None, True),
    # it speaks, then its collector is silent longer than the watch: not killed
    ([("CRASH", 0.2), ("Linux version 6.1", 3), ("saved", 0)], "Linux version", False),
    # the same console without `until`: killed in the collector's silence
    ([("CRASH", 0.2), ("Linux version 6.1", 3), ("saved", 0)], None, True),
    # `until` before the crash line does not count
    ([("Linux version 6.1", 0), ("CRASH", 4)], "Linux version", True),
]


FATAL = [
    # the OOM killer in the capture boot: ended at once, not after the collector's silence
    ([("CRASH", 0.2), ("Linux version", 0.2), ("Out of memory: Killed process 47", 20)], True),
    # the same line before the crash (the system's own boot) does not end the run
    (
        [
            ("Out of memory: Killed process 9", 0.2),
            ("CRASH", 0.2),
            ("Linux version", 0.2),
            ("saved", 0),
        ],
        False,
    ),
]


@pytest.mark.parametrize(("console", "stalled"), FATAL)
def test_stall_fatal_line_ends_the_run_at_once(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    console: list[tuple[str, float]],
    stalled: bool,
) -> None:
    _fake_console(monkeypatch, tmp_path, console)
    stall = machine.Stall("CRASH", 60.0, until="Linux version", fatal="Out of memory: Killed")
    start = time.monotonic()
    run = machine.run(None, timeout=30, stall=stall)  # type: ignore[arg-type]
    assert run.stalled == stalled
    assert time.monotonic() - start < 10  # not the 20 s the console would still take


@pytest.mark.parametrize(("console", "until", "stalled"), STALLS)
def test_stall_watch_ends_when_the_capture_kernel_speaks(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    console: list[tuple[str, float]],
    until: str | None,
    stalled: bool,
) -> None:
    _fake_console(monkeypatch, tmp_path, console)
    run = machine.run(None, timeout=30, stall=machine.Stall("CRASH", 1.0, until=until))  # type: ignore[arg-type]
    assert run.stalled == stalled
    if not stalled:
        assert run.exit_code == 0 and run.lines[-1][1] == "saved"


WHYS = [
    # the crashing kernel's own panic is not the reason: the capture's OOM kill is
    (
        "boot\nsysrq: Trigger a crash\nKernel panic - not syncing: sysrq triggered crash\n"
        "Linux version 6.1\nOut of memory: Killed process 47 ((udev-worker))\n",
        "Out of memory: Killed process 47 ((udev-worker))",
    ),
    (
        "sysrq: Trigger a crash\nKernel panic - not syncing: sysrq triggered crash\n",
        "the capture kernel never spoke (no 'Linux version' after the crash)",
    ),
    (
        "sysrq: Trigger a crash\nKernel panic - not syncing: sysrq triggered crash\n"
        "Linux version 6.1\nKernel panic - not syncing: System is deadlocked on memory\n",
        "Kernel panic - not syncing: System is deadlocked on memory",
    ),
]


@pytest.mark.parametrize(("console", "why"), WHYS)
def test_floor_failure_reason_is_the_capture_kernels(console: str, why: str) -> None:
    assert floor._why(console) == why
