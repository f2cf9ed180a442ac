"""State and locking of apply, kept in the DSS project itself (its library).

- ``StateStore`` / ``State``: what the tool applied (``dataiku-framework/state.json``);
- ``ProjectLock`` / ``unlock`` / ``read_lock``: one apply or rollback per project at a time
  (``dataiku-framework/lock.json``).

Both talk to DSS only through the ``dataikuapi`` client they are given; ``identity(client)`` is the
``{user, host, pid}`` they record (the DSS login, never the key).
"""
from .dssfiles import identity
from .lock import LockError, LockHeld, LockLost, LockRecord, ProjectLock, read_lock, unlock
from .store import (HISTORY_LIMIT, State, StateError, StateFormatError, StaleStateError, StateStore,
                    new_apply_id)

__all__ = ["HISTORY_LIMIT", "LockError", "LockHeld", "LockLost", "LockRecord", "ProjectLock", "State",
           "StateError", "StateFormatError", "StaleStateError", "StateStore", "identity", "new_apply_id",
           "read_lock", "unlock"]
