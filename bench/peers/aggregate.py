#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# aggregate.py: the pandas peer of `tally import` in bench/run.sh. It does
# the same job by hand, as an analyst would: read a station CSV of the
# Russian layout (region, tik, uik, the twelve protocol lines, then one
# column per candidate, an optional "url"), check the four control
# relations of 20-FZ appendix 5 on every row, sum the lines and the
# candidates by region with a group-by, and print the national totals, the
# count of rows that break each relation, and the time taken.
#
#   /usr/bin/python3 bench/peers/aggregate.py FILE.csv
#
# Run with Debian's /usr/bin/python3 (python3-pandas); the first python3 on
# PATH may be a pyenv interpreter without pandas. Columns are taken by
# position, so the Russian headers and the synthetic ones both work.
import sys
import time

import pandas as pd


def main():
    if len(sys.argv) != 2:
        print("usage: aggregate.py FILE.csv", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    df = pd.read_csv(sys.argv[1], sep=",", engine="c", encoding="utf-8")
    t_read = time.perf_counter() - t0

    cols = list(df.columns)
    region = cols[0]
    lines = cols[3:15]                       # protocol lines 1..12
    cands = [c for c in cols[15:] if c != "url"]
    L = {i + 1: df[c].to_numpy(dtype="int64") for i, c in enumerate(lines)}
    cand_sum = df[cands].to_numpy(dtype="int64").sum(axis=1)

    # 20-FZ appendix 5: 1 >= 3+4+5; 2 = 3+4+5+6+11-12; 7+8 = 9+10; 10 = sum of candidates
    issued = L[3] + L[4] + L[5]
    broken = {
        "RU01": int((L[1] < issued).sum()),
        "RU02": int((L[2] != issued + L[6] + L[11] - L[12]).sum()),
        "RU03": int((L[7] + L[8] != L[9] + L[10]).sum()),
        "RU04": int((L[10] != cand_sum).sum()),
    }

    by_region = df.groupby(region, sort=False)[lines + cands].sum()
    totals = by_region.sum()
    t_all = time.perf_counter() - t0

    print("stations %d regions %d registered %d valid %d"
          % (len(df), len(by_region), totals[lines[0]], totals[lines[9]]))
    for c in cands:
        print("  %-40s %d" % (c, totals[c]))
    for code, n in broken.items():
        print("  %s broken at %d stations" % (code, n))
    print("time: read %.3f s, total %.3f s" % (t_read, t_all))
    return 0


if __name__ == "__main__":
    sys.exit(main())
