"""The 2D world of the landscape: surfaces, ball races, critical points. No pygame here."""
