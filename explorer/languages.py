"""The languages the app speaks: its string catalogues, lesson captions and setup files.

``CJK_CHARS`` is the one statement of which characters are Chinese (ideographs and CJK
punctuation, as a regular-expression character range): the font picker, the line breaker and the
ReLU panel's mixed-script rows all read it, so a range added here reaches every one of them.
"""

LANGUAGES = ("en", "zh")

# CJK radicals through the unified ideographs, CJK punctuation, full-width forms, and the
# compatibility ideographs: what the zh catalogue and lesson captions use
CJK_CHARS = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\uf900-\ufaff"
