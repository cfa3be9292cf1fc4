#!/usr/bin/env python3
"""ws_reader.py HOST PORT TOKEN: a live-feed client for the benchmark. Opens /ws (every event
type), reads and counts frames until killed (SIGTERM), then prints how many bytes and
messages it got. Standard library only; it never writes after the handshake (pings arrive
every ws.ping_interval, far apart from a benchmark's seconds)."""
import base64, collections, json, os, signal, socket, sys

host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /ws?token={token} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\n"
           f"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n").encode())
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit("closed during the handshake")
    head += chunk
if not head.startswith(b"HTTP/1.1 101"):
    sys.exit("refused: " + head.split(b"\r\n")[0].decode())
buf = head.split(b"\r\n\r\n", 1)[1]
total, messages, last_seq = len(buf), 0, -1
types = collections.Counter()
parts = b""
done = False

def stop(*_):
    global done
    done = True
signal.signal(signal.SIGTERM, stop)
s.settimeout(0.5)
while not done:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        continue
    except InterruptedError:
        continue
    if not chunk:
        break
    total += len(chunk)
    buf += chunk
    # count whole frames (server frames are unmasked)
    while len(buf) >= 2:
        n = buf[1] & 0x7F
        off = 2
        if n == 126:
            if len(buf) < 4: break
            n = int.from_bytes(buf[2:4], "big"); off = 4
        elif n == 127:
            if len(buf) < 10: break
            n = int.from_bytes(buf[2:10], "big"); off = 10
        if len(buf) < off + n: break
        if (buf[0] & 0x0F) in (0, 1):  # text, or its continuation
            parts += buf[off:off + n]
            if buf[0] & 0x80:  # the final frame of a message
                messages += 1
                event = json.loads(parts)
                types[event.get("type", "?")] += 1
                last_seq = max(last_seq, event.get("seq", -1))
                parts = b""
        buf = buf[off + n:]
print(f"ws_reader bytes={total} messages={messages} last_seq={last_seq} " +
      " ".join(f"{t}={n}" for t, n in sorted(types.items())))
