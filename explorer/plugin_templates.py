"""``plugins new KIND NAME``: a plugin file that runs as written and its pytest file, from the
templates in ``assets/templates/`` (read with importlib.resources)."""

from __future__ import annotations

import keyword
from importlib import resources
from pathlib import Path

from explorer.output import OutputError, write_text

KINDS = ("optimizer", "surface", "schedule", "activation", "dataset")
# Names the templates import or define: a plugin named like one would shadow it.
RESERVED = {
    "torch",
    "nn",
    "math",
    "lr_scheduler",
    "hookimpl",
    "Hyper",
    "UpdateRule",
    "SurfaceSpec",
    "ScheduleSpec",
    "ActivationSpec",
    "DatasetSpec",
    "explorer",
    "test",
    "conftest",
}


class TemplateError(ValueError):
    """A name or folder ``plugins new`` cannot use: one sentence."""


def class_name(name: str) -> str:
    parts = [p for p in name.split("_") if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "Plugin"
    return out if out != name else out + "Rule"


def check_name(name: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
        raise TemplateError(
            f"plugin name {name!r} is not a Python identifier: use ASCII letters, digits and _, "
            "not starting with a digit (e.g. my_lion)"
        )
    if name.startswith("_"):
        raise TemplateError(
            f"plugin name {name!r} starts with _, and --plugins-dir skips such files; drop the _"
        )
    if name in RESERVED or name.startswith(("register_", "test_")):
        raise TemplateError(
            f"plugin name {name!r} would shadow a name the template uses; choose another"
        )


def render(kind: str, name: str) -> tuple[str, str]:
    """(plugin source, test source) for ``kind`` named ``name``."""
    folder = resources.files("explorer.assets") / "templates"
    out = []
    for stem in (kind, f"test_{kind}"):
        text = (folder / f"{stem}.py.tmpl").read_text(encoding="utf-8")
        out.append(text.replace("__CLASS__", class_name(name)).replace("__NAME__", name))
    return out[0], out[1]


def write_plugin(kind: str, name: str, folder: Path) -> tuple[Path, Path]:
    """Write ``NAME.py`` and ``test_NAME.py`` into ``folder``; refuses (TemplateError, nothing
    written) a bad name, a missing folder or a file that exists."""
    if kind not in KINDS:
        raise TemplateError(f"plugins new: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    check_name(name)
    if not folder.is_dir():
        raise TemplateError(f"--dir {folder}: the folder does not exist")
    plugin, test = folder / f"{name}.py", folder / f"test_{name}.py"
    for path in (plugin, test):
        if path.exists():
            raise TemplateError(
                f"{path} already exists; plugins new never overwrites a file (choose another "
                "name or move it away)"
            )
    source, test_source = render(kind, name)
    try:
        write_text(plugin, source, "plugins new")
        write_text(test, test_source, "plugins new")
    except OutputError:
        plugin.unlink(missing_ok=True)
        raise
    return plugin, test
