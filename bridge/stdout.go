package bridge

import (
	"bufio"
	"bytes"
	"io"
	"os"
)

// otr3Noise is a line otr3 (at the pinned version) prints to standard output
// with fmt.Printf whenever it wipes a struct holding a signed int. It carries
// no data; upstream has since fixed it.
var otr3Noise = []byte("Unsupported wipe kind: int")

// filterStdout drops otr3's noise lines from standard output so the bridge's
// own output stays readable. The bridge's logger already holds the original
// stdout, so only stray fmt.Print output passes through the filter.
func filterStdout() {
	orig := os.Stdout
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	os.Stdout = w
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if bytes.Equal(bytes.TrimSpace(line), otr3Noise) {
				continue
			}
			_, _ = orig.Write(append(line, '\n'))
		}
		_, _ = io.Copy(orig, r)
	}()
}
