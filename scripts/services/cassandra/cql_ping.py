#!/usr/bin/env python3
"""CQL native-protocol readiness probe for the local Cassandra node (stdlib only).

Opens a TCP connection, sends OPTIONS and STARTUP (protocol v4), expects READY, then runs
`SELECT release_version FROM system.local` and prints the version. Exit 0 on success.
Usage: cql_ping.py [host] [port] [timeout_seconds]
"""
import socket
import struct
import sys

OP_ERROR, OP_STARTUP, OP_READY, OP_OPTIONS, OP_SUPPORTED, OP_QUERY, OP_RESULT = 0x00, 0x01, 0x02, 0x05, 0x06, 0x07, 0x08
VERSION = 0x04


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return buf


def request(sock, stream, opcode, body=b""):
    sock.sendall(struct.pack(">BBhBi", VERSION, 0, stream, opcode, len(body)) + body)
    header = recv_exact(sock, 9)
    _version, _flags, _stream, op, length = struct.unpack(">BBhBi", header)
    return op, recv_exact(sock, length)


def string_map(d):
    out = struct.pack(">H", len(d))
    for k, v in d.items():
        out += struct.pack(">H", len(k)) + k.encode() + struct.pack(">H", len(v)) + v.encode()
    return out


def read_string(body, pos):
    (n,) = struct.unpack_from(">H", body, pos)
    return body[pos + 2 : pos + 2 + n].decode(), pos + 2 + n


def error_text(body):
    code = struct.unpack_from(">i", body, 0)[0]
    msg, _ = read_string(body, 4)
    return f"error 0x{code:04x}: {msg}"


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 9042
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            op, body = request(s, 1, OP_OPTIONS)
            if op != OP_SUPPORTED:
                raise RuntimeError(f"OPTIONS: unexpected opcode {op}")
            op, body = request(s, 2, OP_STARTUP, string_map({"CQL_VERSION": "3.0.0"}))
            if op == OP_ERROR:
                raise RuntimeError("STARTUP: " + error_text(body))
            if op != OP_READY:
                raise RuntimeError(f"STARTUP: expected READY, got opcode {op}")
            q = b"SELECT release_version FROM system.local"
            op, body = request(s, 3, OP_QUERY, struct.pack(">i", len(q)) + q + struct.pack(">HB", 0x0001, 0))
            if op == OP_ERROR:
                raise RuntimeError("QUERY: " + error_text(body))
            if op != OP_RESULT:
                raise RuntimeError(f"QUERY: unexpected opcode {op}")
            kind, flags, ncols = struct.unpack_from(">iii", body, 0)
            pos = 12
            if kind != 2:
                raise RuntimeError(f"QUERY: expected Rows result, got kind {kind}")
            if flags & 0x0002:  # has_more_pages: paging state
                (n,) = struct.unpack_from(">i", body, pos)
                pos += 4 + max(n, 0)
            if flags & 0x0001:  # global_tables_spec
                _, pos = read_string(body, pos)
                _, pos = read_string(body, pos)
            for _ in range(ncols):
                if not flags & 0x0001:
                    _, pos = read_string(body, pos)
                    _, pos = read_string(body, pos)
                _, pos = read_string(body, pos)
                pos += 2  # type id (varchar, no extra option data)
            (rows,) = struct.unpack_from(">i", body, pos)
            pos += 4
            if rows < 1:
                raise RuntimeError("QUERY: system.local returned no row")
            (n,) = struct.unpack_from(">i", body, pos)
            version = body[pos + 4 : pos + 4 + n].decode()
            print(f"cassandra ready: release_version={version}")
            return 0
    except Exception as e:  # noqa: BLE001 - a probe reports any failure the same way
        print(f"cassandra not ready: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
