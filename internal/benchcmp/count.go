package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
)

// countSeries counts the sample lines of a text exposition.
func countSeries(encoding string, body []byte) int {
	var r io.Reader = bytes.NewReader(body)
	if encoding == "gzip" {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return 0
		}
		r = zr
	}
	n := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Bytes(); len(line) > 0 && line[0] != '#' {
			n++
		}
	}
	return n
}
