"""The share arithmetic of the distribution engine (rules/distribution.py), as properties over random inputs."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.distribution import Method, NoShares, Slot, shares

counts = st.integers(min_value=0, max_value=5000)
weights = st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=40)
seeds = st.integers(min_value=0, max_value=2**32)


@given(n=counts, k=st.integers(min_value=1, max_value=40), seed=seeds)
def test_average_shares_differ_by_at_most_one(n, k, seed):
    result = shares(n, [Slot()] * k, Method.AVERAGE, random.Random(seed))
    assert sum(result) == n
    assert max(result) - min(result) <= 1


@given(n=st.integers(min_value=0, max_value=9), k=st.integers(min_value=10, max_value=30), seed=seeds)
def test_fewer_customers_than_targets_go_to_distinct_targets(n, k, seed):
    result = shares(n, [Slot()] * k, Method.AVERAGE, random.Random(seed))
    assert sorted(set(result)) <= [0, 1] and sum(result) == n


def test_fewer_customers_than_targets_are_placed_at_random():
    firsts = {shares(1, [Slot()] * 5, Method.AVERAGE, random.Random(seed)).index(1) for seed in range(50)}
    assert len(firsts) > 1  # not always the first target


@given(n=counts, ws=weights, seed=seeds)
def test_weighted_shares_are_within_one_of_the_exact_share(n, ws, seed):
    if not any(ws):
        with pytest.raises(NoShares, match="权重都为 0"):
            shares(n, [Slot(w) for w in ws], Method.WEIGHT, random.Random(seed))
        return
    result = shares(n, [Slot(w) for w in ws], Method.WEIGHT, random.Random(seed))
    assert sum(result) == n
    total = sum(ws)
    for w, got in zip(ws, result, strict=True):
        assert abs(got - Fraction(n * w, total)) < 1


@given(n=counts, ws=weights, rooms=st.lists(st.one_of(st.none(), st.integers(0, 300)), min_size=40, max_size=40),
       method=st.sampled_from(list(Method)), seed=seeds)
def test_rooms_hold_and_nothing_is_lost_while_room_remains(n, ws, rooms, method, seed):
    slots = [Slot(max(w, 1), room) for w, room in zip(ws, rooms, strict=False)]
    result = shares(n, slots, method, random.Random(seed))
    for slot, got in zip(slots, result, strict=True):
        assert got >= 0 and (slot.room is None or got <= slot.room)
    capacity = None if any(s.room is None for s in slots) else sum(s.room or 0 for s in slots)
    assert sum(result) == (n if capacity is None else min(n, capacity))


@given(n=counts, k=st.integers(min_value=1, max_value=20), seed=seeds)
def test_random_shares_place_everyone(n, k, seed):
    assert sum(shares(n, [Slot()] * k, Method.RANDOM, random.Random(seed))) == n


def test_no_targets_is_refused_in_chinese():
    with pytest.raises(NoShares, match="请至少添加一个分配目标"):
        shares(10, [], Method.AVERAGE, random.Random(1))
