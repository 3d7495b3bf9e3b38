"""The hook's logic, run for real under BusyBox ash, dash and bash: conf parsing,
the capture command line, rotation, status, load refusals and a whole `save`
against a fake /proc (KDUMP_PROC) holding a vmcore file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.arch import get_arch
from tests.runtime.conftest import Hook, capture_env

# (system command line, board removals, append, expected capture command line)
CMDLINES = [
    (
        "root=/dev/vda crashkernel=256M quiet",
        "",
        "irqpoll nr_cpus=1 reset_devices",
        "root=/dev/vda irqpoll nr_cpus=1 reset_devices",
    ),
    ("a hugepages=4 hugepagesz=2M cma=64M hugetlb_cma=1G b", "", "x", "a b x"),
    (
        "console=ttyS0,115200 nr_cpus=4 maxcpus=2",
        "",
        "nr_cpus=1",
        "console=ttyS0,115200 maxcpus=2 nr_cpus=1",
    ),
    ("foo=1 foo=2 bar baz=3", "foo baz=4", "", "bar baz=3"),
    (
        "crashkernel=1G-4G:192M,4G-:256M crashkernel=64M,low root=/dev/sda1",
        "",
        "",
        "root=/dev/sda1",
    ),
    ("*.glob root=/dev/vda", "", "a", "*.glob root=/dev/vda a"),
    ("", "", "irqpoll", "irqpoll"),
]


@pytest.mark.parametrize(("system", "remove", "append", "expected"), CMDLINES)
def test_capture_cmdline(hook: Hook, system: str, remove: str, append: str, expected: str) -> None:
    (hook.dir / "glob").touch()  # a word like *.glob must not expand
    done = hook.lib(
        f"cd '{hook.dir}'; KDUMP_CMDLINE_REMOVE='{remove}'; "
        f"KDUMP_CMDLINE_APPEND='{append}'; capture_cmdline '{system}'"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected + "\n"


def _show(hook: Hook) -> dict[str, str]:
    done = hook.command("show")
    assert done.returncode == 0, done.stderr
    return dict(
        line.split("=", 1)
        for line in done.stdout.splitlines()
        if "=" in line and not line.startswith(("kexec", "(if", "conf:"))
    )


def test_conf_round_trip(hook: Hook) -> None:
    values = _show(hook)
    assert values["kernel"] == "/boot/bzImage"
    assert values["dir"] == "/var/crash"
    assert values["keep"] == "3"
    assert values["min_free_kb"] == "16384"
    assert values["cmdline_append"] == get_arch("x86_64").capture_append


def test_conf_is_data_not_code(hook: Hook) -> None:
    marker = hook.dir / "executed"
    hook.conf.write_text(
        f"dir=$(touch {marker})\n"
        f"cmdline_append=a=b c=`touch {marker}`\n"
        "initrd=/boot/x y\n"
        "level=31; touch x\n"
        "keep=-1\n"
        "final_action=rm -rf /\n"
        "bogus=1\n"
        "# a comment=ignored\n"
        "\n"
        "collector=cp"  # no newline at the end: still read
    )
    done = hook.command("show")
    values = _show(hook)
    assert not marker.exists()
    assert values["dir"] == f"$(touch {marker})"
    assert values["cmdline_append"] == f"a=b c=`touch {marker}`"
    assert values["initrd"] == "/boot/x y"
    assert values["level"] == "31"  # the bad value keeps the default
    assert values["keep"] == "0"
    assert values["final_action"] == "reboot"
    assert values["collector"] == "cp"
    for complaint in (
        "level: '31; touch x'",
        "keep: '-1'",
        "final_action: 'rm -rf /'",
        "unknown key 'bogus'",
    ):
        assert complaint in done.stderr
    assert f"{hook.conf}:7: unknown key" in done.stderr


def test_show_prints_the_exact_kexec_command(hook: Hook) -> None:
    done = hook.command("show")
    lines = done.stdout.splitlines()
    assert (
        "kexec -s -p /boot/bzImage '--append=console=ttyS0 root=/dev/vda "
        f"{get_arch('x86_64').capture_append}'"
    ) in lines
    assert any(line.startswith("(if that fails) kexec -p /boot/bzImage") for line in lines)


def _dump(root: Path, name: str, complete: bool) -> None:
    path = root / name
    path.mkdir(parents=True)
    (path / ("vmcore" if complete else "vmcore-incomplete")).write_text("x")


ROTATIONS = [
    # (existing dumps: name -> complete, keep, current, expected survivors)
    (
        {"20240101-000000": True, "20240102-000000": True, "20240103-000000": True},
        2,
        "20240103-000000",
        ["20240102-000000", "20240103-000000"],
    ),
    (
        {"20240101-000000": False, "20240102-000000": True, "20240103-000000": True},
        1,
        "20240103-000000",
        ["20240101-000000", "20240103-000000"],
    ),
    (
        {"20240101-000000": True, "20240102-000000": True, "20240103-000000": False},
        1,
        "20240103-000000",
        ["20240102-000000", "20240103-000000"],
    ),
    (
        {"20240101-000000": True, "20240101-000000-1": True},
        0,
        "20240101-000000-1",
        ["20240101-000000", "20240101-000000-1"],
    ),
    (
        {"20240101-000000": True, "notadump": True, "20240102-000000": True},
        1,
        "20240102-000000",
        ["20240102-000000", "notadump"],
    ),
]


@pytest.mark.parametrize(("dumps", "keep", "current", "survivors"), ROTATIONS)
def test_rotation(
    hook: Hook, dumps: dict[str, bool], keep: int, current: str, survivors: list[str]
) -> None:
    crash = hook.dir / "crash"
    for name, complete in dumps.items():
        _dump(crash, name, complete)
    done = hook.lib(f"rotate '{crash}' {keep} {current}")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in crash.iterdir()) == survivors


def test_status_not_reserved(hook: Hook) -> None:
    done = hook.command("status")
    assert done.returncode == 3
    assert "state: not ready: no memory reserved" in done.stdout


def test_status_reserved_not_loaded(hook: Hook) -> None:
    hook.set_reservation(256 << 20, False)
    done = hook.command("status")
    assert done.returncode == 3
    assert "reserved: 268435456 bytes (256M)" in done.stdout
    assert "capture kernel not loaded" in done.stdout


def test_status_loaded_reports_last_dump_and_test(hook: Hook) -> None:
    hook.set_reservation(256 << 20, True)
    crash = hook.dir / "crash"
    _dump(crash, "20240101-000000", True)
    (crash / "20240101-000000" / "summary.txt").write_text("status: ok\n")
    (crash / ".kdump-test-result").write_text(f"dump: {crash}/20240101-000000\nstatus: ok\n")
    hook.conf.write_text(f"dir={crash}\n")
    done = hook.command("status")
    assert done.returncode == 0, done.stderr
    assert f"last dump: {crash}/20240101-000000 (ok)" in done.stdout
    assert "last test: passed" in done.stdout


def test_status_reports_a_test_that_saved_nothing(hook: Hook) -> None:
    hook.set_reservation(256 << 20, True)
    crash = hook.dir / "crash"
    crash.mkdir()
    (crash / ".kdump-test-pending").write_text("2024-01-01 00:00:00 UTC\n")
    hook.conf.write_text(f"dir={crash}\n")
    done = hook.command("status")
    assert "last test: FAILED: no dump was saved" in done.stdout


def test_load_refuses_without_reservation(hook: Hook) -> None:
    done = hook.command("load")
    assert done.returncode == 1
    assert "no memory is reserved" in done.stderr
    assert "NOT ready" in done.stderr


def test_load_refuses_a_missing_kernel(hook: Hook) -> None:
    hook.set_reservation(256 << 20, False)
    hook.conf.write_text(f"kernel={hook.dir}/nonexistent\n")
    done = hook.command("load")
    assert done.returncode == 1
    assert "capture kernel" in done.stderr and "not found" in done.stderr


def test_test_needs_yes(hook: Hook) -> None:
    done = hook.command("test")
    assert done.returncode == 2
    assert "kdump test --yes" in done.stderr


def test_test_refuses_when_not_loaded(hook: Hook) -> None:
    trigger = hook.proc / "sysrq-trigger"
    done = hook.command("test", "--yes")
    assert done.returncode == 1
    assert not trigger.exists()


def test_unknown_command(hook: Hook) -> None:
    done = hook.command("frobnicate")
    assert done.returncode == 2
    assert "usage: kdump COMMAND" in done.stderr


# do_action is replaced so that the final action is recorded, not performed.
SAVE = 'do_action() { echo "ACTION $1"; }; conf_load "$KDUMP_CONF"; cmd_save; echo "EXIT $?"'


def test_save_writes_the_layout(hook: Hook) -> None:
    crash = capture_env(
        hook, post=f'echo "$KDUMP_DUMP_DIR" > {hook.dir}/post-ran', pre=f"touch {hook.dir}/pre-ran"
    )
    crash.mkdir()
    (crash / ".kdump-test-pending").write_text("then\n")
    done = hook.lib(SAVE)
    assert "ACTION reboot" in done.stdout and "EXIT 0" in done.stdout, done.stderr
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert len(dump.name) == 15 and dump.name[8] == "-"
    assert sorted(p.name for p in dump.iterdir()) == ["seq", "summary.txt", "vmcore"]
    assert (dump / "seq").read_text() == "1\n"
    assert (dump / "vmcore").read_bytes() == (hook.proc / "vmcore").read_bytes()
    summary = (dump / "summary.txt").read_text()
    assert "status: ok" in summary and "collector: cp" in summary
    assert (hook.dir / "pre-ran").exists()
    assert (hook.dir / "post-ran").read_text().strip() == str(dump)
    assert "status: ok" in (crash / ".kdump-test-result").read_text()
    assert not (crash / ".kdump-test-pending").exists()


def test_save_min_free_keeps_the_log_and_fails(hook: Hook) -> None:
    crash = capture_env(hook, min_free_kb=str(1 << 40), failure_action="poweroff")
    done = hook.lib(SAVE)
    assert "ACTION poweroff" in done.stdout and "EXIT 1" in done.stdout
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert not (dump / "vmcore").exists()
    assert "status: failed: no space" in (dump / "summary.txt").read_text()
    assert "min_free_kb" in done.stderr


def test_save_failing_hook_runs_the_failure_action(hook: Hook) -> None:
    capture_env(hook, post="false", failure_action="halt")
    done = hook.lib(SAVE)
    assert "ACTION halt" in done.stdout and "EXIT 1" in done.stdout
    assert "post hook failed: false" in done.stderr


def test_save_refuses_outside_a_capture_kernel(hook: Hook) -> None:
    done = hook.command("save")
    assert done.returncode == 1
    assert "not a capture kernel" in done.stderr


def test_conf_value_keeps_every_equals_sign(hook: Hook) -> None:
    hook.conf.write_text("cmdline_append=a=b foo= c==d\n")
    assert _show(hook)["cmdline_append"] == "a=b foo= c==d"


# Debian 12's makedumpfile 1.7.2: lzo built in, snappy and zstd not (makedumpfile -v).
COMPRESSIONS = [
    ("zlib", "zlib"),
    ("lzo", "lzo"),
    ("zstd", "zlib"),
    ("snappy", "zlib"),
    ("none", "none"),
]


@pytest.mark.parametrize(("wanted", "used"), COMPRESSIONS)
def test_usable_compression_asks_the_real_makedumpfile(hook: Hook, wanted: str, used: str) -> None:
    done = hook.lib(f"usable_compression {wanted}")
    assert done.stdout == used + "\n"
    assert ("built without" in done.stderr) == (wanted != used)


ADVICE = [
    ("console=ttyS0 root=/dev/vda", "boot with crashkernel= on the kernel command line"),
    ("root=/dev/vda crashkernel=128M@32M", "crashkernel reservation failed"),
]


@pytest.mark.parametrize(("cmdline", "advice"), ADVICE)
def test_load_says_why_nothing_is_reserved(hook: Hook, cmdline: str, advice: str) -> None:
    (hook.proc / "cmdline").write_text(cmdline + "\n")
    load, status = hook.command("load"), hook.command("status")
    assert load.returncode == 1 and advice in load.stderr
    assert status.returncode == 3 and advice in status.stdout


# Regression tests for the faults of issue 14, each failing on the hook before its fix.


def test_makedumpfile_failing_early_falls_back_to_cp_and_fails(hook: Hook) -> None:
    # The real makedumpfile refuses the fake vmcore (no valid ELF header) before it
    # creates its output file: the hook must go on with cp, say why, and reboot.
    crash = capture_env(
        hook,
        collector="makedumpfile",
        compression="zlib",
        level="31",
        failure_action="reboot",
        final_action="halt",
    )
    done = hook.lib(SAVE)
    assert "ACTION reboot" in done.stdout and "EXIT 1" in done.stdout, done.stderr
    assert "syntax error" not in done.stderr.lower() and "arithmetic" not in done.stderr
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert (dump / "vmcore").read_bytes() == (hook.proc / "vmcore").read_bytes()
    summary = (dump / "summary.txt").read_text()
    assert "collector: cp" in summary
    assert "status: failed: makedumpfile exited 1" in summary, summary


def test_makedumpfile_failing_without_room_for_cp_keeps_the_reason(hook: Hook) -> None:
    crash = capture_env(hook, collector="makedumpfile", failure_action="poweroff")
    # No room to copy: the fallback is refused, the failure action still runs.
    done = hook.lib("free_kb() { echo 1; }; " + SAVE)
    assert "ACTION poweroff" in done.stdout and "EXIT 1" in done.stdout, done.stderr
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    summary = (dump / "summary.txt").read_text()
    assert "status: failed: makedumpfile exited 1" in summary, summary
    assert "no room to fall back to cp" in done.stderr


def test_conf_value_keeps_a_trailing_equals_sign(hook: Hook) -> None:
    hook.conf.write_text("post=echo a=\npre=x==\ncmdline_append=foo= bar=\n")
    done = hook.command("show")
    assert "post=echo a=\n" in done.stdout
    assert "pre=x==\n" in done.stdout
    assert "cmdline_append=foo= bar=\n" in done.stdout


def test_cmdline_append_is_not_glob_expanded(hook: Hook) -> None:
    (hook.dir / "a.glob").touch()
    (hook.dir / "b.glob").touch()
    # Expanded, '*.glob' would name a.glob as a parameter the append overrides.
    done = hook.lib(
        f"cd '{hook.dir}'; KDUMP_CMDLINE_APPEND='*.glob x=?'; "
        "capture_cmdline 'root=/dev/vda a.glob'"
    )
    assert done.stdout == "root=/dev/vda a.glob *.glob x=?\n", done.stderr


def _seq_dump(root: Path, name: str, seq: int | None, complete: bool = True) -> None:
    _dump(root, name, complete)
    if seq is not None:
        (root / name / "seq").write_text(f"{seq}\n")


def test_rotation_orders_by_capture_not_by_name(hook: Hook) -> None:
    # A clockless board: every capture starts at the same time, names get suffixes,
    # and "-10" sorts before "-2" by name; capture order must decide.
    crash = hook.dir / "crash"
    names = [f"20200101-000000-{n}" for n in range(1, 12)]
    for seq, name in enumerate(names, 1):
        _seq_dump(crash, name, seq)
    done = hook.lib(f"rotate '{crash}' 3 {names[-1]}")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in crash.iterdir()) == sorted(names[-3:])


def test_rotation_never_deletes_the_newest(hook: Hook) -> None:
    crash = hook.dir / "crash"
    _seq_dump(crash, "20200101-000000", 3)
    _seq_dump(crash, "20200101-000000-1", 1)
    _seq_dump(crash, "20200101-000000-2", 2)
    # CURRENT is not the newest (a save run by hand on an old dump): keep both.
    done = hook.lib(f"rotate '{crash}' 1 20200101-000000-1")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in crash.iterdir()) == ["20200101-000000", "20200101-000000-1"]


def test_clockless_saves_keep_the_newest_by_capture_order(hook: Hook) -> None:
    # Twelve captures at the same wall-clock time, keep=3: the last three saved remain.
    crash = capture_env(hook, size=4096, keep="3")
    saved = []
    for _ in range(12):
        done = hook.lib("date() { echo 20200101-000000; }; " + SAVE)
        assert "EXIT 0" in done.stdout, done.stderr
        saved.append(done.stderr.split("dump ok: ")[1].split()[0].rsplit("/", 1)[1])
    assert sorted(p.name for p in crash.iterdir() if p.is_dir()) == sorted(saved[-3:])
    status = hook.command("status")
    assert f"last dump: {crash}/{saved[-1]} (ok)" in status.stdout


def test_unexpected_exit_in_the_capture_runs_the_failure_action(hook: Hook) -> None:
    crash = capture_env(hook, failure_action="poweroff")
    done = hook.lib("save_vmcore() { exit 7; }; " + SAVE)
    assert "ACTION poweroff" in done.stdout, done.stdout + done.stderr
    assert "EXIT" not in done.stdout
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    summary = (dump / "summary.txt").read_text()
    assert "status: failed: unexpected exit (7)" in summary, summary


def test_arithmetic_error_in_the_capture_runs_the_failure_action(hook: Hook) -> None:
    # An arithmetic syntax error exits dash, busybox sh and bash --posix at once.
    capture_env(hook, collector="makedumpfile", failure_action="halt")
    done = hook.lib('size_kb() { echo "1 +"; }; ' + SAVE)
    assert "ACTION halt" in done.stdout, done.stdout + done.stderr


def test_summary_is_rewritten_in_place_when_the_disk_is_full(hook: Hook) -> None:
    # No room for summary.txt-incomplete: the summary written before the vmcore is
    # rewritten where it is, so it does not keep saying "interrupted".
    dump = hook.dir / "crash" / "20200101-000000"
    dump.mkdir(parents=True)
    (dump / "summary.txt").write_text("status: failed: interrupted while saving the vmcore\n")
    (hook.proc / "vmcore").write_bytes(b"x")
    done = hook.lib(f"mv() {{ return 1; }}; write_summary '{dump}' 'failed: no space'")
    assert done.returncode == 0, done.stderr
    assert "status: failed: no space" in (dump / "summary.txt").read_text()
    assert not (dump / "summary.txt-incomplete").exists()
