package libotrpeer

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

//go:embed csrc/peer.c
var peerSource []byte

//go:embed csrc/bench.c
var benchSource []byte

// ErrNoLibotr is returned when libotr's development files are missing.
var ErrNoLibotr = errors.New("libotrpeer: libotr not found: install libotr5-dev and pkg-config (Debian), or libotr 4.1 elsewhere")

var buildMu sync.Mutex

// Build compiles the peer program (once per source version) into a cache
// directory and returns its path. It needs cc and pkg-config with libotr.
func Build() (string, error) { return build("libotrpeer", peerSource) }

// BuildBench compiles the libotr benchmark program and returns its path.
func BuildBench() (string, error) { return build("libotrbench", benchSource) }

func build(name string, src []byte) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libotr").Output()
	if err != nil {
		return "", fmt.Errorf("%w (pkg-config: %v)", ErrNoLibotr, err)
	}
	sum := sha256.Sum256(append(append([]byte(nil), src...), flags...))
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "offrecord-libotrpeer", hex.EncodeToString(sum[:8]))
	bin := filepath.Join(dir, name)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cfile := filepath.Join(dir, name+".c")
	if err := os.WriteFile(cfile, src, 0o644); err != nil {
		return "", err
	}
	tmp := bin + ".tmp"
	args := append([]string{"-O2", "-Wall", "-o", tmp, cfile}, strings.Fields(string(flags))...)
	if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("libotrpeer: cc failed: %v\n%s", err, out)
	}
	return bin, os.Rename(tmp, bin)
}
