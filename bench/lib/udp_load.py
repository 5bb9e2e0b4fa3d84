"""UDP request/response load for `bench/lib/udp_load.ts` (Python 3 standard library only).

Opens --clients sockets, each connected to 127.0.0.1:--port, and keeps up to --window
datagrams of --size bytes in flight on each: every reply is answered with a new datagram.
After --warmup seconds it counts replies for --duration seconds, then stops sending, waits for
stragglers and prints one JSON line:

  {"seconds": 10.0, "received": 812345, "sent_total": 900000, "received_total": 899990,
   "mismatched": 0, "stalls": 0, "refused": 0}

A socket with datagrams in flight that hears nothing for STALL_SECONDS presumes them lost and
sends a fresh window (a "stall"), so a lost datagram costs time but never the whole run.
"""

import argparse
import json
import select
import socket
import sys
import time

STALL_SECONDS = 0.2
DRAIN_SECONDS = 0.5


class Client:
    __slots__ = ("sock", "inflight", "last")

    def __init__(self, sock, now):
        self.sock = sock
        self.inflight = 0
        self.last = now


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()

    payload = b"w" * args.size
    window = args.window
    buffer = bytearray(max(65536, args.size))
    poller = select.epoll()
    clients = {}
    start = time.monotonic()
    for _ in range(args.clients):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.connect(("127.0.0.1", args.port))
        clients[sock.fileno()] = Client(sock, start)
        poller.register(sock.fileno(), select.EPOLLIN)

    counts = {"sent": 0, "received": 0, "mismatched": 0, "stalls": 0, "refused": 0}

    def top_up(client):
        send = client.sock.send
        while client.inflight < window:
            try:
                send(payload)
            except BlockingIOError:
                return
            except ConnectionRefusedError:
                counts["refused"] += 1
                return
            client.inflight += 1
            counts["sent"] += 1

    for client in clients.values():
        top_up(client)

    measure_from = start + args.warmup
    measure_until = measure_from + args.duration
    received_at_start = None
    sending = True
    drain_until = None
    next_stall_check = start + STALL_SECONDS
    now = start
    while True:
        now = time.monotonic()
        if received_at_start is None and now >= measure_from:
            received_at_start = counts["received"]
            measured_from = now
        if sending and now >= measure_until:
            received_in_window = counts["received"] - received_at_start
            measured_seconds = now - measured_from
            sending = False
            drain_until = now + DRAIN_SECONDS
        if not sending and now >= drain_until:
            break
        for fd, _ in poller.poll(0.05):
            client = clients[fd]
            recv_into = client.sock.recv_into
            got = 0
            while True:
                try:
                    n = recv_into(buffer)
                except BlockingIOError:
                    break
                except ConnectionRefusedError:
                    counts["refused"] += 1
                    break
                got += 1
                if n != args.size:
                    counts["mismatched"] += 1
            if got == 0:
                continue
            counts["received"] += got
            client.last = now
            client.inflight = max(0, client.inflight - got)
            if sending:
                top_up(client)
            elif drain_until is not None:
                # Replies still arriving: give stragglers a little longer.
                drain_until = max(drain_until, now + 0.1)
        if sending and now >= next_stall_check:
            next_stall_check = now + STALL_SECONDS / 4
            for client in clients.values():
                if now - client.last >= STALL_SECONDS:
                    if client.inflight > 0:
                        counts["stalls"] += 1
                    client.inflight = 0
                    client.last = now
                    top_up(client)

    json.dump(
        {
            "seconds": measured_seconds,
            "received": received_in_window,
            "sent_total": counts["sent"],
            "received_total": counts["received"],
            "mismatched": counts["mismatched"],
            "stalls": counts["stalls"],
            "refused": counts["refused"],
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
