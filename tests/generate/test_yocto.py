"""The Yocto layer: structure, content, the DISTRO_FEATURE switch, determinism, --check.

Every example board is generated; the linters and shellcheck run in
test_yocto_lint.py.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from kdumplayer.board.model import Board, load_board
from kdumplayer.errors import UserError
from kdumplayer.fragment import fragment_for_board
from kdumplayer.generate import yocto
from kdumplayer.runtime import runtime_files
from tests.conftest import BOARDS, DEFAULT_BOARD, run_cli

IDS = [p.stem for p in BOARDS]
# oe-core's values of the directory variables the recipe may use (systemd requires
# usrmerge since scarthgap, so the unit directory is under /usr).
BB_DIRS = {
    "${sbindir}": "/usr/sbin",
    "${bindir}": "/usr/bin",
    "${sysconfdir}": "/etc",
    "${systemd_system_unitdir}": "/usr/lib/systemd/system",
}
BITBAKE_SUFFIXES = (".bb", ".bbappend", ".inc", ".bbclass", ".conf")
GUARD = re.compile(
    r"^require \$\{@bb\.utils\.contains\('DISTRO_FEATURES', 'kdump', '([a-z-]+\.inc)', '', d\)\}$"
)


# Kernel recipes of BSP layers: their bbappend only counts when that layer is there.
BSP_KERNELS = {"linux-raspberrypi": "raspberrypi", "linux-starfive-dev": "riscv-layer"}


def kdir(board: Board) -> str:
    collection = BSP_KERNELS.get(board.kernel.recipe)
    return (
        f"dynamic-layers/{collection}/recipes-kernel/linux"
        if collection
        else ("recipes-kernel/linux")
    )


def texts(board: Board, name: str | None = None) -> dict[str, str]:
    return {p: f.content.decode("utf-8") for p, f in yocto.generate(board, name=name).items()}


def assignments(text: str) -> dict[str, str]:
    """VAR = "value" lines (one-line values) of a BitBake file."""
    return dict(re.findall(r'^([A-Za-z0-9_:${}./-]+) [?:.+]?= "([^"\\]*)"$', text, re.M))


@pytest.fixture(scope="module", params=BOARDS, ids=IDS)
def case(request: pytest.FixtureRequest) -> tuple[Board, dict[str, str]]:
    board = load_board(request.param)
    return board, texts(board)


def test_structure(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    expected = {
        "COPYING.MIT",
        "README.md",
        "SECURITY.md",
        "conf/layer.conf",
        f"conf/kdump/{board.ident}.conf",
        f"classes/kdump_{board.yocto.layer.removeprefix('meta-kdump-').replace('-', '_')}.bbclass",
        f"kas-{board.name}.yml",
        f"{kdir(board)}/{board.kernel.recipe}_%.bbappend",
        f"{kdir(board)}/linux-kdump.inc",
        f"{kdir(board)}/linux-kdump-merge.inc",
        f"{kdir(board)}/files/kdump.cfg",
        "recipes-kernel/kdump-init/kdump-init_1.0.bb",
        "recipes-kernel/kdump-init/files/COPYING.MIT",
    } | {f"recipes-kernel/kdump-init/files/{f.name}" for f in runtime_files(board)}
    if board.dump.compression in ("lzo", "snappy", "zstd"):
        expected |= {
            "recipes-kernel/makedumpfile/makedumpfile_%.bbappend",
            "recipes-kernel/makedumpfile/makedumpfile-kdump.inc",
        }
    assert set(files) == expected
    assert all(f.mode == 0o644 for f in yocto.generate(board).values())


def test_layer_conf(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    conf = assignments(files["conf/layer.conf"])
    coll = board.yocto.layer.removeprefix("meta-")
    assert re.search(rf'^BBFILE_COLLECTIONS \+= "{coll}"$', files["conf/layer.conf"], re.M)
    assert re.search(r'^BBPATH \.= ":\$\{LAYERDIR\}"$', files["conf/layer.conf"], re.M)
    assert "${LAYERDIR}/recipes-*/*/*.bb" in files["conf/layer.conf"]
    assert "${LAYERDIR}/recipes-*/*/*.bbappend" in files["conf/layer.conf"]
    assert conf[f"BBFILE_PATTERN_{coll}"] == "^${LAYERDIR}/"
    assert conf[f"BBFILE_PRIORITY_{coll}"].isdigit()
    assert conf[f"LAYERVERSION_{coll}"].isdigit()
    assert conf[f"LAYERSERIES_COMPAT_{coll}"] == " ".join(board.yocto.releases)
    old = sorted({"kirkstone", "scarthgap", "styhead"} & set(board.yocto.releases))
    meta_oe = board.dump.collector == "makedumpfile" and bool(old)
    assert re.search(rf'^LAYERDEPENDS_{re.escape(coll)} = "core"$', files["conf/layer.conf"], re.M)
    dynamic_dep = re.findall(
        rf'^LAYERDEPENDS_{re.escape(coll)} \+= "(.*)"$', files["conf/layer.conf"], re.M
    )
    assert bool(dynamic_dep) == meta_oe
    if meta_oe:
        # meta-oe only when the oe-core parsed is one of those releases.
        (expr,) = dynamic_dep
        assert "LAYERSERIES_CORENAMES" in expr and f"'{' '.join(old)}'" in expr
    collection = BSP_KERNELS.get(board.kernel.recipe)
    dynamic = (
        f"{collection}:${{LAYERDIR}}/dynamic-layers/{collection}/recipes-*/*/*.bbappend"
        if collection
        else None
    )
    assert conf.get("BBFILES_DYNAMIC") == dynamic
    assert conf.get(f"LAYERRECOMMENDS_{coll}") == collection


def test_kernel_fragment(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    assert files[f"{kdir(board)}/files/kdump.cfg"] == fragment_for_board(board)
    inc = files[f"{kdir(board)}/linux-kdump.inc"]
    assert re.search(r'^SRC_URI \+= "file://kdump\.cfg"$', inc, re.M)
    assert 'FILESEXTRAPATHS:prepend := "${THISDIR}/files:"' in inc
    has_features = "KERNEL_FEATURES:append" in inc
    assert has_features == board.kernel.recipe.startswith("linux-yocto")
    # Plain `inherit kernel` recipes get the merge_config.sh path, chosen at parse time.
    assert "bb.data.inherits_class('kernel-yocto', d) else 'linux-kdump-merge.inc'" in inc
    merge = files[f"{kdir(board)}/linux-kdump-merge.inc"]
    assert "scripts/kconfig/merge_config.sh -m -O ${B} ${B}/.config" in merge
    assert "olddefconfig" in merge


def test_cmdline_variable(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    conf = files[f"conf/kdump/{board.ident}.conf"]
    var = {
        "qemu": "QB_KERNEL_CMDLINE_APPEND",
        "grub": "APPEND",
        "grub-legacy": "APPEND",
        "systemd-boot": "APPEND",
        "extlinux": "UBOOT_EXTLINUX_KERNEL_ARGS",
        "u-boot": "UBOOT_EXTLINUX_KERNEL_ARGS",
        "rpi": "CMDLINE",
    }[board.bootloader.type]
    assert f'{var}:append = " {board.crashkernel.cmdline}"' in conf.splitlines()
    assert conf.count("crashkernel=") == 2  # the comment and the one assignment
    qb_mem = re.search(r'^QB_MEM = "-m ([0-9]+)"$', conf, re.M)
    if board.bootloader.type == "qemu":
        assert qb_mem and int(qb_mem.group(1)) << 20 == board.memory
        reserved = max(p.size_for(board.memory) for p in board.crashkernel.params)
        assert int(qb_mem.group(1)) << 20 > 2 * reserved
    else:
        assert qb_mem is None
    assert 'CORE_IMAGE_EXTRA_INSTALL:append = " kdump-init"' in conf


def test_conf_reaches_build_only_with_the_feature(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    cls = next(p for p in files if p.startswith("classes/"))
    name = Path(cls).stem
    assert (
        f"INHERIT += \"${{@bb.utils.contains('DISTRO_FEATURES', 'kdump', '{name}', '', d)}}\""
        in files["conf/layer.conf"].splitlines()
    )
    assert f"require conf/kdump/{board.ident}.conf" in files[cls].splitlines()


def test_other_layers_changed_only_under_the_feature(case: tuple[Board, dict[str, str]]) -> None:
    _, files = case
    appends = [p for p in files if p.endswith(".bbappend")]
    assert appends
    for path in appends:
        code = [ln for ln in files[path].splitlines() if ln.strip() and not ln.startswith("#")]
        assert len(code) == 1 and GUARD.match(code[0]), path
        inc = GUARD.match(code[0]).group(1)  # type: ignore[union-attr]
        assert f"{Path(path).parent}/{inc}" in files


def test_syntax(case: tuple[Board, dict[str, str]]) -> None:
    _, files = case
    for path, text in files.items():
        if not path.endswith(BITBAKE_SUFFIXES) or "/files/" in path:
            continue
        # Old override syntax is fatal (_append) or silently another variable (RDEPENDS_${PN}).
        assert not re.search(r"_(append|prepend|remove)\b|[A-Z]_\$\{PN\}", text), path
        # An override named after the feature does nothing: kdump is no OVERRIDES member.
        assert not re.search(r":kdump\b", text), path
        assert text.endswith("\n") and not re.search(r"[ \t]$", text, re.M), path


def test_kdump_init_installs_the_runtime_layout(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    recipe = files["recipes-kernel/kdump-init/kdump-init_1.0.bb"]
    installed = {}
    for mode, name, dest in re.findall(
        r"^    install -D -m ([0-7]{4}) \$\{S\}/(\S+) \$\{D\}(\S+)$", recipe, re.M
    ):
        for var, value in BB_DIRS.items():
            dest = dest.replace(var, value)
        assert "${" not in dest
        installed[dest] = (name, int(mode, 8))
    runtime = runtime_files(board)
    assert installed == {f.install_path: (f.name, f.mode) for f in runtime}
    for item in runtime:
        assert files[f"recipes-kernel/kdump-init/files/{item.name}"] == item.text
        assert f"file://{item.name}" in recipe


def test_kdump_init_recipe(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    recipe = files["recipes-kernel/kdump-init/kdump-init_1.0.bb"]
    values = assignments(recipe)
    rdepends = values["RDEPENDS:${PN}"].split()
    assert {"kexec", "vmcore-dmesg", f"kernel-image-{board.kernel.image.lower()}"} <= set(rdepends)
    assert ("makedumpfile" in rdepends) == (board.dump.collector == "makedumpfile")
    assert rdepends == sorted(rdepends)
    assert values["LICENSE"] == "MIT"
    md5 = (
        __import__("hashlib")
        .md5(files["recipes-kernel/kdump-init/files/COPYING.MIT"].encode())
        .hexdigest()
    )
    assert values["LIC_FILES_CHKSUM"] == f"file://COPYING.MIT;md5={md5}"
    assert values["RCONFLICTS:${PN}"] == "kdump"
    if board.init == "systemd":
        assert re.search(r"^inherit systemd$", recipe, re.M)
        assert values["SYSTEMD_SERVICE:${PN}"] == "kdump.service"
        assert "INITSCRIPT_NAME" not in values
    else:
        assert re.search(r"^inherit update-rc\.d$", recipe, re.M)
        script = next(f for f in runtime_files(board) if f.install_path.startswith("/etc/init.d/"))
        assert values["INITSCRIPT_NAME"] == Path(script.install_path).name
        assert re.match(r"^start [0-9]{2} 2 3 4 5 \.$", values["INITSCRIPT_PARAMS"])
    if board.init == "openrc":
        assert "${sysconfdir}/runlevels/default/kdump" in recipe
    if board.yocto.machine:
        assert values["COMPATIBLE_MACHINE"] == f"^{board.yocto.machine}$"
    # Style-guide order of the variables that are present.
    order = [
        "SUMMARY",
        "DESCRIPTION",
        "HOMEPAGE",
        "SECTION",
        "LICENSE",
        "LIC_FILES_CHKSUM",
        "SRC_URI",
        "S",
        "inherit",
        "COMPATIBLE_MACHINE",
        "do_install",
        "PACKAGE_ARCH",
        "CONFFILES",
        "RDEPENDS",
        "RCONFLICTS",
    ]
    seen = [re.search(rf"^{re.escape(key)}\b", recipe, re.M) for key in order]
    positions = [m.start() for m in seen if m]
    assert positions == sorted(positions) and len(positions) >= 14


def test_makedumpfile_compression(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    inc = files.get("recipes-kernel/makedumpfile/makedumpfile-kdump.inc")
    if board.dump.compression in ("lzo", "snappy", "zstd"):
        assert inc and f'PACKAGECONFIG:append = " {board.dump.compression}"' in inc.splitlines()
    else:
        assert inc is None


def test_kas(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    kas = yaml.safe_load(files[f"kas-{board.name}.yml"])
    assert kas["header"]["version"] >= 14
    assert kas.get("machine") == board.yocto.machine
    repos = kas["repos"]
    assert repos[board.yocto.layer] is None  # the repository the file is in
    release = board.yocto.releases[0]
    assert repos["openembedded-core"]["branch"] == release
    assert repos["bitbake"]["branch"] == yocto.facts()["releases"][release]["bitbake"]
    needs_oe = board.dump.collector == "makedumpfile" and release in (
        "kirkstone",
        "scarthgap",
        "styhead",
    )
    assert ("meta-openembedded" in repos) == needs_oe
    assert 'DISTRO_FEATURES:append = " kdump"' in kas["local_conf_header"]["kdump"]


def test_readme_and_security(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    readme = files["README.md"]
    # What yocto-check-layer looks for: maintainer, patch submission, an email.
    assert re.search(r"^Maintainer: .+ <[^@\s]+@[^@\s]+\.[a-z]+>$", readme, re.M)
    assert "patch" in readme.lower()
    assert 'DISTRO_FEATURES:append = " kdump"' in readme
    assert board.crashkernel.cmdline in readme
    assert re.search(r"[^@\s]+@[^@\s]+\.[a-z]+", files["SECURITY.md"])


# (board, releases claimed, what the layer's README must admit; None: no limits section)
CAVEATS = [
    (
        "visionfive2",
        ("scarthgap", "styhead", "walnascar"),
        "does not build for riscv64 on scarthgap, styhead, walnascar",
    ),
    ("visionfive2", ("wrynose",), None),
    (
        "pc-x86_64-grub",
        ("kirkstone", "scarthgap"),
        "On kirkstone without the usrmerge distro feature",
    ),
    ("pc-x86_64-grub", ("scarthgap",), None),
    (
        "legacy-x86_64-2.6.32",
        ("wrynose",),
        "The board pins kexec-tools 2.0.1; oe-core ships 2.0.32",
    ),
]


@pytest.mark.parametrize(
    ("name", "releases", "says"), CAVEATS, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in CAVEATS]
)
def test_caveats(name: str, releases: tuple[str, ...], says: str | None) -> None:
    board = load_board(next(p for p in BOARDS if p.stem == name))
    board = replace(board, yocto=replace(board.yocto, releases=releases))
    readme = texts(board)["README.md"]
    if says is None:
        assert "## Known limits" not in readme
    else:
        assert "## Known limits" in readme and says in readme
    layer = assignments(texts(board)["conf/layer.conf"])
    assert layer[f"LAYERSERIES_COMPAT_{board.yocto.layer.removeprefix('meta-')}"] == (
        " ".join(releases)
    )


def test_deterministic(case: tuple[Board, dict[str, str]]) -> None:
    board, files = case
    assert texts(board) == files
    again = yocto.generate(load_board(board.path))  # type: ignore[arg-type]
    assert {p: f.content for p, f in again.items()} == {p: t.encode() for p, t in files.items()}


def test_name_override() -> None:
    board = load_board(DEFAULT_BOARD)
    files = texts(board, name="meta-crashdump")
    assert yocto.default_dirname(board, name="meta-crashdump") == "meta-crashdump"
    assert yocto.default_dirname(board) == board.yocto.layer
    assert 'BBFILE_COLLECTIONS += "crashdump"' in files["conf/layer.conf"]
    assert "classes/crashdump.bbclass" in files
    with pytest.raises(UserError):
        yocto.generate(board, name="Meta Bad")


def test_bitbake_path_refuses_unknown_directories() -> None:
    assert yocto.bitbake_path("/usr/sbin/kdump") == "${sbindir}/kdump"
    assert yocto.bitbake_path("/usr/lib/systemd/system/kdump.service") == (
        "${systemd_system_unitdir}/kdump.service"
    )
    with pytest.raises(ValueError):
        yocto.bitbake_path("/opt/kdump")


def test_cli_write_check_stale(tmp_path: Path) -> None:
    out = tmp_path / "layer"
    first = run_cli("generate", "yocto", DEFAULT_BOARD, "-o", out)
    assert first.code == 0, first.err
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = run_cli("generate", "yocto", DEFAULT_BOARD, "-o", out)
    assert second.code == 0 and "0 changed" in second.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    ok = run_cli("generate", "yocto", DEFAULT_BOARD, "-o", out, "--check")
    assert ok.code == 0 and "up to date" in ok.out
    conf = out / "conf" / "layer.conf"
    conf.write_text(conf.read_text().replace('"6"', '"7"'))
    stale = run_cli("generate", "yocto", DEFAULT_BOARD, "-o", out, "--check")
    assert stale.code == 1 and "conf/layer.conf" in stale.out
    (out / "README.md").unlink()
    assert (
        "README.md: missing"
        in run_cli("generate", "yocto", DEFAULT_BOARD, "-o", out, "--check").out
    )


@pytest.mark.parametrize("path", BOARDS, ids=IDS)
def test_check_reads_the_fragment(path: Path, tmp_path: Path) -> None:
    """`kdumplayer check --yocto LAYER` finds the verified fragment in the layer."""
    from kdumplayer.check.yocto import kernel_fragments
    from kdumplayer.output import write_tree

    board = load_board(path)
    write_tree(tmp_path, yocto.generate(board))
    kernel = kernel_fragments(tmp_path, board.yocto.machine)
    assert [p.relative_to(tmp_path).as_posix() for p in kernel.fragments] == [
        f"{kdir(board)}/files/kdump.cfg"
    ]
    assert kernel.fragments[0].read_text() == fragment_for_board(board)


def test_same_layout_as_the_qemu_proof(case: tuple[Board, dict[str, str]]) -> None:
    """What `kdumplayer verify` installs in the guest root is what kdump-init installs:
    all of it for BusyBox and SysV boards; the hook and its conf for the others (the
    proof boots BusyBox init, the layer the board's systemd or OpenRC)."""
    from kdumplayer.verify.rootfs import booted_init

    board, files = case
    recipe = files["recipes-kernel/kdump-init/kdump-init_1.0.bb"]
    booted = {f.install_path: f.text for f in runtime_files(board, booted_init(board))}
    layer = {
        f.install_path: files[f"recipes-kernel/kdump-init/files/{f.name}"]
        for f in runtime_files(board)
        if f"${{D}}{yocto.bitbake_path(f.install_path)}" in recipe
    }
    if board.init in ("busybox", "sysv"):
        assert layer == booted
    else:
        shared = {"/usr/sbin/kdump", "/etc/kdump.conf"}
        assert {p: t for p, t in layer.items() if p in shared} == {
            p: t for p, t in booted.items() if p in shared
        }
        assert len(shared & set(layer)) == 2


# (LAYERSERIES_CORENAMES of the oe-core parsed, the layer's dependencies) for a
# board claiming scarthgap to wrynose with makedumpfile: meta-oe only where
# oe-core does not ship makedumpfile.
CORENAMES = [
    ("scarthgap", "core openembedded-layer"),
    ("styhead", "core openembedded-layer"),
    ("walnascar", "core"),
    ("whinlatter", "core"),
    ("wrynose", "core"),
    (None, "core"),
]


def layerdepends(board: Board, corenames: str | None) -> str:
    """Evaluate layer.conf's LAYERDEPENDS the way bitbake does (bb.utils.filter over
    LAYERSERIES_CORENAMES) for the oe-core release it is parsed with."""
    text = yocto.generate(board)["conf/layer.conf"].content.decode()
    coll = board.yocto.layer.removeprefix("meta-")
    values = {"LAYERSERIES_CORENAMES": corenames}

    def bb_filter(var: str, checkvalues: str, d: object) -> str:  # bb.utils.filter
        present = (values[var] or "").split()
        return " ".join(v for v in checkvalues.split() if v in present)

    deps = []
    for value in re.findall(rf'^LAYERDEPENDS_{re.escape(coll)} \+?= "(.*)"$', text, re.M):
        for expr in re.findall(r"\$\{@(.*?)\}", value):
            code = expr.replace("bb.utils.filter", "bb_filter")
            result = eval(code, {"bb_filter": bb_filter, "d": None})
            value = value.replace("${@" + expr + "}", result)
        deps += value.split()
    return " ".join(deps)


@pytest.mark.parametrize(("corenames", "expected"), CORENAMES)
def test_layerdepends_follow_the_release(corenames: str | None, expected: str) -> None:
    board = load_board(Path(__file__).resolve().parents[2] / "board-configs" / "qemu-x86_64.yaml")
    assert layerdepends(board, corenames) == expected


RELEASES = yaml.safe_load(yocto.RELEASES_FILE.read_text(encoding="utf-8"))["releases"]


@pytest.mark.parametrize("path", BOARDS, ids=IDS)
def test_every_board_needs_meta_oe_only_without_oe_cores_makedumpfile(path: Path) -> None:
    """On each release it claims, a board's layer needs oe-core alone unless it
    collects with makedumpfile and that release's makedumpfile is meta-oe's."""
    board = load_board(path)
    for release in board.yocto.releases:
        meta_oe = (
            board.dump.collector == "makedumpfile"
            and RELEASES[release]["makedumpfile"]["layer"] == "openembedded-layer"
        )
        expected = "core openembedded-layer" if meta_oe else "core"
        assert layerdepends(board, release) == expected, release
