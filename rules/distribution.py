"""How many customers each distribution target (分配目标) receives: the share arithmetic, without a database.

Three methods (seed 000 §2.12, §2.17):

- 平均 ``average`` — even shares; the shares differ by at most one. When there are fewer customers
  than targets this is the seed's "随机或平均": the few customers go to targets chosen at random.
- 随机 ``random`` — every customer goes to a target drawn at random (equal odds).
- 权重 ``weight`` — shares proportional to each target's weight (权重); every share is within one of the
  exact proportional share (largest-remainder apportionment, ties broken at random).

A target may have a room (how many more customers it may take: the owned-customer cap minus what the
seat holds). A target whose proportional share exceeds its room gets its room, and the rest is shared
again among the others (water filling), so nothing is lost while room remains anywhere.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from rules.labelled_enum import LabelledStrEnum


class Method(LabelledStrEnum):
    """分配方式."""

    AVERAGE = "average", "平均"
    RANDOM = "random", "随机"
    WEIGHT = "weight", "权重"


class NoShares(ValueError):
    """The targets cannot receive anything by this method (a Chinese message for the user)."""


@dataclass(frozen=True)
class Slot:
    """One target as the arithmetic sees it: its weight and its room (None: unlimited)."""

    weight: int = 1
    room: int | None = None


def shares(n: int, slots: Sequence[Slot], method: Method, rng: random.Random) -> list[int]:
    """Return how many of ``n`` customers each slot receives, in slot order; the sum is ``n`` or all the room."""
    if not slots:
        raise NoShares("请至少添加一个分配目标")
    if method == Method.WEIGHT and all(slot.weight <= 0 for slot in slots):
        raise NoShares("所有分配目标的权重都为 0，无法按权重分配")
    if n <= 0:
        return [0] * len(slots)
    rooms = [slot.room if slot.room is None else max(0, slot.room) for slot in slots]
    if method == Method.RANDOM:
        return _random_shares(n, rooms, rng)
    weights = [max(0, slot.weight) if method == Method.WEIGHT else 1 for slot in slots]
    return _proportional_shares(n, weights, rooms, rng)


def _proportional_shares(n: int, weights: list[int], rooms: list[int | None], rng: random.Random) -> list[int]:
    result = [0] * len(weights)
    active = [i for i, w in enumerate(weights) if w > 0 and rooms[i] != 0]
    left = n
    while active and left > 0:
        total = sum(weights[i] for i in active)
        exact = {i: Fraction(left * weights[i], total) for i in active}
        full = [i for i in active if rooms[i] is not None and exact[i] >= rooms[i]]  # type: ignore[operator]
        if full:
            # Saturated targets take their whole room; the rest is shared again among the others.
            for i in full:
                room = rooms[i]
                assert room is not None
                result[i] = room
                left -= room
            active = [i for i in active if i not in full]
            continue
        floors = {i: int(exact[i]) for i in active}
        for i in active:
            result[i] = floors[i]
        remainder = left - sum(floors.values())
        order = sorted(active, key=lambda i: (exact[i] - floors[i], rng.random()), reverse=True)
        for i in order[:remainder]:
            result[i] += 1
        left = 0
    return result


def _random_shares(n: int, rooms: list[int | None], rng: random.Random) -> list[int]:
    result = [0] * len(rooms)
    left = n
    while left > 0:
        open_ = [i for i, room in enumerate(rooms) if room is None or result[i] < room]
        if not open_:
            break
        # One draw per customer, done in C by random.choices: counts only, nothing touches the database.
        drawn = Counter(rng.choices(open_, k=left))
        left = 0
        for i, count in drawn.items():
            room = rooms[i]
            take = count if room is None else min(count, room - result[i])
            result[i] += take
            left += count - take
    return result
