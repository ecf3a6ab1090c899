-- SPDX-License-Identifier: Apache-2.0
--
-- aggregate.sql: the SQLite peer of `tally import` in bench/run.sh, for the
-- sqlite3 shell. It loads a station CSV of the Russian layout (region, tik,
-- uik, the twelve protocol lines, the candidate columns, an optional url)
-- with .import, counts the rows that break each of the four control
-- relations of 20-FZ appendix 5, sums lines and candidates by region with
-- GROUP BY, and prints the national totals.
--
-- The number of candidate columns differs between files, so this file is a
-- template: bench/run.sh replaces
--   @FILE@        the CSV file
--   @CAND_COLS@   the candidate column definitions  ("c1 INTEGER, c2 INTEGER")
--   @TAIL_COLS@   ", url TEXT" when the file has a url column, else nothing
--   @CAND_SUMS@   "SUM(c1) AS c1, SUM(c2) AS c2"
--   @CAND_TOTAL@  "c1 + c2"
--   @CAND_NAT@    "SUM(c1), SUM(c2)"
-- and runs:  sqlite3 :memory: ".read expanded.sql"
-- Columns are named by position (l1..l12 are the protocol lines), so the
-- header row is skipped rather than used.
.bail on
CREATE TABLE s(region TEXT, tik TEXT, uik TEXT,
               l1 INTEGER, l2 INTEGER, l3 INTEGER, l4 INTEGER, l5 INTEGER, l6 INTEGER,
               l7 INTEGER, l8 INTEGER, l9 INTEGER, l10 INTEGER, l11 INTEGER, l12 INTEGER,
               @CAND_COLS@ @TAIL_COLS@);
.import --csv --skip 1 '@FILE@' s

-- 20-FZ appendix 5: 1 >= 3+4+5; 2 = 3+4+5+6+11-12; 7+8 = 9+10; 10 = sum of candidates
SELECT 'RU01', SUM(l1 < l3 + l4 + l5),
       'RU02', SUM(l2 != l3 + l4 + l5 + l6 + l11 - l12),
       'RU03', SUM(l7 + l8 != l9 + l10),
       'RU04', SUM(l10 != @CAND_TOTAL@)
FROM s;

CREATE TEMP TABLE by_region AS
SELECT region, COUNT(*) AS stations,
       SUM(l1) AS l1, SUM(l2) AS l2, SUM(l3) AS l3, SUM(l4) AS l4, SUM(l5) AS l5,
       SUM(l6) AS l6, SUM(l7) AS l7, SUM(l8) AS l8, SUM(l9) AS l9, SUM(l10) AS l10,
       SUM(l11) AS l11, SUM(l12) AS l12, @CAND_SUMS@
FROM s GROUP BY region;

SELECT 'stations', SUM(stations), 'regions', COUNT(*), 'registered', SUM(l1),
       'valid', SUM(l10)
FROM by_region;
SELECT 'candidates', @CAND_NAT@ FROM by_region;
