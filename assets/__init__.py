"""Theme, icons and lesson files, read with importlib.resources."""
