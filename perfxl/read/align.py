"""Pairing cells with the columns they belong to when merged cells have made columns drift."""

from __future__ import annotations


def align(left: list[int], right: list[int]) -> list[tuple[int, int]]:
    """Order-preserving pairing of two column lists, minimising the column distance.

    Every item of the shorter list is paired; returns (index in left, index in right) pairs.
    """
    if len(left) == len(right):  # the one pairing that pairs every item: in order
        return [(i, i) for i in range(len(left))]
    swap = len(left) > len(right)
    a, b = (right, left) if swap else (left, right)
    n, m = len(a), len(b)
    if n == 0:
        return []
    inf = float("inf")
    # cost[i][j]: best cost pairing a[:i] within b[:j], that is
    # min(cost[i][j - 1], cost[i - 1][j - 1] + |a[i - 1] - b[j - 1]|): a running minimum along row i
    cost: list[list[float]] = [[0.0] * (m + 1)]
    for i in range(1, n + 1):
        above, ai = cost[i - 1], a[i - 1]
        row = [inf] * (m + 1)
        best = inf
        for j in range(i, m + 1):
            here = above[j - 1] + abs(ai - b[j - 1])
            if here < best:
                best = here
            row[j] = best
        cost.append(row)
    pairs = []
    i, j = n, m
    while i > 0:
        if j > i and cost[i][j] == cost[i][j - 1]:
            j -= 1
            continue
        pairs.append((i - 1, j - 1))
        i, j = i - 1, j - 1
    pairs.reverse()
    return [(q, p) for p, q in pairs] if swap else pairs
