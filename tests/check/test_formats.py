"""The report formats on hand-made outcomes: JUnit against the schema, GitHub line by line,
JSON layout, text table. (The outcomes of real kernels are tested in test_check_*.py.)"""

from __future__ import annotations

import json
import re

import pytest
import xmlschema

from kdumplayer.check import formats
from kdumplayer.check.formats import ConfigOutcome, RequirementOutcome
from kdumplayer.findings import Finding, Location, Severity
from kdumplayer.kconfig.result import Status
from tests.check.conftest import DATA

SCHEMA = xmlschema.XMLSchema(DATA / "junit.xsd")
ANNOTATION = re.compile(r"^::error (file=[^,:]+(,line=\d+)?,)?title=[^:]+::.+$")


def _outcomes() -> list[ConfigOutcome]:
    ok = RequirementOutcome("KEXEC", "y", "y", Status.MET, "kexec_load()")
    blocked = RequirementOutcome(
        "CRASH_DUMP",
        "y",
        "n",
        Status.UNMET,
        "crash dumps",
        why=("depends on KEXEC_CORE [=n] && ARCH_SUPPORTS_CRASH_DUMP [=y]",),
        location=Location("board/no-kexec.cfg", 2),
    )
    absent = RequirementOutcome(
        "CRASH_CORE",
        "y",
        None,
        Status.ABSENT,
        "old name",
        why=("not defined in this kernel; renamed: VMCORE_INFO",),
    )
    return [
        ConfigOutcome(
            "configs/good_defconfig",
            "kernel",
            "arm64",
            "linux.tar.xz",
            "6.12.1",
            "scripts/dummy-tools",
            "config configs/good_defconfig",
            requirements=(ok,),
            anchor=Location("configs/good_defconfig"),
        ),
        ConfigOutcome(
            "configs/bad,one:defconfig",
            "buildroot",
            "x86_64",
            "linux",
            "6.12.1",
            "scripts/dummy-tools",
            "defconfig x86_64_defconfig",
            requirements=(ok, blocked, absent),
            buildroot=(
                Finding(
                    "kdump-package",
                    Severity.ERROR,
                    "no kexec 100% sure",
                    Location("configs/bad,one:defconfig", 7),
                ),
            ),
            anchor=Location("configs/bad,one:defconfig"),
        ),
    ]


def test_passed_and_first_failure() -> None:
    good, bad = _outcomes()
    assert good.passed and good.first_failure == "-"
    assert not bad.passed and bad.first_failure == "CRASH_DUMP"


def test_junit_is_valid_and_counts() -> None:
    xml = formats.junit(_outcomes())
    SCHEMA.validate(xml)
    doc = SCHEMA.to_dict(xml)
    assert doc["@tests"] == 5 and doc["@failures"] == 3
    suites = doc["testsuite"]
    assert [s["@name"] for s in suites] == ["configs/good_defconfig", "configs/bad,one:defconfig"]
    failing = [c for c in suites[1]["testcase"] if "failure" in c]
    assert [c["@name"] for c in failing] == [
        "CONFIG_CRASH_DUMP=y",
        "CONFIG_CRASH_CORE=y",
        "buildroot kdump-package",
    ]
    assert failing[0]["@file"] == "board/no-kexec.cfg" and failing[0]["@line"] == 2
    assert "KEXEC_CORE [=n]" in failing[0]["failure"][0]["$"]


def test_junit_schema_rejects_a_broken_report() -> None:
    xml = formats.junit(_outcomes()).replace(' tests="1"', "", 1)  # a suite without its count
    assert not SCHEMA.is_valid(xml)


def test_github_lines() -> None:
    lines = formats.github(_outcomes()).splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert len(annotations) == 3
    for line in annotations:
        assert ANNOTATION.match(line), line
        assert "\n" not in line
    assert annotations[0].startswith(
        "::error file=board/no-kexec.cfg,line=2,title=kdump%3A CRASH_DUMP::"
    )
    assert "%0Adepends on KEXEC_CORE [=n]" in annotations[0]
    # No location known for an absent symbol: it falls back to the config's own file,
    # whose ',' and ':' are escaped in the property.
    assert annotations[1].startswith("::error file=configs/bad%2Cone%3Adefconfig,title=")
    assert annotations[2] == (
        "::error file=configs/bad%2Cone%3Adefconfig,line=7,"
        "title=kdump%3A buildroot kdump-package::"
        "configs/bad,one:defconfig: no kexec 100%25 sure"
    )
    rest = lines[len(annotations) :]
    assert rest[0].split() == ["CONFIG", "ARCH", "RESULT", "CHECKS", "FIRST", "FAILING"]
    assert rest[-1] == "2 config(s): 1 passed, 1 failed"


def test_json_layout() -> None:
    data = json.loads(formats.to_json(_outcomes()))
    assert data["schema"] == formats.SCHEMA_ID
    assert data["summary"] == {"configs": 2, "passed": 1, "failed": 1, "errors": 0}
    bad = data["results"][1]
    assert bad["first_failure"] == "CRASH_DUMP"
    assert bad["requirements"][1]["location"] == {"file": "board/no-kexec.cfg", "line": 2}
    assert bad["requirements"][2]["final"] is None
    assert bad["buildroot"][0]["ok"] is False


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_every_format_renders(fmt: str) -> None:
    assert formats.render(_outcomes(), fmt).endswith("\n")


def test_text_shows_details_of_failures_only_in_batches() -> None:
    text = formats.text(_outcomes())
    assert "FAIL CRASH_DUMP: requested y, final n" in text
    assert "depends on KEXEC_CORE [=n]" in text
    assert "change: board/no-kexec.cfg:2" in text
    assert "ok   KEXEC" not in text  # met ones only with --verbose
    assert "ok   KEXEC" in formats.text(_outcomes(), verbose=True)
    table = text.splitlines()[-4:]
    assert table[1].split() == ["configs/good_defconfig", "arm64", "met", "1/1", "-"]
    assert table[2].split() == ["configs/bad,one:defconfig", "x86_64", "unmet", "1/4", "CRASH_DUMP"]
