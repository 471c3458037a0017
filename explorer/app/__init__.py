"""The desktop app (pygame-ce + pygame_gui): the only package that imports pygame."""

import os

# pygame prints a banner on import; the command line's output must stay clean.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
