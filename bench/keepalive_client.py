#!/usr/bin/env python3
"""A bounded HTTPS keep-alive client for bench/count.sh.

Opens CONNECTIONS TLS connections to 127.0.0.1:PORT and sends one warm-up
request on each (so the handshakes are done), then runs the command given
with --before (the counters start), then exactly REQUESTS more requests per
connection, all connections at once, then runs --after (the counters stop)
before closing. So what is counted between the two commands is requests
only: no handshake, no connection set-up or close.

Every response must be 200 with the expected body; otherwise it exits 1.
"""
import argparse
import asyncio
import ssl
import subprocess
import sys


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    length = None
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise RuntimeError(f"no Content-Length in response: {status_line}")
    body = await reader.readexactly(length)
    return status_line, body


async def exchange(reader, writer, request, expected_body):
    writer.write(request)
    status_line, body = await read_response(reader)
    if not status_line.startswith("HTTP/1.1 200") or body != expected_body:
        raise RuntimeError(f"unexpected response: {status_line} {body[:80]!r}")


async def run(arguments):
    context = ssl.create_default_context(cafile=arguments.ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    request = (
        f"GET {arguments.path} HTTP/1.1\r\nHost: 127.0.0.1:{arguments.port}\r\n\r\n".encode()
    )
    expected_body = arguments.expect.encode()
    connections = []
    for _ in range(arguments.connections):
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", arguments.port, ssl=context, server_hostname="127.0.0.1"
        )
        await exchange(reader, writer, request, expected_body)
        connections.append((reader, writer))

    if arguments.before:
        subprocess.run(arguments.before, shell=True, check=True)

    async def loop(reader, writer):
        for _ in range(arguments.requests):
            await exchange(reader, writer, request, expected_body)

    await asyncio.gather(*(loop(reader, writer) for reader, writer in connections))

    if arguments.after:
        subprocess.run(arguments.after, shell=True, check=True)
    for _, writer in connections:
        writer.close()
    print(arguments.connections * arguments.requests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True, help="certificate to verify the server with")
    parser.add_argument("--path", default="/api/v1/items/123")
    parser.add_argument("--expect", required=True, help="the expected response body")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--requests", type=int, default=100, help="per connection, counted")
    parser.add_argument("--before", help="shell command run after the warm-up")
    parser.add_argument("--after", help="shell command run after the counted requests")
    arguments = parser.parse_args()
    try:
        asyncio.run(run(arguments))
    except (OSError, RuntimeError, asyncio.IncompleteReadError, subprocess.CalledProcessError) as error:
        print(f"keepalive_client: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
