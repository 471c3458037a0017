"""The languages the app speaks: its string catalogues, lesson captions and setup files."""

LANGUAGES = ("en", "zh")
