"""The shipped CI definitions: valid for their CI systems, and their kdumplayer command
lines accepted by the real argument parser (a renamed option would break them)."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kdumplayer.cli import build_parser
from tests.conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "kdump-check.yml"
GITLAB = REPO / "ci" / "gitlab-kdump-check.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"


@pytest.mark.parametrize(
    ("path", "schema"),
    [(WORKFLOW, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")],
    ids=["github", "gitlab"],
)
def test_valid_for_the_ci_system(path: os.PathLike[str], schema: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_manifest_is_valid() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _parse(command: str, env: dict[str, str]) -> argparse.Namespace:
    """Parse a `kdumplayer check ...` shell line with our parser (variables substituted)."""
    command = command.replace("${{ matrix.shard }}", "1")
    for name, value in env.items():
        command = command.replace(f"${{{name}}}", value).replace(f"${name}", value)
    words = shlex.split(command)
    assert words[:2] == ["kdumplayer", "check"], command
    return build_parser().parse_args(words[1:])


def test_github_command_parses() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text())
    job = doc["jobs"]["kdump-check"]
    (run,) = [s["run"] for s in job["steps"] if "kdumplayer check" in s.get("run", "")]
    args = _parse(run, {k: str(v) for k, v in job["env"].items()})
    assert args.format == "github"
    assert args.shard == "1/2"
    assert args.jobs == 2
    assert args.inputs == [job["env"]["CONFIGS"]]  # quoted: kdumplayer expands the glob


def test_gitlab_command_parses() -> None:
    job = yaml.safe_load(GITLAB.read_text())["kdump-check"]
    (script,) = [s for s in job["script"] if "kdumplayer check" in s]
    env = {
        **{k: str(v) for k, v in job["variables"].items()},
        "CI_NODE_INDEX": "2",
        "CI_NODE_TOTAL": "2",
    }
    args = _parse(script, env)
    assert args.format == "junit"
    assert args.output == job["artifacts"]["reports"]["junit"]
    assert args.shard == "2/2"
    assert job["artifacts"]["when"] == "always"  # the report also when the check fails


@pytest.mark.parametrize("hook", yaml.safe_load(HOOKS.read_text()), ids=lambda h: h["id"])
def test_hook_command_parses(hook: dict) -> None:
    words = [*shlex.split(hook["entry"]), "--kernel-src", "linux.tar.xz", "a_defconfig"]
    args = build_parser().parse_args(words[1:])
    assert args.inputs == ["a_defconfig"]  # pre-commit appends the changed files
    assert args.buildroot is (hook["id"] == "kdumplayer-check-buildroot")


def _doc_blocks() -> list[str]:
    text = (REPO / "docs" / "ci.md").read_text()
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def test_doc_copies_are_valid(tmp_path: Path) -> None:
    """The ready-to-copy definitions in docs/ci.md validate like the files."""
    github, gitlab, precommit = _doc_blocks()
    for name, text, schema in (
        ("github.yml", github, "vendor.github-workflows"),
        ("gitlab.yml", gitlab, "vendor.gitlab-ci"),
    ):
        path = tmp_path / name
        path.write_text(text)
        done = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    job = yaml.safe_load(gitlab)["kdump-check"]
    (script,) = [s for s in job["script"] if "kdumplayer check" in s]
    env = {
        **{k: str(v) for k, v in job["variables"].items()},
        "CI_NODE_INDEX": "1",
        "CI_NODE_TOTAL": "2",
    }
    assert _parse(script, env).format == "junit"
    hooks = {h["id"] for h in yaml.safe_load(HOOKS.read_text())}
    config = yaml.safe_load(precommit)
    assert {h["id"] for h in config["repos"][0]["hooks"]} == hooks
