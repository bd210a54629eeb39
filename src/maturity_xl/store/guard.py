"""SQLite's own errors as the store's: a damaged file, a lock SQLite itself timed out on, or a disk that refused
a write, each said with the store's path and what to do."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import wraps

from .errors import NotAStore, StoreError, StoreLocked


def guarded(method: Callable) -> Callable:
    """SQLite's own errors as the store's: a damaged file, or a lock SQLite itself timed out on."""
    @wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreLocked(f"{self.path}: the store stayed busy with another program's write ({exc}); "
                                  f"try again when it has finished") from None
            if "malformed" not in str(exc) and "not a database" not in str(exc):  # disk full, read-only, ...
                raise StoreError(f"{self.path}: the store could not be written or read ({exc}); nothing was "
                                 f"changed") from None
            raise NotAStore(f"{self.path}: the store is damaged ({exc}); nothing was changed: restore it from a "
                            f"backup") from None
        except sqlite3.DatabaseError as exc:
            raise NotAStore(f"{self.path}: the store is damaged ({exc}); nothing was changed: restore it from a "
                            f"backup") from None
    return call
