"""A benchmark link: a TCP proxy on loopback that adds a fixed delay each way, and optionally a rate
limit, between a client and a server (loopback alone has no round-trip time, so the cost of
sequential requests is invisible on it).

    .venv/bin/python bench/link.py --target 127.0.0.1:PORT [--rtt-ms 40] [--rate-mbit N]

prints the port it listens on (on 127.0.0.1), then forwards every connection to the target:

- each byte is held for rtt/2 in each direction (the default 40 ms round trip: 20 ms each way);
- a new connection waits one round trip before its first byte moves (the TCP handshake);
- with --rate-mbit, each direction is a serial link of that rate (bytes queue behind each other,
  then take the delay), as a `tc tbf` would shape them; without it, only the delay;
- at most --window-mib bytes wait in each direction (then the sender is paused), which bounds
  the proxy's memory; it models no TCP window, slow start or loss.

This machine's kernel has `tbf` but no `netem` (no delay), so the delay has to come from here;
shaping inside a network namespace would need root and servers started inside it, so the rate
limit is the proxy's own too. `start_link()` runs one as a subprocess for the benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

MiB = 1024 * 1024
READ_SIZE = 4 * MiB


class Pipe:
    """One direction of one connection: bytes from `src` reach `dst` after the link's delay."""

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float, rate: float | None,
                 window: int):
        self.loop, self.delay, self.rate, self.window = loop, delay, rate, window
        self.queue: deque[tuple[float, bytes]] = deque()
        self.queued = 0
        self.free_at = 0.0  # when the serial link has sent what is queued (with a rate)
        self.timer: asyncio.TimerHandle | None = None
        self.src: asyncio.Transport | None = None
        self.dst: asyncio.Transport | None = None
        self.eof = False  # the source half-closed: pass it on once the queue is empty
        self.closed = False
        self.paused: set[str] = set()  # why src is paused: "window", "dst"

    def push(self, data: bytes) -> None:
        now = self.loop.time()
        if self.rate:
            self.free_at = max(self.free_at, now) + len(data) / self.rate
            due = self.free_at + self.delay
        else:
            due = now + self.delay
        self.queue.append((due, data))
        self.queued += len(data)
        if self.queued > self.window:
            self.pause("window")
        self.schedule()

    def schedule(self) -> None:
        if self.timer is None and self.dst is not None and self.queue:
            self.timer = self.loop.call_at(self.queue[0][0], self.drain)

    def drain(self) -> None:
        self.timer = None
        if self.dst is None or self.dst.is_closing():
            return
        now = self.loop.time()
        batch = []
        while self.queue and self.queue[0][0] <= now:
            _, data = self.queue.popleft()
            self.queued -= len(data)
            batch.append(data)
        if batch:
            self.dst.write(b"".join(batch) if len(batch) > 1 else batch[0])
        if self.queued <= self.window // 2:
            self.resume("window")
        if self.queue:
            self.schedule()
        else:
            self.finish()

    def finish(self) -> None:
        """Pass on a half-close or close once every queued byte is written."""
        if self.queue or self.dst is None or self.dst.is_closing():
            return
        if self.closed:
            self.dst.close()
        elif self.eof and self.dst.can_write_eof():
            self.dst.write_eof()

    def pause(self, why: str) -> None:
        if not self.paused and self.src is not None and not self.src.is_closing():
            self.src.pause_reading()
        self.paused.add(why)

    def resume(self, why: str) -> None:
        if why in self.paused:
            self.paused.discard(why)
            if not self.paused and self.src is not None and not self.src.is_closing():
                self.src.resume_reading()


class Side(asyncio.BufferedProtocol):
    """One socket of a proxied connection: what it reads goes into `out`, and `into` writes to
    it (the pipe coming the other way). Reads go into one large buffer (fewer, larger reads
    than asyncio's 256 KiB: the proxy should not be what limits a fast client)."""

    def __init__(self, out: Pipe, into: Pipe):
        self.out, self.into = out, into
        self.buffer = memoryview(bytearray(READ_SIZE))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.out.src = transport
        if self.out.paused:
            transport.pause_reading()
        self.into.dst = transport
        self.into.schedule()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.out.push(bytes(self.buffer[:nbytes]))

    def eof_received(self) -> bool:
        self.out.eof = True
        if not self.out.queue:
            self.out.finish()
        return True  # keep writing the other way

    def connection_lost(self, exc: Exception | None) -> None:
        self.out.closed = True
        self.out.finish()
        if self.into.timer is not None:
            self.into.timer.cancel()
            self.into.timer = None
        if self.out.src is not None:
            self.out.src = None

    def pause_writing(self) -> None:  # our socket's buffer is full: stop reading the other side
        self.into.pause("dst")

    def resume_writing(self) -> None:
        self.into.resume("dst")


class Proxy:
    def __init__(self, target: tuple[str, int], rtt: float, rate: float | None, window: int):
        self.target, self.rtt, self.rate, self.window = target, rtt, rate, window
        self.tasks: set[asyncio.Task[None]] = set()

    def client(self) -> Side:
        loop = asyncio.get_running_loop()
        up = Pipe(loop, self.rtt / 2, self.rate, self.window)    # client -> server
        down = Pipe(loop, self.rtt / 2, self.rate, self.window)  # server -> client
        side = Side(up, down)
        task = loop.create_task(self.connect(side, up, down))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return side

    async def connect(self, client: Side, up: Pipe, down: Pipe) -> None:
        up.pause("connect")  # the handshake's round trip before the first byte moves
        await asyncio.sleep(self.rtt)
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: Side(down, up), *self.target)
        except OSError:
            if up.src is not None:
                up.src.close()
            return
        up.resume("connect")
        up.schedule()
        up.finish()


async def serve(target: tuple[str, int], port: int, rtt: float, rate: float | None,
                window: int) -> None:
    proxy = Proxy(target, rtt, rate, window)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(proxy.client, "127.0.0.1", port)
    sys.stdout.write(f"{server.sockets[0].getsockname()[1]}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def start_link(url: str, rtt_ms: float = 40, rate_mbit: float | None = None
               ) -> tuple[subprocess.Popen[str], str]:
    """A link in front of the server at `url` (http://127.0.0.1:PORT): the process and the URL
    to use instead."""
    from common import first_line

    parts = urlsplit(url)
    cmd = [sys.executable, str(Path(__file__)), "--target", f"{parts.hostname}:{parts.port}",
           "--rtt-ms", str(rtt_ms)]
    if rate_mbit:
        cmd += ["--rate-mbit", str(rate_mbit)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, f"{parts.scheme}://127.0.0.1:{first_line(proc, 'the link')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="round trip added (ms)")
    parser.add_argument("--rate-mbit", type=float, default=None, help="each way (Mbit/s)")
    parser.add_argument("--window-mib", type=float, default=32.0,
                        help="bytes that may wait in each direction (MiB)")
    args = parser.parse_args()
    host, _, port = args.target.rpartition(":")
    rate = args.rate_mbit * 1e6 / 8 if args.rate_mbit else None
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve((host, int(port)), args.port, args.rtt_ms / 1000, rate,
                          int(args.window_mib * MiB)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
