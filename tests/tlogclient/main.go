// SPDX-License-Identifier: Apache-2.0
//
// tlogclient reads tally's transparency log through its tiles alone, as
// any client of a tiled log does, with nothing of tally's code: the
// checkpoint and its signature with golang.org/x/mod/sumdb/note, the tree
// with golang.org/x/mod/sumdb/tlog (the Go checksum database's reference
// packages), the paths of c2sp.org/tlog-tiles and the entry format of
// docs/log-format.md, written here from those documents. It is the
// independent check of tests/server/tlog-client-test.sh.
//
// It fetches <url>/checkpoint and opens it with the CEC's verifier key;
// fetches every hash tile of the checkpoint's tree (tile/<L>/<N>[.p/<W>])
// and every entry bundle (tile/entries/<N>[.p/<W>]), each bundle twice:
// with "Accept-Encoding: gzip", which must come gzipped (Content-Encoding:
// gzip, Vary: Accept-Encoding), and without, which must come as it is, with
// the same bytes once gunzipped; checks each entry's record hash against
// its level-0 tile; recomputes the whole tree from the entries (tlog's
// StoredHashes) and compares its root with the checkpoint's and every
// served tile with the recomputed one, byte for byte; computes inclusion
// proofs from the served tiles (tlog's TileHashReader, which authenticates
// each tile against the root) and checks them (CheckRecord); decodes every
// entry by the tally/v2 format, which must consume exactly its bytes; and
// for every field logged by hash fetches body/<SHA-256 hex> and checks its
// length and SHA-256. Any failure prints "tlogclient: FAILED: why" and
// exits 1; success prints one line of figures and exits 0.
//
// With -gzip=false a bundle or body may come gzipped or not (a static
// mirror of the files serves them as they are).
//
// usage: tlogclient -url http://127.0.0.1:PORT/api/v1/log -key CEC.pub [-gzip=false]
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	tileHeight = 8   // c2sp.org/tlog-tiles: tiles of 2^8 hashes
	tileWidth  = 256 // hashes in a full tile, entries in a full bundle
	inlineMax  = 61440
	maxEntry   = 65535
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogclient: FAILED: "+format+"\n", args...)
	os.Exit(1)
}

var client = &http.Client{
	Timeout: 30 * time.Second,
	// the transport must not gunzip on its own: the Content-Encoding is checked here
	Transport: &http.Transport{DisableCompression: true},
}

var base string
var requests, wireBytes int
var needGzip = true

// get fetches base/rel; with gz it asks for gzip and requires it, and
// gunzips the body; without, it requires no Content-Encoding.
func get(rel string, gz bool) []byte {
	req, err := http.NewRequest("GET", base+"/"+rel, nil)
	if err != nil {
		fail("%s: %v", rel, err)
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		fail("%s: %v", rel, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("%s: %v", rel, err)
	}
	requests++
	wireBytes += len(body)
	if resp.StatusCode != 200 {
		fail("%s: HTTP %d: %.300s", rel, resp.StatusCode, body)
	}
	enc := resp.Header.Get("Content-Encoding")
	if !gz {
		if enc != "" {
			fail("%s: Content-Encoding %q without Accept-Encoding", rel, enc)
		}
		return body
	}
	if enc == "" && !needGzip {
		return body
	}
	if enc != "gzip" {
		fail("%s: asked for gzip, got Content-Encoding %q", rel, enc)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		fail("%s: a gzipped answer without Vary: Accept-Encoding", rel)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		fail("%s: not gzip: %v", rel, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		fail("%s: bad gzip: %v", rel, err)
	}
	return raw
}

// tilePath is the c2sp.org/tlog-tiles path of a tile: "tile/<L>/<N>" or
// "tile/entries/<N>", N in three-digit groups all but the last with an
// "x", then ".p/<W>" for a partial tile.
func tilePath(level string, n int64, w int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	p := "tile/" + level + "/" + s
	if w < tileWidth {
		p += fmt.Sprintf(".p/%d", w)
	}
	return p
}

// served holds the hash tiles as fetched, for tlog.TileHashReader.
type served map[tlog.Tile][]byte

func (s served) Height() int { return tileHeight }
func (s served) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		d, ok := s[t]
		if !ok {
			return nil, fmt.Errorf("tile %v was not fetched", t)
		}
		out[i] = d
	}
	return out, nil
}
func (s served) SaveTiles([]tlog.Tile, [][]byte) {}

// entry reading, by docs/log-format.md ("Log entries")
type reader struct {
	b   []byte
	pos int
	bad string
}

func (r *reader) take(n int, what string) []byte {
	if r.bad != "" {
		return nil
	}
	if n < 0 || len(r.b)-r.pos < n {
		r.bad = what
		return nil
	}
	p := r.b[r.pos : r.pos+n]
	r.pos += n
	return p
}
func (r *reader) u32(what string) uint32 {
	if p := r.take(4, what); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}
func (r *reader) bytesField(what string) []byte { return r.take(int(r.u32(what)), what) }

// blob: u32 length, the bytes when at most 61,440, else their SHA-256
type blob struct {
	n      uint32
	hash   []byte
	inline []byte
}

func (r *reader) blob(what string) blob {
	n := r.u32(what)
	if n <= inlineMax {
		return blob{n: n, inline: r.take(int(n), what)}
	}
	return blob{n: n, hash: r.take(32, what)}
}

// decode returns the entry's type and its blob (nil for key, annulment)
func decode(e []byte) (string, *blob, error) {
	nul := bytes.IndexByte(e, 0)
	if nul < 0 || !bytes.HasPrefix(e, []byte("tally/v2/")) {
		return "", nil, fmt.Errorf("not a tally/v2 entry")
	}
	typ := string(e[len("tally/v2/"):nul])
	r := &reader{b: e, pos: nul + 1}
	r.take(8, "time")
	var b *blob
	switch typ {
	case "definition":
		r.bytesField("election")
		x := r.blob("definition")
		b = &x
	case "key":
		r.bytesField("station")
		r.take(32, "pub")
	case "protocol":
		r.bytesField("station")
		r.take(8+32+64, "version, key id, signature")
		x := r.blob("body")
		b = &x
	case "annulment":
		r.take(1, "kind")
		r.bytesField("target")
		r.bytesField("who")
		r.bytesField("reason")
	case "results":
		r.take(8, "tree size")
		x := r.blob("statement")
		b = &x
	case "rejected":
		r.bytesField("station")
		r.take(32+64, "key id, signature")
		x := r.blob("body")
		b = &x
		r.bytesField("code")
		r.bytesField("reason")
	default:
		return "", nil, fmt.Errorf("unknown type %q", typ)
	}
	if r.bad != "" {
		return "", nil, fmt.Errorf("%s entry truncated at %s", typ, r.bad)
	}
	if r.pos != len(e) {
		return "", nil, fmt.Errorf("%s entry has %d bytes after its last field", typ, len(e)-r.pos)
	}
	return typ, b, nil
}

func main() {
	url := flag.String("url", "", "the log's prefix, http://127.0.0.1:PORT/api/v1/log")
	keyFile := flag.String("key", "", "the CEC's verifier key (tally keys generate's .pub)")
	flag.BoolVar(&needGzip, "gzip", true, "require bundles and bodies gzipped when asked")
	flag.Parse()
	if *url == "" || *keyFile == "" {
		fmt.Fprintln(os.Stderr, "usage: tlogclient -url http://127.0.0.1:PORT/api/v1/log -key CEC.pub")
		os.Exit(2)
	}
	base = strings.TrimRight(*url, "/")

	// ---- the checkpoint (c2sp.org/tlog-checkpoint), signed (c2sp.org/signed-note)
	vkey, err := os.ReadFile(*keyFile)
	if err != nil {
		fail("%v", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fail("the key: %v", err)
	}
	msg := get("checkpoint", false)
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("the checkpoint's signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("the checkpoint is not for the log %q: %q", v.Name(), n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size <= 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("the checkpoint's size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != 32 {
		fail("the checkpoint's root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	// ---- every hash tile of the tree
	tiles := served{}
	for level := 0; size>>(uint(level)*tileHeight) > 0; level++ {
		count := size >> (uint(level) * tileHeight)
		for idx := int64(0); idx*tileWidth < count; idx++ {
			w := tileWidth
			if rest := count - idx*tileWidth; rest < tileWidth {
				w = int(rest)
			}
			t := tlog.Tile{H: tileHeight, L: level, N: idx, W: w}
			data := get(tilePath(strconv.Itoa(level), idx, w), false)
			if len(data) != w*tlog.HashSize {
				fail("%s: %d bytes, not %d hashes", tilePath(strconv.Itoa(level), idx, w), len(data), w)
			}
			tiles[t] = data
		}
	}

	// ---- every entry bundle, gzipped and not; every entry against its leaf
	var entries [][]byte
	rawBytes, gzBytes := 0, 0
	for idx := int64(0); idx*tileWidth < size; idx++ {
		w := tileWidth
		if rest := size - idx*tileWidth; rest < tileWidth {
			w = int(rest)
		}
		p := tilePath("entries", idx, w)
		before := wireBytes
		zipped := get(p, true)
		gzBytes += wireBytes - before
		plain := get(p, false)
		rawBytes += len(plain)
		if !bytes.Equal(zipped, plain) {
			fail("%s: the gzipped bundle is not the bundle", p)
		}
		tile := tiles[tlog.Tile{H: tileHeight, L: 0, N: idx, W: w}]
		for i, pos := 0, 0; i < w; i++ {
			if len(plain)-pos < 2 {
				fail("%s: ends after %d of %d entries", p, i, w)
			}
			l := int(binary.BigEndian.Uint16(plain[pos:]))
			pos += 2
			if len(plain)-pos < l {
				fail("%s: entry %d cut short", p, i)
			}
			e := plain[pos : pos+l]
			pos += l
			index := idx*tileWidth + int64(i)
			leaf, err := tlog.HashFromTile(tlog.Tile{H: tileHeight, L: 0, N: idx, W: w}, tile,
				tlog.StoredHashIndex(0, index))
			if err != nil {
				fail("entry %d: %v", index, err)
			}
			if tlog.RecordHash(e) != leaf {
				fail("entry %d does not give its leaf hash in tile/0", index)
			}
			entries = append(entries, e)
			if i == w-1 && pos != len(plain) {
				fail("%s: %d bytes after its %d entries", p, len(plain)-pos, w)
			}
		}
	}
	if int64(len(entries)) != size {
		fail("%d entries for a tree of %d", len(entries), size)
	}

	// ---- the tree recomputed from the entries alone
	var stored []tlog.Hash
	hr := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not computed", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, e := range entries {
		h, err := tlog.StoredHashes(int64(i), e, hr)
		if err != nil {
			fail("entry %d: %v", i, err)
		}
		stored = append(stored, h...)
	}
	got, err := tlog.TreeHash(size, hr)
	if err != nil {
		fail("%v", err)
	}
	if got != root {
		fail("the entries give the root %v, the checkpoint signs %v", got, root)
	}
	for t, data := range tiles {
		want, err := tlog.ReadTileData(t, hr)
		if err != nil {
			fail("%v", err)
		}
		if !bytes.Equal(want, data) {
			fail("%s is not the tile of the entries' tree", tilePath(strconv.Itoa(t.L), t.N, t.W))
		}
	}

	// ---- inclusion proofs from the served tiles (each tile authenticated by tlog)
	th := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles)
	if r, err := tlog.TreeHash(size, th); err != nil || r != root {
		fail("the tiles do not give the root: %v", err)
	}
	proofs := 0
	check := func(i int64) {
		p, err := tlog.ProveRecord(size, i, th)
		if err != nil {
			fail("inclusion proof of entry %d: %v", i, err)
		}
		if err := tlog.CheckRecord(p, size, root, i, tlog.RecordHash(entries[i])); err != nil {
			fail("inclusion proof of entry %d: %v", i, err)
		}
		proofs++
	}
	check(0)
	check(size / 2)
	check(size - 1)

	// ---- every entry decoded; every body logged by hash fetched and checked
	bodies, bodyBytes, large := map[string]bool{}, 0, 0
	types := map[string]int{}
	for i, e := range entries {
		if len(e) > maxEntry {
			fail("entry %d is %d bytes", i, len(e))
		}
		typ, b, err := decode(e)
		if err != nil {
			fail("entry %d: %v", i, err)
		}
		types[typ]++
		if b == nil || b.hash == nil {
			continue
		}
		large++
		check(int64(i))
		name := hex.EncodeToString(b.hash)
		if bodies[name] {
			continue
		}
		body := get("body/"+name, true)
		if uint32(len(body)) != b.n {
			fail("body/%s: %d bytes, entry %d logs %d", name, len(body), i, b.n)
		}
		if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b.hash) {
			fail("body/%s: the bytes do not give that SHA-256", name)
		}
		if typ == "definition" && !json.Valid(body) {
			fail("body/%s: the definition is not JSON", name)
		}
		bodies[name] = true
		bodyBytes += len(body)
	}
	if types["definition"] != 1 {
		fail("%d definitions in the log", types["definition"])
	}
	fmt.Printf("tlogclient: %s: %d entries (%d definition, %d protocol, %d key, %d annulment, "+
		"%d results, %d rejected), root matches the signed checkpoint; %d hash tiles; "+
		"bundles %d bytes, %d gzipped; %d fields logged by hash, %d bodies (%d bytes) match; "+
		"%d inclusion proofs; %d requests\n",
		v.Name(), size, types["definition"], types["protocol"], types["key"], types["annulment"],
		types["results"], types["rejected"], len(tiles), rawBytes, gzBytes, large, len(bodies),
		bodyBytes, proofs, requests)
}
