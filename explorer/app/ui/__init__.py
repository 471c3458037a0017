"""What every scene shares: the Scene base and the loop, the tab strip, text and fonts, palette, theme, widget events, help."""
