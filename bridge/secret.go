package bridge

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
)

// sealedPrefix marks the format of a sealed password, so the scheme can change later.
const sealedPrefix = "v1:"

// errBadSealedPassword is returned when a stored password cannot be opened,
// e.g. because password_key changed. It never includes the secret.
var errBadSealedPassword = errors.New("the stored XMPP password cannot be decrypted (was network.password_key changed?); log in again")

// sealPassword encrypts password with AES-256-GCM, bound to the login ID so a
// sealed value cannot be moved to another login.
func sealPassword(key []byte, loginID, password string) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, []byte(password), []byte(loginID))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// openPassword reverses sealPassword.
func openPassword(key []byte, loginID, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", errBadSealedPassword
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return "", errBadSealedPassword
	}
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	if len(data) < aead.NonceSize() {
		return "", errBadSealedPassword
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(loginID))
	if err != nil {
		return "", errBadSealedPassword
	}
	return string(plain), nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("network.password_key is not a valid AES-256 key")
	}
	return cipher.NewGCM(block)
}
