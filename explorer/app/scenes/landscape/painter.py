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
    draw_start,
)
from explorer.app.scenes.landscape.inspector_view import draw_on_map
from explorer.app.scenes.landscape.legend_renderer import ESCAPED
from explorer.app.scenes.landscape.schedule_preview import marker_x
from explorer.app.scenes.landscape.state_vectors import read_ball
from explorer.app.scenes.landscape.trail_renderer import draw_trails
from explorer.app.ui import palette
from explorer.landscape.race import Status


def paint(scene, screen: pygame.Surface) -> None:
    L, m = scene.layout, scene.model
    # Only what nothing else paints over is cleared: at 1280×720 every full-area fill costs
    # ~0.3 ms of memory bandwidth, a tenth of the frame budget.
    for gap in L.bottom_gaps:
        screen.fill(palette.BACKGROUND, gap)
    screen.fill(palette.BACKGROUND, (0, 0, L.size[0], L.toolbar.y))  # under the scene tabs
    screen.fill(palette.PANEL, L.toolbar)
    pygame.draw.line(screen, palette.PANEL_LINE, L.toolbar.bottomleft, L.toolbar.bottomright)
    screen.fill(palette.PANEL, L.side)
    pygame.draw.line(screen, palette.PANEL_LINE, L.side.topleft, L.side.bottomleft)
    _draw_map(scene, screen)
    if scene.numbers is not None:
        screen.blit(scene.numbers, L.numbers)
    if scene.chart is not None:
        screen.blit(scene.chart, L.chart)
    _draw_side(scene, screen)
    _draw_captions(scene, screen)
    scene.manager.draw_ui(screen)
    if m.expr_error:
        _draw_expr_error(scene, screen)


def _draw_map(scene, screen: pygame.Surface) -> None:
    L, m, view = scene.layout, scene.model, scene.view
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
    colours = [palette.ball_colour(m.colour_index(b.spec.name)) for b in race.balls]
    if offset == (0, 0):
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
        for i in order:
            status = race.balls[i].status
            if i in scene.exits:
                at = view.point_to_screen(*scene.exits[i])
                draw_ball(screen, at, colours[i], status, i == m.selected)
                label = f"{race.balls[i].label} {status}"
                pos = [at[0] + 14, max(at[1] - 8, L.plot.y + 4)]
                while any(r.collidepoint(pos[0] + 4, pos[1] + 6) for r in tags):
                    pos[1] += 18  # balls that left at the same place: stack their tags
                tag_colour = palette.ERROR if status is Status.DIVERGED else ESCAPED
                tags.append(scene.text.tag(screen, label, pos, 12, tag_colour))
            elif not draw_offscreen(screen, L.plot, pts[i], colours[i], status):
                draw_ball(screen, pts[i], colours[i], status, i == m.selected)
    screen.set_clip(None)
    if scene.legend is not None:
        screen.blit(scene.legend, scene.legend_pos)
    _draw_banner(scene, screen)


def _draw_banner(scene, screen: pygame.Surface) -> None:
    """Why balls stopped, plugin failures and notices, along the bottom of the map."""
    L, m = scene.layout, scene.model
    lines = []
    colours = {
        Status.DIVERGED: palette.ERROR,
        Status.FROZEN: palette.WARN,
        Status.SADDLE: palette.WARN,
        Status.ESCAPED: ESCAPED,
    }
    for b in m.race.balls:
        if b.status in colours and b.reason:
            lines.append((f"{b.label} {b.status}: {b.reason}", colours[b.status]))
    if scene.picture is not None and scene.picture.error:
        lines.append((f"surface: {scene.picture.error}", palette.ERROR))
    for msg in m.live_messages():
        lines.append((msg.text, palette.ERROR if msg.level == "error" else palette.TEXT))
    if not lines:
        return
    width = L.plot.w - 16
    wrapped = []
    for text, colour in lines[-5:]:
        for line in scene.text.wrap(text, 13, width - 16)[:2]:
            wrapped.append((line, colour))
    wrapped = wrapped[-6:]
    h = 8 + 18 * len(wrapped)
    band = pygame.Surface((width, h), pygame.SRCALPHA)
    band.fill((14, 16, 20, 215))
    y0 = L.plot.bottom - h - 6
    screen.blit(band, (L.plot.x + 8, y0))
    for k, (line, colour) in enumerate(wrapped):
        scene.text.blit(screen, line, (L.plot.x + 16, y0 + 4 + 18 * k), 13, colour)


def _draw_captions(scene, screen: pygame.Surface) -> None:
    t = scene.text
    for slot in scene.controls.captions():
        r = slot.rect
        if slot.style == "header":
            t.blit(screen, slot.text, (r.x, r.centery), 14, (143, 180, 255), "bold", "midleft")
        elif slot.style == "value":
            t.blit(screen, slot.text, (r.right, r.centery), 13, palette.TEXT, "mono", "midright")
        else:
            text = t.ellipsize(slot.text, 14, r.w)
            t.blit(screen, text, (r.x, r.centery), 14, (200, 204, 214), "sans", "midleft")


def _draw_side(scene, screen: pygame.Surface) -> None:
    c, m = scene.controls, scene.model
    for pos, colour in c.swatches:
        pygame.draw.circle(screen, colour, pos, 5)
    if scene.schedule_picture is not None and c.schedule_rect.w > 0:
        screen.blit(scene.schedule_picture, c.schedule_rect)
        if m.schedule != "constant":
            x = c.schedule_rect.x + marker_x(m.race.t, m.race.total_steps, c.schedule_rect.w)
            pygame.draw.line(
                screen,
                palette.WARN,
                (x, c.schedule_rect.y + 14),
                (x, c.schedule_rect.bottom - 3),
            )
    if scene.inspector_panel is not None:
        screen.blit(scene.inspector_panel, c.inspector_rect)
    rect, doc, plugin = c.tune_doc
    if doc and rect.h > 16:
        y = rect.y
        for line in doc.splitlines():
            for part in scene.text.wrap(line.strip(), 12, rect.w, "mono"):
                if y + 16 > rect.bottom:
                    break
                scene.text.blit(screen, part, (rect.x, y), 12, palette.TEXT_DIM, "mono")
                y += 16
        if y + 16 <= rect.bottom:
            scene.text.blit(screen, f"from {plugin}", (rect.x, y), 11, palette.TEXT_DIM)
    name = m.selected_name()
    if name is not None:
        i = m.selected
        labels = [
            f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}"
            for k, v in read_ball(m.race.balls[i]).labels
        ]
        if labels:
            scene.text.blit(
                screen, "  ".join(labels)[:40], c.state_label_pos, 12, palette.TEXT_DIM, "mono"
            )


def _draw_expr_error(scene, screen: pygame.Surface) -> None:
    entry = scene.controls.expr_entry.rect
    lines = scene.text.wrap(scene.model.expr_error, 13, max(entry.w, 360) - 16)[:3]
    box = pygame.Rect(entry.x, entry.bottom + 4, max(entry.w, 360), 10 + 18 * len(lines))
    if box.right > scene.layout.size[0] - 4:
        box.right = scene.layout.size[0] - 4
    pygame.draw.rect(screen, (46, 22, 24), box, border_radius=4)
    pygame.draw.rect(screen, palette.ERROR, box, 1, border_radius=4)
    for k, line in enumerate(lines):
        scene.text.blit(screen, line, (box.x + 8, box.y + 5 + 18 * k), 13, palette.ERROR)
