"""Thousands of random keys, clicks, drags, wheels and window events: nothing raises."""

import random

import pygame
import pytest

from explorer.app.harness import Driver

KEYS = [
    pygame.K_SPACE,
    pygame.K_RIGHT,
    pygame.K_LEFT,
    pygame.K_UP,
    pygame.K_DOWN,
    pygame.K_r,
    pygame.K_h,
    pygame.K_i,
    pygame.K_a,
    pygame.K_e,
    pygame.K_f,
    pygame.K_TAB,
    pygame.K_ESCAPE,
    pygame.K_RETURN,
    pygame.K_BACKSPACE,
    pygame.K_PLUS,
    pygame.K_MINUS,
    pygame.K_F11,
    pygame.K_x,
    pygame.K_y,
    pygame.K_0,
    *range(pygame.K_1, pygame.K_9 + 1),
]
TEXT = list("xy+-*/()^. 0123456789sincoexplogqrtab") + ["**", "é", "∑"]


def random_event(rng: random.Random, size) -> pygame.event.Event:
    w, h = size
    pos = (rng.randrange(-20, w + 20), rng.randrange(-20, h + 20))
    r = rng.random()
    if r < 0.22:
        key = rng.choice(KEYS)
        kind = pygame.KEYDOWN if rng.random() < 0.6 else pygame.KEYUP
        return pygame.event.Event(kind, key=key, mod=0, unicode="", scancode=0)
    if r < 0.30:
        return pygame.event.Event(pygame.TEXTINPUT, text=rng.choice(TEXT))
    if r < 0.55:
        kind = rng.choice([pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP])
        return pygame.event.Event(kind, pos=pos, button=rng.choice([1, 1, 1, 2, 3, 4, 5]))
    if r < 0.90:
        buttons = rng.choice([(0, 0, 0), (1, 0, 0), (0, 0, 1)])
        rel = (rng.randint(-50, 50), rng.randint(-50, 50))
        return pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=rel, buttons=buttons)
    if r < 0.95:
        y = rng.choice([-3, -1, 1, 2, 5, 40])
        return pygame.event.Event(
            pygame.MOUSEWHEEL, x=0, y=y, precise_x=0.0, precise_y=float(y), flipped=False
        )
    if r < 0.96:
        size = (rng.randint(200, 2000), rng.randint(150, 1200))
        return pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1])
    kind = rng.choice(
        [
            pygame.WINDOWFOCUSLOST,
            pygame.WINDOWFOCUSGAINED,
            pygame.WINDOWLEAVE,
            pygame.WINDOWENTER,
            pygame.ACTIVEEVENT,
            pygame.VIDEOEXPOSE,
            pygame.WINDOWMINIMIZED,
        ]
    )
    return pygame.event.Event(kind)


@pytest.mark.slow
def test_random_events_never_raise(registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the CSV key writes files here
    rng = random.Random(20240611)
    d = Driver(registry)
    sent = 0
    while sent < 3000:
        batch = [random_event(rng, d.screen.get_size()) for _ in range(rng.randint(2, 10))]
        sent += len(batch)
        d.tick(1, batch, seconds=rng.choice([0.0, 1 / 120, 1 / 60, 1 / 30, 0.2]))
        # now and then a drag that really pans, or a long run
        if rng.random() < 0.02:
            plot = d.scene.layout.plot
            a = (rng.randrange(plot.x, plot.right), rng.randrange(plot.y, plot.bottom))
            d.drag(a, (a[0] + rng.randint(-200, 200), a[1] + rng.randint(-200, 200)))
        if rng.random() < 0.01:
            d.model.play()
            d.run(0.5)
    d.tick(3)
    assert sent >= 3000
    assert d.app.scenes  # the app is still there and drawing
    assert d.model.race.t >= 0
    d.key(pygame.K_ESCAPE)
    d.tick(2)
