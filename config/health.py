"""What the health endpoint and the worker probe read from the broker: messages waiting per
queue, and which workers answer a ping. Redis only (the broker Shopreel runs on)."""

from __future__ import annotations

PING_TIMEOUT_SECONDS = 1.0
# kombu's Redis transport keeps a message sent with a priority in a list of its own per step:
# "<queue>" (none, or 0), then "<queue>\x06\x163", "\x06\x166", "\x06\x169".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def queue_depths(*, broker_url: str, queues: list[str], timeout: float = PING_TIMEOUT_SECONDS) -> dict[str, int]:
    """Messages waiting (sent, not yet taken by a worker) in each queue, by name."""
    import redis

    client = redis.Redis.from_url(broker_url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        pipe = client.pipeline(transaction=False)
        for name in queues:
            pipe.llen(name)
            for step in _PRIORITY_STEPS:
                pipe.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
        counts = pipe.execute()
    finally:
        client.close()
    per_queue = 1 + len(_PRIORITY_STEPS)
    return {name: sum(counts[i * per_queue:(i + 1) * per_queue]) for i, name in enumerate(queues)}


def workers_answering(*, app, queue: str | None = None, worker: str | None = None,
                      timeout: float = 5.0) -> list[str]:
    """The workers that answer a ping within ``timeout`` seconds (their node names, sorted):
    only ``worker`` when given; only those consuming ``queue`` when given."""
    destination = [worker] if worker else None
    if queue is None:
        replies = app.control.ping(destination=destination, timeout=timeout) or []
        return sorted(name for reply in replies for name in reply)
    consuming = app.control.inspect(destination=destination, timeout=timeout).active_queues() or {}
    return sorted(name for name, queues in consuming.items() if any(q.get("name") == queue for q in queues))
