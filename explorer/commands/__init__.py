"""One module per command of ``dl-explorer``."""
