"""The 2D world of the landscape: surfaces, ball races, critical points. No pygame here.

Surface families (``expr:FORMULA``, ``net:DATASET?...``) are registered by the built-in surfaces
plugin through ``register_surfaces``, like any plugin's; the registry knows no formula or net.
"""
