package otr3

import (
	"math/big"

	"filippo.io/bigmod"
)

func modExp(g, x, m *big.Int) *big.Int {
	return new(big.Int).Exp(g, x, m)
}

// modExpP returns g^x mod p, in constant time in x through modExpCT
// (offrecord patch: it was math/big's variable-time Exp, with SMP's secret
// exponents). A negative x keeps math/big's meaning (an inverse).
func modExpP(g, x *big.Int) *big.Int {
	if x.Sign() < 0 {
		return modExp(g, x, p)
	}
	xb := x.Bytes()
	r := modExpCT(g, xb, pct)
	wipeBytes(xb)
	return r
}

// ctModulus is an odd modulus for constant-time exponentiation with
// filippo.io/bigmod (offrecord patch: replaces coyim/constbn).
type ctModulus struct {
	n *big.Int
	m *bigmod.Modulus
}

// newCTModulus returns n as a ctModulus; n must be odd and greater than one.
func newCTModulus(n *big.Int) (*ctModulus, error) {
	if n.Sign() <= 0 || n.Bit(0) == 0 {
		return nil, newOtrError("modulus must be odd and positive")
	}
	m, err := bigmod.NewModulus(n.Bytes())
	if err != nil {
		return nil, err
	}
	return &ctModulus{n: n, m: m}, nil
}

// modExpCT returns g^x mod m in constant time in x (the exponent, big
// endian). g is public; it is reduced modulo m first.
func modExpCT(g *big.Int, x secretKeyValue, m *ctModulus) *big.Int {
	if g.Sign() < 0 || g.Cmp(m.n) >= 0 {
		g = new(big.Int).Mod(g, m.n)
	}
	base, err := bigmod.NewNat().SetBytes(g.Bytes(), m.m)
	if err != nil {
		panic("otr3: reduced base does not fit its modulus") // cannot happen: g < m
	}
	out := bigmod.NewNat().Exp(base, x, m.m).Bytes(m.m)
	r := new(big.Int).SetBytes(out)
	wipeBytes(out)
	return r
}

func modExpPCT(g *big.Int, x secretKeyValue) *big.Int {
	return modExpCT(g, x, pct)
}

func modInverse(g, x *big.Int) *big.Int {
	return new(big.Int).ModInverse(g, x)
}

func mul(l, r *big.Int) *big.Int {
	return new(big.Int).Mul(l, r)
}

func sub(l, r *big.Int) *big.Int {
	return new(big.Int).Sub(l, r)
}

func mulMod(l, r, m *big.Int) *big.Int {
	res := mul(l, r)
	res.Mod(res, m)
	return res
}

// Fast division over a modular field, without using division
func divMod(l, r, m *big.Int) *big.Int {
	return mulMod(l, modInverse(r, m), m)
}

func subMod(l, r, m *big.Int) *big.Int {
	res := sub(l, r)
	res.Mod(res, m)
	return res
}

func mod(l, m *big.Int) *big.Int {
	return new(big.Int).Mod(l, m)
}

func lt(l, r *big.Int) bool {
	return l.Cmp(r) == -1
}

func lte(l, r *big.Int) bool {
	return l.Cmp(r) != 1
}

func eq(l, r *big.Int) bool {
	return l.Cmp(r) == 0
}

func gt(l, r *big.Int) bool {
	return l.Cmp(r) == 1
}

func gte(l, r *big.Int) bool {
	return l.Cmp(r) != -1
}
