package payloadcodec

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func testKey(id string, b byte) string {
	return id + ":" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, KeySize))
}

func mustKeys(t *testing.T, s string) *Keys {
	t.Helper()
	k, err := ParseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestEncryptedPayloadHidesValueAndRoundTrips(t *testing.T) {
	dc := DataConverter(mustKeys(t, testKey("k1", 1)))
	p, err := dc.ToPayload(map[string]string{"note": "Reconversion-Secrète-42"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Metadata[converter.MetadataEncoding]); got != EncodingEncrypted {
		t.Fatalf("encoding %q, want %q", got, EncodingEncrypted)
	}
	if string(p.Metadata[MetadataKeyID]) != "k1" {
		t.Fatalf("key id %q", p.Metadata[MetadataKeyID])
	}
	raw, _ := p.Marshal()
	if bytes.Contains(raw, []byte("Secrète")) || bytes.Contains(raw, []byte("json/plain")) {
		t.Fatalf("payload shows its content or encoding: %q", raw)
	}
	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil {
		t.Fatal(err)
	}
	if back["note"] != "Reconversion-Secrète-42" {
		t.Fatalf("round trip gave %v", back)
	}
}

func TestPayloadWithoutMarkerDecodesUnchanged(t *testing.T) {
	old, err := converter.GetDefaultDataConverter().ToPayload("written before encryption")
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := DataConverter(mustKeys(t, testKey("k1", 1))).FromPayload(old, &s); err != nil || s != "written before encryption" {
		t.Fatalf("legacy payload: %q, %v", s, err)
	}
}

func TestRotation(t *testing.T) {
	oldKeys := mustKeys(t, testKey("2025", 1))
	p, err := NewCodec(oldKeys).Encode([]*commonpb.Payload{{Data: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustKeys(t, testKey("2026", 2)+", "+testKey("2025", 1))
	if rotated.ActiveID() != "2026" {
		t.Fatalf("active key %s, want the first", rotated.ActiveID())
	}
	dec, err := NewCodec(rotated).Decode(p)
	if err != nil || string(dec[0].Data) != "x" {
		t.Fatalf("old payload after rotation: %v %v", dec, err)
	}
	fresh, _ := NewCodec(rotated).Encode([]*commonpb.Payload{{Data: []byte("y")}})
	if string(fresh[0].Metadata[MetadataKeyID]) != "2026" {
		t.Fatal("new payloads must use the first key")
	}
	// Dropping the old key too early fails loudly, naming the key.
	_, err = NewCodec(mustKeys(t, testKey("2026", 2))).Decode(p)
	if err == nil || !strings.Contains(err.Error(), `"2025"`) {
		t.Fatalf("missing key: %v", err)
	}
}

func TestTamperedPayloadIsRefused(t *testing.T) {
	c := NewCodec(mustKeys(t, testKey("k1", 1)+","+testKey("k2", 2)))
	enc, _ := c.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	flipped := &commonpb.Payload{Metadata: enc[0].Metadata, Data: bytes.Clone(enc[0].Data)}
	flipped.Data[len(flipped.Data)-1] ^= 1
	if _, err := c.Decode([]*commonpb.Payload{flipped}); err == nil {
		t.Fatal("a modified ciphertext decrypted")
	}
	// The key ID is authenticated: relabelling the payload does not decrypt it.
	relabelled := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted),
		MetadataKeyID: []byte("k2")}, Data: enc[0].Data}
	if _, err := c.Decode([]*commonpb.Payload{relabelled}); err == nil {
		t.Fatal("a relabelled payload decrypted")
	}
}

func TestParseKeysErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "no key"},
		{"nokey", "entry 1 is not id:base64"},
		{"k1:!!!", `key "k1" is not standard base64`},
		{"k1:" + base64.StdEncoding.EncodeToString([]byte("short")), "has 5 bytes, want 32"},
		{testKey("k1", 1) + "," + testKey("k1", 2), "appears twice"},
		{"bad id:" + base64.StdEncoding.EncodeToString(make([]byte, 32)), "entry 1"},
	} {
		_, err := ParseKeys(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeys(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "AQEB") {
			t.Errorf("error quotes key material: %v", err)
		}
	}
}

func TestKeyFileIsCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "payload.keys")
	first, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %o, want 600", st.Mode().Perm())
	}
	enc, _ := NewCodec(first).Encode([]*commonpb.Payload{{Data: []byte("kept")}})
	again, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.ActiveID() != first.ActiveID() {
		t.Fatalf("a restart made a new key: %s then %s", first.ActiveID(), again.ActiveID())
	}
	if dec, err := NewCodec(again).Decode(enc); err != nil || string(dec[0].Data) != "kept" {
		t.Fatalf("payload of the previous run: %v", err)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("corrupt key file: %v", err)
	}
}
