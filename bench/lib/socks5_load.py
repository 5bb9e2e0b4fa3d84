"""Connect-and-request load for `bench/lib/socks5_load.ts` (Python 3 standard library only).

Keeps --workers iterations in flight, each on its own connection. One iteration: open a TCP
connection to 127.0.0.1:--port; with --target-port, greet it as SOCKS5 offering only "no
authentication", then CONNECT to 127.0.0.1:--target-port by IPv4, waiting for each reply; send
`GET --path HTTP/1.1` with `Host: x` and `Connection: close`; read the response to EOF; close.
Without --target-port the same client sends the request to the port directly (the reference
without a proxy). A finished iteration starts the next one at once.

After --warmup seconds it counts iterations for --duration seconds, then prints one JSON line:

  {"seconds": 10.0, "completed": 51234, "completed_total": 56100, "failed": 0, "non_200": 0,
   "timeouts": 0, "bytes": 9734460, "bytes_total": 10659000, "p50_ms": 7.1, "p99_ms": 21.3,
   "cpu_user": 0.9, "cpu_system": 6.2, "wall": 11.0, "first_error": null}

"completed" and the latencies cover iterations that ended inside the counted window, "bytes"
the response bytes read inside it; "*_total" counts the whole run, warm-up included. An
iteration fails on a refused or reset connection, a SOCKS5 reply other than success, or an early
EOF; it times out after --timeout seconds without finishing. cpu_* is this process's own time.

The loop is single-threaded epoll, edge-triggered, with no per-byte Python work: on loopback most
of a client's CPU time is the kernel's TCP work, which is reported as cpu_system.
"""

import argparse
import json
import math
import resource
import select
import socket
import sys
import time

BUFFER_SIZE = 256 * 1024
SCAN_SECONDS = 0.25

# Iteration phases.
CONNECTING, GREETING, CONNECT_REPLY, RESPONSE = range(4)


class Iteration:
    __slots__ = ("sock", "phase", "started", "pending", "head")

    def __init__(self, sock, phase, started):
        self.sock = sock
        self.phase = phase
        self.started = started
        self.pending = b""  # a SOCKS5 reply read in pieces
        self.head = b""  # the first bytes of the HTTP response, for its status


def connect_reply_length(reply):
    """Bytes of a SOCKS5 reply, known once its first 5 bytes are in (None before)."""
    if len(reply) < 5:
        return None
    kind = reply[3]
    if kind == 1:
        return 10
    if kind == 4:
        return 22
    if kind == 3:
        return 7 + reply[4]
    raise OSError(f"SOCKS5 reply has address type {kind}")


def percentile(ordered, share):
    if not ordered:
        return None
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target-port", type=int, default=0)
    parser.add_argument("--path", default="/")
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    socks = args.target_port != 0
    request = f"GET {args.path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    greeting = b"\x05\x01\x00"
    connect_request = b"\x05\x01\x00\x01\x7f\x00\x00\x01" + args.target_port.to_bytes(2, "big")
    address = ("127.0.0.1", args.port)
    events = select.EPOLLIN | select.EPOLLOUT | select.EPOLLET

    poller = select.epoll()
    iterations = {}
    buffer = bytearray(BUFFER_SIZE)
    counts = {
        "completed": 0,
        "failed": 0,
        "non_200": 0,
        "timeouts": 0,
        "bytes": 0,
        "bytes_total": 0,
    }
    first_error = None
    latencies = []
    counting = False

    def start(now):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(address)  # EINPROGRESS; completion shows as writable
        iterations[sock.fileno()] = Iteration(sock, CONNECTING, now)
        poller.register(sock.fileno(), events)

    def finish(fd, iteration, now, outcome, error=None):
        nonlocal first_error
        # Closing the socket also removes it from the epoll set.
        iteration.sock.close()
        del iterations[fd]
        counts[outcome] += 1
        if outcome == "completed" and counting:
            latencies.append(now - iteration.started)
        if error is not None and first_error is None:
            first_error = error
        start(now)

    began = time.monotonic()
    for _ in range(args.workers):
        start(began)
    count_from = began + args.warmup
    count_until = count_from + args.duration
    next_scan = began + SCAN_SECONDS
    at_start = dict(counts)
    counted_from = began
    now = began
    while True:
        now = time.monotonic()
        if not counting and now >= count_from:
            counting = True
            at_start = dict(counts)
            counted_from = now
        if now >= count_until:
            break
        if now >= next_scan:
            next_scan = now + SCAN_SECONDS
            late = [fd for fd, it in iterations.items() if now - it.started >= args.timeout]
            for fd in late:
                finish(fd, iterations[fd], now, "timeouts", f"no answer within {args.timeout} s")
        for fd, _ in poller.poll(SCAN_SECONDS):
            iteration = iterations.get(fd)
            if iteration is None:
                continue
            sock = iteration.sock
            try:
                if iteration.phase == CONNECTING:
                    sock.send(greeting if socks else request)
                    iteration.phase = GREETING if socks else RESPONSE
                elif iteration.phase == RESPONSE:
                    while True:
                        n = sock.recv_into(buffer)
                        if n == 0:
                            break
                        counts["bytes_total"] += n
                        if counting:
                            counts["bytes"] += n
                        if len(iteration.head) < 12:
                            iteration.head += bytes(buffer[: min(n, 12)])
                    if iteration.head[9:12] == b"200":
                        finish(fd, iteration, now, "completed")
                    elif iteration.head == b"":
                        raise OSError("EOF before a response")
                    else:
                        status = iteration.head[:12].decode("latin-1")
                        finish(fd, iteration, now, "non_200", f"answer {status!r}")
                else:
                    n = sock.recv_into(buffer)
                    if n == 0:
                        raise OSError("EOF during the SOCKS5 handshake")
                    reply = iteration.pending + bytes(buffer[:n])
                    if iteration.phase == GREETING:
                        if len(reply) < 2:
                            iteration.pending = reply
                            continue
                        if reply[:2] != b"\x05\x00":
                            raise OSError(f"greeting answered {reply[:2].hex()}")
                        iteration.pending = b""
                        sock.send(connect_request)
                        iteration.phase = CONNECT_REPLY
                    else:
                        length = connect_reply_length(reply)
                        if length is None or len(reply) < length:
                            iteration.pending = reply
                            continue
                        if reply[1] != 0:
                            raise OSError(f"CONNECT answered reply code {reply[1]}")
                        iteration.pending = b""
                        # Bytes past the reply would be the response; the server sends none
                        # before the request, so there is nothing to keep.
                        sock.send(request)
                        iteration.phase = RESPONSE
            except BlockingIOError:
                continue  # drained for now; the next edge brings more
            except OSError as error:
                finish(fd, iteration, now, "failed", str(error) or type(error).__name__)

    usage = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()
    json.dump(
        {
            "seconds": now - counted_from,
            "completed": counts["completed"] - at_start["completed"],
            "completed_total": counts["completed"],
            "failed": counts["failed"],
            "non_200": counts["non_200"],
            "timeouts": counts["timeouts"],
            "bytes": counts["bytes"],
            "bytes_total": counts["bytes_total"],
            "p50_ms": percentile(latencies, 0.5),
            "p99_ms": percentile(latencies, 0.99),
            "cpu_user": usage.ru_utime,
            "cpu_system": usage.ru_stime,
            "wall": time.monotonic() - began,
            "first_error": first_error,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
