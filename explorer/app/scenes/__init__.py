"""One package per scene; no scene package imports another."""
