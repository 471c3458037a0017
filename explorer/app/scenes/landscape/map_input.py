"""The Landscape map under the mouse and the keyboard: a click starts every ball there, a drag
pans, the wheel zooms, a right click (or a click in inspect mode) inspects, and the scene's keys
(the help sheet lists them). The scene routes the events here once its widgets have passed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pygame

from explorer.app.scenes.landscape.help import SURFACE_KEYS
from explorer.app.scenes.landscape.run_path import nearest_point
from explorer.app.ui.scale import px

if TYPE_CHECKING:
    from explorer.app.scenes.landscape.scene import LandscapeScene

DRAG_THRESHOLD = 4  # pixels: below, a press and release is a click
PICK_RADIUS = 12
SNAP_PX = 14  # a click this close to a critical point inspects the point itself


class MapInput:
    """Keys and the mouse on the map, turned into calls on the scene and its model; the drag in
    progress is the scene's (``scene.drag``: the painter draws the map offset by it)."""

    def __init__(self, scene: LandscapeScene) -> None:
        self.scene = scene

    def key(self, event) -> bool:
        """A key the scene reacts to (Space, → , R, surfaces, speed, Tab, A, I, F, E, , and .,
        Esc); False for any other, and for every key while a text box has the keyboard."""
        scene = self.scene
        if scene.controls.text_focused():
            return False
        m, key = scene.model, event.key
        if key == pygame.K_SPACE:
            m.toggle_play()
        elif key == pygame.K_RIGHT:
            m.step_once()
        elif key == pygame.K_r:
            m.reset()
        elif key in SURFACE_KEYS:
            names = list(m.registry.surfaces)
            k = SURFACE_KEYS.index(key)
            if k < len(names):
                scene.switch_surface(names[k])
        elif key in (
            pygame.K_LEFTBRACKET,
            pygame.K_RIGHTBRACKET,
            pygame.K_PAGEUP,
            pygame.K_PAGEDOWN,
        ):
            scene.switch_surface_by(-1 if key in (pygame.K_LEFTBRACKET, pygame.K_PAGEUP) else 1)
        elif key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            m.set_speed(m.speed * 1.5)
        elif key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            m.set_speed(m.speed / 1.5)
        elif key == pygame.K_TAB and m.race.balls:
            m.select((m.selected + 1) % len(m.race.balls))
        elif key == pygame.K_a and m.selected_name():
            name = m.selected_name()
            m.arrows_for[name] = not m.arrows_for.get(name, True)
            scene.controls.arrows_box.set_state(m.arrows_for[name])
        elif key == pygame.K_v:  # the 3-D view (3 selects the third surface)
            scene.view3d.toggle()
        elif key == pygame.K_i:
            m.inspect_ball(m.selected)
        elif key == pygame.K_f:
            scene.view.fit()
        elif key == pygame.K_e:
            m.export_csv()
        elif key in (pygame.K_COMMA, pygame.K_PERIOD) and m.run_path is not None:
            scene.start_along_path(-1 if key == pygame.K_COMMA else 1)
        elif key == pygame.K_ESCAPE:
            if scene.inspect_mode or m.inspection is not None or m.inspect_error:
                scene.inspect_mode = False
                m.close_inspector()
            else:
                return False
        else:
            return False
        return True

    def mouse_down(self, event) -> bool:
        """Left: a drag (or a click) begins; right: the Hessian at a ball or a point."""
        scene = self.scene
        if not scene.view.contains(*event.pos):
            return False
        if event.button == 1:
            scene.drag = {"start": tuple(event.pos), "moved": False, "offset": (0, 0)}
            if scene.view3d.on:  # a drag orbits the 3-D view
                scene.drag["orbit"] = True
                scene.view3d.press(event.pos)
            return True
        if event.button == 3 and scene.view3d.on:  # the surface's point under the cursor
            point = scene.view3d.pick(event.pos)
            if point is not None:
                scene.model.inspect(*point)
            return True
        if event.button == 3:
            i = self.ball_at(event.pos)
            if i is not None:
                scene.model.inspect_ball(i)
            else:
                scene.model.inspect(
                    *scene.view.to_world(*event.pos), snap=px(SNAP_PX) / scene.view.scale
                )
            return True
        return False

    def drag_to(self, pos) -> None:
        """The map follows a drag once it has moved ``DRAG_THRESHOLD`` pixels."""
        drag = self.scene.drag
        if drag.get("orbit"):
            self.scene.view3d.drag(pos)
            return
        sx, sy = drag["start"]
        dx, dy = pos[0] - sx, pos[1] - sy
        if abs(dx) + abs(dy) > px(DRAG_THRESHOLD):
            drag["moved"] = True
        if drag["moved"]:
            drag["offset"] = (dx, dy)

    def mouse_up(self, event) -> bool:
        """A drag pans the map; a click starts every ball there (or inspects the point, in
        inspect mode; a dot of the lab's path: exactly there)."""
        scene = self.scene
        drag, scene.drag = scene.drag, None
        if drag.get("orbit"):
            scene.view3d.release()
            return True
        self._drag_to_end(drag, event.pos)
        if drag["moved"]:
            scene.view.pan_pixels(*drag["offset"])
        elif scene.view.contains(*event.pos):
            x, y = scene.view.to_world(*event.pos)
            if scene.inspect_mode:
                i = self.ball_at(event.pos)
                if i is not None:
                    scene.model.inspect_ball(i)
                else:
                    scene.model.inspect(x, y, snap=px(SNAP_PX) / scene.view.scale)
            else:
                path = scene.model.run_path  # a dot of the lab's training path: start exactly there
                k = nearest_point(scene.view, path, event.pos, px(SNAP_PX))
                scene.start_at(*(path[k] if k is not None else (x, y)))
        return True

    @staticmethod
    def _drag_to_end(drag, pos) -> None:
        sx, sy = drag["start"]
        dx, dy = pos[0] - sx, pos[1] - sy
        if abs(dx) + abs(dy) > px(DRAG_THRESHOLD):
            drag["moved"] = True
            drag["offset"] = (dx, dy)

    def wheel(self, event) -> bool:
        """The wheel zooms the map about the pointer."""
        scene = self.scene
        pos = scene.mouse
        if not scene.view.contains(*pos):
            return False
        steps = max(-5.0, min(5.0, float(getattr(event, "precise_y", event.y) or event.y)))
        if scene.view3d.on:
            scene.view3d.wheel(steps)
        elif steps:
            scene.view.zoom_at(pos[0], pos[1], 1.2**steps)
        return True

    def ball_at(self, pos) -> int | None:
        """The ball drawn under ``pos`` (within ``PICK_RADIUS``), if any."""
        race = self.scene.model.race
        if not race.balls:
            return None
        pts = self.scene.view.to_screen(race.positions[-1])
        d = np.hypot(pts[:, 0] - pos[0], pts[:, 1] - pos[1])
        i = int(np.argmin(d))
        return i if d[i] <= px(PICK_RADIUS) else None
