"""One package per scene; no scene package imports another. Each declares its row of the table of
scenes in its ``__init__.py`` (``SCENE = SceneSpec(...)``, explorer.app.scene_table)."""
