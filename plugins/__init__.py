"""Built-in plugins, registered through the same hooks and entry points as third-party ones."""
