"""Process-level tuning for the API's server sockets.

``uvicorn --workers N`` binds its listening socket as ``socket.socket(AF_INET)``, whose protocol
number is 0, and asyncio only switches Nagle's algorithm off (``TCP_NODELAY``) on accepted
sockets whose protocol is ``IPPROTO_TCP``. Responses written in two parts (headers, then body)
then wait for the client's delayed ACK: about 40 ms added to every request (measured: 48 ms vs
0.9 ms for ``GET /healthz``). Accepted sockets inherit ``TCP_NODELAY`` from their listener on
Linux, so each worker sets it at startup on the server sockets it was handed: bound, unconnected
TCP sockets (the first worker may start before any worker has called ``listen()`` on them).
"""

from __future__ import annotations

import logging
import os
import socket
import stat

logger = logging.getLogger(__name__)


def enable_tcp_nodelay_on_listeners() -> int:
    """Set ``TCP_NODELAY`` on this process's server TCP sockets; return how many."""
    count = 0
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # not Linux: nothing to do
        return 0
    for fd in fds:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if _is_server_socket(sock):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                count += 1
        except OSError:
            pass
        finally:
            sock.close()  # closes the duplicate only
    if count:
        logger.debug("TCP_NODELAY set on %d listening socket(s)", count)
    return count


def _is_server_socket(sock: socket.socket) -> bool:
    """A bound TCP socket with no peer: listening, or about to be."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return False
    if sock.getsockname()[1] == 0:
        return False
    try:
        sock.getpeername()
    except OSError:
        return True
    return False
