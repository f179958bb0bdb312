"""Live fan-out: publish an event on a topic, every subscriber of that topic gets it.

In one process the broker hands events straight to the subscribers' queues. With
SIGAP_REDIS_URL set, events go through Redis pub/sub, and each process relays what it
receives to its own subscribers, so every server process shows the same live state.
Publishing is thread-safe (services run in the thread pool); subscribers live on the
event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

log = logging.getLogger("sigap.broker")

PREFIX = "sigap:live:"


class Event(dict[str, Any]):
    """An event as delivered: its Server-Sent Events text is encoded once for every
    listener of the topic, not once per listener."""

    __slots__ = ("sse",)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        body = json.dumps(data, default=str)
        self.sse = f"event: {data.get('kind', 'message')}\ndata: {body}\n\n"


def encode(event: dict[str, Any]) -> str:
    """The event as a Server-Sent Events block."""
    if isinstance(event, Event):
        return event.sse
    return Event(event).sse


class Subscription:
    """The events of some topics for one listener (one browser tab), as they come."""

    def __init__(self, broker: Broker, topics: Iterable[str], size: int = 256) -> None:
        self.broker = broker
        self.topics = frozenset(topics)
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(size)

    def deliver(self, event: dict[str, Any]) -> None:
        # Called on the loop. A listener too slow to keep up loses the oldest events;
        # pages re-read their state on any event, so the newest one is what matters.
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    async def get(self, timeout: float) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        self.broker.unsubscribe(self)


def _hand_over(subs: list[Subscription], event: dict[str, Any]) -> None:
    for sub in subs:
        sub.deliver(event)


class Broker:
    """In-process fan-out.

    Events for one person (`agent:` topics) go out at once. Floor topics (queue, team,
    site), which wallboards re-read on every event, are coalesced: at most one delivery
    per topic every `coalesce` seconds, carrying the latest event, so a busy queue does
    not make every wallboard re-read itself hundreds of times a second.
    """

    def __init__(self, coalesce: float = 0.5) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = {}
        self.coalesce = coalesce
        self._held: dict[str, dict[str, Any]] = {}
        self._timer: threading.Timer | None = None
        self._callbacks: dict[str, list[Callable[[dict[str, Any]], None]]] = {}

    def listen(self, topic: str, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call `callback` for every event on `topic`, at once and in whichever thread
        delivers it: for what a process keeps in memory and another process's write makes
        stale (not for pages, which subscribe)."""
        with self._lock:
            self._callbacks.setdefault(topic, []).append(callback)

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        sub = Subscription(self, topics)
        with self._lock:
            for topic in sub.topics:
                self._subs.setdefault(topic, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            for topic in sub.topics:
                subs = self._subs.get(topic)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._subs[topic]

    @property
    def listeners(self) -> int:
        with self._lock:
            return len({s for subs in self._subs.values() for s in subs})

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._fan_out(topic, event)

    def _fan_out(self, topic: str, event: dict[str, Any]) -> None:
        for callback in self._callbacks.get(topic, ()):
            try:
                callback(event)
            except Exception:  # one listener's failure must not stop the others
                log.exception("listener of %s failed", topic)
        if self.coalesce <= 0 or topic.startswith("agent:"):
            self._deliver(topic, event)
            return
        with self._lock:
            if topic not in self._subs:
                return
            self._held[topic] = event
            if self._timer is None:
                self._timer = threading.Timer(self.coalesce, self._release)
                self._timer.daemon = True
                self._timer.start()

    def _release(self) -> None:
        with self._lock:
            held, self._held, self._timer = self._held, {}, None
        for topic, event in held.items():
            self._deliver(topic, event)

    def _deliver(self, topic: str, event: dict[str, Any]) -> None:
        with self._lock:
            subs = list(self._subs.get(topic, ()))
        if not subs:
            return
        payload = Event({**event, "topic": topic, "fanned": time.time()})
        # One wake-up of each event loop for all its listeners, not one per listener.
        by_loop: dict[asyncio.AbstractEventLoop, list[Subscription]] = {}
        for sub in subs:
            by_loop.setdefault(sub.loop, []).append(sub)
        for loop, group in by_loop.items():
            try:
                loop.call_soon_threadsafe(_hand_over, group, payload)
            except RuntimeError:  # its loop has closed: the listeners are gone
                for sub in group:
                    self.unsubscribe(sub)

    async def run(self) -> None:
        """Nothing to relay in one process."""

    def close(self) -> None:
        timer = self._timer
        if timer is not None:
            timer.cancel()


class RedisBroker(Broker):
    """Fan-out across processes through Redis pub/sub (one channel per topic)."""

    def __init__(self, url: str, coalesce: float = 0.5) -> None:
        super().__init__(coalesce)
        import redis

        self.url = url
        self._client = redis.Redis.from_url(url)

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._client.publish(PREFIX + topic, json.dumps(event, default=str))

    async def run(self) -> None:
        """Relay every Sigap event from Redis to this process's subscribers until
        cancelled; reconnects after a lost connection."""
        import redis.asyncio as aioredis

        while True:
            client = aioredis.Redis.from_url(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(PREFIX + "*")
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        topic = message["channel"].decode()[len(PREFIX):]
                        try:
                            event = json.loads(message["data"])
                        except ValueError:
                            continue
                        self._fan_out(topic, event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Redis pub/sub lost; reconnecting")
                await asyncio.sleep(1)
            finally:
                await client.aclose()

    def close(self) -> None:
        super().close()
        self._client.close()


_current: Broker = Broker()


def install(broker: Broker) -> None:
    """Make `broker` the process's broker (the server and the worker do this at start)."""
    global _current
    _current = broker


def current() -> Broker:
    return _current


def for_url(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else Broker()


async def stream(sub: Subscription,
                 heartbeat: float = 15.0) -> AsyncIterator[dict[str, Any] | None]:
    """The subscription's events; None every `heartbeat` seconds of silence."""
    try:
        while True:
            yield await sub.get(heartbeat)
    finally:
        sub.close()
