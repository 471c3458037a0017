"""What a surface is, in one line of the UI's language: the tooltip of its place in the
Landscape's surface menu. A built-in surface's line is in the string catalogue; a plugin's
surface says the first sentence of its own description (its author's words)."""

from __future__ import annotations

from explorer.app.ui.i18n import t
from explorer.plugins import Registry


def surface_line(registry: Registry, name: str) -> str:
    """``name``'s one line ("" for what is not a surface, e.g. the custom formula's entry)."""
    key = f"landscape.surface_about.{name.split(':', 1)[0] if ':' in name else name}"
    about = t(key)
    if about != key:
        return about
    spec = registry.surfaces.get(name)
    if spec is None:
        return ""
    text = " ".join(spec.description.split())
    if not text:
        return f"f(x, y) = {spec.formula}" if spec.formula else ""
    first = text.split(". ")[0]
    return first if first.endswith(".") else first + "."
