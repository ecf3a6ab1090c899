# SPDX-License-Identifier: Apache-2.0
#
# blt2csv.awk: a ballot file in the "BLT" format (as the scot-elex collection
# keeps the Scottish council elections' preference profiles) as the CSV of
# rankings that `tally rcv` reads (docs/methods-rcv.md, "Input").
#
#   awk -f blt2csv.awk renfrewshire_2017_ward3.blt > renfrewshire_2017_ward3.csv
#
# The BLT format (from Hill, Wichmann and Woodall's ERS counting program, as
# OpenSTV and Droop read it): line 1 is "CANDIDATES SEATS"; then one line per
# distinct ranking, "COUNT C1 C2 ... 0", with candidates numbered from 1 in
# order of preference; a line "0" ends the ballots; then one line per
# candidate with its name, and a last line with the title. The files of this
# collection have unquoted names ending in the party in parentheses.
#
# What changes on the way: each candidate's number becomes an id made of its
# name without the party, every run of characters other than A-Z a-z 0-9 . _ -
# becoming "_" ("Jennifer Marion ADAM-MCGREGOR (SNP)" ->
# "Jennifer_Marion_ADAM-MCGREGOR"); the rankings are written in the order of
# the file, with their count in the 'count' column and as many rank columns
# as the longest ranking, shorter ones padded with empty cells. The number of
# seats is not part of a CSV of rankings: give it with --seats. Anything the
# format does not allow here (withdrawn candidates, a candidate out of range
# or twice in a ranking, a ranking without its final 0, a name missing or two
# names with one id) stops the script with exit status 1.

function fail(msg) {
	printf "blt2csv.awk: line %d: %s\n", FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

BEGIN { part = "head"; maxlen = 0; nb = 0 }

{ sub(/\r$/, "") }

part == "head" {
	if (NF != 2 || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ || $1 < 1)
		fail("the first line is not 'CANDIDATES SEATS'")
	nc = $1 + 0
	seats = $2 + 0
	part = "ballots"
	next
}

part == "ballots" {
	if ($0 ~ /^[ \t]*0[ \t]*$/) { part = "names"; nn = 0; next }
	if ($1 !~ /^[0-9]+$/ || $1 + 0 < 1)
		fail("a ranking's count is not a whole number of 1 or more (withdrawn candidates are not read)")
	if ($NF != "0")
		fail("a ranking does not end in 0")
	nb++
	cnt[nb] = $1
	len[nb] = NF - 2
	delete seen
	for (i = 2; i < NF; i++) {
		if ($i !~ /^[0-9]+$/ || $i + 0 < 1 || $i + 0 > nc)
			fail("'" $i "' is not a candidate number from 1 to " nc)
		if ($i in seen)
			fail("candidate " $i " is ranked twice")
		seen[$i] = 1
		rank[nb, i - 1] = $i + 0
	}
	if (len[nb] > maxlen)
		maxlen = len[nb]
	next
}

part == "names" {
	if (nn == nc) { title = $0; part = "done"; next }
	name = $0
	sub(/[ \t]*\([^()]*\)[ \t]*$/, "", name)
	id = name
	gsub(/[^A-Za-z0-9._-]+/, "_", id)
	gsub(/^_+|_+$/, "", id)
	if (id == "" || length(id) > 64)
		fail("no id can be made of the name '" $0 "'")
	if (id in used)
		fail("two candidates would have the id '" id "'")
	used[id] = 1
	ids[++nn] = id
	next
}

END {
	if (failed)
		exit 1
	if (part != "done" && !(part == "names" && nn == nc)) {
		printf "blt2csv.awk: the file ends before the %d candidates' names\n", nc > "/dev/stderr"
		exit 1
	}
	line = "count"
	for (r = 1; r <= maxlen; r++)
		line = line ",rank" r
	print line
	for (b = 1; b <= nb; b++) {
		line = cnt[b]
		for (r = 1; r <= maxlen; r++)
			line = line "," (r <= len[b] ? ids[rank[b, r]] : "")
		print line
	}
}
