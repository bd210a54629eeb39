"""The programme store: every round's returns in one SQLite file (see docs/store.md).

    from maturity_xl.store import Store
    with Store("programme.db") as store:
        store.add(collection, round="2026")          # a Collection from collect.collect()
        frames = store.collection("2026").frames()   # the tidy frames, with a round column
"""

from .errors import ExportError, NotAStore, RoundError, StoreError, StoreLocked, StoreTooNew
from .store import Added, Round, Store, check_file

__all__ = ["Store", "Round", "Added", "check_file", "StoreError", "NotAStore", "StoreTooNew", "StoreLocked",
           "RoundError", "ExportError"]
