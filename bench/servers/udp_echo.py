"""UDP echo server for the `udp` bench case (Python 3 standard library only).

Binds 127.0.0.1:PORT and sends every datagram back to where it came from, in one blocking
loop with one reused buffer: two system calls per datagram and nothing else.
"""

import socket
import sys

RECEIVE_BUFFER = 4 << 20


def main():
    port = int(sys.argv[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A deep queue, so bursts are not dropped here: losses should be the forwarder's.
    # SO_RCVBUFFORCE (root) passes net.core.rmem_max; SO_RCVBUF is capped by it.
    try:
        sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), RECEIVE_BUFFER)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    sock.bind(("127.0.0.1", port))
    buffer = bytearray(65536)
    view = memoryview(buffer)
    receive = sock.recvfrom_into
    send = sock.sendto
    while True:
        size, address = receive(buffer)
        try:
            send(view[:size], address)
        except OSError:
            pass  # e.g. the client's socket is gone; keep serving the others


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
