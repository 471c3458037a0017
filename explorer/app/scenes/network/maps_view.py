"""Big maps: the Network lab's view for "what each neuron computes".

In the lab's usual layout the network shares the main area's height with the charts, so a layer
of eight units gets ~330 px at 1280 × 720 and each unit's map ~31 px: too small to read from the
back of a room. Shrinking the charts for everyone, or packing a layer's maps two abreast (links
then run under the maps), were the other choices; a view the teacher turns on when the maps are
the lesson keeps the everyday layout as it was and gives the maps their full 48 px. N, or the
words at the right of the net's title ("big maps"), turns it on and off; so does the setup key
``big_maps`` (a lesson on what each neuron computes turns it on in a step's setup).

With one net the network takes the whole height, its other panels in a column beside it (the
decision regions on top: what the whole net computes next to what each unit computes); with two
the networks take most of the height with their curves and decision regions below, and the
bottom-left chart (gradients, weights, Hessian) is left out: three charts in half the width were
too narrow to read; N brings it back.
"""

from __future__ import annotations

import pygame

from explorer.app.scenes.network.network_view import maps_tile
from explorer.app.scenes.network.neuron_pictures import NeuronTiles
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px

NET_SHARE_TWO = 0.62  # side by side: the networks' share of the height


def big_maps_columns(main: pygame.Rect, nets: int) -> tuple[dict[str, pygame.Rect], ...]:
    """Per net, its title, net, grads, curves and function rects in the big-maps view."""
    m4, m6, m8 = px(4), px(6), px(8)
    title_h = px(20)
    if nets == 1:
        title = pygame.Rect(main.x + m8, main.y + m4, main.w - 2 * m8, title_h)
        side_w = min(px(360), int(main.w * 0.4))
        body_h = main.bottom - title.bottom - m8
        net = pygame.Rect(main.x + m8, title.bottom, main.w - 2 * m8 - side_w - m6, body_h)
        x = net.right + m6
        fn_h = min(side_w, int(body_h * 0.42))
        function = pygame.Rect(x, net.y, side_w, fn_h)
        rest = body_h - fn_h - 2 * m6
        curves = pygame.Rect(x, function.bottom + m6, side_w, rest - rest // 2)
        grads = pygame.Rect(x, curves.bottom + m6, side_w, rest // 2)
        return (
            {"title": title, "net": net, "grads": grads, "curves": curves, "function": function},
        )
    columns = []
    col_w = (main.w - 3 * m8) // 2
    for k in range(2):
        x = main.x + m8 + k * (col_w + m8)
        title = pygame.Rect(x, main.y + m4, col_w, title_h)
        body_h = main.bottom - title.bottom - m8
        net = pygame.Rect(x, title.bottom, col_w, int(body_h * NET_SHARE_TWO))
        row_h = body_h - net.h - m6
        fn_w = min(row_h, int(col_w * 0.45))
        curves = pygame.Rect(x, net.bottom + m6, col_w - fn_w - m6, row_h)
        function = pygame.Rect(curves.right + m6, curves.y, fn_w, row_h)
        grads = pygame.Rect(x, curves.y, 0, 0)  # no room: N (or w) brings it back
        columns.append(
            {"title": title, "net": net, "grads": grads, "curves": curves, "function": function}
        )
    return tuple(columns)


def has_maps(scene) -> bool:
    """Net A draws what its units compute (2-D data or digits), so big maps mean something."""
    snaps = scene.model.snapshots
    function = snaps[0].function if snaps else None
    return function is not None and function.neurons is not None


def switch_rect(scene) -> pygame.Rect | None:
    """The words at the right of net A's title that turn big maps on and off (None: hidden,
    the net has no maps)."""
    if not has_maps(scene):
        return None
    title = scene.layout.columns[0]["title"]
    words = _words(scene)
    w = scene.text.font(12, scene.text.kind_for(words, "sans")).size(words)[0]
    return pygame.Rect(title.right - w, title.y, w, title.h)


def _words(scene) -> str:
    return t("network.maps_small") if scene.big_maps else t("network.maps_big")


def draw_switch(scene, screen: pygame.Surface) -> int:
    """The switch's words, underlined with dots as every clickable title of the lab is.
    Returns the x where it begins (the title's words stop before it)."""
    rect = switch_rect(scene)
    if rect is None:
        return scene.layout.columns[0]["title"].right
    scene.text.blit(
        screen, _words(scene), (rect.x, rect.centery), 12, palette.TEXT, "sans", "midleft"
    )
    y = rect.centery + scene.text.line_height(12) // 2
    for x in range(rect.x, rect.right, px(4)):
        pygame.draw.line(screen, palette.TEXT_DIM, (x, y), (x + px(1), y), lw())
    return rect.x


def maps_first(scene, i: int) -> bool:
    """Net ``i``'s picture is due: where new maps came with its snapshot, make their tiles
    now and draw the picture in the next frame (True), so no frame pays for both."""
    snaps = scene.model.snapshots
    if i >= len(snaps) or snaps[i].function is None or snaps[i].function.neurons is None:
        return False
    snap, size = snaps[i], scene.layout.columns[i]["net"].size
    tile = maps_tile(snap, size, scene.text)
    tiles = scene.tiles.setdefault(i, NeuronTiles())
    neurons = snap.function.neurons
    if not tile or tiles.ready(neurons, tile):
        return False
    tiles.tiles(neurons, tile)
    return True


def chart_asked(scene) -> None:
    """A chart of the bottom-left panel asked for (w, c) where big maps left that panel out
    (two nets): the usual layout comes back, so what was asked for shows."""
    if scene.big_maps and not scene.layout.columns[0]["grads"].w:
        toggle(scene)


def toggle(scene) -> None:
    """Big maps on or off (the panels are laid out again; the widgets stay as they are)."""
    scene.model.toggle_big_maps()  # a setup key (view_keys): saved with the setup
    scene.hover = None
