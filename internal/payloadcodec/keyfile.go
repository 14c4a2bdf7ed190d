package payloadcodec

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// LoadOrCreateKeyFile returns the keys kept in path (CEP_PAYLOAD_KEYS syntax), creating
// the file with one random key (mode 0600) on first use. It serves `cep dev`, which must
// read its cases again after a restart without any setting.
func LoadOrCreateKeyFile(path string) (*Keys, error) {
	if b, err := os.ReadFile(path); err == nil {
		k, err := ParseKeys(string(b))
		if err != nil {
			return nil, fmt.Errorf("payload key file %s: %w", path, err)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tag := make([]byte, 4)
	if _, err := rand.Read(tag); err != nil {
		return nil, err
	}
	line := "dev-" + hex.EncodeToString(tag) + ":" + base64.StdEncoding.EncodeToString(key) + "\n"
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	// O_EXCL: when two processes start together, one writes and both read the same key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return ParseKeys(line)
}
