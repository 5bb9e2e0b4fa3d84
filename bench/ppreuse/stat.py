# Send a command to HAProxy's stats socket: python3 stat.py "show servers conn"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect("/tmp/ppreuse/haproxy.sock")
s.sendall((" ".join(sys.argv[1:]) + "\n").encode()); out = b""
while (b := s.recv(65536)): out += b
print(out.decode(), end="")
