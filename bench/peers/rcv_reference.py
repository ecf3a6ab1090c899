#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# rcv_reference.py: a plain reference implementation of instant-runoff and
# of the Scottish STV count (SSI 2007/42 Sch. 1 rules 46-52, transfer
# values truncated to five decimals, in integers of 10^-5), written for the
# benchmark of `tally rcv` (bench/bench_rcv.c) because no certified
# tabulator can be run here (RCTab needs Java libraries from the network).
# It is written the way a careful analyst would write it in Python: the
# file read with the csv module, identical rankings grouped in a Counter,
# each round over the groups. It reads only what bench_rcv writes (ranks
# 'rank1'...; a cell is a candidate, empty, or an overvote 'A=B'), applies
# the default rules of `tally rcv` (an overvote exhausts the ballot, skipped
# ranks are passed over, a repeated candidate is passed over) and breaks
# no ties (it stops on one). It prints its times, peak memory and winners.
#
# usage: rcv_reference.py FILE SEATS

import csv
import resource
import sys
import time
from collections import Counter


def read(path):
    groups = Counter()
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            prefs = []
            for cell in row:
                if not cell:
                    continue
                if "=" in cell:
                    prefs.append(None)  # the ballot ends here
                    break
                if cell not in prefs:
                    prefs.append(cell)
            groups[tuple(prefs)] += 1
    return groups


def next_pref(prefs, pos, cont):
    while pos < len(prefs):
        c = prefs[pos]
        if c is None:
            return None, pos
        if c in cont:
            return c, pos
        pos += 1
    return None, pos


def irv(groups):
    cands = {c for p in groups for c in p if c is not None}
    cont = set(cands)
    piles = {c: [] for c in cands}
    for p, n in groups.items():
        c, pos = next_pref(p, 0, cont)
        if c is not None:
            piles[c].append((p, pos, n))
    rounds = 0
    while True:
        rounds += 1
        votes = {c: sum(n for _, _, n in piles[c]) for c in cont}
        total = sum(votes.values())
        lead = max(cont, key=lambda c: votes[c])
        if 2 * votes[lead] > total or len(cont) == 1:
            return lead, rounds
        low = min(votes.values())
        tied = [c for c in cont if votes[c] == low]
        if len(tied) > 1:
            raise SystemExit("tie for elimination: the reference stops")
        x = tied[0]
        cont.discard(x)
        for p, pos, n in piles.pop(x):
            c, at = next_pref(p, pos + 1, cont)
            if c is not None:
                piles[c].append((p, at, n))


def scottish(groups, seats):
    UNIT = 100000
    cands = {c for p in groups for c in p if c is not None}
    cont = set(cands)
    piles = {c: [] for c in cands}
    votes = dict.fromkeys(cands, 0)
    valid = 0
    for p, n in groups.items():
        c, pos = next_pref(p, 0, cont)
        if c is not None:
            piles[c].append((p, pos, n, UNIT))
            votes[c] += n * UNIT
            valid += n
    quota = (valid // (seats + 1) + 1) * UNIT
    elected, pending = [], set()
    stages = 1
    while True:
        for c in sorted(cont, key=lambda c: -votes[c]):
            if votes[c] >= quota and len(elected) < seats:
                elected.append(c)
                cont.discard(c)
                if votes[c] > quota:
                    pending.add(c)
        if len(elected) == seats:
            return elected, stages
        if len(cont) <= seats - len(elected):
            return elected + sorted(cont, key=lambda c: -votes[c]), stages
        stages += 1
        if pending:
            best = max(votes[c] for c in pending)
            tied = [c for c in pending if votes[c] == best]
            if len(tied) > 1:
                raise SystemExit("tie between surpluses: the reference stops")
            x = tied[0]
            pending.discard(x)
            total = votes[x]
            surplus = total - quota
            for p, pos, n, v in piles.pop(x):
                tv = surplus * v // total  # rule 48(3): five decimals, remainder ignored
                c, at = next_pref(p, pos + 1, cont)
                if c is not None:
                    piles[c].append((p, at, n, tv))
                    votes[c] += n * tv
            votes[x] = quota
        else:
            low = min(votes[c] for c in cont)
            tied = [c for c in cont if votes[c] == low]
            if len(tied) > 1:
                raise SystemExit("tie for exclusion: the reference stops")
            x = tied[0]
            cont.discard(x)
            for p, pos, n, v in piles.pop(x):
                c, at = next_pref(p, pos + 1, cont)
                if c is not None:
                    piles[c].append((p, at, n, v))
                    votes[c] += n * v
            votes[x] = 0


def main():
    path, seats = sys.argv[1], int(sys.argv[2])
    t0 = time.perf_counter()
    groups = read(path)
    t1 = time.perf_counter()
    winner, rounds = irv(groups)
    t2 = time.perf_counter()
    elected, stages = scottish(groups, seats)
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("  read %.3f s (%d distinct), irv %.3f s (%d rounds) elected %s, "
          "scottish-stv %.3f s (%d stages) elected %s; peak %.1f MB"
          % (t1 - t0, len(groups), t2 - t1, rounds, winner, t3 - t2, stages,
             " ".join(elected), peak))


main()
