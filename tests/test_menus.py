"""A menu's open list stays inside the window, so its last option can be clicked.

The lab's "B =" menu (side by side) sits low in the side panel: its eleven options ran past the
window's bottom edge at 1280 × 720, "B differs" too at 1024 × 640, and a click on the last ones
(what the harness did, what a user would try) landed outside the window. Such a list now opens
upwards; one with too little room either way scrolls, and the wheel turns it."""

from __future__ import annotations

import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.ui.menus import ITEM_H, LIST_FRAME, drop_down, room
from explorer.training import TrainConfig

SMALL = TrainConfig(
    dataset="moons", n=80, depth=2, width=6, activation="relu", epochs=2, device="cpu"
)


@pytest.mark.parametrize("size", [(1280, 720), (1024, 640)])
def test_the_last_option_of_the_labs_lowest_menus_can_be_clicked(network_lab, size):
    d = network_lab(SMALL, size=size, side_by_side=True, compare="activation")
    controls, model = d.scene.controls, d.scene.model
    window = d.screen.get_rect()
    for key in ("compare", "b_value"):
        menu = controls.menus[key]
        d.click(menu.rect.center)
        listing = menu.current_state.options_selection_list
        assert window.contains(listing.rect), f"{key}'s list {listing.rect} leaves the window"
        d.click((5, window.bottom - 5))  # closed again, nothing chosen
    d.choose(controls.menus["b_value"], "linear")  # the last option
    assert model.compare_value == "linear"
    d.choose(controls.menus["compare"], "residual")
    assert model.compare == "residual"


def test_a_list_with_too_little_room_scrolls_to_its_last_option(registry):
    d = Driver(registry, timer=lambda: 0.0)
    names = [f"option {i}" for i in range(30)]
    menu = drop_down(names, names[0], (600, 300, 200, 26), d.scene.manager, limit=150)
    d.choose(menu, names[-1])  # the wheel over the list brings it into view
    assert menu.selected_option[0] == names[-1]
    d.choose(menu, names[2])
    assert menu.selected_option[0] == names[2]


def test_a_list_opens_where_it_fits():
    need = ITEM_H * 11 + LIST_FRAME
    assert room(pygame.Rect(0, 100, 80, 24), 11, 720) == ("down", 720 - 124)
    assert room(pygame.Rect(0, 600, 80, 24), 11, 720) == ("up", 600)  # 96 px below, 600 above
    assert room(pygame.Rect(0, 600, 80, 24), 11, 720, limit=300) == ("up", 300)
    side, space = room(pygame.Rect(0, 720 - 24 - need, 80, 24), 11, 720)
    assert (side, space) == ("down", need)  # exactly fits below: stays below
    assert room(pygame.Rect(0, 30, 80, 24), 50, 100) == ("down", 46)  # too little: it scrolls
