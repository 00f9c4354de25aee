package otr

import (
	//lint:ignore SA1019 OTR v2/v3 identity keys are DSA by specification.
	"crypto/dsa"
	"io"
	"math/big"
	"runtime"
	"sync"

	"github.com/coyim/otr3"
)

// keySource makes DSA identity keys in RAM.
//
// otr3's Generate draws fresh L1024N160 domain parameters for every key, which
// costs 70–330 ms. Domain parameters (p, q, g) are public and made to be shared
// (FIPS 186): sharing them among the keys of one process costs no security; the
// private exponent x, drawn afresh per key, is the secret. So by default the
// source draws parameters once, on first use, and then a key costs one modular
// exponentiation.
type keySource struct {
	rand  io.Reader
	fresh bool

	once   sync.Once
	params dsa.Parameters // guarded by once
	err    error
}

func (k *keySource) sharedParameters() (dsa.Parameters, error) {
	k.once.Do(func() {
		k.err = dsa.GenerateParameters(&k.params, k.rand, dsa.L1024N160)
	})
	return k.params, k.err
}

// newKey returns a fresh identity key.
func (k *keySource) newKey() (*otr3.DSAPrivateKey, error) {
	key := new(otr3.DSAPrivateKey)
	if k.fresh {
		if err := key.Generate(k.rand); err != nil {
			return nil, err
		}
		return key, nil
	}
	p, err := k.sharedParameters()
	if err != nil {
		return nil, err
	}
	key.PrivateKey.Parameters = dsa.Parameters{P: p.P, Q: p.Q, G: p.G}
	if err := dsa.GenerateKey(&key.PrivateKey, k.rand); err != nil {
		return nil, err
	}
	key.DSAPublicKey.PublicKey = key.PrivateKey.PublicKey
	return key, nil
}

// wipeKey overwrites the private exponent in place and drops the public
// value: otr3 exposes no wipe for long-term keys, but X is reachable.
func wipeKey(key *otr3.DSAPrivateKey) {
	if key == nil {
		return
	}
	wipeInt(key.X)
	key.X = nil
	key.PrivateKey.Y = nil
	key.DSAPublicKey.Y = nil
}

// wipeInt zeroes the words backing n, then sets it to zero.
func wipeInt(n *big.Int) {
	if n == nil {
		return
	}
	words := n.Bits()
	clear(words)
	n.SetInt64(0)
	runtime.KeepAlive(words)
}
