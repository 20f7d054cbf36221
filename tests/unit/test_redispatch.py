"""The reaper's choice (store.generations.take_for_redispatch / take_unleased): which waiting
generations may have lost their message, each published once per lost lease; and the settings
that scale-out refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pixforge.config import Settings
from pixforge.store import generations as repo
from tests.unit.test_lifecycle import World

REDISPATCH_S = 600.0
LEASE_S = 30.0


def due(world: World) -> list[int]:
    with world.db.write() as conn:
        return [i for i, _ in repo.take_for_redispatch(conn, world.clock(), REDISPATCH_S, 100)]


def test_what_the_reaper_publishes_again(tmp_path: Path) -> None:
    world = World(tmp_path)
    account, key = world.account(1000)
    fresh = world.submit(account, key, 10)
    assert due(world) == []  # published at submit
    world.clock.now += REDISPATCH_S + 1
    assert due(world) == [fresh]  # never claimed for a long time: the message may be lost
    assert due(world) == []  # ...and stamped: once per interval
    claimed = world.lifecycle.claim("node-a:1:x", LEASE_S, fresh)
    assert claimed is not None
    world.clock.now += LEASE_S - 1
    assert due(world) == []  # a live lease is never re-published
    world.clock.now += 2
    assert due(world) == [fresh]  # the holder died or hung: once after its lease ran out
    assert due(world) == []
    taken = world.lifecycle.claim("node-b:2:y", LEASE_S, fresh)
    assert taken is not None
    assert world.lifecycle.succeed(fresh, "node-b:2:y", world.output("a"))
    world.clock.now += REDISPATCH_S * 2
    assert due(world) == []  # finished work is never published
    waiting = world.submit(account, key, 10)
    with world.db.write() as conn:
        assert repo.take_unleased(conn, world.clock(), 100) == [(waiting, "preview")]


def test_route_depth_per_queue(tmp_path: Path) -> None:
    world = World(tmp_path)
    account, key = world.account(1000)
    first = world.submit(account, key, 10)
    world.submit(account, key, 10)
    assert world.lifecycle.claim("node-a:1:x", LEASE_S, first) is not None
    with world.db.read() as conn:
        assert repo.queue_depth_by_route(conn, world.clock()) == {"preview": (1, 1)}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"dispatcher": "celery"}, "needs PostgreSQL"),
        (
            {
                "dispatcher": "celery",
                "database_url": "postgresql+psycopg://db/pixforge",
                "render_timeout_s": 100,
                "celery_visibility_timeout_s": 100,
            },
            "must exceed PIXFORGE_RENDER_TIMEOUT_S",
        ),
        ({"storage": "s3"}, "needs PIXFORGE_S3_ENDPOINT_URL"),
    ],
)
def test_scale_out_settings_that_cannot_work(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**values)  # type: ignore[arg-type]
