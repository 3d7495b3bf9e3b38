"""One Jinja2 environment over recipes/, with named escaping filters per target language.

Templates decide the text; Python decides which templates and with what values.
Every filter either escapes a value for its target or refuses it: no user value
reaches a shell, Makefile, BitBake or Kconfig file unescaped.
"""

from __future__ import annotations

import re
import shlex
from functools import cache
from typing import Any

import jinja2

from kdumplayer.paths import RECIPES_DIR


class UnsafeValue(ValueError):
    """A value that cannot be represented safely in the target language."""


def sh_quote(value: Any) -> str:
    """POSIX shell word: bare when safe, otherwise single-quoted."""
    return shlex.quote(str(value))


def make_escape(value: Any) -> str:
    """A Make value: `$` doubled; newlines and `#` refused (they end or comment a line)."""
    text = str(value)
    if "\n" in text or "#" in text or "\\" in text:
        raise UnsafeValue(f"cannot put {text!r} in a Makefile")
    return text.replace("$", "$$")


def bb_quote(value: Any) -> str:
    """A BitBake double-quoted string value with its quotes."""
    text = str(value)
    if "\n" in text or "${" in text or "\\" in text:
        raise UnsafeValue(f"cannot put {text!r} in a BitBake string")
    return '"' + text.replace('"', '\\"') + '"'


def kconfig_quote(value: Any) -> str:
    """A Kconfig / .config string value with its quotes."""
    text = str(value)
    if "\n" in text:
        raise UnsafeValue(f"cannot put {text!r} in a Kconfig string")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def conf_value(value: Any) -> str:
    """A kdump.conf value: one line, read literally by the hook (never eval'd)."""
    text = "" if value is None else str(value)
    if "\n" in text or "\r" in text:
        raise UnsafeValue(f"cannot put {text!r} in kdump.conf")
    return text


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
        ident=ident,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render recipes/<template> with `context`."""
    return environment().get_template(template).render(**context)
