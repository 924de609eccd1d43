package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
)

// countSeries counts the sample lines of a text exposition, and tells
// whether it says bizenv_data_stale 1 (data rendered before a change,
// served while the new rendering goes on).
func countSeries(encoding string, body []byte) (n int, stale bool) {
	var r io.Reader = bytes.NewReader(body)
	if encoding == "gzip" {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return 0, false
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Bytes(); len(line) > 0 && line[0] != '#' {
			n++
			stale = stale || string(line) == "bizenv_data_stale 1"
		}
	}
	return n, stale
}
