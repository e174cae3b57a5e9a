"""Sets of document numbers kept by an index segment, least recently used out first, bounded by how
many numbers they hold in all (about 60 bytes each): shared by a process's threads."""
from __future__ import annotations

import threading
from collections import OrderedDict


class KeptSets:
    """Values are tuples of sets whose first set's size is what the value costs."""

    def __init__(self, budget: int):
        self.budget, self.held = budget, 0
        self._kept: OrderedDict[tuple, tuple[frozenset, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, key: tuple) -> tuple[frozenset, ...] | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def keep(self, key: tuple, value: tuple[frozenset, ...]) -> None:
        with self._lock:
            old = self._kept.pop(key, None)
            self.held += len(value[0]) - (len(old[0]) if old else 0)
            self._kept[key] = value
            while self.held > self.budget and len(self._kept) > 1:
                self.held -= len(self._kept.popitem(last=False)[1][0])
