"""An HTTP/2 client driven line by line, built on python3-h2 (an implementation independent
of ours): tests/_support/h2_peer.ts runs it with Debian's python3.

    h2_peer.py HOST PORT SERVER_NAME CA_FILE [--window N] [--no-window-update]

Commands on stdin, one a line:
    get SID PATH       a GET on stream SID (request complete)
    reset SID          RST_STREAM(CANCEL) on stream SID
    raw HEX            these bytes on the connection, as they are
    close              closes the connection (then exits)

Events on stdout, one a line, flushed:
    ready                      TLS done (ALPN h2), preface and SETTINGS sent
    headers SID STATUS         response head
    data SID TOTAL             body bytes of SID so far (one line per DATA frame)
    end SID TOTAL              the body is complete
    reset SID CODE             the server reset SID
    goaway CODE                the server sent GOAWAY
    closed                     the server closed the connection (then exits)
    error TEXT                 our h2 rejected what the server sent (then exits)

With --window N the client announces N as its initial stream window (and leaves the
connection's at 65535); with --no-window-update it never gives flow-control credit back, so
the server can send at most that much: a reader that stopped reading at the HTTP/2 layer
while its TCP connection keeps draining.
"""

import asyncio
import ssl
import sys

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings


def say(*words):
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


async def main(argv):
    host, port, name, ca = argv[0], int(argv[1]), argv[2], argv[3]
    window = None
    credit = True
    rest = argv[4:]
    while rest:
        flag = rest.pop(0)
        if flag == "--window":
            window = int(rest.pop(0))
        elif flag == "--no-window-update":
            credit = False
        else:
            raise SystemExit("unknown flag " + flag)

    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["h2"])
    reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=name)
    alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol()
    if alpn != "h2":
        say("error", "ALPN chose", alpn)
        return 1
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    if window is not None:
        conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
    writer.write(conn.data_to_send())
    await writer.drain()
    say("ready")

    totals = {}

    async def flush():
        data = conn.data_to_send()
        if data:
            writer.write(data)
            await writer.drain()

    async def commands():
        loop = asyncio.get_running_loop()
        stdin = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
        while True:
            line = (await stdin.readline()).decode().strip()
            if line == "" or line == "close":
                writer.close()
                return
            words = line.split(" ")
            if words[0] == "get":
                sid = int(words[1])
                conn.send_headers(sid, [
                    (":method", "GET"),
                    (":scheme", "https"),
                    (":authority", name + ":" + str(port)),
                    (":path", words[2]),
                ], end_stream=True)
                await flush()
            elif words[0] == "reset":
                conn.reset_stream(int(words[1]), h2.errors.ErrorCodes.CANCEL)
                await flush()
            elif words[0] == "raw":
                writer.write(bytes.fromhex(words[1]))
                await writer.drain()
            else:
                say("error", "unknown command", line)

    async def frames():
        while True:
            try:
                data = await reader.read(65536)
            except (ConnectionError, ssl.SSLError):
                data = b""
            if not data:
                say("closed")
                return
            try:
                events = conn.receive_data(data)
            except h2.exceptions.ProtocolError as e:
                say("error", type(e).__name__, e)
                return
            for ev in events:
                if isinstance(ev, h2.events.ResponseReceived):
                    status = dict(ev.headers).get(b":status", b"?").decode()
                    say("headers", ev.stream_id, status)
                elif isinstance(ev, h2.events.DataReceived):
                    totals[ev.stream_id] = totals.get(ev.stream_id, 0) + len(ev.data)
                    say("data", ev.stream_id, totals[ev.stream_id])
                    if credit and ev.flow_controlled_length > 0:
                        conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    say("end", ev.stream_id, totals.get(ev.stream_id, 0))
                elif isinstance(ev, h2.events.StreamReset):
                    say("reset", ev.stream_id, int(ev.error_code))
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    say("goaway", int(ev.error_code))
            try:
                await flush()
            except (ConnectionError, ssl.SSLError):
                pass

    tasks = [asyncio.create_task(commands()), asyncio.create_task(frames())]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for t in tasks:
        t.cancel()
    writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
