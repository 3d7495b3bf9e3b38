"""Property tests (hypothesis): setting is idempotent, removing undoes it byte for byte, and
what was written parses back to the requested value, for every format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kdumplayer.cmdline import FORMATS, get_crashkernel, remove_crashkernel, set_crashkernel
from kdumplayer.crashkernel import grammar as ck

from .test_formats import DATA, FILES, _fmt

MiB = 1 << 20
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

sizes = st.integers(min_value=1, max_value=4096).map(lambda n: n * MiB)
offsets = st.integers(min_value=0, max_value=64).map(lambda n: n * 16 * MiB)


@st.composite
def ranges(draw: st.DrawFn) -> ck.Crashkernel:
    cuts = sorted(draw(st.sets(st.integers(0, 256), min_size=1, max_size=5)))
    bounds = [c * 256 * MiB for c in cuts]
    items = []
    for index, start in enumerate(bounds):
        end = bounds[index + 1] if index + 1 < len(bounds) else None
        if end is None and draw(st.booleans()):
            end = start + 256 * MiB
        items.append(ck.Range(start, end, draw(sizes)))
    return ck.Crashkernel(ranges=tuple(items), offset=draw(st.none() | offsets))


values = st.one_of(
    st.builds(lambda s: (ck.Crashkernel(size=s),), sizes),
    st.builds(lambda s, o: (ck.Crashkernel(size=s, offset=o),), sizes, offsets),
    st.builds(lambda r: (r,), ranges()),
    st.builds(
        lambda h, low: (
            ck.Crashkernel(size=h, qualifier="high"),
            ck.Crashkernel(size=low, qualifier="low"),
        ),
        sizes,
        sizes,
    ),
).map(lambda params: " ".join(str(p) for p in params))

# Kernel options that are not crashkernel=, as they appear on real command lines.
option = st.from_regex(r"[a-z][a-z0-9_.]{0,8}(=[A-Za-z0-9/,:.]{1,10})?", fullmatch=True).filter(
    lambda w: not w.startswith("crashkernel")
)
blank = st.sampled_from([" ", "  ", "\t"])


@st.composite
def args(draw: st.DrawFn, min_size: int = 0) -> str:
    words = draw(st.lists(option, min_size=min_size, max_size=6))
    out = ""
    for index, word in enumerate(words):
        out += (draw(blank) if index else "") + word
    return out


Template = Callable[[str, str], str]
TEMPLATES: dict[str, Template] = {
    "grub": lambda a, n: (
        f"# c{n}menuentry 'Linux' {{{n}\tlinux /vmlinuz {a}{n}}}{n}"
        f'menuentry "Other" --class os {{{n}\tlinux16 /bzImage {a}{n}}}{n}'
    ),
    "grub-default": lambda a, n: f'GRUB_DEFAULT=0{n}GRUB_CMDLINE_LINUX="{a}"{n}',
    "grub-legacy": lambda a, n: (
        f"default=0{n}title A{n}\tkernel /vmlinuz {a}{n}title B{n}\tkernel /vmlinuz ro {a}{n}"
    ),
    "extlinux": lambda a, n: (
        f"LABEL a{n}  KERNEL /zImage{n}  APPEND {a}{n}{n}"
        f"label b{n}  kernel /zImage{n}  append root=/dev/sda {a}{n}"
    ),
    "u-boot": lambda a, n: f'setenv bootargs "{a}"{n}setenv bootargs "${{bootargs}} x"{n}boot{n}',
    "uenv": lambda a, n: f"loadaddr=0x82000000{n}optargs={a}{n}",
    "rpi": lambda a, n: f"{a}{n}",
    "systemd-boot": lambda a, n: f"title T{n}linux /vmlinuz{n}options {a}{n}",
    "qemu": lambda a, n: (
        f'qemu-system-x86_64 -kernel bzImage -append "{a}" -nographic{n}'
        f"qemu-system-x86_64 -append '{a}'{n}"
    ),
}
# Second spellings: unquoted U-Boot words, single-quoted /etc/default/grub, extlinux globals.
VARIANTS: dict[str, Template] = {
    "u-boot": lambda a, n: f"if true; then{n}  setenv bootargs console=ttyS0 {a}{n}fi{n}",
    "grub-default": lambda a, n: f"export GRUB_CMDLINE_LINUX_DEFAULT='{a}' # note{n}",
    "extlinux": lambda a, n: f"DEFAULT a{n}APPEND {a}{n}LABEL a{n}\tKERNEL /zImage{n}",
    "uenv": lambda a, n: f"bootargs={a}{n}uenvcmd=run loadimage; bootz ${{loadaddr}}{n}",
}


@st.composite
def files(draw: st.DrawFn) -> tuple[str, str]:
    fmt = draw(st.sampled_from(sorted(TEMPLATES)))
    template = TEMPLATES[fmt]
    if fmt in VARIANTS and draw(st.booleans()):
        template = VARIANTS[fmt]
    return fmt, template(draw(args()), draw(st.sampled_from(["\n", "\r\n"])))


def test_templates_cover_every_format() -> None:
    assert set(TEMPLATES) == set(FORMATS)


@SETTINGS
@given(files(), values)
def test_set_twice_is_a_no_op(file: tuple[str, str], value: str) -> None:
    fmt, text = file
    once = set_crashkernel(text, value, fmt)
    assert set_crashkernel(once, value, fmt) == once


@SETTINGS
@given(files(), values)
def test_remove_gives_back_the_original_bytes(file: tuple[str, str], value: str) -> None:
    fmt, text = file
    assert remove_crashkernel(set_crashkernel(text, value, fmt), fmt) == text


@SETTINGS
@given(files(), values)
def test_result_parses_back_to_the_value(file: tuple[str, str], value: str) -> None:
    fmt, text = file
    new = set_crashkernel(text, value, fmt)
    patched = [f for f in get_crashkernel(new, fmt) if f.words]
    assert patched
    for found in patched:
        got = ck.parse_params(" ".join(found.words))
        assert got == ck.parse_params(value)


@SETTINGS
@given(files(), values, values)
def test_replacing_equals_setting_fresh(file: tuple[str, str], first: str, second: str) -> None:
    fmt, text = file
    assert set_crashkernel(set_crashkernel(text, first, fmt), second, fmt) == (
        set_crashkernel(text, second, fmt)
    )


@SETTINGS
@given(st.sampled_from(FILES), values)
def test_realistic_files_round_trip(name: str, value: str) -> None:
    text = (DATA / name).read_bytes().decode()
    fmt = _fmt(name, text)
    bare = remove_crashkernel(text, fmt, name)
    once = set_crashkernel(bare, value, fmt, name)
    assert set_crashkernel(once, value, fmt, name) == once
    if name != "grub-default-unquoted":  # an unquoted word gains quotes for good
        assert remove_crashkernel(once, fmt, name) == bare


@SETTINGS
@given(values)
def test_grammar_formats_back(value: str) -> None:
    params = ck.parse_params(value)
    assert ck.parse_params(ck.to_cmdline(params)) == params
    assert ck.to_cmdline(params) == " ".join(f"crashkernel={w}" for w in value.split())


def test_data_dir_is_populated() -> None:
    assert len(FILES) >= 20 and Path(DATA, "grub.cfg").is_file()
