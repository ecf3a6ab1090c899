#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""integer_test.py: the integer-percent test of Kobak, Shpilkin & Pshenichnikov
written the usual way with numpy (Debian's python3-numpy), as the peer of
bench/bench_forensics.c: same inclusion rules, same +-0.05 pp window, 1,000
binomial resamples of every station with the denominators fixed, seed 42.

usage: integer_test.py [ZIP] [RESAMPLES]
"""
import csv, io, sys, time, zipfile

import numpy as np

zpath = sys.argv[1] if len(sys.argv) > 1 else "data/ru/2018.csv.zip"
nrep = int(sys.argv[2]) if len(sys.argv) > 2 else 1000

t0 = time.perf_counter()
with zipfile.ZipFile(zpath) as z:
    text = z.read(z.namelist()[0]).decode("utf-8")
rows = csv.reader(io.StringIO(text))
head = next(rows)
lead = [i for i, h in enumerate(head) if h.startswith("Путин")][0]
data = np.array([[int(r[3]), int(r[5]), int(r[6]), int(r[7]), int(r[11]), int(r[12]), int(r[lead])]
                 for r in rows], dtype=np.int64)
t1 = time.perf_counter()

voters = data[:, 0]
given = data[:, 1] + data[:, 2] + data[:, 3]
received = data[:, 4] + data[:, 5]
leader = data[:, 6]
keep = (received > 0) & (voters >= 100) & (given <= 0.99 * voters) & (leader <= 0.99 * received)
voters, given, received, leader = voters[keep], given[keep], received[keep], leader[keep]


def integer(k, n):
    x = 100.0 * k / n
    return np.abs(x - np.round(x)) <= 0.05


obs = np.sum(integer(leader, received) | integer(given, voters))
rng = np.random.default_rng(42)
pl, pt = leader / received, given / voters
mc = np.empty(nrep)
for r in range(nrep):
    l = rng.binomial(received, pl)
    g = rng.binomial(voters, pt)
    mc[r] = np.sum(integer(l, received) | integer(g, voters))
t2 = time.perf_counter()
excess = obs - mc.mean()
print(f"stations {keep.sum()}, resamples {nrep}")
print(f"read              {t1 - t0:.3f} s")
print(f"integer test      {t2 - t1:.3f} s  (excess {excess:.1f}, z {excess / mc.std(ddof=1):.2f})")
