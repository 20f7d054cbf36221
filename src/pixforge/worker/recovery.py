"""Start-up recovery: leases held by dead processes on this host are expired at once.

Leases of other hosts are left to expire on their own (their owners may be alive).
"""

from __future__ import annotations

import logging
import os
import socket

from pixforge.lifecycle import Lifecycle
from pixforge.store import generations as repo
from pixforge.store.db import Database

log = logging.getLogger(__name__)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def expire_dead_local_leases(db: Database, lifecycle: Lifecycle, node_id: str | None = None) -> int:
    """Abandon leases whose owner ran on this node (the host name unless given) and no longer
    exists; return how many."""
    host = node_id or socket.gethostname()
    with db.read() as conn:
        leased = repo.leased(conn)
    expired = 0
    for generation_id, owner in leased:
        owner_host, _, rest = owner.partition(":")
        pid_text = rest.partition(":")[0]
        if owner_host != host or not (pid_text.isascii() and pid_text.isdigit()):
            continue
        pid = int(pid_text)
        if pid == os.getpid() or _process_alive(pid):
            continue
        expired += lifecycle.abandon(generation_id, owner)
    if expired:
        log.warning("re-queued generations left by a stopped process", extra={"count": expired})
    return expired
