"""Drawing the Landscape scene from its model and caches; nothing here changes state.

Each function takes the scene (read only) and the screen, so the scene file keeps to events,
time and caches.
"""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.scenes.landscape.ball_renderer import (
    draw_ball,
    draw_ball_arrows,
    draw_offscreen,
    draw_shared,
    draw_start,
    shared_groups,
)
from explorer.app.scenes.landscape.formula_text import formula_text
from explorer.app.scenes.landscape.inspector_view import draw_on_map
from explorer.app.scenes.landscape.legend_renderer import ESCAPED, status_label
from explorer.app.scenes.landscape.reason_text import reason_text
from explorer.app.scenes.landscape.run_path import draw_run_path
from explorer.app.scenes.landscape.schedule_preview import marker_x
from explorer.app.scenes.landscape.state_vectors import read_ball
from explorer.app.scenes.landscape.trail_renderer import draw_trails
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text_slot import CaptionLook
from explorer.landscape.race import Status

# the side panel's captions: section headers in blue (never shortened), values at the right of
# their rect, beside the slider they belong to
CAPTION_LOOKS = {
    "header": CaptionLook(14, (143, 180, 255), "bold", fit=False),
    "value": CaptionLook(13, palette.TEXT, "mono", align="right"),
    "label": CaptionLook(14, (200, 204, 214)),
}


def paint(scene, screen: pygame.Surface) -> None:
    L, m = scene.layout, scene.model
    # Only what nothing else paints over is cleared: at 1280×720 every full-area fill costs
    # ~0.3 ms of memory bandwidth, a tenth of the frame budget.
    for gap in L.bottom_gaps:
        screen.fill(palette.BACKGROUND, gap)
    screen.fill(palette.BACKGROUND, (0, 0, L.size[0], L.toolbar.y))  # under the scene tabs
    screen.fill(palette.PANEL, L.toolbar)
    pygame.draw.line(screen, palette.PANEL_LINE, L.toolbar.bottomleft, L.toolbar.bottomright, lw())
    screen.fill(palette.PANEL, L.side)
    pygame.draw.line(screen, palette.PANEL_LINE, L.side.topleft, L.side.bottomleft, lw())
    if scene.view3d.on:  # key V: the surface as a lit mesh, the balls on it
        scene.view3d.draw(screen, L.map_area, m, scene.text)
        _draw_banner(scene, screen, _banner_lines(scene))
    else:
        _draw_map(scene, screen)
    # while a new surface is built the race shown is still the old one's: its numbers and chart
    # would read as the new surface's, so they wait with the map
    old_race = bool(m.pending_surface)
    for picture, rect in ((scene.numbers, L.numbers), (scene.chart, L.chart)):
        if picture is None or old_race:
            screen.fill(palette.PANEL, rect)
        else:
            screen.blit(picture, rect)
    _draw_side(scene, screen)
    scene.draw_widgets(screen, scene.controls.captions(), CAPTION_LOOKS)
    if m.expr_error:
        _draw_expr_error(scene, screen)


def _draw_map(scene, screen: pygame.Surface) -> None:
    L, m, view = scene.layout, scene.model, scene.view
    waiting = scene.waiting_text()
    banner = _banner_lines(scene, errors_only=bool(waiting))
    if waiting:
        _draw_waiting(scene, screen, waiting)
        _draw_banner(scene, screen, banner)
        return
    offset = scene.drag["offset"] if scene.drag and scene.drag["moved"] else (0, 0)
    if scene.picture is not None:
        if offset == (0, 0):
            screen.blit(scene.picture.surface, L.map_area)
        else:
            screen.set_clip(L.plot)
            screen.fill(palette.BACKGROUND, L.plot)
            screen.blit(
                scene.picture.surface,
                L.plot.move(offset),
                area=L.plot.move(-L.map_area.x, -L.map_area.y),
            )
            screen.set_clip(None)
    screen.set_clip(L.plot)
    race = m.race
    colours = [palette.ball_colour(m.colour_index(b.label)) for b in race.balls]
    if offset == (0, 0):
        if m.run_path is not None:
            draw_run_path(screen, view, m.run_path, scene.text, m.path_live)
        draw_trails(screen, scene.trails, colours)
        draw_start(screen, view.point_to_screen(*race.start))
        if m.inspection is not None:
            draw_on_map(screen, m.inspection, view, scene.text)
        pts = view.to_screen(race.positions[-1]) if race.balls else np.empty((0, 2))
        order = [i for i in range(len(race.balls)) if i != m.selected] + (
            [m.selected] if m.selected < len(race.balls) else []
        )
        arrows = sorted(scene.arrows, key=lambda a: a[0] == m.selected)
        for i, grad, step, state in arrows:
            if i < len(pts):
                draw_ball_arrows(
                    screen,
                    scene.text,
                    grad,
                    step,
                    state,
                    pts[i],
                    colours[i],
                    view.scale,
                    scene.arrow_refs,
                    m.arrow_kinds,
                    labels=i == m.selected,
                )
        tags: list[pygame.Rect] = []
        on_map: list[int] = []
        tag_h = scene.text.line_height(12, "mono") + px(4)
        lowest = _banner_top(scene, banner) - tag_h - px(2)  # tags stay above the banner
        for i in order:
            status = race.balls[i].status
            if i in scene.exits:
                at = view.point_to_screen(*scene.exits[i])
                draw_ball(screen, at, colours[i], status, i == m.selected)
                label = f"{race.balls[i].label} {status_label(status)}"
                pos = [at[0] + px(14), min(max(at[1] - px(8), L.plot.y + px(4)), lowest)]
                while any(r.collidepoint(pos[0] + px(4), pos[1] + px(6)) for r in tags):
                    pos[1] -= tag_h  # balls that left at one place: stack their tags upwards
                tag_colour = palette.ERROR if status is Status.DIVERGED else ESCAPED
                tags.append(scene.text.tag(screen, label, pos, 12, tag_colour))
            elif not draw_offscreen(screen, L.plot, pts[i], colours[i], status):
                on_map.append(i)
        for group in shared_groups(pts, on_map):  # balls on one point (a shared start): a pie
            if len(group) == 1:
                i = group[0]
                draw_ball(screen, pts[i], colours[i], race.balls[i].status, i == m.selected)
            else:
                shared = [colours[i] for i in sorted(group)]
                draw_shared(screen, scene.text, pts[group[0]], shared, m.selected in group, L.plot)
    screen.set_clip(None)
    if scene.legend is not None:
        screen.blit(scene.legend, scene.legend_pos)
    _draw_banner(scene, screen, banner)


def _draw_waiting(scene, screen: pygame.Surface, words: str) -> None:
    """The map area while a new surface or its map is computed: shaded, with the sentence that
    says what (no old map, balls, legend or inspector marks under it)."""
    L, text = scene.layout, scene.text
    screen.fill(palette.BACKGROUND, L.map_area)
    screen.fill(palette.PANEL, L.plot)
    screen.set_clip(L.plot)
    for x in range(L.plot.x - L.plot.h, L.plot.right, px(14)):  # hatching: not a map
        a, b = (x, L.plot.y), (x + L.plot.h, L.plot.bottom)
        pygame.draw.line(screen, palette.BACKGROUND, a, b, lw())
    screen.set_clip(None)
    lines = text.wrap(words, 15, L.plot.w - px(60))[:3]
    step = text.line_height(15)
    box_h = step * len(lines) + px(16)
    box_w = max(text.font(15, text.kind_for(x, "sans")).size(x)[0] for x in lines) + px(32)
    box = pygame.Rect(0, 0, box_w, box_h)
    box.center = L.plot.center
    pygame.draw.rect(screen, palette.PANEL, box, border_radius=px(6))
    pygame.draw.rect(screen, palette.PANEL_LINE, box, lw(), border_radius=px(6))
    for k, line in enumerate(lines):
        at = (box.centerx, box.y + px(8) + step * k)
        text.blit(screen, line, at, 15, palette.TEXT, anchor="midtop")


def _banner_lines(scene, errors_only: bool = False) -> list[tuple[str, tuple]]:
    """The banner's wrapped lines: why balls stopped, plugin failures and notices (only the
    errors while the map area waits for a new surface: the old race's notices are stale)."""
    L, m = scene.layout, scene.model
    lines = []
    colours = {
        Status.DIVERGED: palette.ERROR,
        Status.FROZEN: palette.WARN,
        Status.SADDLE: palette.WARN,
        Status.ESCAPED: ESCAPED,
    }
    for b in () if errors_only else m.race.balls:
        if b.status in colours and b.reason:
            line = t(
                "landscape.why_stopped",
                name=b.label,
                status=status_label(b.status),
                reason=reason_text(b.reason),
            )
            lines.append((line, colours[b.status]))
    if scene.picture is not None and scene.picture.error:
        lines.append((t("landscape.surface_error", reason=scene.picture.error), palette.ERROR))
    for msg in m.live_messages():
        if errors_only and msg.level != "error":
            continue
        lines.append((msg.text, palette.ERROR if msg.level == "error" else palette.TEXT))
    width = L.plot.w - px(16)
    wrapped = []
    for text, colour in lines[-5:]:
        for line in scene.text.wrap(text, 13, width - px(16))[:2]:
            wrapped.append((line, colour))
    return wrapped[-6:]


def _banner_top(scene, wrapped) -> int:
    """Where the banner starts (the map's bottom when there is none)."""
    if not wrapped:
        return scene.layout.plot.bottom
    return scene.layout.plot.bottom - px(8) - scene.text.line_height(13) * len(wrapped) - px(6)


def _draw_banner(scene, screen: pygame.Surface, wrapped) -> None:
    """Why balls stopped, plugin failures and notices, along the bottom of the map."""
    L = scene.layout
    if not wrapped:
        return
    width = L.plot.w - px(16)
    step = scene.text.line_height(13)
    y0 = _banner_top(scene, wrapped)
    band = pygame.Surface((width, L.plot.bottom - px(6) - y0), pygame.SRCALPHA)
    band.fill((14, 16, 20, 215))
    screen.blit(band, (L.plot.x + px(8), y0))
    for k, (line, colour) in enumerate(wrapped):
        scene.text.blit(screen, line, (L.plot.x + px(16), y0 + px(4) + step * k), 13, colour)


def _draw_side(scene, screen: pygame.Surface) -> None:
    c, m = scene.controls, scene.model
    for pos, colour in c.swatches:
        pygame.draw.circle(screen, colour, pos, px(5))
    if scene.schedule_picture is not None and c.schedule_rect.w > 0:
        screen.blit(scene.schedule_picture, c.schedule_rect)
        if m.schedule != "constant":
            x = c.schedule_rect.x + marker_x(m.race.t, m.race.total_steps, c.schedule_rect.w)
            pygame.draw.line(
                screen,
                palette.WARN,
                (x, c.schedule_rect.y + px(14)),
                (x, c.schedule_rect.bottom - px(3)),
                lw(),
            )
    if scene.inspector_panel is not None and not m.pending_surface:
        screen.blit(scene.inspector_panel, c.inspector_rect)
    rect, doc, plugin = c.tune_doc
    step = scene.text.line_height(12, "mono")
    if doc and rect.h > step:
        y = rect.y
        for line in doc.splitlines():
            for part in scene.text.wrap(line.strip(), 12, rect.w, "mono"):
                if y + step > rect.bottom:
                    break
                scene.text.blit(screen, part, (rect.x, y), 12, palette.TEXT_DIM, "mono")
                y += step
        if y + step <= rect.bottom:
            scene.text.blit(
                screen, t("landscape.from_plugin", plugin=plugin), (rect.x, y), 11, palette.TEXT_DIM
            )
    name = m.selected_name()
    if name is not None:
        i = m.selected
        labels = [
            f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}"
            for k, v in read_ball(m.race.balls[i]).labels
        ]
        if labels:
            shown = scene.text.ellipsize("  ".join(labels), 12, c.state_label_w, "mono")
            scene.text.blit(screen, shown, c.state_label_pos, 12, palette.TEXT_DIM, "mono")


def _draw_expr_error(scene, screen: pygame.Surface) -> None:
    entry = scene.controls.expr_entry.rect
    width = max(entry.w, px(360))
    said = formula_text(scene.model.expr_error)  # in the UI's language
    lines = scene.text.wrap(said, 13, width - px(16))[:3]
    step = scene.text.line_height(13)
    box = pygame.Rect(entry.x, entry.bottom + px(4), width, px(10) + step * len(lines))
    if box.right > scene.layout.size[0] - px(4):
        box.right = scene.layout.size[0] - px(4)
    pygame.draw.rect(screen, (46, 22, 24), box, border_radius=px(4))
    pygame.draw.rect(screen, palette.ERROR, box, lw(), border_radius=px(4))
    for k, line in enumerate(lines):
        scene.text.blit(screen, line, (box.x + px(8), box.y + px(5) + step * k), 13, palette.ERROR)
