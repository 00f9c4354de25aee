package otr3

// offrecord patch 19: otr3 encodes and decodes its messages with
// github.com/emmansun/base64 (SIMD) instead of encoding/base64. These tests
// hold it to the standard library's results, on valid and on corrupt input,
// at every length around the SIMD block sizes and at OTR's message sizes.

import (
	"bytes"
	stdbase64 "encoding/base64"
	"math/rand/v2"
	"testing"

	"github.com/emmansun/base64"
)

// sameAsStdlib fails t unless encoding src and decoding enc give what
// encoding/base64 gives: the same text, the same bytes, an error in the same
// cases. Decoding writes into buffers of exactly DecodedLen bytes with a
// guard after them, so a write past the end is caught too.
func sameAsStdlib(t testing.TB, src, enc []byte) {
	t.Helper()
	if got, want := base64.StdEncoding.AppendEncode(nil, src), stdbase64.StdEncoding.AppendEncode(nil, src); !bytes.Equal(got, want) {
		t.Fatalf("encoding %d bytes: %q, encoding/base64 gives %q", len(src), got, want)
	}
	n := base64.StdEncoding.DecodedLen(len(enc))
	guard := []byte("guard!!!")
	got := append(make([]byte, n, n+len(guard)), guard...)
	gotN, gotErr := base64.StdEncoding.Decode(got[:n], enc)
	if !bytes.Equal(got[n:], guard) {
		t.Fatalf("decoding %q wrote past DecodedLen", enc)
	}
	want := make([]byte, stdbase64.StdEncoding.DecodedLen(len(enc)))
	wantN, wantErr := stdbase64.StdEncoding.Decode(want, enc)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("decoding %q: error %v, encoding/base64 gives %v", enc, gotErr, wantErr)
	}
	if gotErr == nil && !bytes.Equal(got[:gotN], want[:wantN]) {
		t.Fatalf("decoding %q: %x, encoding/base64 gives %x", enc, got[:gotN], want[:wantN])
	}
}

func TestBase64SameAsStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	corrupt := []byte("=*.\x00\xff\r\n ?-_")
	for size := 0; size <= 1100; size++ {
		src := make([]byte, size)
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		enc := stdbase64.StdEncoding.AppendEncode(nil, src)
		sameAsStdlib(t, src, enc)
		if len(enc) == 0 {
			continue
		}
		// One wrong character somewhere, and the text cut short.
		bad := bytes.Clone(enc)
		bad[r.IntN(len(bad))] = corrupt[r.IntN(len(corrupt))]
		sameAsStdlib(t, src, bad)
		sameAsStdlib(t, src, enc[:r.IntN(len(enc))])
	}
}

func TestBase64DataMessageRoundTrip(t *testing.T) {
	// A whole data message through the fork's encoder and decoder.
	msg := bytes.Repeat([]byte{0x00, 0x03, 0x03, 0xfe, 0x41}, 140)
	enc := (&Conversation{}).encode(msg)
	dec, err := b64decode(removeOTRMsgEnvelope(enc))
	if err != nil || !bytes.Equal(dec, msg) {
		t.Fatalf("round trip of %d bytes: %v", len(msg), err)
	}
}

func FuzzBase64SameAsStdlib(f *testing.F) {
	f.Add([]byte("?OTR:AAMDc2VjcmV0"), []byte("AAMDc2VjcmV0IG1lc3NhZ2UgdGhhdCBpcyBsb25nIGVub3VnaCBmb3IgU0lNRA=="))
	f.Add([]byte{}, []byte("AAAA*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
	f.Fuzz(func(t *testing.T, src, enc []byte) {
		sameAsStdlib(t, src, enc)
	})
}
