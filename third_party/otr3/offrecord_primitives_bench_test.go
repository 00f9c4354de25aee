package otr3

// The standard library's primitives alone, at the sizes of a one-way
// 100-byte data message (offrecord): what the message path cannot go below
// without writing its own base64, HMAC-SHA1 or AES-CTR. The "libotr" sizes
// are those of libotr's unpadded message, for comparison with
// otr/testdata/libotrprims.c.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"testing"
)

// Sizes of one 100-byte message as otr3 sends it (padded to 256 bytes) and
// as libotr sends it (the text and its NUL): binary data message, its
// base64 text, the bytes under the MAC, the encrypted plaintext.
var primSizes = []struct {
	name                  string
	binary, macd, payload int
}{
	{"otr3", 510, 486, 256},
	{"libotr", 354, 331, 101},
}

func BenchmarkPrimitives(b *testing.B) {
	for _, sz := range primSizes {
		msg := make([]byte, sz.binary)
		enc := base64.StdEncoding.AppendEncode(nil, msg)
		b.Run(fmt.Sprintf("base64-encode/%s-%dB", sz.name, sz.binary), func(b *testing.B) {
			out := make([]byte, 0, len(enc))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out = base64.StdEncoding.AppendEncode(out[:0], msg)
			}
		})
		b.Run(fmt.Sprintf("base64-decode/%s-%dB", sz.name, len(enc)), func(b *testing.B) {
			out := make([]byte, len(msg))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := base64.StdEncoding.Decode(out, enc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("hmac-sha1/%s-%dB", sz.name, sz.macd), func(b *testing.B) {
			mac := hmac.New(sha1.New, make([]byte, 20))
			sum := make([]byte, 0, sha1.Size)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				mac.Reset()
				mac.Write(msg[:sz.macd])
				sum = mac.Sum(sum[:0])
			}
		})
		b.Run(fmt.Sprintf("aes-ctr/%s-%dB", sz.name, sz.payload), func(b *testing.B) {
			block, _ := aes.NewCipher(make([]byte, 16))
			iv := make([]byte, aes.BlockSize)
			buf := make([]byte, sz.payload)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cipher.NewCTR(block, iv).XORKeyStream(buf, buf)
			}
		})
	}
	b.Run("aes-newctr", func(b *testing.B) {
		block, _ := aes.NewCipher(make([]byte, 16))
		iv := make([]byte, aes.BlockSize)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = cipher.NewCTR(block, iv)
		}
	})
}
