"""kexec-tools compatibility findings: one table of boards, one test per behaviour."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from kdumplayer.arch import get_arch
from kdumplayer.board.kexec_compat import SEVERITIES, assess, compat_data, effective_method
from kdumplayer.board.model import Board, load_board
from tests.conftest import REPO, run_cli

BASE = REPO / "board-configs" / "raspberrypi4-64.yaml"
NO_TEXT = {"KALLSYMS_ALL": "n", "KEXEC": "y"}  # Debian 12's arm64 kernels
FILE_LOAD = {"KALLSYMS_ALL": "n", "KEXEC": "y", "KEXEC_FILE": "y"}


def board(
    arch: str, kernel: str, pin: str | None, method: str = "auto", image: str = "Image"
) -> Board:
    base = load_board(BASE)
    return replace(
        base,
        arch=get_arch(arch),
        kexec_tools=pin,
        kernel=replace(base.kernel, version=kernel, image=image),
        capture=replace(base.capture, load_method=method),
    )


# (id, board, config, expected rule ids)
CASES = [
    (
        "arm64 Debian 12 kernel, auto falls back to kexec_load",
        board("arm64", "6.1", "2.0.25"),
        NO_TEXT,
        {"arm64-kexec-load-needs-text-symbol", "age"},
    ),
    (
        "arm64 kernel with KEXEC_FILE: auto uses kexec_file_load",
        board("arm64", "6.1", "2.0.25"),
        FILE_LOAD,
        {"age"},
    ),
    (
        "arm64 kernel with KALLSYMS_ALL",
        board("arm64", "6.1", "2.0.26"),
        {"KALLSYMS_ALL": "y", "KEXEC": "y"},
        set(),
    ),
    (
        "arm64 5.4+ with kexec-tools before the flipped-VA fix",
        board("arm64", "6.1", "2.0.23", "kexec_load"),
        None,
        {"arm64-flipped-va", "age"},
    ),
    ("arm64 4.19 with 2.0.23 is fine", board("arm64", "4.19", "2.0.23", "kexec_load"), None, set()),
    (
        "arm64 kexec_file_load does not need the kexec_load fix",
        board("arm64", "6.1", "2.0.23", "kexec_file_load"),
        None,
        {"age"},
    ),
    (
        "arm64 zboot image with 2.0.27",
        board("arm64", "6.12", "2.0.27", image="vmlinuz.efi"),
        None,
        {"arm64-zboot", "age"},
    ),
    (
        "riscv64 with Debian 12's kexec-tools",
        board("riscv64", "6.12", "2.0.25"),
        None,
        {"riscv64-needs-2.0.32", "age"},
    ),
    (
        "riscv64 2.0.32 with kexec_load",
        board("riscv64", "6.12", "2.0.32", "kexec_load"),
        None,
        {"riscv64-kexec-load-crash-fixes"},
    ),
    (
        "riscv64 2.0.32 with kexec_file_load",
        board("riscv64", "6.12", "2.0.32", "kexec_file_load"),
        None,
        {"riscv64-kexec-file-load-firmware-region"},
    ),
    (
        "arm has no kexec_file_load",
        board("arm", "6.1", None, "kexec_file_load", "zImage"),
        None,
        {"arm-no-kexec-file-load"},
    ),
    (
        "arm LPAE with 2.0.28",
        board("arm", "6.1", "2.0.28", "kexec_load", "zImage"),
        {"ARM_LPAE": "y"},
        {"arm-lpae-section-align"},
    ),
    (
        "arm LPAE with 2.0.29",
        board("arm", "6.1", "2.0.29", "kexec_load", "zImage"),
        {"ARM_LPAE": "y"},
        set(),
    ),
    ("x86_64 without a pin", board("x86_64", "6.1", None, image="bzImage"), None, set()),
    (
        "2.6.32 with the kexec-tools of its time is older",
        board("x86_64", "2.6.32", "2.0.1", "kexec_load", "bzImage"),
        None,
        {"age"},
    ),
]


@pytest.mark.parametrize(
    ("case", "subject", "config", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_findings(
    case: str, subject: Board, config: dict[str, str] | None, expected: set[str]
) -> None:
    found = assess(subject, config=config)
    assert {f.rule for f in found} == expected, [str(f) for f in found]


def test_warnings_come_before_notes_and_carry_reason_and_evidence() -> None:
    found = assess(board("arm64", "6.1", "2.0.25"), config=NO_TEXT)
    severities = [f.severity.value for f in found]
    assert severities == sorted(severities, key=SEVERITIES.index)
    text = str(found[0])
    assert "use kexec_file_load" in text and "_text" in text and "KALLSYMS_ALL" in text
    assert "QEMU" in found[0].evidence


def test_auto_is_kexec_file_load_only_when_the_config_says_so() -> None:
    subject = board("arm64", "6.1", None)
    assert effective_method(subject, None) == "auto"
    assert effective_method(subject, NO_TEXT) == "auto"
    assert effective_method(subject, FILE_LOAD) == "kexec_file_load"


def test_board_kernel_config_is_read(tmp_path: Path) -> None:
    config = tmp_path / "arm64.config"
    config.write_text("CONFIG_KEXEC=y\n# CONFIG_KALLSYMS_ALL is not set\n")
    base = board("arm64", "6.1", None)
    subject = replace(base, kernel=replace(base.kernel, config=config))
    assert {f.rule for f in assess(subject)} == {"arm64-kexec-load-needs-text-symbol"}


def test_data_is_consistent() -> None:
    data = compat_data()
    for rule in data.rules:
        if rule.needs_kexec_tools is not None:
            assert rule.needs_kexec_tools in data.releases, rule.id
        assert rule.reason and rule.evidence, rule.id
    dates = [data.releases[v] for v in sorted(data.releases)]
    assert dates == sorted(dates), "release dates must grow with the version"


def test_proven_rows_name_real_tests() -> None:
    for row in compat_data().proven:
        test = row["test"]
        if "::" not in test:
            continue
        path, name = test.split("::")
        assert re.search(rf"^def {name}\(", (REPO / path).read_text(), re.M), test


def test_validate_prints_the_warning_on_stderr_and_exits_0(tmp_path: Path) -> None:
    text = (REPO / "board-configs" / "visionfive2.yaml").read_text()
    pinned = tmp_path / "vf2.yaml"
    pinned.write_text(text.replace("kexec_tools: 2.0.32", "kexec_tools: 2.0.25"))
    result = run_cli("validate", "-q", pinned)
    assert result.code == 0
    assert (
        f"kdumplayer: warning: {pinned}: kexec_tools: pinned 2.0.25 is older than 2.0.32"
        in result.err
    )
    assert "[riscv64-needs-2.0.32]" in result.err
    assert "warning" not in run_cli("validate", "-q", REPO / "board-configs/visionfive2.yaml").err


def test_generate_gives_the_same_advice_as_validate(tmp_path: Path) -> None:
    board = REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml"
    generated = run_cli("generate", "buildroot", board, "-o", tmp_path)
    validated = run_cli("validate", "-q", board)
    assert generated.code == 0 and validated.code == 0
    advice = [line for line in validated.err.splitlines() if "kexec_tools:" in line]
    assert advice and "pinned 2.0.1" in advice[0] and advice[0].endswith("[age]")
    assert all(line in generated.err.splitlines() for line in advice)


def test_the_docs_table_shows_every_proven_row() -> None:
    table = (REPO / "docs" / "architectures.md").read_text()
    for row in compat_data().proven:
        line = next(
            (
                line
                for line in table.splitlines()
                if line.startswith(f"| {row['arch']} | {row['kernel']} |")
            ),
            None,
        )
        assert line is not None, f"docs/architectures.md lacks {row['arch']}: {row['kernel']}"
        assert f"| {row['method']} | {row['result']}" in line, line
