"""One Jinja2 environment over recipes/, with named escaping filters per target language.

Templates decide the text; Python decides which templates and with what values.
Every filter either escapes a value for its target or refuses it: no user value
reaches a shell, Makefile, BitBake or Kconfig file unescaped.
"""

from __future__ import annotations

import json
import re
import shlex
from functools import cache
from typing import Any

import jinja2
import yaml

from kdumplayer.paths import RECIPES_DIR


class UnsafeValue(ValueError):
    """A value that cannot be represented safely in the target language."""


# Control characters other than tab: no target holds them on one line (NUL not at all).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def _printable(text: str, target: str) -> str:
    if _CONTROL.search(text):
        raise UnsafeValue(f"cannot put {text!r} in {target}: it holds a control character")
    return text


def sh_quote(value: Any) -> str:
    """POSIX shell word: bare when safe, otherwise single-quoted."""
    text = _printable(str(value), "a shell word")
    # `X==a` assigns "=a", but reads as a comparison typo (shellcheck SC1097): quote it.
    return f"'{text}'" if text.startswith("=") and "'" not in text else shlex.quote(text)


def make_escape(value: Any) -> str:
    """A Make value: `$` doubled; newlines and `#` refused (they end or comment a line)."""
    text = _printable(str(value), "a Makefile")
    if "#" in text or "\\" in text:
        raise UnsafeValue(f"cannot put {text!r} in a Makefile")
    return text.replace("$", "$$")


def bb_quote(value: Any) -> str:
    """A BitBake double-quoted string value with its quotes."""
    text = _printable(str(value), "a BitBake string")
    if "${" in text or "\\" in text:
        raise UnsafeValue(f"cannot put {text!r} in a BitBake string")
    return '"' + text.replace('"', '\\"') + '"'


def kconfig_quote(value: Any) -> str:
    """A Kconfig / .config string value with its quotes."""
    text = _printable(str(value), "a Kconfig string")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def conf_value(value: Any) -> str:
    """A kdump.conf value: one line, read literally by the hook (never eval'd)."""
    return _printable("" if value is None else str(value), "kdump.conf")


def yaml_scalar(value: Any) -> str:
    """A YAML scalar that reads back as the same string: bare when it does, else quoted."""
    text = _printable(str(value), "a YAML line")
    try:
        bare = yaml.safe_load(text) == text and ": " not in text and " #" not in text
    except yaml.YAMLError:
        bare = False
    # JSON's string syntax is YAML's double-quoted scalar.
    return text if bare else json.dumps(text)


def ident(value: Any) -> str:
    """An identifier for any of the languages: [A-Za-z0-9_]."""
    return re.sub(r"[^A-Za-z0-9_]", "_", str(value))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(RECIPES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        sh=sh_quote,
        make=make_escape,
        bb=bb_quote,
        kconfig=kconfig_quote,
        conf=conf_value,
        yaml=yaml_scalar,
        ident=ident,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render recipes/<template> with `context`."""
    return environment().get_template(template).render(**context)
