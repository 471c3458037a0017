"""How a scene hands events to its pygame_gui widgets: the one routine every scene shares."""

from __future__ import annotations

from collections.abc import Callable

import pygame
import pygame_gui

# The widget events a scene's controls act on (each carries the widget as ``ui_element``).
UI_EVENTS = frozenset(
    {
        pygame_gui.UI_BUTTON_PRESSED,
        pygame_gui.UI_HORIZONTAL_SLIDER_MOVED,
        pygame_gui.UI_DROP_DOWN_MENU_CHANGED,
        pygame_gui.UI_TEXT_ENTRY_FINISHED,
        pygame_gui.UI_CHECK_BOX_CHECKED,
        pygame_gui.UI_CHECK_BOX_UNCHECKED,
    }
)


def widget_event(
    manager: pygame_gui.UIManager, handle: Callable[[pygame.event.Event], object], event
) -> bool:
    """Give ``event`` to the widgets; ``handle`` gets the widgets' own events. True when the
    widgets took it (the scene should not act on it too)."""
    if event.type == pygame.USEREVENT:  # pygame_gui's deprecated duplicates of its events
        return True
    consumed = manager.process_events(event)
    if event.type in UI_EVENTS:  # composite widgets (sliders, menus) needed it first
        handle(event)
        return True
    return bool(consumed)


def run_action(actions: dict, event) -> bool:
    """Call the action registered for the widget that sent ``event``; False if there is none."""
    action = actions.get(getattr(event, "ui_element", None))
    if action is None:
        return False
    if event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED and not hasattr(event, "value"):
        return False  # the slider's arrow buttons also send this, without a value
    action(event)
    return True
