"""The 2D world of the landscape: surfaces, ball races, critical points. No pygame here.

Importing this package teaches the plugin registry the ``expr:FORMULA`` surface names (the
registry itself knows nothing of formulas).
"""

from explorer.landscape.expression import surface_from_expression
from explorer.plugins import SURFACE_PREFIXES

SURFACE_PREFIXES.setdefault("expr:", surface_from_expression)
