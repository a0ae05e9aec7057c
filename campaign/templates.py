"""Letter templates: the sandboxed Jinja environment, campaign.yaml, and rendering one Letter."""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment


def environment(templates_dir: Path, *, autoescape: bool) -> ImmutableSandboxedEnvironment:
    """A sandboxed Jinja environment: organisers edit the templates, so none may reach Python."""
    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
    )
