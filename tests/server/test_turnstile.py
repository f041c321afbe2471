"""The turnstile lets event-loop work through in arrival order, one request per loop pass."""

from __future__ import annotations

import asyncio

from confidante.server.turnstile import Turnstile


def test_callers_go_through_in_the_order_they_came() -> None:
    gate = Turnstile()
    order: list[int] = []

    async def caller(n: int) -> None:
        async with gate:
            order.append(n)

    async def main() -> None:
        await asyncio.gather(*(caller(n) for n in range(5)))

    asyncio.run(main())
    assert order == [0, 1, 2, 3, 4]


def test_the_next_caller_waits_for_the_next_loop_pass() -> None:
    gate = Turnstile()
    events: list[str] = []

    async def caller(name: str) -> None:
        async with gate:
            events.append(name)
            # Scheduled now, it runs at the start of the next pass: before the next caller.
            asyncio.get_running_loop().call_soon(events.append, f"pass after {name}")

    async def main() -> None:
        await asyncio.gather(caller("a"), caller("b"))

    asyncio.run(main())
    assert events[:3] == ["a", "pass after a", "b"]


def test_a_caller_that_gives_up_waiting_does_not_hold_up_the_rest() -> None:
    gate = Turnstile()
    done: list[str] = []

    async def caller(name: str) -> None:
        async with gate:
            done.append(name)

    async def main() -> None:
        async with gate:
            quitter = asyncio.create_task(caller("quitter"))
            stayer = asyncio.create_task(caller("stayer"))
            await asyncio.sleep(0)  # both are waiting now
            quitter.cancel()
        await stayer
        assert quitter.cancelled()

    asyncio.run(main())
    assert done == ["stayer"]


def test_a_new_event_loop_finds_the_turnstile_open() -> None:
    gate = Turnstile()

    async def once() -> None:
        async with gate:
            pass  # leaving schedules the reopening, which this loop never runs

    asyncio.run(once())
    asyncio.run(asyncio.wait_for(once(), 5))  # hangs (then times out) if the old state stuck
